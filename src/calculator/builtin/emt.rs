//! Effective medium theory, a faithful port of ASE's `ase.calculators.emt.EMT` (ASE 3.29).
//!
//! Same parameter table (Al, Cu, Ag, Au, Ni, Pd, Pt and the "for fun" H, C, N, O), same cutoff
//! conventions (logistic cutoff centred between the 3rd and 4th fcc shells of the largest s0 in the
//! table, neighbour list to r_c + 0.5 Å, or ASAP's per-system cutoff with `asap_cutoff=true`), same
//! energy zero (the fcc bulk of each element: E0 subtracted per atom), energies, forces and stress.
//!
//! # References
//! K. W. Jacobsen, P. Stoltze, J. K. Nørskov, Surf. Sci. 366, 394 (1996), doi:10.1016/0039-6028(96)00816-3.

use crate::calculator::{CalcError, Calculator, Capabilities, Evaluation, Spec};
use crate::structure::{elements, NeighborCache, NeighborList, Structure};
use crate::units::BOHR;
use nalgebra::{Matrix3, Vector3};
use rayon::prelude::*;

/// β = (16π/3)^(1/3)/√2, rounded as in ASE and ASAP.
const BETA: f64 = 1.809;

/// (symbol, E0 [eV], s0 [Bohr], V0 [eV], η2 [1/Bohr], κ [1/Bohr], λ [1/Bohr], n0 [1/Bohr³]),
/// the table of `ase.calculators.emt.parameters`.
const PARAMETERS: [(&str, [f64; 7]); 11] = [
    ("Al", [-3.28, 3.00, 1.493, 1.240, 2.000, 1.169, 0.00700]),
    ("Cu", [-3.51, 2.67, 2.476, 1.652, 2.740, 1.906, 0.00910]),
    ("Ag", [-2.96, 3.01, 2.132, 1.652, 2.790, 1.892, 0.00547]),
    ("Au", [-3.80, 3.00, 2.321, 1.674, 2.873, 2.182, 0.00703]),
    ("Ni", [-4.44, 2.60, 3.673, 1.669, 2.757, 1.948, 0.01030]),
    ("Pd", [-3.90, 2.87, 2.773, 1.818, 3.107, 2.155, 0.00688]),
    ("Pt", [-5.85, 2.90, 4.067, 1.812, 3.145, 2.192, 0.00802]),
    ("H", [-3.21, 1.31, 0.132, 2.652, 2.790, 3.892, 0.00547]),
    ("C", [-3.50, 1.81, 0.332, 1.652, 2.790, 1.892, 0.01322]),
    ("N", [-5.10, 1.88, 0.132, 1.652, 2.790, 1.892, 0.01222]),
    ("O", [-4.60, 1.95, 0.332, 1.652, 2.790, 1.892, 0.00850]),
];

/// Per-element parameters in Å and eV.
#[derive(Debug, Clone, Copy)]
struct ElementParams {
    e0: f64,
    s0: f64,
    v0: f64,
    eta2: f64,
    kappa: f64,
    lambda: f64,
    n0: f64,
    inv12gamma1: f64,
    neghalfv0overgamma2: f64,
}

/// The EMT calculator.
#[derive(Debug, Clone, Default)]
pub struct Emt {
    /// ASAP's cutoff convention (from the largest s0 among the elements present, r_list = 1.045 r_c).
    pub asap_cutoff: bool,
    cache: NeighborCache,
}

/// Split a per-pair array into the rows of `nl` (disjoint mutable slices, for parallel filling).
fn split_rows<'a, T>(v: &'a mut [T], nl: &NeighborList) -> Vec<&'a mut [T]> {
    let n = nl.start.len() - 1;
    let mut rest = v;
    let mut slices = Vec::with_capacity(n);
    for i in 0..n {
        let (row, tail) = rest.split_at_mut(nl.count(i));
        slices.push(row);
        rest = tail;
    }
    slices
}

