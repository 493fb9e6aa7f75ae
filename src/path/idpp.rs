//! Image-dependent pair potential (IDPP) initial paths.
//!
//! Target distances d_ij(k) are interpolated linearly between the endpoints; each intermediate image
//! is relaxed on S_k = ½ Σ_{i≠j} w(d_ij)(d_ij(k) − d_ij)², w(d) = 1/d⁴, with NEB projection (tangent and
//! springs) so the images stay spread along the path, as in ASE's `idpp_interpolate` (MDMin there,
//! FIRE here). ASE stops at fmax 0.1 after at most 100 steps; nebkit converges the surrogate to
//! fmax 0.01 (at most 2000 steps) by default, since the loosely relaxed IDPP path can still pass
//! atoms through each other when a cluster reorganises between the endpoints (Pd10 → Pd–N4).
//!
//! # References
//! S. Smidstrup, A. Pedersen, K. Stokbro, H. Jónsson, J. Chem. Phys. 140, 214106 (2014),
//! doi:10.1063/1.4878664.

use super::{interpolate_linear, BandError};
use crate::neb::{band_forces, Springs};
use crate::optimize::{BandOptimizer, Fire, FireParams};
use crate::structure::{MinimumImage, Structure};
use nalgebra::Vector3;

/// IDPP relaxation settings.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IdppSettings {
    /// Convergence on the projected IDPP force (surrogate units, "eV/Å").
    pub fmax: f64,
    /// Largest number of relaxation steps.
    pub max_steps: usize,
    /// Spring constant during the relaxation.
    pub k: f64,
}

impl Default for IdppSettings {
    fn default() -> Self {
        IdppSettings {
            fmax: 0.01,
            max_steps: 2000,
            k: 0.1,
        }
    }
}

/// Largest displacement of the starting-path jitter [Å].
const IDPP_JITTER: f64 = 0.02;

