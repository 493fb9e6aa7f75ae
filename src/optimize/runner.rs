//! The NEB run loop: evaluate images in parallel, compute NEB forces, let observers see the band
//! (progress, trajectory, checkpoint), step the optimiser; resume from a checkpoint.

use super::{BandOptimizer, Fire, FireParams, Lbfgs, LbfgsParams};
use crate::calculator::{CalcError, Calculator, Evaluation};
use crate::neb::{band_forces, BandForces, Springs};
use crate::path::{validate, BandError};
use crate::structure::Structure;
use nalgebra::Vector3;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// When the climbing image is on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum Climb {
    /// Plain NEB.
    Off,
    /// Climbing image from the first iteration.
    Always,
    /// Climbing image once the band's NEB fmax falls below this value [eV/Å] (eOn/ORCA practice).
    AfterFmax(f64),
    /// Climbing image once the band has formed: its NEB fmax below [`CLIMB_AUTO_FACTOR`] × the
    /// convergence fmax (the default).
    Auto,
}

/// [`Climb::Auto`] switches the climbing image on when the band's largest NEB force falls below this
/// multiple of the convergence fmax.
pub const CLIMB_AUTO_FACTOR: f64 = 10.0;

/// [`Climb::Auto`] switches the climbing image on below this NEB force at the latest [eV/Å] (eOn's
/// `ci_after` default), so that tight convergence criteria do not delay it to the end.
pub const CLIMB_AUTO_FLOOR: f64 = 0.5;

impl Climb {
    /// The NEB fmax below which the climbing image switches on (`None`: never, or from the start).
    pub fn threshold(self, fmax: f64) -> Option<f64> {
        match self {
            Climb::AfterFmax(t) => Some(t),
            Climb::Auto => Some((CLIMB_AUTO_FACTOR * fmax).max(CLIMB_AUTO_FLOOR)),
            Climb::Off | Climb::Always => None,
        }
    }
}

/// Band optimiser choice with its parameters (`{"type": "fire", "max_step": 0.2}`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum OptimizerKind {
    /// FIRE.
    Fire(FireParams),
    /// Global L-BFGS.
    Lbfgs(LbfgsParams),
}

impl Default for OptimizerKind {
    fn default() -> Self {
        OptimizerKind::Fire(FireParams::default())
    }
}

/// Settings of a NEB run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NebSettings {
    /// Springs between images.
    pub springs: Springs,
    /// Climbing-image mode.
    pub climb: Climb,
    /// Convergence: largest per-atom NEB force [eV/Å].
    pub fmax: f64,
    /// Largest number of optimiser steps.
    pub max_iterations: usize,
    /// Band optimiser.
    pub optimizer: OptimizerKind,
}

impl Default for NebSettings {
    fn default() -> Self {
        NebSettings {
            springs: Springs::default(),
            climb: Climb::Auto,
            fmax: 0.05,
            max_iterations: 1000,
            optimizer: OptimizerKind::default(),
        }
    }
}

/// Optimiser state, serialisable for checkpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum OptimizerState {
    /// FIRE state.
    Fire(Fire),
    /// L-BFGS state.
    Lbfgs(Lbfgs),
}

impl OptimizerState {
    fn new(kind: &OptimizerKind) -> Self {
        match kind {
            OptimizerKind::Fire(p) => OptimizerState::Fire(Fire::new(*p)),
            OptimizerKind::Lbfgs(p) => OptimizerState::Lbfgs(Lbfgs::new(*p)),
        }
    }

    fn optimizer(&mut self) -> &mut dyn BandOptimizer {
        match self {
            OptimizerState::Fire(f) => f,
            OptimizerState::Lbfgs(l) => l,
        }
    }
}

/// Everything needed to resume a run exactly: positions, the evaluations at those positions, the
/// optimiser state before its next step, counters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// `"nebkit/checkpoint"`.
    pub format: String,
    /// Schema version (1).
    pub version: u32,
    /// Optimiser steps taken so far.
    pub iteration: usize,
    /// Positions of every image [Å].
    pub positions: Vec<Vec<[f64; 3]>>,
    /// Energy of every image [eV].
    pub energies: Vec<f64>,
    /// True forces of every image [eV/Å].
    pub forces: Vec<Vec<[f64; 3]>>,
    /// Optimiser state before the next step.
    pub optimizer: OptimizerState,
    /// Whether the climbing image is on.
    pub climbing_on: bool,
    /// Calculator calls so far, per image.
    pub calls_per_image: Vec<u64>,
    /// Largest NEB force after each evaluation [eV/Å].
    pub max_force_history: Vec<f64>,
    /// Electronic state per image (excess electrons [e], work function [eV]) for charge-aware runs.
    #[serde(default)]
    pub electrons: Vec<Option<[f64; 2]>>,
}

