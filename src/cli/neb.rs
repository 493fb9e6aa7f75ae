//! `nebkit neb`: a (climbing-image) NEB from two endpoints, with checkpoints and restart.

use super::CliError;
use crate::analysis::{barriers, Profile};
use crate::calculator::{self, Calculator};
use crate::neb::Springs;
use crate::optimize::{
    relax, run_neb, Checkpoint, Climb, NebOutcome, NebSettings, Observer, OptimizerKind,
    ProgressObserver,
};
use crate::path::{idpp, interpolate_linear, reaction_coordinate, IdppSettings};
use crate::structure::Structure;
use clap::Args;
use serde::{Deserialize, Serialize};
use serde_json::json;
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
    /// Climbing image on from the start (the default).
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
    /// Relax both endpoints (true minimisation) before the band.
    #[arg(long)]
    relax_endpoints: bool,
    /// Largest number of band optimisation steps (default 1000).
    #[arg(long)]
    max_iterations: Option<usize>,
    /// Constant electrode potential [V vs SHE]: optimise the band on the grand energy Ω(U) (needs a
    /// calculator that accepts an electron count, e.g. mb-electrode).
    #[arg(long, allow_hyphen_values = true)]
    potential: Option<f64>,
    /// Φ_SHE [V] of the calculator's potential scale (default 4.44, IUPAC).
    #[arg(long)]
    phi_she: Option<f64>,
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

/// The run file `nebkit/neb-config` (version 1): every setting of a run. Written to the output
/// directory as `run.json`, read back by `--restart`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// `"nebkit/neb-config"`.
    pub format: String,
    /// Schema version (1).
    pub version: u32,
    /// Initial structure file.
    #[serde(default)]
    pub initial: Option<PathBuf>,
    /// Final structure file.
    #[serde(default, rename = "final")]
    pub final_: Option<PathBuf>,
    /// Intermediate images.
    #[serde(default = "default_images")]
    pub images: usize,
    /// Calculator spec.
    #[serde(default = "default_calculator")]
    pub calculator: String,
    /// Initial path: "linear" or "idpp".
    #[serde(default = "default_interpolation")]
    pub interpolation: String,
    /// IDPP relaxation settings (used with interpolation "idpp").
    #[serde(default)]
    pub idpp: IdppSettings,
    /// Relax endpoints first.
    #[serde(default)]
    pub relax_endpoints: bool,
    /// fmax for endpoint relaxation [eV/Å] (default: the band's fmax).
    #[serde(default)]
    pub endpoint_fmax: Option<f64>,
    /// Output directory.
    #[serde(default)]
    pub output: Option<PathBuf>,
    /// Band settings.
    #[serde(default)]
    pub neb: NebSettings,
    /// Constant-potential run: the band is optimised on Ω(U).
    #[serde(default)]
    pub electrochem: Option<ElectrochemConfig>,
}

/// Constant-potential settings of a run.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElectrochemConfig {
    /// Electrode potential [V vs SHE].
    pub potential: f64,
    /// Φ_SHE [V].
    #[serde(default = "default_phi")]
    pub phi_she: f64,
    /// Potentiostat tolerance [V].
    #[serde(default = "default_potential_tolerance")]
    pub tolerance: f64,
}

fn default_phi() -> f64 {
    4.44
}
fn default_potential_tolerance() -> f64 {
    0.01
}

fn default_images() -> usize {
    7
}
fn default_calculator() -> String {
    "sevennet".into()
}
fn default_interpolation() -> String {
    "linear".into()
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            format: "nebkit/neb-config".into(),
            version: 1,
            initial: None,
            final_: None,
            images: default_images(),
            calculator: default_calculator(),
            interpolation: default_interpolation(),
            idpp: IdppSettings::default(),
            relax_endpoints: false,
            endpoint_fmax: None,
            output: None,
            neb: NebSettings::default(),
            electrochem: None,
        }
    }
}

