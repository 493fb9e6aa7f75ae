//! `nebkit neb`: a (climbing-image) NEB from two endpoints, with checkpoints and restart. The work
//! is done by [`crate::workflow`]; this file turns flags into a validated [`RunConfig`] and prints
//! the outcome.

use super::CliError;
use crate::calculator::{self, Calculator};
use crate::neb::Springs;
use crate::optimize::{Climb, OptimizerKind};
use crate::workflow::{
    default_potential_tolerance, ElectrochemConfig, Job, RunConfig, Start, Status,
};
use clap::Args;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Arguments of `nebkit neb`.
#[derive(Debug, Args, Default)]
pub struct NebArgs {
    /// Initial state (any structure format).
    #[arg(long)]
    initial: Option<PathBuf>,
    /// Final state (same atoms in the same order).
    #[arg(long = "final")]
    final_: Option<PathBuf>,
    /// Number of intermediate images.
    #[arg(long)]
    images: Option<usize>,
    /// Calculator spec: sevennet (default, SevenNet-0 built in), emt, eam:zhou2004, model, morse,
    /// muller-brown, ipi:unix:NAME, command:PROGRAM, ...
    #[arg(long, short = 'c')]
    calculator: Option<String>,
    /// Climbing image on from the first iteration (default: once the band has formed, i.e. its
    /// largest NEB force is below 10 × fmax).
    #[arg(long, conflicts_with_all = ["no_climb", "climb_after"])]
    climb: bool,
    /// Plain NEB without a climbing image.
    #[arg(long)]
    no_climb: bool,
    /// Switch the climbing image on once the band's fmax is below this value [eV/Å].
    #[arg(long, value_name = "FMAX")]
    climb_after: Option<f64>,
    /// Convergence: largest per-atom NEB force [eV/Å] (default 0.05).
    #[arg(long)]
    fmax: Option<String>,
    /// Band optimiser.
    #[arg(long, value_parser = ["fire", "lbfgs"])]
    optimizer: Option<String>,
    /// Largest displacement of any atom per step [Å] (default 0.2).
    #[arg(long)]
    max_step: Option<f64>,
    /// Spring constant [eV/Å²] (default 0.1, as ASE; VTST uses 5).
    #[arg(long)]
    spring: Option<f64>,
    /// Energy-weighted springs between K_MIN and K_MAX [eV/Å²], e.g. 0.972,9.72.
    #[arg(long, value_name = "K_MIN,K_MAX")]
    energy_weighted: Option<String>,
    /// Initial path.
    #[arg(long, value_parser = ["linear", "idpp"])]
    interpolation: Option<String>,
    /// Always relax both endpoints (true minimisation) before the band (default: relax an endpoint
    /// whose largest force exceeds fmax).
    #[arg(long, conflicts_with = "no_relax_endpoints")]
    relax_endpoints: bool,
    /// Never relax the endpoints; an endpoint with forces above fmax then stops the run
    /// (`endpoint-not-minimum`).
    #[arg(long)]
    no_relax_endpoints: bool,
    /// Tolerance of endpoint and intermediate relaxation [eV/Å] (default: fmax / 2).
    #[arg(long, value_name = "FMAX")]
    endpoint_fmax: Option<f64>,
    /// Largest number of steps per endpoint or intermediate relaxation (default 1000).
    #[arg(long, value_name = "N")]
    endpoint_steps: Option<usize>,
    /// Split a multi-step band: relax each intermediate minimum and run one CI-NEB per elementary
    /// step (the default).
    #[arg(long, conflicts_with = "no_split")]
    split: bool,
    /// Keep a multi-step band whole: its elementary steps are read off the band (estimates).
    #[arg(long)]
    no_split: bool,
    /// Energy resolution [eV]: maxima and minima of the profile smaller than this are not counted
    /// (default 0.05).
    #[arg(long, value_name = "EV")]
    energy_tolerance: Option<f64>,
    /// Endpoints whose moving atoms end closer than this are one minimum [Å] (default 0.2).
    #[arg(long, value_name = "ANGSTROM")]
    collapse_distance: Option<f64>,
    /// Largest number of band optimisation steps (default 1000).
    #[arg(long)]
    max_iterations: Option<usize>,
    /// Constant electrode potential [V vs SHE]: optimise the band on the grand energy Ω(U) (needs a
    /// calculator that accepts an electron count, e.g. mb-electrode).
    #[arg(long, allow_hyphen_values = true)]
    potential: Option<f64>,
    /// Φ_SHE [V] of the calculator's potential scale (default 4.44, IUPAC; GPAW SJM uses 4.4).
    #[arg(long)]
    phi_she: Option<f64>,
    /// Who holds the potential: `nebkit` (its secant potentiostat sets the engine's electron count)
    /// or `engine` (the engine converges its own electron count to the target, e.g. GPAW SJM).
    #[arg(long, value_enum)]
    potentiostat: Option<crate::workflow::Potentiostat>,
    /// Largest accepted |U − U_target| per evaluation [V] (default 0.01).
    #[arg(long, value_name = "VOLT")]
    potential_tolerance: Option<f64>,
    /// Run settings from a file (`nebkit/neb-config` version 1); flags override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Output directory (result.json, band.extxyz, profile.svg, checkpoint.json, trajectory.extxyz).
    #[arg(long, short = 'o')]
    output: Option<PathBuf>,
    /// Resume the run in DIR from its last checkpoint.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["initial", "final_", "config"])]
    restart: Option<PathBuf>,
    /// Worker threads for image evaluation (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// No progress display.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Keep every evaluation in DIR/cache so that a restarted or repeated run never evaluates a
    /// configuration twice (on by default for external engines).
    #[arg(long, conflicts_with = "no_cache")]
    cache: bool,
    /// No evaluation cache.
    #[arg(long)]
    no_cache: bool,
}

