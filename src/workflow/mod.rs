//! The NEB workflow as a library: endpoints checked (and relaxed when their forces say so) → band →
//! classification of the converged profile → for a multi-step path, every intermediate minimum
//! relaxed and one CI-NEB per elementary step → `result.json`, `band.extxyz`, figures.
//!
//! A result says what it is: only the statuses `converged` and `multi-step` carry barriers; collapsed
//! endpoints, endpoints that are not minima, monotonic paths and bands that left the reaction path
//! get their own [`Status`] and a message that says what to do.

mod config;
mod figure;
mod result;
mod status;

pub use config::{
    default_potential_tolerance, ElectrochemConfig, Potentiostat, RunConfig, COLLAPSE_DISTANCE,
    ENERGY_TOLERANCE,
};
pub use figure::{draw_result, draw_result_diagram, Figure};
pub use result::{
    CombinedProfile, EndpointReport, EndpointState, FitMaximum, ForceCallBreakdown, NebResult,
    RateLimiting, Saddle, StepReport,
};
pub use status::Status;

use crate::analysis::{PathShape, Profile};
use crate::calculator::{Calculator, Evaluation};
use crate::io::IoError;
use crate::optimize::{
    max_free_force_atom, relax_from, run_neb_seeded, Checkpoint, NebOutcome, Observer,
    ProgressObserver,
};
use crate::path::{idpp, idpp_from, interpolate_linear, reaction_coordinate, resample};
use crate::structure::{compare, elements, moving_atoms, Comparison, Structure};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::path::{Path, PathBuf};

/// Split steps may themselves be split once more (a step of a step), no deeper.
pub const MAX_SPLIT_DEPTH: usize = 2;

/// An intermediate whose relaxation moves an atom farther than this from its band image [Å] is not
/// split at (the band does not locate that minimum).
pub const INTERMEDIATE_DRIFT: f64 = 1.5;

/// Errors that stop a run (a finished run with a bad outcome is a [`NebResult`] with a status, not
/// an error).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JobError {
    /// A file could not be read or written.
    #[error(transparent)]
    Io(#[from] IoError),
    /// Anything else, with its context.
    #[error("{0}")]
    Run(String),
}

fn run_err(e: impl std::fmt::Display) -> JobError {
    JobError::Run(e.to_string())
}

/// One run in one directory.
pub struct Job<'a> {
    /// Settings.
    pub config: RunConfig,
    /// Run directory (result.json, band.extxyz, profile.svg, checkpoint.json, ...).
    pub dir: PathBuf,
    /// The calculator (already wrapped for constant potential or caching).
    pub calc: &'a dyn Calculator,
    /// Show a progress line.
    pub progress: bool,
    /// Where progress messages go (the CLI prints them to stderr).
    pub log: &'a (dyn Fn(&str) + Sync),
    /// Split depth of this run (0 for the top run).
    pub depth: usize,
    /// Notes on the calculator's numbers, written to result.json.
    pub notes: Vec<String>,
}

/// How a run starts.
pub enum Start {
    /// A new run from two endpoints and optionally an initial path (endpoints included).
    Fresh {
        /// Initial state.
        initial: Box<Structure>,
        /// Final state.
        final_: Box<Structure>,
        /// Initial path; `None` interpolates as the settings say.
        path: Option<Vec<Structure>>,
    },
    /// Continue the run in the job's directory from its checkpoint (or its unfinished split steps).
    Restart,
}

/// The record of a split in progress (`split.json`), enough to resume the steps after a kill.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SplitRecord {
    format: String,
    version: u32,
    /// The band's own result (status as read off the band).
    band: NebResult,
    /// Energies of the relaxed chain of minima: initial, intermediates, final [eV].
    minima_energies: Vec<f64>,
    /// Band images the minima came from.
    minima_images: Vec<usize>,
    /// Calls spent relaxing the intermediates.
    intermediate_force_calls: u64,
    /// Step directories, relative to the run directory.
    steps: Vec<String>,
    /// Notes on how the chain was built.
    notes: Vec<String>,
}

/// Run `job` from `start`; writes the run directory and returns its result.
///
/// # Errors
/// Unreadable or inconsistent inputs, calculator failures (the last checkpoint is kept), I/O
/// failures. Outcomes that are no barrier (collapsed endpoints, …) are results, not errors.
pub fn run(job: &Job, start: Start) -> Result<NebResult, JobError> {
    job.config.validate().map_err(JobError::Run)?;
    std::fs::create_dir_all(&job.dir)
        .map_err(|e| run_err(format!("{}: {e}", job.dir.display())))?;
    match start {
        Start::Fresh {
            initial,
            final_,
            path,
        } => fresh(job, *initial, *final_, path),
        Start::Restart => restart(job),
    }
}

/// Endpoints ready for a band.
struct Ready {
    initial: (Structure, Evaluation),
    final_: (Structure, Evaluation),
    report: EndpointReport,
}

fn state_for(s: &Structure, ev: &Evaluation, input_max: f64) -> EndpointState {
    let (atom, f) = max_free_force_atom(s, &ev.forces).map_or((None, 0.0), |(a, f)| (Some(a), f));
    EndpointState {
        energy: ev.energy,
        input_max_force: input_max,
        max_force: f,
        max_force_atom: atom,
        relaxed: false,
        relaxation_steps: 0,
        relaxation_converged: true,
    }
}

fn atom_name(s: &Structure, a: usize) -> String {
    format!("atom {a} ({})", elements::symbol_of(s.numbers[a]))
}

/// Rigid motions cost no energy unless an external field fixes the frame (2-D model surfaces).
fn job_align(job: &Job) -> bool {
    !job.calc.capabilities().model_surface
}

fn collapsed(c: &Comparison, tol: f64) -> bool {
    c.moving_displacement < tol && c.rmsd < 0.5 * tol
}