fn read_config(path: &Path) -> Result<RunConfig, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        CliError::Usage(format!(
            "{}: line {}: malformed JSON: {e}",
            path.display(),
            e.line()
        ))
    })?;
    let format = value.get("format").and_then(|f| f.as_str()).unwrap_or("");
    if format != "nebkit/neb-config" {
        return Err(CliError::Usage(format!(
            "{}: \"format\" must be \"nebkit/neb-config\", got '{format}'",
            path.display()
        )));
    }
    let version = value.get("version").and_then(|v| v.as_u64());
    if version != Some(1) {
        return Err(CliError::Usage(format!(
            "{}: nebkit/neb-config version {version:?} is not supported (this nebkit reads version 1)",
            path.display()
        )));
    }
    let mut cfg: RunConfig = serde_json::from_value(value)
        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
    // relative paths in a config file are relative to the file
    let base = path.parent().unwrap_or(Path::new("."));
    for p in [&mut cfg.initial, &mut cfg.final_, &mut cfg.output] {
        if let Some(q) = p.as_mut() {
            if q.is_relative() {
                *q = base.join(&*q);
            }
        }
    }
    Ok(cfg)
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
        match &mut cfg.neb.optimizer {
            OptimizerKind::Fire(p) => p.max_step = m,
            OptimizerKind::Lbfgs(p) => p.max_step = m,
        }
    }
    if let Some(k) = args.spring {
        cfg.neb.springs = Springs::Uniform { k };
    }
    if let Some(w) = &args.energy_weighted {
        let parts: Vec<f64> = w.split(',').filter_map(|x| x.trim().parse().ok()).collect();
        if parts.len() != 2 {
            return Err(CliError::Usage(format!(
                "--energy-weighted expects K_MIN,K_MAX, got '{w}'"
            )));
        }
        cfg.neb.springs = Springs::EnergyWeighted {
            k_min: parts[0],
            k_max: parts[1],
        };
    }
    if let Some(i) = &args.interpolation {
        cfg.interpolation = i.clone();
    }
    if args.relax_endpoints {
        cfg.relax_endpoints = true;
    }
    if let Some(m) = args.max_iterations {
        cfg.neb.max_iterations = m;
    }
    if let Some(o) = &args.output {
        cfg.output = Some(o.clone());
    }
    if let Some(u) = args.potential {
        cfg.electrochem = Some(ElectrochemConfig {
            potential: u,
            phi_she: args.phi_she.unwrap_or(4.44),
            tolerance: default_potential_tolerance(),
        });
    } else if args.phi_she.is_some() {
        return Err(CliError::Usage(
            "--phi-she only applies with --potential".into(),
        ));
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
    if cfg.images == 0 {
        return Err(CliError::Usage("--images must be at least 1".into()));
    }
    if cfg.neb.fmax.is_nan() || cfg.neb.fmax <= 0.0 {
        return Err(CliError::Usage(format!(
            "fmax must be positive, got {}",
            cfg.neb.fmax
        )));
    }
    match cfg.neb.springs {
        Springs::Uniform { k } if k.is_nan() || k <= 0.0 => {
            return Err(CliError::Usage(format!(
                "the spring constant must be positive, got {k}"
            )))
        }
        Springs::EnergyWeighted { k_min, k_max } if !(k_min > 0.0 && k_max >= k_min) => {
            return Err(CliError::Usage(format!(
                "energy-weighted springs need 0 < k_min ≤ k_max, got {k_min}, {k_max}"
            )))
        }
        _ => {}
    }
    if !["linear", "idpp"].contains(&cfg.interpolation.as_str()) {
        return Err(CliError::Usage(format!(
            "interpolation must be linear or idpp, got '{}'",
            cfg.interpolation
        )));
    }
    Ok(cfg)
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

pub(super) fn run<W: std::io::Write>(args: NebArgs, out: &mut W) -> Result<(), CliError> {
    let quiet = args.quiet;
    let (cfg, dir, band, resume) = match &args.restart {
        Some(dir) => {
            let cfg = read_config(&dir.join("run.json"))?;
            let cp_path = dir.join("checkpoint.json");
            let text = std::fs::read_to_string(&cp_path).map_err(|e| {
                CliError::Usage(format!(
                    "{}: {e} (no checkpoint to restart from)",
                    cp_path.display()
                ))
            })?;
            let cp: Checkpoint = serde_json::from_str(&text)
                .map_err(|e| CliError::Usage(format!("{}: {e}", cp_path.display())))?;
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
            (cfg, dir.clone(), band, Some(cp))
        }
        None => {
            let cfg = plan(&args)?;
            let dir = cfg.output.clone().unwrap_or_default();
            let initial = crate::io::read(cfg.initial.as_deref().unwrap_or(Path::new("")))?;
            let final_ = crate::io::read(cfg.final_.as_deref().unwrap_or(Path::new("")))?;
            crate::path::validate(&[initial.clone(), final_.clone()])
                .map_err(|e| CliError::Usage(format!("endpoints: {e}")))?;
            (cfg, dir, vec![initial, final_], None)
        }
    };
    let calc = calculator::from_spec(&cfg.calculator)?;
    let calc: Box<dyn Calculator> = match cfg.electrochem {
        Some(ec) => Box::new(crate::electrochem::GrandCanonical::new(
            calc,
            crate::electrochem::PotentiostatSettings {
                potential: ec.potential,
                phi_she: ec.phi_she,
                tolerance: ec.tolerance,
                max_updates: 50,
                capacitance_guess: 1.0,
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
    if let (Some(note), false) = (calculator_note(&calc.name()), quiet) {
        eprintln!("note: {note}");
    }
    let capabilities = calc.capabilities();
    if capabilities.model_surface && band[0].len() != 1 {
        return Err(CliError::Usage(format!(
            "{} is a 2-D model surface and needs one-atom structures, got {} atoms",
            calc.name(),
            band[0].len()
        )));
    }
    if let Some(supported) = &capabilities.elements {
        crate::calculator::check_elements(&calc.name(), &band[0], supported)?;
    }
    std::fs::create_dir_all(&dir)
        .map_err(|e| CliError::Usage(format!("{}: {e}", dir.display())))?;
    let mut endpoint_calls = 0u64;
    let calls_file = dir.join("endpoint_calls.json");
    let band = if resume.is_some() {
        // force calls spent relaxing the endpoints before the first checkpoint
        endpoint_calls = std::fs::read_to_string(&calls_file)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v["force_calls"].as_u64())
            .unwrap_or(0);
        band
    } else {
        let (mut initial, mut final_) = (band[0].clone(), band[1].clone());
        if cfg.relax_endpoints {
            let fmax = cfg.endpoint_fmax.unwrap_or(cfg.neb.fmax);
            for (name, s) in [("initial", &mut initial), ("final", &mut final_)] {
                let r = relax(s, calc, fmax, 1000)
                    .map_err(|e| CliError::Usage(format!("relaxing the {name} state: {e}")))?;
                endpoint_calls += r.force_calls as u64;
                if !r.converged {
                    eprintln!(
                        "warning: the {name} state did not relax to {fmax} eV/Å in {} steps",
                        r.steps
                    );
                }
                *s = r.structure;
            }
        }
        crate::io::write_atomic(
            &calls_file,
            json!({"force_calls": endpoint_calls})
                .to_string()
                .as_bytes(),
        )?;
        // the run directory is self-contained: endpoints and settings for --restart
        crate::io::write(&dir.join("initial.json"), &initial)?;
        crate::io::write(&dir.join("final.json"), &final_)?;
        let mut saved = cfg.clone();
        saved.initial = Some(PathBuf::from("initial.json"));
        saved.final_ = Some(PathBuf::from("final.json"));
        saved.output = Some(PathBuf::from("."));
        saved.relax_endpoints = false;
        let text =
            serde_json::to_string_pretty(&saved).map_err(|e| CliError::Usage(e.to_string()))?;
        crate::io::write_atomic(&dir.join("run.json"), text.as_bytes())?;
        let _ = std::fs::remove_file(dir.join("trajectory.extxyz"));
        let band = match cfg.interpolation.as_str() {
            "idpp" => idpp(&initial, &final_, cfg.images, &cfg.idpp),
            _ => interpolate_linear(&initial, &final_, cfg.images),
        }
        .map_err(|e| CliError::Usage(format!("endpoints: {e}")))?;
        crate::path::validate(&band).map_err(|e| {
            CliError::Usage(format!(
                "the initial {} path is unusable: {e} (try --interpolation idpp or more images)",
                cfg.interpolation
            ))
        })?;
        band
    };
    let show = !quiet && std::io::stderr().is_terminal();
    let mut progress = ProgressObserver::new(show);
    let mut checkpoint = CheckpointWriter {
        path: dir.join("checkpoint.json"),
    };
    let mut trajectory = TrajectoryWriter {
        path: dir.join("trajectory.extxyz"),
    };
    let settings = cfg.neb;
    let result = pool.install(|| {
        run_neb(
            calc,
            band,
            &settings,
            resume,
            &mut [&mut progress, &mut trajectory, &mut checkpoint],
        )
    });
    progress.finish();
    let outcome = result.map_err(|e| {
        CliError::Usage(format!(
            "{e} (the last checkpoint in {} is kept; rerun with --restart)",
            dir.display()
        ))
    })?;
    write_outputs(&dir, &cfg, &outcome, endpoint_calls, calc)?;
    writeln!(
        out,
        "{}: barrier {:.4} eV (reverse {:.4} eV), saddle image {}, {} iterations, {} force calls, fmax {:.4} eV/Å → {}",
        if outcome.converged { "converged" } else { "NOT converged" },
        outcome.energies[crate::neb::highest_image(&outcome.energies)] - outcome.energies[0],
        outcome.energies[crate::neb::highest_image(&outcome.energies)] - outcome.energies[outcome.energies.len() - 1],
        crate::neb::highest_image(&outcome.energies),
        outcome.iterations,
        outcome.force_calls() + endpoint_calls,
        outcome.neb.max_force,
        dir.join("result.json").display()
    )
    .map_err(|e| CliError::Usage(e.to_string()))?;
    if !outcome.converged {
        return Err(CliError::NotConverged(format!(
            "the band did not converge to fmax {} eV/Å in {} iterations (results written; continue with --restart {} after raising max_iterations in run.json)",
            cfg.neb.fmax,
            outcome.iterations,
            dir.display()
        )));
    }
    Ok(())
}

/// What the `model` calculator is, printed by `nebkit neb` and written to result.json.
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

const MODEL_NOTE: &str = "the `model` calculator is a qualitative supported-metal potential for smoke tests and teaching; it reproduces no DFT barrier. For numbers, run the same initial/final files with the built-in SevenNet-0 (`-c sevennet`, the default; build with --support local) or DFT through the i-PI/command engines, with --relax-endpoints.";

fn write_outputs(
    dir: &Path,
    cfg: &RunConfig,
    o: &NebOutcome,
    endpoint_calls: u64,
    calc: &dyn Calculator,
) -> Result<(), CliError> {
    let mic = o.band[0]
        .minimum_image()
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let s = reaction_coordinate(&mic, &o.band);
    let profile = Profile::new(s.clone(), o.energies.clone(), &o.neb.tangential_force);
    let saddle = crate::neb::highest_image(&o.energies);
    let (fwd, rev, reaction) = barriers(&o.energies, o.energies[saddle]);
    let top = profile.maximum();
    let result = json!({
        "format": "nebkit/result",
        "version": 1,
        "converged": o.converged,
        "iterations": o.iterations,
        "force_calls": o.force_calls() + endpoint_calls,
        "force_calls_per_image": o.calls_per_image,
        "endpoint_relaxation_force_calls": endpoint_calls,
        "barrier_forward": fwd,
        "barrier_reverse": rev,
        "reaction_energy": reaction,
        "saddle": {"image": saddle, "energy": o.energies[saddle], "climbing": o.neb.climbing == Some(saddle)},
        "fit_maximum": {"reaction_coordinate": top.s, "energy": top.energy},
        "energies": o.energies,
        "reaction_coordinate": s,
        "tangential_forces": o.neb.tangential_force,
        "max_force": o.neb.max_force,
        "max_force_history": o.max_force_history,
        "calculator": calc.name(),
        "settings": {
            "images": cfg.images,
            "interpolation": cfg.interpolation,
            "relax_endpoints": cfg.relax_endpoints,
            "neb": cfg.neb,
        },
        "units": {"energy": "eV", "length": "Å", "force": "eV/Å"},
    });
    let mut result = result;
    if let Some(ec) = cfg.electrochem {
        result["electrochem"] = json!({
            "potential": ec.potential,
            "phi_she": ec.phi_she,
            "energies_are": "grand energies Ω(U) [eV]",
            "excess_electrons": o.electrons.iter().map(|e| e.map(|v| v[0])).collect::<Vec<_>>(),
            "work_functions": o.electrons.iter().map(|e| e.map(|v| v[1])).collect::<Vec<_>>(),
            "electron_transfer": o.electrons[saddle].zip(o.electrons[0]).map(|(t, i)| t[0] - i[0]),
        });
    }
    if let Some(note) = calculator_note(&calc.name()) {
        result["notes"] = json!([note]);
    }
    let text = serde_json::to_string_pretty(&result).map_err(|e| CliError::Usage(e.to_string()))?;
    crate::io::write_atomic(&dir.join("result.json"), text.as_bytes())?;
    crate::io::write_all(&dir.join("band.extxyz"), &o.band)?;
    crate::plot::draw_profiles(
        &dir.join("profile.svg"),
        &[crate::plot::ProfileSeries {
            label: String::new(),
            profile: &profile,
        }],
    )
    .map_err(|e| CliError::Usage(e.to_string()))?;
    Ok(())
}