/// Errors of a NEB run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NebError {
    /// Inconsistent images.
    #[error(transparent)]
    Band(#[from] BandError),
    /// A calculator failure or non-finite result on one image.
    #[error("image {image}: {source}")]
    Calculator {
        image: usize,
        #[source]
        source: CalcError,
    },
    /// A checkpoint that does not fit the band.
    #[error("checkpoint does not match the run: {0}")]
    Checkpoint(String),
    /// An observer failed (e.g. writing the checkpoint).
    #[error("{0}")]
    Observer(String),
    /// The band ran away: its NEB force is no longer finite.
    #[error("the band diverged at iteration {iteration}: the NEB force on image {image} is not finite (its energy is {energy:e} eV); the optimiser ran away (lower --max-step or use the other --optimizer)")]
    Diverged {
        /// Optimiser step.
        iteration: usize,
        /// The first image whose NEB force is not finite.
        image: usize,
        /// Its energy [eV].
        energy: f64,
    },
}

/// Result of [`run_neb`].
#[derive(Debug, Clone)]
pub struct NebOutcome {
    /// Final band, endpoints included.
    pub band: Vec<Structure>,
    /// Energies per image [eV].
    pub energies: Vec<f64>,
    /// True forces per image [eV/Å].
    pub forces: Vec<Vec<Vector3<f64>>>,
    /// NEB forces and tangents of the final band.
    pub neb: BandForces,
    /// Whether fmax was reached (with the climbing image on when requested).
    pub converged: bool,
    /// Optimiser steps taken.
    pub iterations: usize,
    /// Calculator calls per image.
    pub calls_per_image: Vec<u64>,
    /// Largest NEB force after each evaluation [eV/Å].
    pub max_force_history: Vec<f64>,
    /// Electronic state per image (excess electrons [e], work function [eV]) for charge-aware runs.
    pub electrons: Vec<Option<[f64; 2]>>,
}

impl NebOutcome {
    /// Total calculator calls, endpoints included.
    pub fn force_calls(&self) -> u64 {
        self.calls_per_image.iter().sum()
    }
}

/// Something that watches the run after every evaluation of the band.
pub trait Observer: Send {
    /// Called after each evaluation with the state about to be stepped.
    ///
    /// # Errors
    /// A message; the run stops.
    fn observe(
        &mut self,
        checkpoint: &Checkpoint,
        band: &[Structure],
        forces: &BandForces,
    ) -> Result<(), String>;
}

/// A progress line on a terminal (indicatif spinner); silent when `enabled` is false.
pub struct ProgressObserver {
    bar: Option<indicatif::ProgressBar>,
}

impl ProgressObserver {
    /// Show progress when `enabled` (the CLI passes "stderr is a terminal and not --quiet").
    pub fn new(enabled: bool) -> Self {
        let bar = enabled.then(|| {
            let b = indicatif::ProgressBar::new_spinner();
            b.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            b
        });
        ProgressObserver { bar }
    }

    /// Remove the progress line.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Observer for ProgressObserver {
    fn observe(
        &mut self,
        c: &Checkpoint,
        _band: &[Structure],
        f: &BandForces,
    ) -> Result<(), String> {
        if let Some(b) = &self.bar {
            let e0 = c.energies[0];
            let top = c.energies.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            b.set_message(format!(
                "iteration {:>4}  fmax {:.4} eV/Å  E_max − E_0 {:.4} eV  force calls {}{}",
                c.iteration,
                f.max_force,
                top - e0,
                c.calls_per_image.iter().sum::<u64>(),
                if c.climbing_on { "  (climbing)" } else { "" }
            ));
            b.tick();
        }
        Ok(())
    }
}

fn to_arrays(v: &[Vector3<f64>]) -> Vec<[f64; 3]> {
    v.iter().map(|p| [p.x, p.y, p.z]).collect()
}

fn from_arrays(v: &[[f64; 3]]) -> Vec<Vector3<f64>> {
    v.iter().map(|p| Vector3::new(p[0], p[1], p[2])).collect()
}