fn fresh(
    job: &Job,
    initial: Structure,
    final_: Structure,
    path: Option<Vec<Structure>>,
) -> Result<NebResult, JobError> {
    let cfg = &job.config;
    let dir = &job.dir;
    // a fresh run does not continue an older one in the same directory
    for stale in [
        "trajectory.extxyz",
        "checkpoint.json",
        "split.json",
        "result.json",
    ] {
        let _ = std::fs::remove_file(dir.join(stale));
    }
    crate::path::validate(&[initial.clone(), final_.clone()])
        .map_err(|e| run_err(format!("endpoints: {e}")))?;
    let ready = match prepare_endpoints(job, initial, final_)? {
        Ok(r) => r,
        Err(stopped) => return Ok(stopped),
    };
    // the run directory is self-contained: endpoints and settings for --restart
    let (initial, ev_i) = ready.initial;
    let (final_, ev_f) = ready.final_;
    crate::io::write(&dir.join("initial.json"), &initial)?;
    crate::io::write(&dir.join("final.json"), &final_)?;
    write_json(&dir.join("endpoints.json"), &ready.report)?;
    let mut saved = cfg.clone();
    saved.initial = Some(PathBuf::from("initial.json"));
    saved.final_ = Some(PathBuf::from("final.json"));
    saved.output = Some(PathBuf::from("."));
    saved.relax_endpoints = Some(false);
    write_json(&dir.join("run.json"), &saved)?;
    let mut path_note = None;
    let idpp_chain = |note: &mut Option<String>| -> Result<Vec<Structure>, JobError> {
        let plain = idpp(&initial, &final_, cfg.images, &cfg.idpp)
            .map_err(|e| run_err(format!("endpoints: {e}")))?;
        if crate::path::validate(&plain).is_ok() {
            return Ok(plain);
        }
        // IDPP has local minima: a slightly jittered start may route atoms around each other
        // where the symmetric linear start does not
        let jittered = idpp_from(&initial, &final_, cfg.images, &cfg.idpp, true)
            .map_err(|e| run_err(format!("endpoints: {e}")))?;
        if crate::path::validate(&jittered).is_ok() {
            *note = Some("the IDPP path from the linear start passed atoms through each other; the band starts from IDPP relaxed from a slightly jittered linear path".to_string());
            return Ok(jittered);
        }
        Ok(plain)
    };
    let band = match path {
        Some(mut p) => {
            let n = p.len();
            if n >= 2 {
                p[0] = initial.clone();
                p[n - 1].positions.clone_from(&final_.positions);
            }
            if crate::path::validate(&p).is_ok() {
                p
            } else {
                // a section of a band resampled between relaxed minima can pass atoms through
                // each other where a relaxation moved them far: start from IDPP instead
                path_note = Some("the band section between these minima passed atoms through each other; the step starts from an IDPP path".to_string());
                idpp_chain(&mut None)?
            }
        }
        None => match cfg.interpolation.as_str() {
            "idpp" => idpp_chain(&mut path_note)?,
            _ => interpolate_linear(&initial, &final_, cfg.images)
                .map_err(|e| run_err(format!("endpoints: {e}")))?,
        },
    };
    if let Some(n) = &path_note {
        (job.log)(&format!("note: {n}"));
    }
    crate::path::validate(&band).map_err(|e| {
        let hint = if cfg.interpolation == "idpp" {
            "relax the IDPP path further (idpp.fmax and idpp.max_steps in a --config file) or use more images"
        } else {
            "try --interpolation idpp or more images"
        };
        run_err(format!(
            "the initial {} path is unusable: {e} ({hint})",
            cfg.interpolation
        ))
    })?;
    let n = band.len();
    let mut known = vec![None; n];
    known[0] = Some(ev_i);
    known[n - 1] = Some(ev_f);
    let outcome = run_band(job, band, None, &known)?;
    finish(job, outcome, ready.report)
}

/// Evaluate, relax and compare the endpoints. `Ok(Err(result))` is a run that stops before the
/// band with that result (already written).
fn prepare_endpoints(
    job: &Job,
    initial: Structure,
    final_: Structure,
) -> Result<Result<Ready, NebResult>, JobError> {
    let cfg = &job.config;
    let calc = job.calc;
    let fmax = cfg.neb.fmax;
    let efmax = cfg.endpoint_fmax();
    let movers = moving_atoms(&initial, &final_, 0.1).map_err(run_err)?;
    let given = compare(&initial, &final_, &movers, job_align(job)).map_err(run_err)?;
    let both = [initial.clone(), final_.clone()];
    let evs: Vec<Evaluation> = both
        .par_iter()
        .enumerate()
        .map(|(k, s)| {
            let ev = calc
                .calculate(s)
                .map_err(|e| run_err(format!("evaluating the {} state: {e}", name(k))))?;
            ev.check_finite(&calc.name())
                .map_err(|e| run_err(format!("the {} state: {e}", name(k))))?;
            if ev.forces.len() != s.len() {
                return Err(run_err(format!(
                    "the {} state: the calculator returned {} forces for {} atoms",
                    name(k),
                    ev.forces.len(),
                    s.len()
                )));
            }
            Ok(ev)
        })
        .collect::<Result<_, _>>()?;
    let mut calls = 2u64;
    let mut states: Vec<EndpointState> = both
        .iter()
        .zip(&evs)
        .map(|(s, ev)| {
            let f = max_free_force_atom(s, &ev.forces).map_or(0.0, |x| x.1);
            let mut st = state_for(s, ev, f);
            st.relaxation_converged = f < efmax;
            st
        })
        .collect();
    let mut structures = both.to_vec();
    let mut evaluations = evs;
    let report = |states: &[EndpointState], cmp: Comparison, calls: u64| EndpointReport {
        initial: states[0].clone(),
        final_: states[1].clone(),
        comparison: cmp,
        fmax: efmax,
        force_calls: calls,
    };
    if collapsed(&given, cfg.collapse_distance) {
        let message = format!(
            "the initial and final structures are the same minimum: the moving atoms differ by {:.3} Å and the RMSD is {:.3} Å (collapse distance {} Å); give a final state in which the moving atoms sit somewhere else",
            given.moving_displacement, given.rmsd, cfg.collapse_distance
        );
        let rep = report(&states, given, calls);
        return stop(
            job,
            Status::CollapsedEndpoints,
            message,
            &structures,
            &evaluations,
            rep,
        );
    }
    // relax what needs it (both endpoints concurrently)
    let todo: Vec<bool> = states
        .iter()
        .map(|st| match cfg.relax_endpoints {
            Some(always) => always,
            None => st.input_max_force > fmax,
        })
        .collect();
    if cfg.relax_endpoints == Some(false) {
        for k in 0..2 {
            if states[k].input_max_force > fmax {
                (job.log)(&format!(
                    "warning: the {} state has forces above fmax ({:.3} eV/Å) and is kept as given (--no-relax-endpoints): the band runs, but its result will be `endpoint-not-minimum`",
                    name(k),
                    states[k].input_max_force
                ));
            }
        }
    }
    if todo.iter().any(|&t| t) {
        let relaxed: Vec<Option<crate::optimize::RelaxOutcome>> = (0..2)
            .into_par_iter()
            .map(|k| {
                if !todo[k] {
                    return Ok(None);
                }
                relax_from(
                    &structures[k],
                    evaluations[k].clone(),
                    calc,
                    efmax,
                    cfg.endpoint_max_steps,
                )
                .map(Some)
                .map_err(|e| run_err(format!("relaxing the {} state: {e}", name(k))))
            })
            .collect::<Result<_, _>>()?;
        for (k, r) in relaxed.into_iter().enumerate() {
            if let Some(r) = r {
                (job.log)(&format!(
                    "relaxed the {} state: {} steps, largest force {:.4} → {:.4} eV/Å, energy {:.4} eV",
                    name(k),
                    r.steps,
                    states[k].input_max_force,
                    max_free_force_atom(&r.structure, &r.evaluation.forces).map_or(0.0, |x| x.1),
                    r.evaluation.energy
                ));
                calls += r.force_calls as u64;
                let mut st = state_for(&r.structure, &r.evaluation, states[k].input_max_force);
                st.relaxed = true;
                st.relaxation_steps = r.steps;
                st.relaxation_converged = r.converged;
                states[k] = st;
                structures[k] = r.structure;
                evaluations[k] = r.evaluation;
            }
        }
    }
    let cmp = compare(&structures[0], &structures[1], &movers, job_align(job)).map_err(run_err)?;
    // an endpoint whose relaxation stalled above the band's own tolerance is no confirmed minimum
    for k in 0..2 {
        if states[k].relaxed && !states[k].relaxation_converged && states[k].max_force > fmax {
            let atom = states[k].max_force_atom.unwrap_or(0);
            let message = format!(
                "the {} state did not relax below {efmax} eV/Å in {} steps (largest force {:.3} eV/Å on {}, above the band's fmax {fmax}): it is no confirmed minimum, so no barrier can be measured from it; raise endpoint_max_steps (--endpoint-steps), or check the structure (its last geometry is {}/{}.json)",
                name(k),
                states[k].relaxation_steps,
                states[k].max_force,
                atom_name(&structures[k], atom),
                job.dir.display(),
                name(k)
            );
            let rep = report(&states, cmp, calls);
            return stop(
                job,
                Status::EndpointNotMinimum,
                message,
                &structures,
                &evaluations,
                rep,
            );
        }
    }
    if collapsed(&cmp, cfg.collapse_distance) {
        // which one moved: the endpoint that travelled farther from where it was given
        let travelled: Vec<f64> = (0..2)
            .map(|k| {
                compare(&both[k], &structures[k], &movers, job_align(job))
                    .map(|c| c.moving_displacement)
                    .unwrap_or(0.0)
            })
            .collect();
        let k = usize::from(travelled[1] >= travelled[0]);
        let atom = given.max_atom;
        let message = format!(
            "the {} state relaxed into the {} state's minimum: after relaxation the moving atoms differ by only {:.3} Å (RMSD {:.3} Å), although {} moved {:.2} Å between the given files; there is no path to compute. Put the moving atoms on a site that is a minimum for this calculator (`nebkit build SYSTEM --check` tests a builder's sites) — the relaxed structures are in {}/initial.json and final.json",
            name(k),
            name(1 - k),
            cmp.moving_displacement,
            cmp.rmsd,
            atom_name(&structures[0], atom),
            given.max_displacement,
            job.dir.display()
        );
        let rep = report(&states, cmp, calls);
        return stop(
            job,
            Status::CollapsedEndpoints,
            message,
            &structures,
            &evaluations,
            rep,
        );
    }
    let rep = report(&states, cmp, calls);
    let mut it = structures.into_iter().zip(evaluations);
    let (Some(i), Some(f)) = (it.next(), it.next()) else {
        return Err(run_err("internal: two endpoints expected"));
    };
    Ok(Ok(Ready {
        initial: i,
        final_: f,
        report: rep,
    }))
}

