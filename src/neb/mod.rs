//! Nudged-elastic-band forces: improved tangent, parallel spring forces (uniform or energy-weighted),
//! climbing image, fixed atoms, convergence measure.
//!
//! # References
//! G. Henkelman, H. Jónsson, J. Chem. Phys. 113, 9978 (2000), doi:10.1063/1.1323224 (improved tangent);
//! G. Henkelman, B. P. Uberuaga, H. Jónsson, J. Chem. Phys. 113, 9901 (2000), doi:10.1063/1.1329672
//! (climbing image).

use crate::structure::MinimumImage;
use nalgebra::Vector3;
use serde::{Deserialize, Serialize};

/// Spring constants between neighbouring images.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Springs {
    /// One spring constant k [eV/Å²] for every segment (ASE default 0.1; VTST uses 5).
    Uniform {
        /// Spring constant [eV/Å²].
        k: f64,
    },
    /// Energy-weighted springs: k = k_max − (k_max − k_min)(E_max − E_seg)/(E_max − E_ref) for
    /// E_seg > E_ref = max(E_0, E_N+1), else k_min; E_seg is the higher energy of the segment's images.
    EnergyWeighted {
        /// Smallest spring constant [eV/Å²].
        k_min: f64,
        /// Largest spring constant [eV/Å²].
        k_max: f64,
    },
}

impl Default for Springs {
    fn default() -> Self {
        Springs::Uniform { k: 0.1 }
    }
}

impl Springs {
    /// Spring constants of the segments (i−1, i) for i = 1..n_images−1, from the image energies [eV].
    pub fn constants(&self, energies: &[f64]) -> Vec<f64> {
        let segments = energies.len().saturating_sub(1);
        match *self {
            Springs::Uniform { k } => vec![k; segments],
            Springs::EnergyWeighted { k_min, k_max } => {
                let e_ref = energies[0].max(energies[energies.len() - 1]);
                let e_max = energies.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                (1..energies.len())
                    .map(|i| {
                        let e = energies[i - 1].max(energies[i]);
                        if e > e_ref && e_max > e_ref {
                            k_max - (k_max - k_min) * (e_max - e) / (e_max - e_ref)
                        } else {
                            k_min
                        }
                    })
                    .collect()
            }
        }
    }
}

/// NEB forces and tangents of a band.
#[derive(Debug, Clone, PartialEq)]
pub struct BandForces {
    /// NEB force per image and atom [eV/Å]; endpoints have zero rows.
    pub forces: Vec<Vec<Vector3<f64>>>,
    /// Unit tangent per image (endpoints: along their only segment).
    pub tangents: Vec<Vec<Vector3<f64>>>,
    /// True force projected on the tangent, F·τ̂, per image [eV/Å] (dE/ds = −F·τ̂).
    pub tangential_force: Vec<f64>,
    /// The climbing image, if climbing is on.
    pub climbing: Option<usize>,
    /// Largest per-atom NEB force over movable images and free atoms [eV/Å].
    pub max_force: f64,
}

/// Flat dot product of two per-atom vector lists.
fn dot(a: &[Vector3<f64>], b: &[Vector3<f64>]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x.dot(y)).sum()
}

fn norm(a: &[Vector3<f64>]) -> f64 {
    dot(a, a).sqrt()
}

/// The highest-energy interior image (the climbing image candidate).
pub fn highest_image(energies: &[f64]) -> usize {
    let mut best = 1;
    for i in 1..energies.len() - 1 {
        if energies[i] > energies[best] {
            best = i;
        }
    }
    best
}

