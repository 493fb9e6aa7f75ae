//! `result.json` (`nebkit/result`, version 1) as a typed record: what `nebkit neb` writes and what
//! `plot`, `sweep` and split runs read back.

use super::Status;
use crate::analysis::{Profile, TurningPoint};
use crate::structure::Comparison;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The highest image of a band.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Saddle {
    /// Image index in the band (0 = initial state).
    pub image: usize,
    /// Its energy [eV].
    pub energy: f64,
    /// Whether it is the climbing image.
    pub climbing: bool,
}

/// The highest point of the Hermite fit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FitMaximum {
    /// Reaction coordinate [Å].
    pub reaction_coordinate: f64,
    /// Energy [eV].
    pub energy: f64,
}

/// One endpoint before the band: what it was given as and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointState {
    /// Energy [eV] (after relaxation, if relaxed).
    pub energy: f64,
    /// Largest force on a free atom as given [eV/Å].
    pub input_max_force: f64,
    /// Largest force on a free atom now [eV/Å].
    pub max_force: f64,
    /// The atom carrying it.
    pub max_force_atom: Option<usize>,
    /// Whether nebkit relaxed it.
    pub relaxed: bool,
    /// Relaxation steps taken.
    pub relaxation_steps: usize,
    /// Whether the relaxation reached the endpoint tolerance (true when not relaxed and below it).
    pub relaxation_converged: bool,
}

/// The endpoint checks made before the band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointReport {
    /// The initial state.
    pub initial: EndpointState,
    /// The final state.
    #[serde(rename = "final")]
    pub final_: EndpointState,
    /// Final vs initial state as used for the band (after relaxation; minimum image, aligned).
    pub comparison: Comparison,
    /// Tolerance the endpoints were relaxed to [eV/Å].
    pub fmax: f64,
    /// Calculator calls spent on the endpoints (evaluations and relaxation).
    pub force_calls: u64,
}

/// One elementary step of a path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepReport {
    /// 1-based index along the path.
    pub index: usize,
    /// `band` (read off the band's profile: an estimate) or `split` (its own CI-NEB between relaxed
    /// minima).
    pub source: String,
    /// The run directory of a split step, relative to the top run.
    pub dir: Option<String>,
    /// Status of the step's own run (`converged` for steps read off a converged band).
    pub status: Status,
    /// Energy of the minimum the step starts from [eV].
    pub initial_energy: f64,
    /// Energy of its highest point [eV] (`None` for a step without a barrier).
    pub saddle_energy: Option<f64>,
    /// Energy of the minimum it ends in [eV].
    pub final_energy: f64,
    /// Forward barrier [eV] (0 for a barrierless downhill step).
    pub barrier_forward: Option<f64>,
    /// Reverse barrier [eV].
    pub barrier_reverse: Option<f64>,
    /// E(final) − E(initial) [eV].
    pub reaction_energy: f64,
    /// For a step read off the band: the images nearest its minimum, maximum and minimum.
    pub band_images: Option<[usize; 3]>,
    /// Calculator calls of the step's own run.
    pub force_calls: u64,
    /// Optimiser iterations of the step's own run.
    pub iterations: usize,
}

/// The step that limits the rate of a multi-step path (energy-span model).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RateLimiting {
    /// 1-based step index.
    pub step: usize,
    /// Highest saddle minus the lowest minimum before it [eV].
    pub energy_span: f64,
}

/// The profile of a multi-step path assembled from its steps' bands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CombinedProfile {
    /// Cumulative reaction coordinate [Å].
    pub reaction_coordinate: Vec<f64>,
    /// Energies [eV].
    pub energies: Vec<f64>,
    /// F·τ̂ per point [eV/Å].
    pub tangential_forces: Vec<f64>,
    /// Index of the first point of every elementary step.
    #[serde(default)]
    pub step_starts: Vec<usize>,
}

/// Calculator calls by phase.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ForceCallBreakdown {
    /// Evaluating and relaxing the endpoints.
    pub endpoints: u64,
    /// The band.
    pub band: u64,
    /// Relaxing intermediate minima of a multi-step band.
    pub intermediates: u64,
    /// The split steps' own runs.
    pub steps: u64,
}

/// `result.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NebResult {
    /// `"nebkit/result"`.
    pub format: String,
    /// Schema version (1).
    pub version: u32,
    /// How the run ended.
    pub status: Status,
    /// What happened and what to do, in words.
    #[serde(default)]
    pub message: String,
    /// The band (or, for a split run, every step) reached fmax.
    pub converged: bool,
    /// Optimiser iterations of the band.
    pub iterations: usize,
    /// Every calculator call of the run, endpoints, intermediates and split steps included.
    pub force_calls: u64,
    /// Calls per band image.
    pub force_calls_per_image: Vec<u64>,
    /// Calls spent on the endpoints.
    pub endpoint_relaxation_force_calls: u64,
    /// Calls by phase.
    #[serde(default)]
    pub force_calls_breakdown: ForceCallBreakdown,
    /// Highest point above the initial state [eV] (`null` unless the status carries barriers).
    pub barrier_forward: Option<f64>,
    /// Highest point above the final state [eV] (`null` unless the status carries barriers).
    pub barrier_reverse: Option<f64>,
    /// E(final) − E(initial) [eV] (`null` for collapsed endpoints).
    pub reaction_energy: Option<f64>,
    /// The highest image of the band (`null` unless the status carries barriers).
    pub saddle: Option<Saddle>,
    /// The highest point of the fit (`null` unless the status carries barriers).
    pub fit_maximum: Option<FitMaximum>,
    /// Energies per band image [eV].
    pub energies: Vec<f64>,
    /// Reaction coordinate per image [Å].
    pub reaction_coordinate: Vec<f64>,
    /// F·τ̂ per image [eV/Å].
    pub tangential_forces: Vec<f64>,
    /// Largest NEB force of the final band [eV/Å].
    pub max_force: Option<f64>,
    /// Largest NEB force after each evaluation [eV/Å].
    pub max_force_history: Vec<f64>,
    /// The calculator spec.
    pub calculator: String,
    /// The run's settings.
    pub settings: Value,
    /// Units.
    pub units: Value,
    /// Turning points of the band's profile (minima and maxima beyond the energy tolerance).
    #[serde(default)]
    pub turning_points: Vec<TurningPoint>,
    /// Elementary steps (one for a single-step path; several for a multi-step path).
    #[serde(default)]
    pub steps: Vec<StepReport>,
    /// The rate-limiting step of a multi-step path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limiting: Option<RateLimiting>,
    /// The assembled profile of a split multi-step path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub combined_profile: Option<CombinedProfile>,
    /// The endpoint checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoints: Option<EndpointReport>,
    /// Constant-potential data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub electrochem: Option<Value>,
    /// What the calculator's numbers mean.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Things the user should look at.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl NebResult {
    /// The profile to draw: the assembled one of a split run, else the band's.
    pub fn profile(&self) -> Profile {
        match &self.combined_profile {
            Some(c) => Profile::new(
                c.reaction_coordinate.clone(),
                c.energies.clone(),
                &c.tangential_forces,
            ),
            None => Profile::new(
                self.reaction_coordinate.clone(),
                self.energies.clone(),
                &self.tangential_forces,
            ),
        }
    }
}