/// Evaluate `images` of the band concurrently (rayon); results in image order.
fn evaluate(
    calc: &dyn Calculator,
    band: &[Structure],
    images: &[usize],
) -> Result<Vec<Evaluation>, NebError> {
    let name = calc.name();
    let results: Vec<Result<Evaluation, NebError>> = images
        .par_iter()
        .map(|&image| {
            let ev = calc
                .calculate(&band[image])
                .map_err(|source| NebError::Calculator { image, source })?;
            ev.check_finite(&name)
                .map_err(|source| NebError::Calculator { image, source })?;
            if ev.forces.len() != band[image].len() {
                return Err(NebError::Calculator {
                    image,
                    source: CalcError::Engine {
                        calculator: name.clone(),
                        message: format!(
                            "returned {} forces for {} atoms",
                            ev.forces.len(),
                            band[image].len()
                        ),
                    },
                });
            }
            Ok(ev)
        })
        .collect();
    // the first failing image in index order, whatever the thread count
    results.into_iter().collect()
}

/// Run a (climbing-image) NEB on `band` (endpoints included) with `calc`.
///
/// Endpoints are evaluated once. Images are evaluated concurrently, results gathered in image order,
/// so the run is bitwise the same for any number of threads. With `resume`, the run continues from a
/// checkpoint without evaluating anything twice.
///
/// # Errors
/// Inconsistent images, calculator failures (naming the image), observer failures.
pub fn run_neb(
    calc: &dyn Calculator,
    band: Vec<Structure>,
    settings: &NebSettings,
    resume: Option<Checkpoint>,
    observers: &mut [&mut dyn Observer],
) -> Result<NebOutcome, NebError> {
    run_neb_seeded(calc, band, settings, resume, &[], observers)
}