/// Per-pair intermediate terms of EMT.
#[derive(Debug, Clone, Copy, Default)]
struct PairTerms {
    /// σ1 contribution of the neighbour to this atom, and of this atom to the neighbour.
    ds1s: f64,
    ds1o: f64,
    /// ∂(σ1 contribution)/∂r divided by r, for this atom's and for the neighbour's σ1:
    /// (dE/dr)/r = dE/dσ1 · c.
    c_s: f64,
    c_o: f64,
    /// The first E_AS term of the pair (both halves) and its r derivative divided by r.
    e_as: f64,
    de_as: f64,
}

/// Per-atom results of one EMT stage.
#[derive(Debug, Clone, Copy, Default)]
struct AtomTerms {
    energy: f64,
    deds: f64,
    force: Vector3<f64>,
    virial: Matrix3<f64>,
}

/// Cutoff constants: r_c, r_list, a_cut.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EmtCutoff {
    /// Midpoint of the logistic cutoff [Å].
    pub rc: f64,
    /// Neighbour-list cutoff [Å].
    pub rc_list: f64,
    /// Steepness of the logistic cutoff [1/Å].
    pub acut: f64,
}

impl Emt {
    /// From a spec `emt` or `emt:asap_cutoff=true`.
    ///
    /// # Errors
    /// Unknown parameters.
    pub fn from_spec(spec: &Spec) -> Result<Self, CalcError> {
        let p = spec.params(&["asap_cutoff"])?;
        Ok(Emt {
            asap_cutoff: p.bool_or("asap_cutoff", false)?,
            cache: NeighborCache::default(),
        })
    }

    /// Atomic numbers with EMT parameters.
    pub fn supported() -> Vec<u8> {
        PARAMETERS
            .iter()
            .filter_map(|(s, _)| elements::number_of(s))
            .collect()
    }

    /// Cutoff constants for the elements `numbers` (all of the table unless `asap_cutoff`).
    pub fn cutoff(&self, numbers: &[u8]) -> EmtCutoff {
        let maxseq = PARAMETERS
            .iter()
            .filter(|(s, _)| {
                !self.asap_cutoff || numbers.contains(&elements::number_of(s).unwrap_or(0))
            })
            .map(|(_, p)| p[1])
            .fold(f64::NEG_INFINITY, f64::max)
            * BOHR;
        let r1nn = BETA * maxseq;
        let rc = r1nn * 0.5 * (3.0f64.sqrt() + 2.0);
        let r4nn = r1nn * 2.0;
        let eps: f64 = 1e-4;
        let acut = (1.0 / eps - 1.0).ln() / (r4nn - rc);
        let rc_list = if self.asap_cutoff {
            rc * 1.045
        } else {
            rc + 0.5
        };
        EmtCutoff { rc, rc_list, acut }
    }

    fn params(symbol: &str, cut: &EmtCutoff) -> Option<ElementParams> {
        let (_, p) = PARAMETERS.iter().find(|(s, _)| *s == symbol)?;
        let s0 = p[1] * BOHR;
        let eta2 = p[3] / BOHR;
        let kappa = p[4] / BOHR;
        // γ1, γ2 from the 1st–3rd fcc shells with the cutoff applied (ASE `_calc_gammas`)
        let n = [12.0, 6.0, 24.0];
        let mut gamma1 = 0.0;
        let mut gamma2 = 0.0;
        for k in 0..3 {
            let r = BETA * s0 * [1.0f64, 2.0, 3.0][k].sqrt();
            let w = 1.0 / (1.0 + (cut.acut * (r - cut.rc)).exp());
            let x = n[k] * w / 12.0;
            gamma1 += x * (-eta2 * (r - BETA * s0)).exp();
            gamma2 += x * (-kappa / BETA * (r - BETA * s0)).exp();
        }
        Some(ElementParams {
            e0: p[0],
            s0,
            v0: p[2],
            eta2,
            kappa,
            lambda: p[5] / BOHR,
            n0: p[6] / BOHR.powi(3),
            inv12gamma1: 1.0 / (12.0 * gamma1),
            neghalfv0overgamma2: -0.5 * p[2] / gamma2,
        })
    }
}

