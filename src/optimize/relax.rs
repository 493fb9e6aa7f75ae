//! Endpoint relaxation: a true minimisation of the energy (L-BFGS on the real gradient, steps capped
//! per atom, memory reset on uphill steps — ASE's `LBFGS` scheme), to a per-atom force criterion.

use super::{BandOptimizer, Lbfgs, LbfgsParams};
use crate::calculator::{CalcError, Calculator, Evaluation};
use crate::structure::Structure;
use nalgebra::Vector3;

/// Result of [`relax`].
#[derive(Debug, Clone)]
pub struct RelaxOutcome {
    /// The relaxed structure.
    pub structure: Structure,
    /// Its evaluation.
    pub evaluation: Evaluation,
    /// Optimisation steps taken.
    pub steps: usize,
    /// Calculator calls made.
    pub force_calls: usize,
    /// Whether the largest force on a free atom fell below `fmax`.
    pub converged: bool,
}

fn max_free_force(s: &Structure, e: &Evaluation) -> f64 {
    e.forces
        .iter()
        .zip(&s.fixed)
        .filter(|(_, &fixed)| !fixed)
        .map(|(f, _)| f.norm())
        .fold(0.0, f64::max)
}

/// Minimise the energy of `structure` until the largest force on a free atom is below `fmax` [eV/Å]
/// or `max_steps` steps were taken. Fixed atoms do not move.
///
/// # Errors
/// Calculator failures and non-finite results.
pub fn relax(
    structure: &Structure,
    calc: &dyn Calculator,
    fmax: f64,
    max_steps: usize,
) -> Result<RelaxOutcome, CalcError> {
    let mut s = structure.clone();
    s.stored = None;
    let ev = calc.calculate(&s)?;
    ev.check_finite(&calc.name())?;
    let mut out = relax_from(&s, ev, calc, fmax, max_steps)?;
    out.force_calls += 1;
    Ok(out)
}

/// [`relax`] starting from an evaluation of `structure` already made (not counted in
/// `force_calls`).
///
/// # Errors
/// Calculator failures and non-finite results.
pub fn relax_from(
    structure: &Structure,
    evaluation: Evaluation,
    calc: &dyn Calculator,
    fmax: f64,
    max_steps: usize,
) -> Result<RelaxOutcome, CalcError> {
    let mut s = structure.clone();
    s.stored = None;
    let mut opt = Lbfgs::new(LbfgsParams {
        memory: 20,
        inverse_curvature: 1.0 / 70.0, // ASE's LBFGS default (1/alpha, alpha = 70 eV/Å²)
        max_step: 0.2,
    });
    let mut ev = evaluation;
    let mut calls = 0;
    let mut steps = 0;
    while steps < max_steps && max_free_force(&s, &ev) >= fmax {
        let x: Vec<f64> = s.positions.iter().flat_map(|p| [p.x, p.y, p.z]).collect();
        let f: Vec<f64> = ev
            .forces
            .iter()
            .zip(&s.fixed)
            .flat_map(|(f, &fixed)| if fixed { [0.0; 3] } else { [f.x, f.y, f.z] })
            .collect();
        let dx = opt.step(&x, &f);
        for a in 0..s.len() {
            if !s.fixed[a] {
                s.positions[a] += Vector3::new(dx[3 * a], dx[3 * a + 1], dx[3 * a + 2]);
            }
        }
        ev = calc.calculate(&s)?;
        ev.check_finite(&calc.name())?;
        calls += 1;
        steps += 1;
    }
    let converged = max_free_force(&s, &ev) < fmax;
    Ok(RelaxOutcome {
        structure: s,
        evaluation: ev,
        steps,
        force_calls: calls,
        converged,
    })
}

/// The largest force on a free atom [eV/Å] and that atom (`None` when every atom is fixed).
pub fn max_free_force_atom(s: &Structure, forces: &[Vector3<f64>]) -> Option<(usize, f64)> {
    forces
        .iter()
        .zip(&s.fixed)
        .enumerate()
        .filter(|(_, (_, &fixed))| !fixed)
        .map(|(a, (f, _))| (a, f.norm()))
        .fold(None, |best: Option<(usize, f64)>, (a, x)| match best {
            Some((_, y)) if y >= x => best,
            _ => Some((a, x)),
        })
}