/// [`stop_before_band`] as the early return of [`prepare_endpoints`].
fn stop(
    job: &Job,
    status: Status,
    message: String,
    structures: &[Structure],
    evaluations: &[Evaluation],
    report: EndpointReport,
) -> Result<Result<Ready, NebResult>, JobError> {
    stop_before_band(job, status, message, structures, evaluations, report).map(Err)
}

fn name(k: usize) -> &'static str {
    if k == 0 {
        "initial"
    } else {
        "final"
    }
}

/// A run that stops before the band: the endpoints (as relaxed) and result.json are written.
fn stop_before_band(
    job: &Job,
    status: Status,
    message: String,
    structures: &[Structure],
    evaluations: &[Evaluation],
    report: EndpointReport,
) -> Result<NebResult, JobError> {
    let dir = &job.dir;
    crate::io::write(&dir.join("initial.json"), &structures[0])?;
    crate::io::write(&dir.join("final.json"), &structures[1])?;
    let mut frames: Vec<Structure> = structures.to_vec();
    for (s, ev) in frames.iter_mut().zip(evaluations) {
        s.stored = Some(crate::structure::StoredResults {
            energy: Some(ev.energy),
            forces: Some(ev.forces.clone()),
            stress: None,
        });
    }
    crate::io::write_all(&dir.join("band.extxyz"), &frames)?;
    let _ = std::fs::remove_file(dir.join("profile.svg"));
    let mic = structures[0].minimum_image().map_err(run_err)?;
    let s = reaction_coordinate(&mic, structures);
    let energies: Vec<f64> = evaluations.iter().map(|e| e.energy).collect();
    let calls = report.force_calls;
    let reaction_energy = (status != Status::CollapsedEndpoints).then(|| energies[1] - energies[0]);
    let result = NebResult {
        format: "nebkit/result".into(),
        version: 1,
        status,
        message,
        converged: false,
        iterations: 0,
        force_calls: calls,
        force_calls_per_image: Vec::new(),
        endpoint_relaxation_force_calls: calls,
        force_calls_breakdown: ForceCallBreakdown {
            endpoints: calls,
            ..Default::default()
        },
        barrier_forward: None,
        barrier_reverse: None,
        reaction_energy,
        saddle: None,
        fit_maximum: None,
        energies,
        reaction_coordinate: s,
        tangential_forces: vec![0.0; 2],
        max_force: None,
        max_force_history: Vec::new(),
        calculator: job.calc.name(),
        settings: settings_json(&job.config, &report),
        units: units(),
        turning_points: Vec::new(),
        steps: Vec::new(),
        rate_limiting: None,
        combined_profile: None,
        endpoints: Some(report),
        electrochem: None,
        notes: job.notes.clone(),
        warnings: Vec::new(),
    };
    write_json(&dir.join("result.json"), &result)?;
    Ok(result)
}

fn units() -> serde_json::Value {
    json!({"energy": "eV", "length": "Å", "force": "eV/Å"})
}