fn read_config(path: &Path) -> Result<RunConfig, CliError> {
    RunConfig::read(path).map_err(CliError::Usage)
}

/// Merge the config file (if any) and the flags into one validated plan.
fn plan(args: &NebArgs) -> Result<RunConfig, CliError> {
    let mut cfg = match &args.config {
        Some(p) => read_config(p)?,
        None => RunConfig::default(),
    };
    if let Some(p) = &args.initial {
        cfg.initial = Some(p.clone());
    }
    if let Some(p) = &args.final_ {
        cfg.final_ = Some(p.clone());
    }
    if let Some(n) = args.images {
        cfg.images = n;
    }
    if let Some(c) = &args.calculator {
        cfg.calculator = c.clone();
    }
    if args.climb {
        cfg.neb.climb = Climb::Always;
    }
    if args.no_climb {
        cfg.neb.climb = Climb::Off;
    }
    if let Some(t) = args.climb_after {
        if !(t.is_finite() && t > 0.0) {
            return Err(CliError::Usage(format!(
                "--climb-after must be a positive force, got {t}"
            )));
        }
        cfg.neb.climb = Climb::AfterFmax(t);
    }
    if let Some(f) = &args.fmax {
        cfg.neb.fmax =
            crate::units::parse_force(f).map_err(|e| CliError::Usage(format!("--fmax: {e}")))?;
    }
    if let Some(o) = &args.optimizer {
        cfg.neb.optimizer = match o.as_str() {
            "lbfgs" => OptimizerKind::Lbfgs(Default::default()),
            _ => OptimizerKind::Fire(Default::default()),
        };
    }
    if let Some(m) = args.max_step {
        if !(m.is_finite() && m > 0.0) {
            return Err(CliError::Usage(format!(
                "--max-step must be a positive length, got {m}"
            )));
        }
        match &mut cfg.neb.optimizer {
            OptimizerKind::Fire(p) => p.max_step = m,
            OptimizerKind::Lbfgs(p) => p.max_step = m,
        }
    }
    if let Some(k) = args.spring {
        cfg.neb.springs = Springs::Uniform { k };
    }
    if let Some(w) = &args.energy_weighted {
        let parts: Vec<&str> = w.split(',').map(str::trim).collect();
        let values: Vec<f64> = parts.iter().filter_map(|x| x.parse().ok()).collect();
        if parts.len() != 2 || values.len() != 2 {
            return Err(CliError::Usage(format!(
                "--energy-weighted expects K_MIN,K_MAX, got '{w}'"
            )));
        }
        cfg.neb.springs = Springs::EnergyWeighted {
            k_min: values[0],
            k_max: values[1],
        };
    }
    if let Some(i) = &args.interpolation {
        cfg.interpolation = i.clone();
    }
    if args.relax_endpoints {
        cfg.relax_endpoints = Some(true);
    }
    if args.no_relax_endpoints {
        cfg.relax_endpoints = Some(false);
    }
    if let Some(f) = args.endpoint_fmax {
        cfg.endpoint_fmax = Some(f);
    }
    if let Some(n) = args.endpoint_steps {
        cfg.endpoint_max_steps = n;
    }
    if args.split {
        cfg.split = true;
    }
    if args.no_split {
        cfg.split = false;
    }
    if let Some(t) = args.energy_tolerance {
        cfg.energy_tolerance = t;
    }
    if let Some(d) = args.collapse_distance {
        cfg.collapse_distance = d;
    }
    if let Some(m) = args.max_iterations {
        cfg.neb.max_iterations = m;
    }
    if let Some(o) = &args.output {
        cfg.output = Some(o.clone());
    }
    if let Some(u) = args.potential {
        if !u.is_finite() || u.abs() > 100.0 {
            return Err(CliError::Usage(format!(
                "--potential {u}: give a finite electrode potential in V vs SHE (|U| ≤ 100)"
            )));
        }
        let base = cfg.electrochem;
        cfg.electrochem = Some(ElectrochemConfig {
            potential: u,
            phi_she: base.map_or(4.44, |b| b.phi_she),
            tolerance: base.map_or_else(default_potential_tolerance, |b| b.tolerance),
            potentiostat: base.map(|b| b.potentiostat).unwrap_or_default(),
        });
    }
    let touches =
        args.phi_she.is_some() || args.potentiostat.is_some() || args.potential_tolerance.is_some();
    match cfg.electrochem.as_mut() {
        Some(ec) => {
            if let Some(phi) = args.phi_she {
                ec.phi_she = phi;
            }
            if let Some(p) = args.potentiostat {
                ec.potentiostat = p;
            }
            if let Some(t) = args.potential_tolerance {
                ec.tolerance = t;
            }
            if !ec.phi_she.is_finite() || !(0.0..=10.0).contains(&ec.phi_she) {
                return Err(CliError::Usage(format!(
                    "--phi-she {}: Φ_SHE is a few volts (4.44 IUPAC, 4.4 GPAW, 4.6 CP-VASP)",
                    ec.phi_she
                )));
            }
            if !(ec.tolerance.is_finite() && ec.tolerance > 0.0 && ec.tolerance <= 1.0) {
                return Err(CliError::Usage(format!(
                    "--potential-tolerance {}: give a positive tolerance in V, at most 1",
                    ec.tolerance
                )));
            }
        }
        None if touches => {
            return Err(CliError::Usage(
                "--phi-she, --potentiostat and --potential-tolerance only apply with --potential"
                    .into(),
            ))
        }
        None => {}
    }
    // validation before any force call
    if cfg.initial.is_none() || cfg.final_.is_none() {
        return Err(CliError::Usage(
            "give the endpoints with --initial and --final (or in --config)".into(),
        ));
    }
    if cfg.output.is_none() {
        return Err(CliError::Usage(
            "give an output directory with --output".into(),
        ));
    }
    cfg.validate().map_err(CliError::Usage)?;
    Ok(cfg)
}

