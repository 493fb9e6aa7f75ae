//! `model`: a qualitative supported-metal potential for smoke tests and teaching.
//!
//! Metal–metal: Zhou–Johnson–Wadley 2004 EAM. Metal–support: shifted Morse bonds per element pair.
//! Support–support: nothing, so support atoms must stay fixed (`nebkit build --support frozen`); a free
//! support atom bonded to another non-metal is an error.
//! It reproduces no DFT barrier; run the same path with DFT or a machine-learned potential for numbers
//! worth reporting.
//!
//! Morse parameters (the rule that produced them): r0 from the bond lengths of `SEED_SYSTEMS.md`
//! (M–N 1.88 Ni, 1.935 Cu, 1.975 Pd/Pt, 1.90 Fe/Co; M–C 2.0 from the Cu–C bridge of the Cu–N4 final
//! state; Ni–S 2.394 from NiAs-type NiS, other M–S 2.30; M–H 1.60; M–O 2.00); D so that a metal in a
//! saturated site binds with a few eV, the magnitude of the DFT binding energies in the seed papers
//! (4 M–N bonds × 1.0 eV, 6 Ni–S × 0.8 eV, M–C 0.4 eV, M–H and M–O 0.3 eV); α = 1.5 Å⁻¹ for every
//! pair (a typical metal–ligand Morse range). Cut and shifted at 6 Å. Adsorbed CO keeps its C–O bond
//! through a Morse of the CO molecule (D_e = 11.2 eV, r_e = 1.128 Å, α = 2.3 Å⁻¹; NIST diatomic
//! constants, rounded), cut and shifted at 2 Å so that it acts only within the molecule. Non-metal
//! atoms of which at least one is free (adsorbates such as CO) repel each other with a Born–Mayer wall
//! A·e^{−r/ρ} (A = 1000 eV, ρ = 0.3 Å, cut and shifted at 3.5 Å; C–O pairs closer than 2 Å excluded)
//! so that adsorbates cannot collapse onto each other or into the support.

use super::eam::{Eam, ZHOU2004};
use super::pair::PairFunction;
use crate::calculator::{CalcError, Calculator, Capabilities, Evaluation, Spec};
use crate::structure::{elements, NeighborCache, Structure};
use nalgebra::Vector3;

/// Support elements the model knows.
pub const SUPPORT: [&str; 5] = ["C", "N", "S", "H", "O"];

const MORSE_RC: f64 = 6.0;
const MORSE_ALPHA: f64 = 1.5;
/// Cutoff of the C–O bond of adsorbed CO [Å].
const CO_RC: f64 = 2.0;
/// Born–Mayer wall between non-metal atoms: A [eV], ρ [Å], cutoff [Å].
const WALL_A: f64 = 1000.0;
const WALL_RHO: f64 = 0.3;
const WALL_RC: f64 = 3.5;
/// Non-metal pairs closer than this are a covalent support network [Å].
const SUPPORT_BOND: f64 = 1.8;

/// (D [eV], α [1/Å], r0 [Å]) of the metal–support bond, if the model has it.
pub fn bond(metal: &str, support: &str) -> Option<(f64, f64, f64)> {
    let r0 = match (support, metal) {
        ("N", "Ni") => 1.88,
        ("N", "Cu") => 1.935,
        ("N", "Pd" | "Pt") => 1.975,
        ("N", "Fe" | "Co") => 1.90,
        ("N", _) => 1.95,
        ("C", _) => 2.0,
        ("S", "Ni") => 2.394,
        ("S", _) => 2.30,
        ("H", _) => 1.60,
        ("O", _) => 2.00,
        _ => return None,
    };
    let d = match support {
        "N" => 1.0,
        "S" => 0.8,
        "C" => 0.4,
        _ => 0.3,
    };
    Some((d, MORSE_ALPHA, r0))
}

struct Morse {
    d: f64,
    alpha: f64,
    r0: f64,
}

impl Morse {
    fn raw(&self, r: f64) -> (f64, f64) {
        let e = (-self.alpha * (r - self.r0)).exp();
        (
            self.d * (e * e - 2.0 * e),
            self.d * 2.0 * self.alpha * (e - e * e),
        )
    }
}

impl PairFunction for Morse {
    fn cutoff(&self) -> f64 {
        MORSE_RC
    }
    fn energy_derivative(&self, r: f64) -> (f64, f64) {
        let (e, de) = self.raw(r);
        (e - self.raw(MORSE_RC).0, de)
    }
}

/// The supported-metal model calculator (spec `model`).
pub struct Model {
    eam: Eam,
    cache: NeighborCache,
}

impl Model {
    /// The model.
    pub fn new() -> Self {
        Model {
            eam: Eam::zhou2004(),
            cache: NeighborCache::default(),
        }
    }

    /// From a spec (no parameters).
    ///
    /// # Errors
    /// Any parameter given.
    pub fn from_spec(spec: &Spec) -> Result<Self, CalcError> {
        spec.params(&[])?;
        Ok(Model::new())
    }

    fn is_metal(z: u8) -> bool {
        ZHOU2004
            .iter()
            .any(|p| elements::number_of(p.symbol) == Some(z))
    }
}

impl Default for Model {
    fn default() -> Self {
        Model::new()
    }
}

impl Calculator for Model {
    fn name(&self) -> String {
        "model".into()
    }

    fn capabilities(&self) -> Capabilities {
        let mut el: Vec<u8> = ZHOU2004
            .iter()
            .filter_map(|p| elements::number_of(p.symbol))
            .collect();
        el.extend(SUPPORT.iter().filter_map(|s| elements::number_of(s)));
        Capabilities {
            forces: true,
            stress: false,
            periodic: true,
            elements: Some(el),
            ..Default::default()
        }
    }

