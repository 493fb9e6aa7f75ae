//! Pair potentials: Lennard-Jones (ASE's `LennardJones`) and Morse (OptBench/eOn shifted form).

use crate::calculator::{CalcError, Calculator, Capabilities, Evaluation, Spec};
use crate::structure::{NeighborList, Structure};
use nalgebra::{Matrix3, Vector3};

/// A radial pair function u(r) with a cutoff.
pub trait PairFunction: Send + Sync {
    /// Cutoff [Å]: pairs with r ≥ cutoff do not interact.
    fn cutoff(&self) -> f64;
    /// u(r) [eV] and du/dr [eV/Å] for r < cutoff.
    fn energy_derivative(&self, r: f64) -> (f64, f64);
}

/// Energy, forces, per-atom energies and stress of a pair potential.
pub fn pair_evaluation(
    s: &Structure,
    u: &dyn PairFunction,
    name: &str,
) -> Result<Evaluation, CalcError> {
    let nl = NeighborList::build(s, u.cutoff()).map_err(|problem| CalcError::Unsupported {
        calculator: name.to_string(),
        problem,
    })?;
    let n = s.len();
    let mut energies = vec![0.0; n];
    let mut forces = vec![Vector3::zeros(); n];
    let mut virial = Matrix3::zeros();
    for i in 0..n {
        for k in nl.range(i) {
            let r = nl.distance[k];
            let d = nl.vector[k];
            let (e, de) = u.energy_derivative(r);
            energies[i] += 0.5 * e;
            // F_i = −∂u/∂r_i = (du/dr) d/r, with d = r_j − r_i
            let f = d * (de / r);
            forces[i] += f;
            virial += 0.5 * f * d.transpose();
        }
    }
    Ok(Evaluation::from_parts(s, energies, forces, virial))
}

/// Lennard-Jones with ASE's conventions: u = 4ε[(σ/r)¹² − (σ/r)⁶], cutoff r_c = 3σ by default,
/// energy shifted to zero at r_c (forces jump there), or with `smooth` the jax-md cutoff function
/// between r_o = 0.66 r_c and r_c (as `ase.calculators.lj.LennardJones`).
#[derive(Debug, Clone, PartialEq)]
pub struct LennardJones {
    /// σ [Å].
    pub sigma: f64,
    /// ε [eV].
    pub epsilon: f64,
    /// Cutoff r_c [Å].
    pub rc: f64,
    /// Onset of the smooth cutoff r_o [Å].
    pub ro: f64,
    /// Smooth cutoff instead of an energy shift.
    pub smooth: bool,
}

impl Default for LennardJones {
    fn default() -> Self {
        LennardJones {
            sigma: 1.0,
            epsilon: 1.0,
            rc: 3.0,
            ro: 0.66 * 3.0,
            smooth: false,
        }
    }
}

impl LennardJones {
    /// From a spec `lj:sigma=..,epsilon=..,rc=..,ro=..,smooth=true`.
    ///
    /// # Errors
    /// Unknown or non-positive parameters, r_o ≥ r_c.
    pub fn from_spec(spec: &Spec) -> Result<Self, CalcError> {
        let p = spec.params(&["sigma", "epsilon", "rc", "ro", "smooth"])?;
        let sigma = p.positive_or("sigma", 1.0)?;
        let epsilon = p.f64_or("epsilon", 1.0)?;
        let rc = p.positive_or("rc", 3.0 * sigma)?;
        let ro = p.positive_or("ro", 0.66 * rc)?;
        if ro >= rc {
            return Err(spec.error(format!("ro ({ro}) must be smaller than rc ({rc})")));
        }
        Ok(LennardJones {
            sigma,
            epsilon,
            rc,
            ro,
            smooth: p.bool_or("smooth", false)?,
        })
    }
}

impl PairFunction for LennardJones {
    fn cutoff(&self) -> f64 {
        self.rc
    }

    fn energy_derivative(&self, r: f64) -> (f64, f64) {
        let lj = |r: f64| {
            let c6 = (self.sigma / r).powi(6);
            let c12 = c6 * c6;
            (
                4.0 * self.epsilon * (c12 - c6),
                -24.0 * self.epsilon * (2.0 * c12 - c6) / r,
            )
        };
        let (e, de) = lj(r);
        if self.smooth {
            // cutoff function of r² (ASE/jax-md): 1 below ro², 0 above rc²
            let (r2, rc2, ro2) = (r * r, self.rc * self.rc, self.ro * self.ro);
            if r2 < ro2 {
                (e, de)
            } else {
                let f = (rc2 - r2).powi(2) * (rc2 + 2.0 * r2 - 3.0 * ro2) / (rc2 - ro2).powi(3);
                let df_dr2 = 6.0 * (rc2 - r2) * (ro2 - r2) / (rc2 - ro2).powi(3);
                (e * f, de * f + e * df_dr2 * 2.0 * r)
            }
        } else {
            (e - lj(self.rc).0, de)
        }
    }
}

impl Calculator for LennardJones {
    fn name(&self) -> String {
        format!(
            "lj:sigma={},epsilon={},rc={},ro={},smooth={}",
            self.sigma, self.epsilon, self.rc, self.ro, self.smooth
        )
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            forces: true,
            stress: true,
            periodic: true,
            cutoff: Some(self.rc),
            ..Default::default()
        }
    }
    fn calculate(&self, s: &Structure) -> Result<Evaluation, CalcError> {
        pair_evaluation(s, self, "lj")
    }
}