/// [`run_neb`] with evaluations already made for some images (`known[i]`, e.g. the endpoints at the
/// end of their relaxation): those images are not evaluated again and cost no force call here.
///
/// # Errors
/// As [`run_neb`]; a known evaluation with the wrong number of forces.
pub fn run_neb_seeded(
    calc: &dyn Calculator,
    mut band: Vec<Structure>,
    settings: &NebSettings,
    resume: Option<Checkpoint>,
    known: &[Option<Evaluation>],
    observers: &mut [&mut dyn Observer],
) -> Result<NebOutcome, NebError> {
    validate(&band)?;
    let n = band.len();
    // engines that serve several images (i-PI replica ids) see which image they evaluate
    for (i, s) in band.iter_mut().enumerate() {
        s.info.insert("image".into(), serde_json::json!(i));
    }
    if n < 3 {
        return Err(NebError::Band(BandError::NoImages(0)));
    }
    let mic = band[0]
        .minimum_image()
        .map_err(|e| BandError::Cell2(e.to_string()))?;
    let fixed = band[0].fixed.clone();
    let n_atoms = band[0].len();
    let interior: Vec<usize> = (1..n - 1).collect();

    let (
        mut iteration,
        mut energies,
        mut forces,
        mut opt,
        mut climbing_on,
        mut calls,
        mut history,
        mut resumed,
        mut electrons,
    );
    let state_of = |ev: &Evaluation| ev.electrons.map(|e| [e.excess_electrons, e.work_function]);
    match resume {
        Some(c) => {
            if c.positions.len() != n || c.positions.iter().any(|p| p.len() != n_atoms) {
                return Err(NebError::Checkpoint(format!(
                    "it holds {} images of {} atoms, the run has {n} of {n_atoms}",
                    c.positions.len(),
                    c.positions.first().map_or(0, Vec::len)
                )));
            }
            let same_kind = matches!(
                (&c.optimizer, &settings.optimizer),
                (OptimizerState::Fire(_), OptimizerKind::Fire(_))
                    | (OptimizerState::Lbfgs(_), OptimizerKind::Lbfgs(_))
            );
            if !same_kind {
                return Err(NebError::Checkpoint(
                    "it was written by a different optimiser".into(),
                ));
            }
            for (s, p) in band.iter_mut().zip(&c.positions) {
                s.positions = from_arrays(p);
            }
            iteration = c.iteration;
            energies = c.energies;
            forces = c.forces.iter().map(|f| from_arrays(f)).collect::<Vec<_>>();
            opt = c.optimizer;
            climbing_on = c.climbing_on;
            calls = c.calls_per_image;
            history = c.max_force_history;
            history.pop(); // recomputed below for this iteration
            electrons = if c.electrons.len() == n {
                c.electrons
            } else {
                vec![None; n]
            };
            resumed = true;
        }
        None => {
            let seeded = |i: usize| known.get(i).and_then(Option::as_ref);
            for i in 0..n {
                if let Some(ev) = seeded(i) {
                    if ev.forces.len() != n_atoms {
                        return Err(NebError::Checkpoint(format!(
                            "the evaluation given for image {i} has {} forces for {n_atoms} atoms",
                            ev.forces.len()
                        )));
                    }
                }
            }
            let missing: Vec<usize> = (0..n).filter(|&i| seeded(i).is_none()).collect();
            let mut fresh = evaluate(calc, &band, &missing)?.into_iter();
            let evs: Vec<Evaluation> = (0..n)
                .map(|i| match seeded(i) {
                    Some(ev) => ev.clone(),
                    None => fresh.next().expect("one evaluation per missing image"),
                })
                .collect();
            calls = (0..n).map(|i| u64::from(seeded(i).is_none())).collect();
            electrons = evs.iter().map(state_of).collect::<Vec<_>>();
            energies = evs.iter().map(|e| e.energy).collect::<Vec<_>>();
            forces = evs.into_iter().map(|e| e.forces).collect::<Vec<_>>();
            iteration = 0;
            opt = OptimizerState::new(&settings.optimizer);
            climbing_on = settings.climb == Climb::Always;
            history = Vec::new();
            resumed = false;
        }
    }

    loop {
        let positions: Vec<Vec<Vector3<f64>>> = band.iter().map(|s| s.positions.clone()).collect();
        let mut bf = band_forces(
            &mic,
            &positions,
            &energies,
            &forces,
            &fixed,
            &settings.springs,
            climbing_on,
        );
        if let Some(threshold) = settings.climb.threshold(settings.fmax) {
            if !climbing_on && bf.max_force < threshold {
                climbing_on = true;
                opt.optimizer().reset();
                bf = band_forces(
                    &mic,
                    &positions,
                    &energies,
                    &forces,
                    &fixed,
                    &settings.springs,
                    true,
                );
            }
        }
        if !bf.max_force.is_finite() {
            let image = (0..n)
                .find(|&i| bf.forces[i].iter().any(|f| !f.norm().is_finite()))
                .unwrap_or(0);
            return Err(NebError::Diverged {
                iteration,
                image,
                energy: energies[image],
            });
        }
        history.push(bf.max_force);
        let checkpoint = Checkpoint {
            format: "nebkit/checkpoint".into(),
            version: 1,
            iteration,
            positions: positions.iter().map(|p| to_arrays(p)).collect(),
            energies: energies.clone(),
            forces: forces.iter().map(|f| to_arrays(f)).collect(),
            optimizer: opt.clone(),
            climbing_on,
            calls_per_image: calls.clone(),
            max_force_history: history.clone(),
            electrons: electrons.clone(),
        };
        // the iteration a run resumes from was already observed (checkpoint, trajectory) before
        if !resumed {
            for o in observers.iter_mut() {
                o.observe(&checkpoint, &band, &bf)
                    .map_err(NebError::Observer)?;
            }
        }
        resumed = false;
        let climb_ready = settings.climb == Climb::Off || climbing_on;
        let converged = bf.max_force < settings.fmax && climb_ready;
        if converged || iteration >= settings.max_iterations {
            for (s, (e, f)) in band.iter_mut().zip(energies.iter().zip(&forces)) {
                s.stored = Some(crate::structure::StoredResults {
                    energy: Some(*e),
                    forces: Some(f.clone()),
                    stress: None,
                });
            }
            return Ok(NebOutcome {
                band,
                energies,
                forces,
                neb: bf,
                converged,
                iterations: iteration,
                calls_per_image: calls,
                max_force_history: history,
                electrons,
            });
        }
        // step the interior images
        let x: Vec<f64> = interior
            .iter()
            .flat_map(|&i| band[i].positions.iter().flat_map(|v| [v.x, v.y, v.z]))
            .collect();
        let f: Vec<f64> = interior
            .iter()
            .flat_map(|&i| bf.forces[i].iter().flat_map(|v| [v.x, v.y, v.z]))
            .collect();
        let dx = opt.optimizer().step(&x, &f);
        for (k, &i) in interior.iter().enumerate() {
            let base = 3 * n_atoms * k;
            for a in 0..n_atoms {
                if !fixed[a] {
                    band[i].positions[a] +=
                        Vector3::new(dx[base + 3 * a], dx[base + 3 * a + 1], dx[base + 3 * a + 2]);
                }
            }
        }
        iteration += 1;
        let evs = evaluate(calc, &band, &interior)?;
        for (&i, ev) in interior.iter().zip(evs) {
            electrons[i] = state_of(&ev);
            energies[i] = ev.energy;
            forces[i] = ev.forces;
            calls[i] += 1;
        }
    }
}