    fn calculate(&self, s: &Structure) -> Result<Evaluation, CalcError> {
        let supported = self.capabilities().elements.unwrap_or_default();
        crate::calculator::check_elements("model", s, &supported)?;
        let metals: Vec<usize> = (0..s.len())
            .filter(|&i| Model::is_metal(s.numbers[i]))
            .collect();
        let mut forces = vec![Vector3::zeros(); s.len()];
        let mut energy = 0.0;
        if !metals.is_empty() {
            let sub = crate::builders::select(s, &metals);
            let ev = self.eam.calculate(&sub)?;
            energy += ev.energy;
            for (k, &i) in metals.iter().enumerate() {
                forces[i] = ev.forces[k];
            }
        }
        // C–O bond of adsorbed CO (acts below 2 Å only)
        let co = Morse {
            d: 11.2,
            alpha: 2.3,
            r0: 1.128,
        };
        let co_shift = co.raw(CO_RC).0;
        let nl = self
            .cache
            .get(s, MORSE_RC)
            .map_err(|problem| CalcError::Unsupported {
                calculator: "model".into(),
                problem,
            })?;
        // the model has no support–support bonds: a free support atom bonded to another non-metal
        // would be pushed apart by the wall below
        for i in (0..s.len()).filter(|&i| !s.fixed[i] && !Model::is_metal(s.numbers[i])) {
            for k in nl.range(i) {
                let j = nl.neighbor[k] as usize;
                let (zi, zj) = (s.numbers[i], s.numbers[j]);
                let co_pair = (zi == 6 && zj == 8 || zi == 8 && zj == 6) && nl.distance[k] < CO_RC;
                if !Model::is_metal(zj) && !co_pair && nl.distance[k] < SUPPORT_BOND {
                    return Err(CalcError::Unsupported {
                        calculator: "model".into(),
                        problem: format!(
                            "atom {i} ({}) is a free support atom bonded to atom {j} ({}); the model has no support–support bonds, so support atoms must be fixed (nebkit build --support frozen, or fix them in the input)",
                            elements::symbol_of(zi),
                            elements::symbol_of(zj)
                        ),
                    });
                }
            }
        }
        for i in 0..s.len() {
            if s.numbers[i] == 6 {
                for k in nl.range(i) {
                    let j = nl.neighbor[k] as usize;
                    let r = nl.distance[k];
                    if s.numbers[j] == 8 && r < CO_RC {
                        let (e, de) = co.raw(r);
                        energy += e - co_shift;
                        let f = nl.vector[k] * (de / r);
                        forces[i] += f;
                        forces[j] -= f;
                    }
                }
            }
            if !Model::is_metal(s.numbers[i]) {
                // Born–Mayer wall between non-metals when one of them is free (each pair once)
                for k in nl.range(i) {
                    let j = nl.neighbor[k] as usize;
                    let r = nl.distance[k];
                    let bonded_co = (s.numbers[i] == 6 && s.numbers[j] == 8
                        || s.numbers[i] == 8 && s.numbers[j] == 6)
                        && r < CO_RC;
                    if j <= i
                        || Model::is_metal(s.numbers[j])
                        || (s.fixed[i] && s.fixed[j])
                        || bonded_co
                        || r >= WALL_RC
                    {
                        continue;
                    }
                    let e = WALL_A * (-r / WALL_RHO).exp();
                    energy += e - WALL_A * (-WALL_RC / WALL_RHO).exp();
                    let f = nl.vector[k] * (-e / WALL_RHO / r);
                    forces[i] += f;
                    forces[j] -= f;
                }
                continue;
            }
            let mi = elements::symbol_of(s.numbers[i]);
            for k in nl.range(i) {
                let j = nl.neighbor[k] as usize;
                if Model::is_metal(s.numbers[j]) {
                    continue;
                }
                let (d, alpha, r0) =
                    bond(mi, elements::symbol_of(s.numbers[j])).expect("checked elements");
                let (e, de) = Morse { d, alpha, r0 }.energy_derivative(nl.distance[k]);
                energy += e;
                let f = nl.vector[k] * (de / nl.distance[k]);
                forces[i] += f;
                forces[j] -= f;
            }
        }
        Ok(Evaluation {
            energy,
            forces,
            stress: None,
            energies: None,
            electrons: None,
            extra: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calculator::testutil::*;

    #[test]
    fn forces_match_finite_differences() {
        let m = Model::new();
        for seed in 0..3 {
            let s = random_cluster(seed, &["Cu", "N", "C", "Pd", "S", "H", "Ni"], 1.9);
            check_forces_fd(&m, &s, 1e-5, 1e-6);
            let s = random_triclinic(seed, &["Pt", "N", "C", "Cu", "O"], 2.0, false);
            check_forces_fd(&m, &s, 1e-5, 1e-6);
        }
    }

    #[test]
    fn unknown_elements_are_named() {
        let s = open(&["Cu", "Si"], &[[0.0, 0.0, 0.0], [2.3, 0.0, 0.0]]);
        let e = Model::new().calculate(&s).unwrap_err().to_string();
        assert!(e.contains("element Si (atom 1)"), "{e}");
    }

    #[test]
    fn morse_minimum_sits_at_r0() {
        let (d, a, r0) = bond("Cu", "N").unwrap();
        let m = Morse { d, alpha: a, r0 };
        assert!(m.raw(r0).1.abs() < 1e-12);
        assert!((m.raw(r0).0 + d).abs() < 1e-12);
    }
}
