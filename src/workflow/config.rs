//! The run file `nebkit/neb-config` (version 1): every setting of a run, written to the run
//! directory as `run.json` and read back by `--restart`.

use crate::optimize::NebSettings;
use crate::path::IdppSettings;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Every setting of a NEB run.
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
    /// Relax the endpoints: `true` always, `false` never; absent or `null` (the default): relax an
    /// endpoint when its largest force exceeds the band's fmax.
    #[serde(default)]
    pub relax_endpoints: Option<bool>,
    /// Tolerance of endpoint (and intermediate) relaxation [eV/Å] (default: half the band's fmax).
    #[serde(default)]
    pub endpoint_fmax: Option<f64>,
    /// Largest number of relaxation steps per endpoint or intermediate minimum.
    #[serde(default = "default_endpoint_steps")]
    pub endpoint_max_steps: usize,
    /// Output directory.
    #[serde(default)]
    pub output: Option<PathBuf>,
    /// Band settings.
    #[serde(default)]
    pub neb: NebSettings,
    /// Constant-potential run: the band is optimised on Ω(U).
    #[serde(default)]
    pub electrochem: Option<ElectrochemConfig>,
    /// Relax the intermediate minima of a multi-step band and run one CI-NEB per elementary step.
    #[serde(default = "default_true")]
    pub split: bool,
    /// Energy resolution of the profile [eV]: maxima and minima that stand out by less than this
    /// are not counted (no intermediate, no barrier).
    #[serde(default = "default_energy_tolerance")]
    pub energy_tolerance: f64,
    /// Endpoints whose moving atoms end closer than this [Å] (and whose RMSD is below half of it)
    /// are one minimum.
    #[serde(default = "default_collapse_distance")]
    pub collapse_distance: f64,
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
    /// Who holds the potential: nebkit's secant potentiostat driving the engine's electron count,
    /// or the engine's own potentiostat.
    #[serde(default)]
    pub potentiostat: Potentiostat,
}

/// Where the potentiostat of a constant-potential run lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Potentiostat {
    /// nebkit's secant potentiostat; the engine evaluates at the electron counts nebkit hands it.
    #[default]
    Nebkit,
    /// The engine converges its own electron count to the target potential nebkit hands it (GPAW
    /// SJM `target_potential`, JDFTx `target-mu`, CP-VASP / FCP).
    Engine,
}

impl Potentiostat {
    /// The name used in run.json and result.json.
    pub fn as_str(self) -> &'static str {
        match self {
            Potentiostat::Nebkit => "nebkit",
            Potentiostat::Engine => "engine",
        }
    }
}

fn default_phi() -> f64 {
    4.44
}
/// Default potentiostat tolerance [V].
pub fn default_potential_tolerance() -> f64 {
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
fn default_endpoint_steps() -> usize {
    1000
}
fn default_true() -> bool {
    true
}
/// Default energy resolution of profiles [eV] (≈ 2 k_B T at room temperature).
pub const ENERGY_TOLERANCE: f64 = 0.05;
fn default_energy_tolerance() -> f64 {
    ENERGY_TOLERANCE
}
/// Default collapse distance [Å].
pub const COLLAPSE_DISTANCE: f64 = 0.2;
fn default_collapse_distance() -> f64 {
    COLLAPSE_DISTANCE
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
            relax_endpoints: None,
            endpoint_fmax: None,
            endpoint_max_steps: default_endpoint_steps(),
            output: None,
            neb: NebSettings::default(),
            electrochem: None,
            split: true,
            energy_tolerance: ENERGY_TOLERANCE,
            collapse_distance: COLLAPSE_DISTANCE,
        }
    }
}

impl RunConfig {
    /// The endpoint relaxation tolerance [eV/Å].
    pub fn endpoint_fmax(&self) -> f64 {
        self.endpoint_fmax.unwrap_or(0.5 * self.neb.fmax)
    }

    /// Read a run file; relative paths in it are relative to the file.
    ///
    /// # Errors
    /// A message naming the file: unreadable, malformed, wrong format or version, unknown keys.
    pub fn read(path: &Path) -> Result<RunConfig, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| format!("{}: line {}: malformed JSON: {e}", path.display(), e.line()))?;
        let format = value.get("format").and_then(|f| f.as_str()).unwrap_or("");
        if format != "nebkit/neb-config" {
            return Err(format!(
                "{}: \"format\" must be \"nebkit/neb-config\", got '{format}'",
                path.display()
            ));
        }
        let version = value.get("version").and_then(|v| v.as_u64());
        if version != Some(1) {
            return Err(format!(
                "{}: nebkit/neb-config version {version:?} is not supported (this nebkit reads version 1)",
                path.display()
            ));
        }
        let mut cfg: RunConfig =
            serde_json::from_value(value).map_err(|e| format!("{}: {e}", path.display()))?;
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

    /// Check the settings that the type system does not (before any force call).
    ///
    /// # Errors
    /// A message naming the setting.
    pub fn validate(&self) -> Result<(), String> {
        use crate::neb::Springs;
        if self.images == 0 {
            return Err("--images must be at least 1".into());
        }
        if !(self.neb.fmax.is_finite() && self.neb.fmax > 0.0) {
            return Err(format!("fmax must be positive, got {}", self.neb.fmax));
        }
        match self.neb.springs {
            Springs::Uniform { k } if !(k.is_finite() && k > 0.0) => {
                return Err(format!("the spring constant must be positive, got {k}"))
            }
            Springs::EnergyWeighted { k_min, k_max }
                if !(k_min > 0.0 && k_max >= k_min && k_max.is_finite()) =>
            {
                return Err(format!(
                    "energy-weighted springs need 0 < k_min ≤ k_max, got {k_min}, {k_max}"
                ))
            }
            _ => {}
        }
        if !["linear", "idpp"].contains(&self.interpolation.as_str()) {
            return Err(format!(
                "interpolation must be linear or idpp, got '{}'",
                self.interpolation
            ));
        }
        if let Some(f) = self.endpoint_fmax {
            if !(f.is_finite() && f > 0.0) {
                return Err(format!("endpoint_fmax must be positive, got {f}"));
            }
        }
        if !(self.energy_tolerance.is_finite() && self.energy_tolerance > 0.0) {
            return Err(format!(
                "energy_tolerance must be positive, got {}",
                self.energy_tolerance
            ));
        }
        if !(self.collapse_distance.is_finite() && self.collapse_distance > 0.0) {
            return Err(format!(
                "collapse_distance must be positive, got {}",
                self.collapse_distance
            ));
        }
        Ok(())
    }
}