/// NEB forces for a band.
///
/// `positions[i]`, `energies[i]`, `true_forces[i]` for images 0..=N+1 (endpoints included; their
/// forces are not used). `fixed[a]` atoms get zero force. With `climb`, the highest interior image
/// feels F − 2(F·τ)τ and no spring.
pub fn band_forces(
    mic: &MinimumImage,
    positions: &[Vec<Vector3<f64>>],
    energies: &[f64],
    true_forces: &[Vec<Vector3<f64>>],
    fixed: &[bool],
    springs: &Springs,
    climb: bool,
) -> BandForces {
    let n = positions.len();
    let n_atoms = positions[0].len();
    let k = springs.constants(energies);
    // segment vectors R_{i+1} − R_i (minimum image) and their lengths
    let segments: Vec<Vec<Vector3<f64>>> = (0..n - 1)
        .map(|i| {
            (0..n_atoms)
                .map(|a| mic.displacement(&(positions[i + 1][a] - positions[i][a])))
                .collect()
        })
        .collect();
    let lengths: Vec<f64> = segments.iter().map(|s| norm(s)).collect();
    let climbing = (climb && n > 2).then(|| highest_image(energies));
    let zero = vec![Vector3::zeros(); n_atoms];
    let mut forces = vec![zero.clone(); n];
    let mut tangents = vec![zero.clone(); n];
    let mut tangential_force = vec![0.0; n];
    let mut max_force: f64 = 0.0;
    for i in 0..n {
        let tau: Vec<Vector3<f64>> = if i == 0 {
            segments[0].clone()
        } else if i == n - 1 {
            segments[n - 2].clone()
        } else {
            let (vp, v, vm) = (energies[i + 1], energies[i], energies[i - 1]);
            let (tp, tm) = (&segments[i], &segments[i - 1]);
            if vp > v && v > vm {
                tp.clone()
            } else if vp < v && v < vm {
                tm.clone()
            } else {
                let dmax = (vp - v).abs().max((vm - v).abs());
                let dmin = (vp - v).abs().min((vm - v).abs());
                let (wp, wm) = if vp > vm { (dmax, dmin) } else { (dmin, dmax) };
                tp.iter().zip(tm).map(|(p, m)| p * wp + m * wm).collect()
            }
        };
        let tn = norm(&tau);
        let tau: Vec<Vector3<f64>> = if tn > 0.0 {
            tau.iter().map(|t| t / tn).collect()
        } else {
            tau
        };
        let ft = dot(&true_forces[i], &tau);
        tangential_force[i] = ft;
        if i > 0 && i < n - 1 {
            let f: Vec<Vector3<f64>> = if climbing == Some(i) {
                true_forces[i]
                    .iter()
                    .zip(&tau)
                    .map(|(f, t)| f - t * (2.0 * ft))
                    .collect()
            } else {
                let spring = k[i] * lengths[i] - k[i - 1] * lengths[i - 1];
                true_forces[i]
                    .iter()
                    .zip(&tau)
                    .map(|(f, t)| f - t * ft + t * spring)
                    .collect()
            };
            let mut f = f;
            for a in 0..n_atoms {
                if fixed[a] {
                    f[a] = Vector3::zeros();
                } else {
                    max_force = max_force.max(f[a].norm());
                }
            }
            forces[i] = f;
        }
        tangents[i] = tau;
    }
    BandForces {
        forces,
        tangents,
        tangential_force,
        climbing,
        max_force,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::structure::Cell;

    fn mic() -> MinimumImage {
        MinimumImage::new(&Cell::default(), [false; 3]).unwrap()
    }

    fn line(xs: &[f64]) -> Vec<Vec<Vector3<f64>>> {
        xs.iter()
            .map(|&x| vec![Vector3::new(x, 0.0, 0.0)])
            .collect()
    }

    #[test]
    fn improved_tangent_cases() {
        let pos = line(&[0.0, 1.0, 3.0]);
        let f = vec![vec![Vector3::zeros()]; 3];
        let s = Springs::Uniform { k: 1.0 };
        // monotonic increase: τ = τ⁺ (direction +x) and spring (k|τ⁺| − k|τ⁻|) = 1
        let b = band_forces(&mic(), &pos, &[0.0, 1.0, 2.0], &f, &[false], &s, false);
        assert!((b.tangents[1][0] - Vector3::x()).norm() < 1e-15);
        assert!((b.forces[1][0].x - 1.0).abs() < 1e-15);
        // maximum: weighted by energy differences
        let pos = vec![
            vec![Vector3::new(0.0, 0.0, 0.0)],
            vec![Vector3::new(1.0, 0.0, 0.0)],
            vec![Vector3::new(1.0, 1.0, 0.0)],
        ];
        let b = band_forces(&mic(), &pos, &[0.0, 3.0, 1.0], &f, &[false], &s, false);
        // V+ − V = −2, V− − V = −3: ΔVmax = 3, ΔVmin = 2; V+ > V− so τ = τ⁺·3 + τ⁻·2
        let t = Vector3::new(2.0, 3.0, 0.0).normalize();
        assert!((b.tangents[1][0] - t).norm() < 1e-15);
    }

    #[test]
    fn climbing_image_inverts_tangential_force_and_drops_springs() {
        let pos = line(&[0.0, 1.0, 3.0]);
        let f = vec![
            vec![Vector3::zeros()],
            vec![Vector3::new(0.5, 0.2, 0.0)],
            vec![Vector3::zeros()],
        ];
        let b = band_forces(
            &mic(),
            &pos,
            &[0.0, 2.0, 1.0],
            &f,
            &[false],
            &Springs::Uniform { k: 5.0 },
            true,
        );
        assert_eq!(b.climbing, Some(1));
        assert!((b.forces[1][0] - Vector3::new(-0.5, 0.2, 0.0)).norm() < 1e-15);
        assert!((b.max_force - (0.25f64 + 0.04).sqrt()).abs() < 1e-15);
    }

    #[test]
    fn fixed_atoms_feel_no_force() {
        let pos: Vec<Vec<Vector3<f64>>> = (0..3)
            .map(|i| {
                vec![
                    Vector3::new(i as f64, 0.0, 0.0),
                    Vector3::new(0.0, 5.0, 0.0),
                ]
            })
            .collect();
        let f = vec![vec![Vector3::new(1.0, 1.0, 1.0); 2]; 3];
        let b = band_forces(
            &mic(),
            &pos,
            &[0.0, 1.0, 0.5],
            &f,
            &[false, true],
            &Springs::default(),
            false,
        );
        assert_eq!(b.forces[1][1], Vector3::zeros());
    }

    #[test]
    fn energy_weighted_springs() {
        let s = Springs::EnergyWeighted {
            k_min: 1.0,
            k_max: 3.0,
        };
        let k = s.constants(&[0.0, 1.0, 2.0, 0.5]);
        // E_ref = 0.5, E_max = 2; segments: max(0,1)=1 → 3 − 2·(2−1)/1.5; max(1,2)=2 → 3; 3
        assert!((k[0] - (3.0 - 2.0 / 1.5)).abs() < 1e-15);
        assert_eq!(&k[1..], &[3.0, 3.0]);
        let k = s.constants(&[1.0, 0.5, 1.0]);
        assert_eq!(k, vec![1.0, 1.0]);
    }
}