/// Morse in the OptBench/eOn form: u = D[e^{−2α(r−r0)} − 2e^{−α(r−r0)}] − u(r_c) for r < r_c.
/// Defaults are eOn's Pt parameters (D = 0.7102 eV, α = 1.6047 Å⁻¹, r0 = 2.8970 Å, r_c = 9.5 Å).
#[derive(Debug, Clone, PartialEq)]
pub struct Morse {
    /// Well depth D [eV].
    pub d: f64,
    /// Range α [1/Å].
    pub alpha: f64,
    /// Equilibrium distance r0 [Å].
    pub r0: f64,
    /// Cutoff r_c [Å].
    pub rc: f64,
}

impl Default for Morse {
    fn default() -> Self {
        Morse {
            d: 0.7102,
            alpha: 1.6047,
            r0: 2.8970,
            rc: 9.5,
        }
    }
}

impl Morse {
    /// From a spec `morse:D=..,alpha=..,r0=..,rc=..`.
    ///
    /// # Errors
    /// Unknown or non-positive parameters.
    pub fn from_spec(spec: &Spec) -> Result<Self, CalcError> {
        let p = spec.params(&["D", "alpha", "r0", "rc"])?;
        let m = Morse::default();
        Ok(Morse {
            d: p.positive_or("D", m.d)?,
            alpha: p.positive_or("alpha", m.alpha)?,
            r0: p.positive_or("r0", m.r0)?,
            rc: p.positive_or("rc", m.rc)?,
        })
    }

    fn raw(&self, r: f64) -> (f64, f64) {
        let e1 = (-self.alpha * (r - self.r0)).exp();
        (
            self.d * (e1 * e1 - 2.0 * e1),
            self.d * (-2.0 * self.alpha * e1 * e1 + 2.0 * self.alpha * e1),
        )
    }
}

impl PairFunction for Morse {
    fn cutoff(&self) -> f64 {
        self.rc
    }
    fn energy_derivative(&self, r: f64) -> (f64, f64) {
        let (e, de) = self.raw(r);
        (e - self.raw(self.rc).0, de)
    }
}

impl Calculator for Morse {
    fn name(&self) -> String {
        format!(
            "morse:D={},alpha={},r0={},rc={}",
            self.d, self.alpha, self.r0, self.rc
        )
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            forces: true,
            stress: true,
            periodic: true,
            cutoff: Some(self.rc),
            ..Default::default()
        }
    }
    fn calculate(&self, s: &Structure) -> Result<Evaluation, CalcError> {
        pair_evaluation(s, self, "morse")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calculator::testutil::*;

    /// REFERENCE_VALUES.md numbers are given to full double precision.
    const REF_TOL: f64 = 1e-12;

    #[test]
    fn morse_pt3_reference() {
        let m = Morse::default();
        assert!(
            (m.raw(9.5).0 - -3.553799727917806e-05).abs() < 1e-16,
            "{}",
            m.raw(9.5).0
        );
        let s = open(
            &["Pt", "Pt", "Pt"],
            &[[0.0, 0.0, 0.0], [2.8, 0.0, 0.0], [1.3, 2.5, 0.2]],
        );
        let ev = m.calculate(&s).unwrap();
        assert!((ev.energy - -2.0985325280484712).abs() < REF_TOL);
        let f0 = [
            -0.5930137210829106,
            -0.2778181546367335,
            -0.022225452370938682,
        ];
        for k in 0..3 {
            assert!((ev.forces[0][k] - f0[k]).abs() < REF_TOL);
        }
    }

    #[test]
    fn lj_ar3_reference() {
        let lj = LennardJones::default();
        let s = open(
            &["Ar", "Ar", "Ar"],
            &[[0.0, 0.0, 0.0], [1.1, 0.0, 0.0], [0.5, 1.0, 0.1]],
        );
        let ev = lj.calculate(&s).unwrap();
        assert!((ev.energy - -2.9175615316590084).abs() < REF_TOL);
        let f0 = [
            -1.5872004882434407,
            0.0017898031612308327,
            0.00017898031612308327,
        ];
        for k in 0..3 {
            assert!((ev.forces[0][k] - f0[k]).abs() < REF_TOL);
        }
    }

    #[test]
    fn pair_forces_and_stress_match_finite_differences() {
        let calcs: Vec<Box<dyn Calculator>> = vec![
            Box::new(LennardJones {
                sigma: 2.3,
                epsilon: 0.01,
                rc: 6.9,
                ro: 4.5,
                smooth: true,
            }),
            Box::new(Morse::default()),
            // ASE's default (energy shifted, forces jump at r_c): smooth away from the cutoff
            Box::new(LennardJones {
                sigma: 2.3,
                epsilon: 0.01,
                rc: 6.9,
                ro: 4.5,
                smooth: false,
            }),
        ];
        for c in &calcs {
            for seed in 0..3 {
                let s = random_triclinic(seed, &["Pt", "Pt", "Au", "Pt", "Pt"], 2.4, true);
                check_forces_fd(c.as_ref(), &s, 1e-5, 1e-6);
                check_stress_fd(c.as_ref(), &s, 1e-6, 1e-6);
                let s = random_cluster(seed, &["Pt"; 6], 2.4);
                check_forces_fd(c.as_ref(), &s, 1e-5, 1e-6);
            }
        }
    }
}