pub(super) fn run<W: std::io::Write>(args: NebArgs, out: &mut W) -> Result<(), CliError> {
    let quiet = args.quiet;
    let (cfg, dir, start) = match &args.restart {
        Some(dir) => {
            let cfg = read_config(&dir.join("run.json"))?;
            (cfg, dir.clone(), Start::Restart)
        }
        None => {
            let cfg = plan(&args)?;
            let dir = cfg.output.clone().unwrap_or_default();
            let initial = crate::io::read(cfg.initial.as_deref().unwrap_or(Path::new("")))?;
            let final_ = crate::io::read(cfg.final_.as_deref().unwrap_or(Path::new("")))?;
            crate::path::validate(&[initial.clone(), final_.clone()])
                .map_err(|e| CliError::Usage(format!("endpoints: {e}")))?;
            (
                cfg,
                dir,
                Start::Fresh {
                    initial: Box::new(initial),
                    final_: Box::new(final_),
                    path: None,
                },
            )
        }
    };
    let calc = calculator::from_spec(&cfg.calculator)?;
    let calc: Box<dyn Calculator> = match cfg.electrochem {
        Some(ec) if ec.potentiostat == crate::workflow::Potentiostat::Engine => {
            Box::new(crate::electrochem::EngineGrandCanonical::new(
                calc,
                crate::calculator::PotentialTarget {
                    potential: ec.potential,
                    phi_she: ec.phi_she,
                    tolerance: ec.tolerance,
                },
            )?)
        }
        Some(ec) => Box::new(crate::electrochem::GrandCanonical::new(
            calc,
            crate::electrochem::PotentiostatSettings {
                potential: ec.potential,
                phi_she: ec.phi_she,
                tolerance: ec.tolerance,
                max_updates: 50,
                capacitance_guess: None,
            },
        )?),
        None => calc,
    };
    // engines in other processes (i-PI clients, programs): one worker per image keeps every client
    // busy even on a 2-core machine, and every evaluation is worth keeping
    let external = calc.capabilities().external;
    let threads = args.threads.or(external.then_some(cfg.images + 2));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| CliError::Usage(format!("cannot start {threads:?} threads: {e}")))?;
    let use_cache = !args.no_cache && (args.cache || external);
    let calc: Box<dyn Calculator> = if use_cache {
        Box::new(crate::calculator::cache::Cached::new(
            calc,
            dir.join("cache"),
        )?)
    } else {
        calc
    };
    let calc: &dyn Calculator = calc.as_ref();
    let note = calculator_note(&calc.name());
    if let (Some(note), false) = (&note, quiet) {
        eprintln!("note: {note}");
    }
    let capabilities = calc.capabilities();
    if let Start::Fresh { initial, .. } = &start {
        if capabilities.model_surface && initial.len() != 1 {
            return Err(CliError::Usage(format!(
                "{} is a 2-D model surface and needs one-atom structures, got {} atoms",
                calc.name(),
                initial.len()
            )));
        }
        if let Some(supported) = &capabilities.elements {
            crate::calculator::check_elements(&calc.name(), initial, supported)?;
        }
    }
    let log = move |m: &str| {
        if !quiet {
            eprintln!("{m}");
        }
    };
    let job = Job {
        config: cfg.clone(),
        dir: dir.clone(),
        calc,
        progress: !quiet && std::io::stderr().is_terminal(),
        log: &log,
        depth: 0,
        notes: note.into_iter().collect(),
    };
    let result = pool
        .install(|| crate::workflow::run(&job, start))
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let where_ = dir.join("result.json");
    let line = match result.status {
        Status::Converged => format!(
            "converged: barrier {:.4} eV (reverse {:.4} eV), saddle image {}, {} iterations, {} force calls, fmax {:.4} eV/Å → {}",
            result.barrier_forward.unwrap_or(f64::NAN),
            result.barrier_reverse.unwrap_or(f64::NAN),
            result.saddle.map_or(0, |s| s.image),
            result.iterations,
            result.force_calls,
            result.max_force.unwrap_or(f64::NAN),
            where_.display()
        ),
        Status::MultiStep => {
            let barriers: Vec<String> = result
                .steps
                .iter()
                .map(|s| match s.saddle_energy {
                    Some(_) => format!("{:.4}", s.barrier_forward.unwrap_or(f64::NAN)),
                    None => "none".into(),
                })
                .collect();
            format!(
                "multi-step: {} elementary steps, forward barriers {} eV; rate-limiting step {} (energy span {:.4} eV); highest point {:.4} eV above the initial state, {} force calls → {}",
                result.steps.len(),
                barriers.join(" / "),
                result.rate_limiting.map_or(0, |r| r.step),
                result.rate_limiting.map_or(f64::NAN, |r| r.energy_span),
                result.barrier_forward.unwrap_or(f64::NAN),
                result.force_calls,
                where_.display()
            )
        }
        other => format!(
            "{other}: no barrier reported, {} iterations, {} force calls → {}",
            result.iterations,
            result.force_calls,
            where_.display()
        ),
    };
    writeln!(out, "{line}").map_err(|e| CliError::Usage(e.to_string()))?;
    if !quiet {
        for w in &result.warnings {
            eprintln!("warning: {w}");
        }
    }
    match result.status {
        Status::Converged | Status::MultiStep => Ok(()),
        Status::NotConverged => Err(CliError::NotConverged(result.message)),
        status => Err(CliError::Outcome {
            status,
            message: result.message,
        }),
    }
}

/// What a user should know about the numbers of some built-in calculators (printed and written to
/// result.json).
fn calculator_note(name: &str) -> Option<String> {
    if name == "model" {
        Some(MODEL_NOTE.to_string())
    } else if name == "sevennet" || name.starts_with("sevennet:") {
        Some(format!(
            "{SEVENNET_NOTE} Cite: {}.",
            crate::calculator::builtin::sevennet::CITATION
        ))
    } else {
        None
    }
}

/// What SevenNet-0's barriers mean.
const SEVENNET_NOTE: &str = "SevenNet-0 is a universal potential trained on near-equilibrium PBE/PBE+U data (MPtrj); such potentials soften the energy surface and tend to underestimate barriers (by tenths of an eV), and it has no dispersion or electrode potential: check barriers you report against DFT.";

const MODEL_NOTE: &str = "the `model` calculator is a qualitative supported-metal potential for smoke tests and teaching; it reproduces no DFT barrier. For numbers, run the same initial/final files with the built-in SevenNet-0 (`-c sevennet`, the default; build with --support local) or DFT through the i-PI/command engines.";