/// A deterministic number in [−1, 1) for (image, atom, axis) (SplitMix64 of the indices).
fn unit_noise(image: usize, atom: usize, axis: usize) -> f64 {
    let mut z = (image as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add((atom as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9))
        .wrapping_add(axis as u64 + 1);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

/// S and its forces (−∂S/∂r) for one image with target distances `target[i][j]`.
fn idpp_energy_forces(
    mic: &MinimumImage,
    pos: &[Vector3<f64>],
    target: &[Vec<f64>],
) -> (f64, Vec<Vector3<f64>>) {
    let n = pos.len();
    let mut e = 0.0;
    let mut f = vec![Vector3::zeros(); n];
    for i in 0..n {
        for j in i + 1..n {
            let d = mic.displacement(&(pos[j] - pos[i]));
            let r = d.norm();
            if r < 1e-8 {
                continue;
            }
            let w = 1.0 / r.powi(4);
            let diff = target[i][j] - r;
            e += w * diff * diff;
            // dS/dr for the pair
            let dsdr = -4.0 / r.powi(5) * diff * diff - 2.0 * w * diff;
            let g = d * (dsdr / r); // ∂S/∂r_j
            f[j] -= g;
            f[i] += g;
        }
    }
    (e, f)
}

fn distances(mic: &MinimumImage, pos: &[Vector3<f64>]) -> Vec<Vec<f64>> {
    let n = pos.len();
    let mut d = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in i + 1..n {
            let r = mic.displacement(&(pos[j] - pos[i])).norm();
            d[i][j] = r;
            d[j][i] = r;
        }
    }
    d
}

/// An IDPP band of `n_images` intermediate images between `initial` and `final_` (endpoints
/// included), starting from the minimum-image linear interpolation.
///
/// # Errors
/// Inconsistent endpoints.
pub fn idpp(
    initial: &Structure,
    final_: &Structure,
    n_images: usize,
    settings: &IdppSettings,
) -> Result<Vec<Structure>, BandError> {
    idpp_from(initial, final_, n_images, settings, false)
}

/// [`idpp`] starting from the linear path with every free atom of the interior images displaced by
/// at most 0.02 Å (deterministically) when `jitter` is set: an exact symmetry of the linear path (an
/// atom crossing a planar sheet in its plane feels no out-of-plane IDPP force) then no longer traps
/// the relaxation in a path through other atoms. IDPP has local minima: where one start passes atoms
/// through each other the other may not.
///
/// # Errors
/// Inconsistent endpoints.
pub fn idpp_from(
    initial: &Structure,
    final_: &Structure,
    n_images: usize,
    settings: &IdppSettings,
    jitter: bool,
) -> Result<Vec<Structure>, BandError> {
    let mut band = interpolate_linear(initial, final_, n_images)?;
    let mic = initial
        .minimum_image()
        .map_err(|e| BandError::Cell2(e.to_string()))?;
    let n = band.len();
    for (k, img) in band
        .iter_mut()
        .enumerate()
        .take(n - 1)
        .skip(1)
        .filter(|_| jitter)
    {
        for a in 0..img.len() {
            if !img.fixed[a] {
                for c in 0..3 {
                    img.positions[a][c] += IDPP_JITTER * unit_noise(k, a, c);
                }
            }
        }
    }
    let d0 = distances(&mic, &band[0].positions);
    let d1 = distances(&mic, &band[n - 1].positions);
    let targets: Vec<Vec<Vec<f64>>> = (0..n)
        .map(|k| {
            let t = k as f64 / (n - 1) as f64;
            d0.iter()
                .zip(&d1)
                .map(|(a, b)| a.iter().zip(b).map(|(x, y)| x + t * (y - x)).collect())
                .collect()
        })
        .collect();
    let fixed = band[0].fixed.clone();
    let springs = Springs::Uniform { k: settings.k };
    let mut fire = Fire::new(FireParams::default());
    for _ in 0..settings.max_steps {
        let positions: Vec<Vec<Vector3<f64>>> = band.iter().map(|s| s.positions.clone()).collect();
        let (energies, forces): (Vec<f64>, Vec<Vec<Vector3<f64>>>) = positions
            .iter()
            .enumerate()
            .map(|(k, p)| idpp_energy_forces(&mic, p, &targets[k]))
            .unzip();
        let bf = band_forces(
            &mic, &positions, &energies, &forces, &fixed, &springs, false,
        );
        if bf.max_force < settings.fmax {
            break;
        }
        let x: Vec<f64> = positions[1..n - 1]
            .iter()
            .flat_map(|p| p.iter().flat_map(|v| [v.x, v.y, v.z]))
            .collect();
        let f: Vec<f64> = bf.forces[1..n - 1]
            .iter()
            .flat_map(|p| p.iter().flat_map(|v| [v.x, v.y, v.z]))
            .collect();
        let dx = fire.step(&x, &f);
        let n_atoms = band[0].len();
        for (img, chunk) in band[1..n - 1].iter_mut().zip(dx.chunks(3 * n_atoms)) {
            for a in 0..n_atoms {
                if !img.fixed[a] {
                    img.positions[a] +=
                        Vector3::new(chunk[3 * a], chunk[3 * a + 1], chunk[3 * a + 2]);
                }
            }
        }
    }
    Ok(band)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idpp_forces_match_finite_differences() {
        let mic = MinimumImage::new(&crate::structure::Cell::default(), [false; 3]).unwrap();
        let pos = vec![
            Vector3::new(0.0, 0.0, 0.0),
            Vector3::new(1.2, 0.1, 0.0),
            Vector3::new(0.3, 1.4, 0.2),
        ];
        let target = vec![
            vec![0.0, 1.5, 1.1],
            vec![1.5, 0.0, 1.3],
            vec![1.1, 1.3, 0.0],
        ];
        let (_, f) = idpp_energy_forces(&mic, &pos, &target);
        let h = 1e-6;
        for a in 0..3 {
            for c in 0..3 {
                let mut p = pos.clone();
                p[a][c] += h;
                let ep = idpp_energy_forces(&mic, &p, &target).0;
                p[a][c] -= 2.0 * h;
                let em = idpp_energy_forces(&mic, &p, &target).0;
                assert!((-(ep - em) / (2.0 * h) - f[a][c]).abs() < 1e-6);
            }
        }
    }
}