fn settings_json(cfg: &RunConfig, report: &EndpointReport) -> serde_json::Value {
    json!({
        "images": cfg.images,
        "interpolation": cfg.interpolation,
        "relax_endpoints": report.initial.relaxed || report.final_.relaxed,
        "relax_endpoints_policy": match cfg.relax_endpoints {
            None => "auto",
            Some(true) => "always",
            Some(false) => "never",
        },
        "endpoint_fmax": report.fmax,
        "split": cfg.split,
        "energy_tolerance": cfg.energy_tolerance,
        "collapse_distance": cfg.collapse_distance,
        "neb": cfg.neb,
    })
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), JobError> {
    let text = serde_json::to_string_pretty(value).map_err(run_err)?;
    crate::io::write_atomic(path, text.as_bytes())?;
    Ok(())
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, JobError> {
    let text =
        std::fs::read_to_string(path).map_err(|e| run_err(format!("{}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| run_err(format!("{}: {e}", path.display())))
}

struct CheckpointWriter {
    path: PathBuf,
}

impl Observer for CheckpointWriter {
    fn observe(
        &mut self,
        c: &Checkpoint,
        _: &[Structure],
        _: &crate::neb::BandForces,
    ) -> Result<(), String> {
        let text = serde_json::to_string(c).map_err(|e| e.to_string())?;
        crate::io::write_atomic(&self.path, text.as_bytes()).map_err(|e| e.to_string())
    }
}

struct TrajectoryWriter {
    path: PathBuf,
}

impl Observer for TrajectoryWriter {
    fn observe(
        &mut self,
        c: &Checkpoint,
        band: &[Structure],
        _: &crate::neb::BandForces,
    ) -> Result<(), String> {
        use std::io::Write as _;
        let mut frames = band.to_vec();
        for (k, s) in frames.iter_mut().enumerate() {
            s.info.insert("iteration".into(), json!(c.iteration));
            s.info.insert("image".into(), json!(k));
            s.stored = Some(crate::structure::StoredResults {
                energy: Some(c.energies[k]),
                forces: None,
                stress: None,
            });
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| format!("{}: {e}", self.path.display()))?;
        f.write_all(crate::io::to_extxyz(&frames).as_bytes())
            .map_err(|e| format!("{}: {e}", self.path.display()))
    }
}

fn run_band(
    job: &Job,
    band: Vec<Structure>,
    resume: Option<Checkpoint>,
    known: &[Option<Evaluation>],
) -> Result<NebOutcome, JobError> {
    let mut progress = ProgressObserver::new(job.progress);
    let mut checkpoint = CheckpointWriter {
        path: job.dir.join("checkpoint.json"),
    };
    let mut trajectory = TrajectoryWriter {
        path: job.dir.join("trajectory.extxyz"),
    };
    let result = run_neb_seeded(
        job.calc,
        band,
        &job.config.neb,
        resume,
        known,
        &mut [&mut progress, &mut trajectory, &mut checkpoint],
    );
    progress.finish();
    result.map_err(|e| {
        run_err(format!(
            "{e} (the last checkpoint in {} is kept; rerun with --restart {})",
            job.dir.display(),
            job.dir.display()
        ))
    })
}

fn restart(job: &Job) -> Result<NebResult, JobError> {
    let dir = &job.dir;
    if dir.join("split.json").exists() {
        let record: SplitRecord = read_json(&dir.join("split.json"))?;
        return continue_split(job, record);
    }
    let cp_path = dir.join("checkpoint.json");
    let text = std::fs::read_to_string(&cp_path).map_err(|e| {
        run_err(format!(
            "{}: {e} (no checkpoint to restart from)",
            cp_path.display()
        ))
    })?;
    let cp: Checkpoint =
        serde_json::from_str(&text).map_err(|e| run_err(format!("{}: {e}", cp_path.display())))?;
    let template = crate::io::read(&dir.join("initial.json"))?;
    let band: Vec<Structure> = cp
        .positions
        .iter()
        .map(|p| {
            let mut s = template.clone();
            s.positions = p
                .iter()
                .map(|v| nalgebra::Vector3::new(v[0], v[1], v[2]))
                .collect();
            s
        })
        .collect();
    let report = read_endpoint_report(job, &band, &cp)?;
    let outcome = run_band(job, band, Some(cp), &[])?;
    finish(job, outcome, report)
}

/// The endpoint report of a run directory (`endpoints.json`; older runs wrote only the relaxation
/// force calls to `endpoint_calls.json`).
fn read_endpoint_report(
    job: &Job,
    band: &[Structure],
    cp: &Checkpoint,
) -> Result<EndpointReport, JobError> {
    let dir = &job.dir;
    if dir.join("endpoints.json").exists() {
        return read_json(&dir.join("endpoints.json"));
    }
    let calls = std::fs::read_to_string(dir.join("endpoint_calls.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v["force_calls"].as_u64())
        .unwrap_or(0);
    let n = band.len();
    let movers = moving_atoms(&band[0], &band[n - 1], 0.1).map_err(run_err)?;
    let cmp = compare(&band[0], &band[n - 1], &movers, job_align(job)).map_err(run_err)?;
    let state = |k: usize| {
        let f: Vec<nalgebra::Vector3<f64>> = cp.forces[k]
            .iter()
            .map(|v| nalgebra::Vector3::new(v[0], v[1], v[2]))
            .collect();
        let ev = Evaluation {
            energy: cp.energies[k],
            forces: f,
            stress: None,
            energies: None,
            electrons: None,
            extra: None,
        };
        let m = max_free_force_atom(&band[k], &ev.forces).map_or(0.0, |x| x.1);
        state_for(&band[k], &ev, m)
    };
    Ok(EndpointReport {
        initial: state(0),
        final_: state(n - 1),
        comparison: cmp,
        fmax: job.config.endpoint_fmax(),
        force_calls: calls,
    })
}

/// Atoms of `s` with no other atom within `cutoff` [Å].
fn isolated_atoms(s: &Structure, cutoff: f64) -> Vec<usize> {
    match crate::structure::NeighborList::build(s, cutoff) {
        Ok(nl) => (0..s.len()).filter(|&i| nl.count(i) == 0).collect(),
        Err(_) => Vec::new(),
    }
}

/// (image, atom) of the first interior image with an atom that has no neighbour within the
/// calculator's cutoff although it has one in both endpoints.
fn detached(band: &[Structure], cutoff: Option<f64>) -> Option<(usize, usize)> {
    let cutoff = cutoff?;
    if band.len() < 3 || band[0].len() < 2 {
        return None;
    }
    let n = band.len();
    let ends: Vec<usize> = isolated_atoms(&band[0], cutoff)
        .into_iter()
        .chain(isolated_atoms(&band[n - 1], cutoff))
        .collect();
    for (k, s) in band.iter().enumerate().take(n - 1).skip(1) {
        if let Some(a) = isolated_atoms(s, cutoff)
            .into_iter()
            .find(|a| !ends.contains(a))
        {
            return Some((k, a));
        }
    }
    None
}

/// Classify a finished band, split it if it is multi-step, write the outputs.
fn finish(job: &Job, o: NebOutcome, report: EndpointReport) -> Result<NebResult, JobError> {
    let cfg = &job.config;
    let mic = o.band[0].minimum_image().map_err(run_err)?;
    let s = reaction_coordinate(&mic, &o.band);
    let profile = Profile::new(s.clone(), o.energies.clone(), &o.neb.tangential_force);
    let shape = PathShape::new(&profile, cfg.energy_tolerance);
    let n = o.energies.len();
    let e0 = o.energies[0];
    let e1 = o.energies[n - 1];
    let top = crate::neb::highest_image(&o.energies);
    let intermediates = shape.intermediates();
    let mut warnings = Vec::new();
    let cutoff = job.calc.capabilities().cutoff;
    for (k, which) in [(0, "initial"), (n - 1, "final")] {
        if let Some(c) = cutoff {
            if let Some(&a) = isolated_atoms(&o.band[k], c).first() {
                if o.band[k].len() > 1 {
                    warnings.push(format!(
                        "the {which} state has {} with no neighbour within {c} Å (the calculator's cutoff): its energy there is that of a free atom in this model",
                        atom_name(&o.band[k], a)
                    ));
                }
            }
        }
    }
    let band_steps = shape.steps();
    // endpoints kept as given although their forces exceed fmax (relax_endpoints false)
    let unrelaxed = [("initial", &report.initial), ("final", &report.final_)]
        .into_iter()
        .find(|(_, st)| !st.relaxed && st.max_force > cfg.neb.fmax);
    let (status, message) = if let Some((which, st)) = unrelaxed {
        (
            Status::EndpointNotMinimum,
            format!(
                "the {which} state is not a minimum: its largest force is {:.3} eV/Å{}, above fmax {} eV/Å, and it was kept as given (relax_endpoints false / --no-relax-endpoints), so the band's energies are no barrier; let nebkit relax it (drop --no-relax-endpoints) or relax it with your engine and rerun",
                st.max_force,
                st.max_force_atom
                    .map(|a| format!(" on {}", atom_name(&o.band[0], a)))
                    .unwrap_or_default(),
                cfg.neb.fmax
            ),
        )
    } else if !o.converged {
        let mut m = format!(
            "the band did not converge to fmax {} eV/Å in {} iterations (largest NEB force {:.4} eV/Å); results so far are written: continue with `nebkit neb --restart {}` after raising max_iterations in {}/run.json",
            cfg.neb.fmax,
            o.iterations,
            o.neb.max_force,
            job.dir.display(),
            job.dir.display()
        );
        if !intermediates.is_empty() {
            m.push_str(&format!(
                "; the band has {} interior minim{} (image{} {}): the path is probably multi-step",
                intermediates.len(),
                if intermediates.len() == 1 { "um" } else { "a" },
                if intermediates.len() == 1 { "" } else { "s" },
                intermediates
                    .iter()
                    .map(|p| p.image.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        (Status::NotConverged, m)
    } else if let Some((k, a)) = detached(&o.band, cutoff) {
        (
            Status::DetachedAtom,
            format!(
                "image {k}: {} has no neighbour within {:.2} Å, the calculator's cutoff, although it has neighbours in both endpoints: it feels no force there, so the band has left the reaction path and its energies are not a barrier; check that the endpoints are the intended minima, start from a better path (--interpolation idpp, more images) and keep the climbing image off until the band has formed (the default)",
                atom_name(&o.band[k], a),
                cutoff.unwrap_or(0.0)
            ),
        )
    } else if shape.initial_is_maximum() || shape.final_is_maximum() {
        let (which, p) = if shape.initial_is_maximum() {
            ("initial", shape.turning_points[1])
        } else {
            (
                "final",
                shape.turning_points[shape.turning_points.len() - 2],
            )
        };
        let e_end = if which == "initial" { e0 } else { e1 };
        (
            Status::EndpointNotMinimum,
            format!(
                "the converged band runs downhill from the {which} state to a minimum {:.3} eV lower near image {}: the {which} state is not a minimum along this path; take that image (frame {} of {}/band.extxyz) as the {which} state and rerun, or relax the {which} state more tightly (--endpoint-fmax)",
                e_end - p.energy,
                p.image,
                p.image,
                job.dir.display()
            ),
        )
    } else if band_steps.is_empty() {
        let de = e1 - e0;
        let m = if de < 0.0 {
            format!(
                "the energy falls monotonically from the initial to the final state (reaction energy {de:+.3} eV): the converged path has no barrier (none above the {tol} eV resolution; lower --energy-tolerance to resolve a smaller one), so the initial state is not held in place by a barrier on this path in this model",
                tol = cfg.energy_tolerance
            )
        } else {
            format!(
                "the energy rises monotonically to the final state (reaction energy {de:+.3} eV): no saddle lies between these endpoints and the final state has no barrier back (within the {tol} eV resolution), so it is no separate minimum on this path in this model and the energy difference is no barrier",
                tol = cfg.energy_tolerance
            )
        };
        (Status::NoBarrier, m)
    } else if intermediates.is_empty() {
        (
            Status::Converged,
            format!(
                "one elementary step: barrier {:.4} eV (reverse {:.4} eV), saddle at image {top}",
                o.energies[top] - e0,
                o.energies[top] - e1
            ),
        )
    } else {
        (
            Status::MultiStep,
            format!(
                "the path crosses {} intermediate minim{}: {} elementary steps read off the band (estimates; rerun without --no-split for one CI-NEB per step)",
                intermediates.len(),
                if intermediates.len() == 1 { "um" } else { "a" },
                band_steps.len()
            ),
        )
    };
    let has_barrier = status.has_barrier();
    let (fwd, rev) = if has_barrier {
        (Some(o.energies[top] - e0), Some(o.energies[top] - e1))
    } else {
        (None, None)
    };
    let top_fit = profile.maximum();
    let steps: Vec<StepReport> = if has_barrier {
        band_steps
            .iter()
            .enumerate()
            .map(|(k, st)| StepReport {
                index: k + 1,
                source: "band".into(),
                dir: None,
                status: Status::Converged,
                initial_energy: st.initial.energy,
                saddle_energy: Some(st.maximum.energy),
                final_energy: st.final_.energy,
                barrier_forward: Some(st.barrier_forward()),
                barrier_reverse: Some(st.barrier_reverse()),
                reaction_energy: st.final_.energy - st.initial.energy,
                band_images: Some([st.initial.image, st.maximum.image, st.final_.image]),
                force_calls: 0,
                iterations: 0,
            })
            .collect()
    } else {
        Vec::new()
    };
    let endpoint_calls = report.force_calls;
    let result = NebResult {
        format: "nebkit/result".into(),
        version: 1,
        status,
        message,
        converged: o.converged,
        iterations: o.iterations,
        force_calls: o.force_calls() + endpoint_calls,
        force_calls_per_image: o.calls_per_image.clone(),
        endpoint_relaxation_force_calls: endpoint_calls,
        force_calls_breakdown: ForceCallBreakdown {
            endpoints: endpoint_calls,
            band: o.force_calls(),
            ..Default::default()
        },
        barrier_forward: fwd,
        barrier_reverse: rev,
        reaction_energy: Some(e1 - e0),
        saddle: has_barrier.then(|| Saddle {
            image: top,
            energy: o.energies[top],
            climbing: o.neb.climbing == Some(top),
        }),
        fit_maximum: has_barrier.then_some(FitMaximum {
            reaction_coordinate: top_fit.s,
            energy: top_fit.energy,
        }),
        energies: o.energies.clone(),
        reaction_coordinate: s,
        tangential_forces: o.neb.tangential_force.clone(),
        max_force: Some(o.neb.max_force),
        max_force_history: o.max_force_history.clone(),
        calculator: job.calc.name(),
        settings: settings_json(cfg, &report),
        units: units(),
        turning_points: shape.turning_points.clone(),
        rate_limiting: (status == Status::MultiStep)
            .then(|| energy_span(&steps).0)
            .flatten(),
        steps,
        combined_profile: None,
        endpoints: Some(report),
        electrochem: cfg.electrochem.map(|ec| {
            json!({
                "potential": ec.potential,
                "phi_she": ec.phi_she,
                "potentiostat": ec.potentiostat.as_str(),
                "potential_tolerance": ec.tolerance,
                "potentials_reached": o.electrons.iter().map(|e| e.map(|v| v[1] - ec.phi_she)).collect::<Vec<_>>(),
                "energies_are": "grand energies Ω(U) [eV]",
                "excess_electrons": o.electrons.iter().map(|e| e.map(|v| v[0])).collect::<Vec<_>>(),
                "work_functions": o.electrons.iter().map(|e| e.map(|v| v[1])).collect::<Vec<_>>(),
                "electron_transfer": o.electrons[top].zip(o.electrons[0]).map(|(t, i)| t[0] - i[0]),
            })
        }),
        notes: job.notes.clone(),
        warnings,
    };
    crate::io::write_all(&job.dir.join("band.extxyz"), &o.band)?;
    let splittable = matches!(status, Status::MultiStep | Status::NotConverged)
        && !intermediates.is_empty()
        && cfg.split
        && job.depth < MAX_SPLIT_DEPTH;
    if splittable {
        return start_split(job, &o, result, &intermediates);
    }
    write_result(job, &result)?;
    Ok(result)
}

/// result.json and the figures.
fn write_result(job: &Job, result: &NebResult) -> Result<(), JobError> {
    write_json(&job.dir.join("result.json"), result)?;
    draw_result(&job.dir.join("profile.svg"), result).map_err(|e| run_err(e.to_string()))?;
    if result.status.has_barrier() {
        draw_result_diagram(&job.dir.join("diagram.svg"), result)
            .map_err(|e| run_err(e.to_string()))?;
    } else {
        let _ = std::fs::remove_file(job.dir.join("diagram.svg"));
    }
    Ok(())
}

/// Relax the intermediate minima, lay out one run directory per elementary step, run them.
fn start_split(
    job: &Job,
    o: &NebOutcome,
    band_result: NebResult,
    intermediates: &[crate::analysis::TurningPoint],
) -> Result<NebResult, JobError> {
    let cfg = &job.config;
    let efmax = cfg.endpoint_fmax();
    (job.log)(&format!(
        "{}: {} interior minim{} on the band (image{} {}); relaxing {} and running one CI-NEB per step",
        job.dir.display(),
        intermediates.len(),
        if intermediates.len() == 1 { "um" } else { "a" },
        if intermediates.len() == 1 { "" } else { "s" },
        intermediates
            .iter()
            .map(|p| p.image.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        if intermediates.len() == 1 { "it" } else { "them" },
    ));
    let relaxed: Vec<crate::optimize::RelaxOutcome> = intermediates
        .par_iter()
        .map(|p| {
            let s = &o.band[p.image];
            let ev = Evaluation {
                energy: o.energies[p.image],
                forces: o.forces[p.image].clone(),
                stress: None,
                energies: None,
                electrons: None,
                extra: None,
            };
            relax_from(s, ev, job.calc, efmax, cfg.endpoint_max_steps)
                .map_err(|e| run_err(format!("relaxing the minimum at image {}: {e}", p.image)))
        })
        .collect::<Result<_, _>>()?;
    let intermediate_calls: u64 = relaxed.iter().map(|r| r.force_calls as u64).sum();
    let n = o.band.len();
    // the chain of minima: initial, intermediates (merged into a neighbour when they relax into it)
    let mut chain: Vec<(usize, Structure, f64)> = vec![(0, o.band[0].clone(), o.energies[0])];
    let mut notes = Vec::new();
    let movers = moving_atoms(&o.band[0], &o.band[n - 1], 0.1).map_err(run_err)?;
    for (p, r) in intermediates.iter().zip(&relaxed) {
        if !r.converged {
            notes.push(format!(
                "the minimum near image {} did not relax below {efmax} eV/Å in {} steps; it is used as relaxed so far",
                p.image, r.steps
            ));
        }
        // a minimum the band did not locate: the relaxation carried atoms far from the image, so
        // the band's sections do not lead to it; splitting there would start the steps from paths
        // that pass atoms through each other
        let drift = compare(&o.band[p.image], &r.structure, &[], false)
            .map(|c| (c.max_displacement, c.max_atom))
            .unwrap_or((0.0, 0));
        if drift.0 > INTERMEDIATE_DRIFT {
            notes.push(format!(
                "the minimum near image {} was not split at: relaxing that image moved {} by {:.2} Å (more than {INTERMEDIATE_DRIFT} Å), so the band does not locate that minimum",
                p.image,
                atom_name(&o.band[p.image], drift.1),
                drift.0
            ));
            continue;
        }
        let prev = &chain[chain.len() - 1].1;
        let same_prev = compare(prev, &r.structure, &movers, job_align(job))
            .map(|c| collapsed(&c, cfg.collapse_distance))
            .unwrap_or(false);
        let same_next = compare(&r.structure, &o.band[n - 1], &movers, job_align(job))
            .map(|c| collapsed(&c, cfg.collapse_distance))
            .unwrap_or(false);
        if same_prev || same_next {
            notes.push(format!(
                "the minimum near image {} relaxed into the {} minimum and was merged into it",
                p.image,
                if same_prev { "preceding" } else { "following" }
            ));
            continue;
        }
        chain.push((p.image, r.structure.clone(), r.evaluation.energy));
    }
    chain.push((n - 1, o.band[n - 1].clone(), o.energies[n - 1]));
    if chain.len() < 3 {
        // nothing left to split at: report the band as it is
        let mut result = band_result;
        result.warnings.extend(notes);
        result.force_calls += intermediate_calls;
        result.force_calls_breakdown.intermediates = intermediate_calls;
        write_result(job, &result)?;
        return Ok(result);
    }
    // fresh step directories (a stale one from an earlier run must not be taken for a result)
    let steps_dir = job.dir.join("steps");
    if steps_dir.exists() {
        std::fs::remove_dir_all(&steps_dir)
            .map_err(|e| run_err(format!("{}: {e}", steps_dir.display())))?;
    }
    std::fs::create_dir_all(&steps_dir)
        .map_err(|e| run_err(format!("{}: {e}", steps_dir.display())))?;
    let mut step_dirs = Vec::new();
    for k in 0..chain.len() - 1 {
        let rel = format!("steps/{}", k + 1);
        let d = job.dir.join(&rel);
        std::fs::create_dir_all(&d).map_err(|e| run_err(format!("{}: {e}", d.display())))?;
        let (i0, a, _) = &chain[k];
        let (i1, b, _) = &chain[k + 1];
        let mut points: Vec<Structure> = o.band[*i0..=*i1].to_vec();
        let m = points.len();
        points[0] = a.clone();
        points[m - 1] = b.clone();
        let path = resample(&points, cfg.images).map_err(run_err)?;
        crate::io::write_all(&d.join("path.extxyz"), &path)?;
        step_dirs.push(rel);
    }
    let record = SplitRecord {
        format: "nebkit/split".into(),
        version: 1,
        band: band_result,
        minima_energies: chain.iter().map(|c| c.2).collect(),
        minima_images: chain.iter().map(|c| c.0).collect(),
        intermediate_force_calls: intermediate_calls,
        steps: step_dirs,
        notes,
    };
    write_json(&job.dir.join("split.json"), &record)?;
    continue_split(job, record)
}

/// Run (or resume) every step of a split and assemble the multi-step result.
fn continue_split(job: &Job, record: SplitRecord) -> Result<NebResult, JobError> {
    let cfg = &job.config;
    let mut sub_results = Vec::new();
    for (k, rel) in record.steps.iter().enumerate() {
        let d = job.dir.join(rel);
        let mut sub_cfg = cfg.clone();
        sub_cfg.initial = None;
        sub_cfg.final_ = None;
        sub_cfg.output = None;
        // the minima are relaxed already; the step still checks them
        sub_cfg.relax_endpoints = Some(false);
        let sub = Job {
            config: sub_cfg,
            dir: d.clone(),
            calc: job.calc,
            progress: job.progress,
            log: job.log,
            depth: job.depth + 1,
            notes: job.notes.clone(),
        };
        let result = if d.join("result.json").exists() {
            read_json::<NebResult>(&d.join("result.json"))?
        } else if d.join("checkpoint.json").exists() || d.join("split.json").exists() {
            (job.log)(&format!("step {}: resuming {}", k + 1, d.display()));
            run(&sub, Start::Restart)?
        } else {
            let path = crate::io::read_all(&d.join("path.extxyz"))?;
            let (Some(a), Some(b)) = (path.first().cloned(), path.last().cloned()) else {
                return Err(run_err(format!("{}: empty path", d.display())));
            };
            (job.log)(&format!(
                "step {} of {}: CI-NEB in {}",
                k + 1,
                record.steps.len(),
                d.display()
            ));
            run(
                &sub,
                Start::Fresh {
                    initial: Box::new(a),
                    final_: Box::new(b),
                    path: Some(path),
                },
            )?
        };
        sub_results.push((rel.clone(), result));
    }
    let result = assemble(job, record, sub_results);
    write_result(job, &result)?;
    Ok(result)
}

/// The rate-limiting step (energy-span model: the highest saddle relative to the lowest minimum
/// before it; Kozuch & Shaik, Acc. Chem. Res. 44, 101 (2011), doi:10.1021/ar1000956) and the
/// highest point of the path [eV].
fn energy_span(steps: &[StepReport]) -> (Option<RateLimiting>, f64) {
    let mut lowest = f64::INFINITY;
    let mut rate: Option<RateLimiting> = None;
    let mut top = f64::NEG_INFINITY;
    for st in steps {
        lowest = lowest.min(st.initial_energy);
        let t = st
            .saddle_energy
            .unwrap_or(st.initial_energy.max(st.final_energy));
        top = top.max(t);
        let span = t - lowest;
        if rate.is_none_or(|r| span > r.energy_span) {
            rate = Some(RateLimiting {
                step: st.index,
                energy_span: span,
            });
        }
    }
    (rate, top)
}

/// One multi-step result from the band's record and the steps' results.
fn assemble(job: &Job, record: SplitRecord, subs: Vec<(String, NebResult)>) -> NebResult {
    let mut steps: Vec<StepReport> = Vec::new();
    let mut combined = CombinedProfile {
        reaction_coordinate: Vec::new(),
        energies: Vec::new(),
        tangential_forces: Vec::new(),
        step_starts: Vec::new(),
    };
    let mut sub_calls = 0u64;
    let mut bad: Option<(Status, String)> = None;
    for (k, (rel, r)) in subs.iter().enumerate() {
        sub_calls += r.force_calls;
        if !matches!(
            r.status,
            Status::Converged | Status::MultiStep | Status::NoBarrier
        ) && bad.is_none()
        {
            bad = Some((
                r.status,
                format!(
                    "step {} ({}/{rel}): {}",
                    k + 1,
                    job.dir.display(),
                    r.message
                ),
            ));
        }
        // the step's own profile, appended along one reaction coordinate
        let p = r.profile();
        let base = combined.energies.len();
        match &r.combined_profile {
            Some(c) => combined
                .step_starts
                .extend(c.step_starts.iter().map(|i| i + base)),
            None => combined.step_starts.push(base),
        }
        let offset = combined.reaction_coordinate.last().copied().unwrap_or(0.0);
        for ((s, e), t) in p.s.iter().zip(&p.energies).zip(&p.slopes) {
            combined.reaction_coordinate.push(offset + s);
            combined.energies.push(*e);
            combined.tangential_forces.push(-t);
        }
        let e_i = r.energies.first().copied().unwrap_or(f64::NAN);
        let e_f = r.energies.last().copied().unwrap_or(f64::NAN);
        if r.status == Status::MultiStep && r.steps.iter().all(|s| s.source == "split") {
            for st in &r.steps {
                let mut st = st.clone();
                st.dir = st.dir.map(|d| format!("{rel}/{d}"));
                steps.push(st);
            }
        } else {
            let saddle = r.saddle.map(|s| s.energy);
            steps.push(StepReport {
                index: 0,
                source: "split".into(),
                dir: Some(rel.clone()),
                status: r.status,
                initial_energy: e_i,
                saddle_energy: saddle,
                final_energy: e_f,
                barrier_forward: match r.status {
                    Status::NoBarrier => Some((e_f - e_i).max(0.0)),
                    _ => r.barrier_forward,
                },
                barrier_reverse: match r.status {
                    Status::NoBarrier => Some((e_i - e_f).max(0.0)),
                    _ => r.barrier_reverse,
                },
                reaction_energy: e_f - e_i,
                band_images: None,
                force_calls: r.force_calls,
                iterations: r.iterations,
            });
        }
    }
    for (k, st) in steps.iter_mut().enumerate() {
        st.index = k + 1;
    }
    let band = record.band;
    let e0 = band.energies.first().copied().unwrap_or(0.0);
    let e1 = band.energies.last().copied().unwrap_or(0.0);
    let (rate, top) = energy_span(&steps);
    let calls = band.force_calls_breakdown.endpoints
        + band.force_calls_breakdown.band
        + record.intermediate_force_calls
        + sub_calls;
    let (status, message, fwd, rev) = match bad {
        Some((s, m)) => (s, m, None, None),
        None => {
            let barriers: Vec<String> = steps
                .iter()
                .map(|s| match s.saddle_energy {
                    Some(_) => format!("{:.4}", s.barrier_forward.unwrap_or(f64::NAN)),
                    None => "none".into(),
                })
                .collect();
            let r = rate.unwrap_or(RateLimiting {
                step: 1,
                energy_span: f64::NAN,
            });
            (
                Status::MultiStep,
                format!(
                    "{} elementary steps across {} intermediate minim{}, each converged as its own CI-NEB: forward barriers {} eV; rate-limiting step {} (energy span {:.4} eV); highest point {:.4} eV above the initial state",
                    steps.len(),
                    steps.len() - 1,
                    if steps.len() == 2 { "um" } else { "a" },
                    barriers.join(" / "),
                    r.step,
                    r.energy_span,
                    top - e0
                ),
                Some(top - e0),
                Some(top - e1),
            )
        }
    };
    let mut warnings = band.warnings.clone();
    warnings.extend(record.notes);
    let has = status.has_barrier();
    NebResult {
        status,
        message,
        converged: has,
        force_calls: calls,
        force_calls_breakdown: ForceCallBreakdown {
            endpoints: band.force_calls_breakdown.endpoints,
            band: band.force_calls_breakdown.band,
            intermediates: record.intermediate_force_calls,
            steps: sub_calls,
        },
        barrier_forward: fwd,
        barrier_reverse: rev,
        saddle: if has { band.saddle } else { None },
        fit_maximum: if has { band.fit_maximum } else { None },
        steps,
        rate_limiting: if has { rate } else { None },
        combined_profile: Some(combined),
        warnings,
        ..band
    }
}

/// The outcome of relaxing two endpoints and comparing them ([`check_minima`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MinimaCheck {
    /// The calculator spec.
    pub calculator: String,
    /// Relaxation tolerance [eV/Å].
    pub fmax: f64,
    /// The initial state after relaxation.
    pub initial: EndpointState,
    /// The final state after relaxation.
    #[serde(rename = "final")]
    pub final_: EndpointState,
    /// Final vs initial state after relaxation (`None` for endpoints with different atoms).
    pub comparison: Option<Comparison>,
    /// `distinct-minima`, `collapsed-endpoints` or `endpoint-not-minimum`.
    pub verdict: String,
    /// In words.
    pub message: String,
}

impl MinimaCheck {
    /// Exit code of `nebkit build --check`: 0 for distinct minima, else that of the status.
    pub fn exit_code(&self) -> u8 {
        match self.verdict.as_str() {
            "collapsed-endpoints" => Status::CollapsedEndpoints.exit_code(),
            "endpoint-not-minimum" => Status::EndpointNotMinimum.exit_code(),
            _ => 0,
        }
    }
}

/// Relax both endpoints (concurrently) to `fmax` [eV/Å] within `max_steps` and say whether they are
/// distinct minima (moving atoms apart by at least `collapse_distance` [Å]). Returns the check and
/// the relaxed structures.
///
/// # Errors
/// Calculator failures.
pub fn check_minima(
    calc: &dyn Calculator,
    initial: &Structure,
    final_: &Structure,
    fmax: f64,
    max_steps: usize,
    collapse_distance: f64,
) -> Result<(MinimaCheck, Structure, Structure), JobError> {
    let both = [initial, final_];
    let done: Vec<(crate::optimize::RelaxOutcome, f64)> = both
        .par_iter()
        .enumerate()
        .map(|(k, s)| {
            let ev = calc
                .calculate(s)
                .map_err(|e| run_err(format!("evaluating the {} state: {e}", name(k))))?;
            ev.check_finite(&calc.name())
                .map_err(|e| run_err(format!("the {} state: {e}", name(k))))?;
            let f = max_free_force_atom(s, &ev.forces).map_or(0.0, |x| x.1);
            relax_from(s, ev, calc, fmax, max_steps)
                .map(|mut r| {
                    r.force_calls += 1;
                    (r, f)
                })
                .map_err(|e| run_err(format!("relaxing the {} state: {e}", name(k))))
        })
        .collect::<Result<_, JobError>>()?;
    let states: Vec<EndpointState> = done
        .iter()
        .map(|(r, f0)| {
            let mut st = state_for(&r.structure, &r.evaluation, *f0);
            st.relaxed = true;
            st.relaxation_steps = r.steps;
            st.relaxation_converged = r.converged;
            st
        })
        .collect();
    let relaxed: Vec<crate::optimize::RelaxOutcome> = done.into_iter().map(|d| d.0).collect();
    let same_atoms = initial.numbers == final_.numbers;
    let align = !calc.capabilities().model_surface;
    let comparison = if same_atoms {
        let movers = moving_atoms(initial, final_, 0.1).map_err(run_err)?;
        Some(
            compare(&relaxed[0].structure, &relaxed[1].structure, &movers, align)
                .map_err(run_err)?,
        )
    } else {
        None
    };
    let (verdict, message) = if let Some(k) = (0..2).find(|&k| !states[k].relaxation_converged) {
        (
            Status::EndpointNotMinimum,
            format!(
                "the {} state did not relax below {fmax} eV/Å in {} steps (largest force {:.3} eV/Å)",
                name(k),
                states[k].relaxation_steps,
                states[k].max_force
            ),
        )
    } else {
        match &comparison {
            Some(c) if collapsed(c, collapse_distance) => (
                Status::CollapsedEndpoints,
                format!(
                    "both endpoints relax into one minimum: the moving atoms end {:.3} Å apart (RMSD {:.3} Å)",
                    c.moving_displacement, c.rmsd
                ),
            ),
            Some(c) => (
                Status::Converged,
                format!(
                    "the moving atoms end {:.3} Å apart, E(final) − E(initial) = {:+.4} eV",
                    c.moving_displacement,
                    states[1].energy - states[0].energy
                ),
            ),
            None => (
                Status::Converged,
                format!(
                    "both relaxed (different atoms: E(final) − E(initial) = {:+.4} eV)",
                    states[1].energy - states[0].energy
                ),
            ),
        }
    };
    let mut it = relaxed.into_iter();
    let (Some(a), Some(b)) = (it.next(), it.next()) else {
        return Err(run_err("internal: two relaxations expected"));
    };
    Ok((
        MinimaCheck {
            calculator: calc.name(),
            fmax,
            initial: states[0].clone(),
            final_: states[1].clone(),
            comparison,
            verdict: match verdict {
                Status::Converged => "distinct-minima".into(),
                other => other.as_str().into(),
            },
            message,
        },
        a.structure,
        b.structure,
    ))
}