impl Calculator for Emt {
    fn name(&self) -> String {
        if self.asap_cutoff {
            "emt:asap_cutoff=true".into()
        } else {
            "emt".into()
        }
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            forces: true,
            stress: true,
            periodic: true,
            elements: Some(Emt::supported()),
            // the range for the whole parameter table (the longest any structure gets)
            cutoff: Some(self.cutoff(&Emt::supported()).rc_list),
            ..Default::default()
        }
    }

    fn calculate(&self, s: &Structure) -> Result<Evaluation, CalcError> {
        crate::calculator::check_elements("emt", s, &Emt::supported())?;
        let cut = self.cutoff(&s.numbers);
        // parameters per distinct element present
        let mut kinds: Vec<u8> = s.numbers.clone();
        kinds.sort_unstable();
        kinds.dedup();
        let par: Vec<ElementParams> = kinds
            .iter()
            .map(|&z| Emt::params(elements::symbol_of(z), &cut).expect("checked above"))
            .collect();
        let kind: Vec<usize> = s
            .numbers
            .iter()
            .map(|z| kinds.binary_search(z).expect("present"))
            .collect();

        let nl = self
            .cache
            .get(s, cut.rc_list)
            .map_err(|problem| CalcError::Unsupported {
                calculator: "emt".into(),
                problem,
            })?;
        let n = s.len();
        // rows of the neighbour list are independent: parallel over atoms for large systems, with
        // results collected in atom order (bitwise the same for any thread count)
        let parallel = crate::structure::neighbors::worth_parallel(n);
        let rows = |f: &(dyn Fn(usize) -> AtomTerms + Sync)| -> Vec<AtomTerms> {
            if parallel {
                (0..n).into_par_iter().map(f).collect()
            } else {
                (0..n).map(f).collect()
            }
        };

        // per pair: dw/dr / w and the σ1, σ2 contributions (self and other)
        let pair_terms = |k: usize, ps: &ElementParams, po: &ElementParams| -> PairTerms {
            let r = nl.distance[k];
            let inv_r = 1.0 / r;
            let w = 1.0 / (1.0 + (cut.acut * (r - cut.rc)).exp());
            let w_over = cut.acut * (w - 1.0);
            let e1o = (-po.eta2 * (r - BETA * po.s0)).exp();
            let e2o = (-po.kappa * (r / BETA - po.s0)).exp();
            if std::ptr::eq(ps, po) {
                // same element: χ = 1 and the self/other terms coincide (no divisions)
                let ds1 = e1o * w;
                let es = ps.neghalfv0overgamma2 * e2o * w;
                let c = ds1 * (w_over - po.eta2) * inv_r;
                return PairTerms {
                    ds1s: ds1,
                    ds1o: ds1,
                    c_s: c,
                    c_o: c,
                    e_as: es + es,
                    de_as: 2.0 * es * (w_over - po.kappa / BETA) * inv_r,
                };
            }
            let chi = po.n0 / ps.n0;
            let e1s = (-ps.eta2 * (r - BETA * ps.s0)).exp();
            let e2s = (-ps.kappa * (r / BETA - ps.s0)).exp();
            let (ds1s, ds1o) = (e1o * chi * w, e1s / chi * w);
            let es = ps.neghalfv0overgamma2 * e2o * chi * w;
            let eo = po.neghalfv0overgamma2 * e2s / chi * w;
            PairTerms {
                ds1s,
                ds1o,
                c_s: ds1s * (w_over - po.eta2) * inv_r,
                c_o: ds1o * (w_over - ps.eta2) * inv_r,
                e_as: es + eo,
                de_as: (es * (w_over - po.kappa / BETA) + eo * (w_over - ps.kappa / BETA)) * inv_r,
            }
        };
        // each unordered pair once (the partner's terms are the same with self and other swapped);
        // only below 1000 atoms, where the in-place mirroring pass is cheap. The choice depends on the
        // size alone, never on the thread count, so results are bitwise the same for any thread count.
        let reverse = if n < 1000 {
            nl.reverse.as_deref()
        } else {
            None
        };
        let canonical = |k: usize| reverse.is_none_or(|r| (k as u32) <= r[k]);
        let mut half = vec![PairTerms::default(); nl.n_pairs()];

        {
            let fill = |(i, row): (usize, &mut [PairTerms])| {
                let ps = &par[kind[i]];
                for (t, k) in row.iter_mut().zip(nl.range(i)) {
                    if canonical(k) {
                        *t = pair_terms(k, ps, &par[kind[nl.neighbor[k] as usize]]);
                    }
                }
            };
            let slices = split_rows(&mut half, &nl);
            if parallel {
                slices.into_par_iter().enumerate().for_each(fill);
            } else {
                slices.into_iter().enumerate().for_each(fill);
            }
        }
        let mut terms = half;
        if let Some(rev) = reverse {
            // partners come after their canonical entry's computation: fill them in place
            for k in 0..terms.len() {
                if !canonical(k) {
                    let p = terms[rev[k] as usize];
                    terms[k] = PairTerms {
                        ds1s: p.ds1o,
                        ds1o: p.ds1s,
                        c_s: p.c_o,
                        c_o: p.c_s,
                        e_as: p.e_as,
                        de_as: p.de_as,
                    };
                }
            }
        }
        // cohesive part E_c and the second term of E_AS; dE/dσ1 per atom
        let cohesive = rows(&|i| {
            if nl.count(i) == 0 {
                return AtomTerms::default();
            }
            let p = &par[kind[i]];
            let sigma1: f64 = nl.range(i).map(|k| terms[k].ds1s).sum();
            let ds = -(sigma1 * p.inv12gamma1).ln() / (BETA * p.eta2);
            let lmdsds = p.lambda * ds;
            let expneglmdds = (-lmdsds).exp();
            let mut energy = p.e0 * (1.0 + lmdsds) * expneglmdds;
            let mut deds = -p.e0 * p.lambda * lmdsds * expneglmdds;
            let sixv0 = 6.0 * p.v0 * (-p.kappa * ds).exp();
            energy += sixv0;
            deds += -p.kappa * sixv0;
            deds /= -BETA * p.eta2 * sigma1;
            AtomTerms {
                energy,
                deds,
                ..Default::default()
            }
        });
        let forces_rows = rows(&|i| {
            let deds_i = cohesive[i].deds;
            let mut fi = Vector3::zeros();
            // Σ (dE/dr / r) d ⊗ d, upper triangle xx yy zz yz xz xy
            let mut w6 = [0.0f64; 6];
            let mut e_as = 0.0;
            for k in nl.range(i) {
                let t = &terms[k];
                let deds_j = cohesive[nl.neighbor[k] as usize].deds;
                e_as += t.e_as;
                // dE/dr from E_c and the second term of E_AS (through σ1 of both atoms) and from the
                // first term of E_AS
                let dedr_over_r = deds_i * t.c_s + deds_j * t.c_o + t.de_as;
                let d = nl.vector[k];
                let f = d * dedr_over_r;
                fi += f;
                w6[0] += dedr_over_r * d.x * d.x;
                w6[1] += dedr_over_r * d.y * d.y;
                w6[2] += dedr_over_r * d.z * d.z;
                w6[3] += dedr_over_r * d.y * d.z;
                w6[4] += dedr_over_r * d.x * d.z;
                w6[5] += dedr_over_r * d.x * d.y;
            }
            AtomTerms {
                energy: 0.5 * e_as,
                deds: 0.0,
                force: fi,
                // the pairs are counted from both ends: half each
                virial: Matrix3::new(
                    w6[0], w6[5], w6[4], w6[5], w6[1], w6[3], w6[4], w6[3], w6[2],
                ) * 0.5,
            }
        });
        let mut energies = vec![0.0; n];
        let mut forces = vec![Vector3::<f64>::zeros(); n];
        let mut virial = Matrix3::<f64>::zeros();
        for i in 0..n {
            energies[i] = cohesive[i].energy + forces_rows[i].energy - par[kind[i]].e0;
            forces[i] = forces_rows[i].force;
            virial += forces_rows[i].virial;
        }
        Ok(Evaluation::from_parts(s, energies, forces, virial))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calculator::testutil::*;

    /// The acceptance: energies to ≤ 1e-10 eV and forces to ≤ 1e-9 eV/Å of ASE 3.29.
    const E_TOL: f64 = 1e-10;
    const F_TOL: f64 = 1e-9;

    #[test]
    fn cutoff_constants_match_ase() {
        let c = Emt::default().cutoff(&[29]);
        assert!((c.rc - 5.376798323827276).abs() < 1e-13);
        assert!((c.rc_list - 5.876798323827276).abs() < 1e-13);
        assert!((c.acut - 23.858454772693438).abs() < 1e-11);
    }

    #[test]
    fn reference_values() {
        let emt = Emt::default();
        // Cu2 along x, no pbc
        let s = open(&["Cu", "Cu"], &[[0.0, 0.0, 0.0], [2.3, 0.0, 0.0]]);
        let ev = emt.calculate(&s).unwrap();
        assert!((ev.energy - 3.3007608338368293).abs() < E_TOL);
        assert!((ev.forces[0].x - 1.6517187440968826).abs() < F_TOL);
        // seven elements, no pbc
        let s = open(
            &["Pt", "Cu", "Pd", "Ni", "Au", "Ag", "Al"],
            &[
                [0.0, 0.0, 0.0],
                [2.5, 0.0, 0.0],
                [1.2, 2.2, 0.1],
                [1.3, 0.8, 2.1],
                [-1.5, 1.0, 1.9],
                [3.5, 2.4, 1.0],
                [0.3, -2.3, 0.7],
            ],
        );
        let ev = emt.calculate(&s).unwrap();
        assert!((ev.energy - 7.433587261067861).abs() < E_TOL);
        let fpt = [-0.9855410566134779, 1.1091021671194632, 1.132411368688654];
        let fau = [1.8657954792294564, -0.6781642822372822, -1.2196710159575144];
        for k in 0..3 {
            assert!((ev.forces[0][k] - fpt[k]).abs() < F_TOL);
            assert!((ev.forces[4][k] - fau[k]).abs() < F_TOL);
        }
    }

    #[test]
    fn periodic_reference_values() {
        let emt = Emt::default();
        let cell = crate::structure::Cell::from_rows([
            [0.0, 1.805, 1.805],
            [1.805, 0.0, 1.805],
            [1.805, 1.805, 0.0],
        ]);
        let s = open(&["Cu"], &[[0.0, 0.0, 0.0]])
            .with_cell(cell, [true; 3])
            .unwrap();
        let ev = emt.calculate(&s).unwrap();
        assert!((ev.energy - -0.005681511358581304).abs() < E_TOL);
        let st = ev.stress_voigt().unwrap();
        for k in 0..3 {
            assert!((st[k] - 0.013619265229937932).abs() < 1e-12);
        }
        let s = open(
            &["Cu"; 4],
            &[
                [0.1, -0.05, 0.02],
                [0.0, 1.8, 1.8],
                [1.8, 0.0, 1.8],
                [1.8, 1.8, 0.0],
            ],
        )
        .with_cell(
            crate::structure::Cell::orthorhombic(3.6, 3.6, 3.6),
            [true; 3],
        )
        .unwrap();
        let ev = emt.calculate(&s).unwrap();
        assert!((ev.energy - 0.02518094486732636).abs() < E_TOL);
        let f0 = [
            -0.8117485630494023,
            0.4110975068727827,
            -0.16495276329090047,
        ];
        for k in 0..3 {
            assert!((ev.forces[0][k] - f0[k]).abs() < F_TOL);
        }
    }

    #[test]
    fn forces_and_stress_match_finite_differences() {
        let emt = Emt::default();
        for seed in 0..4 {
            let s = random_triclinic(seed, &["Cu", "Pt", "Au", "Ni", "Cu"], 2.2, true);
            check_forces_fd(&emt, &s, 1e-5, 1e-6);
            check_stress_fd(&emt, &s, 1e-6, 1e-6);
            let s = random_triclinic(seed + 10, &["Al", "Ag", "Pd"], 2.3, false);
            check_forces_fd(&emt, &s, 1e-5, 1e-6);
            let s = random_cluster(
                seed,
                &["Cu", "Ag", "Au", "Pd", "Pt", "Ni", "Al", "C", "O"],
                2.0,
            );
            check_forces_fd(&emt, &s, 1e-5, 1e-6);
        }
    }

    #[test]
    fn unsupported_element_is_named() {
        let s = open(&["Cu", "Fe"], &[[0.0, 0.0, 0.0], [2.5, 0.0, 0.0]]);
        let e = Emt::default().calculate(&s).unwrap_err().to_string();
        assert!(e.contains("element Fe (atom 1)"), "{e}");
    }
}
