//! Calculators: anything that turns a [`Structure`] into energy and forces.
//!
//! The [`Calculator`] trait is object safe and `Send + Sync`, so that images can be evaluated
//! concurrently with rayon; stateful engines synchronise inside. Calculators are made from spec strings
//! (`"emt"`, `"eam:zhou2004"`, `"morse:D=0.7102,alpha=1.6047"`, `"eam:Cu_u3.eam"`) with [`from_spec`].

pub mod builtin;
pub mod cache;
pub mod command;
pub mod electronic;
pub mod ipi;
mod spec;
pub mod testing;

pub use spec::{Params, Spec};

use crate::structure::Structure;
use nalgebra::{Matrix3, Vector3};
use std::sync::atomic::{AtomicU64, Ordering};

/// Electronic state of a charge-aware calculation (electrochemistry).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ElectronState {
    /// Excess electrons Δn = N − N₀ relative to the neutral system [e].
    pub excess_electrons: f64,
    /// Work function W = −ε_F [eV].
    pub work_function: f64,
}

/// A target electrode potential handed to an engine that holds the potential itself (GPAW SJM
/// `target_potential`, JDFTx `target-mu`, CP-VASP / FCP).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PotentialTarget {
    /// Target potential [V vs SHE].
    pub potential: f64,
    /// Φ_SHE [V] of the engine's scale: the target work function is `potential + phi_she`.
    pub phi_she: f64,
    /// Largest accepted |U_reached − U_target| [V].
    pub tolerance: f64,
}

impl PotentialTarget {
    /// The target as a work function W = U + Φ_SHE [eV] (the vacuum-scale potential engines use).
    pub fn work_function(&self) -> f64 {
        self.potential + self.phi_she
    }

    /// The target as JSON for engines (`command` structure info, the i-PI INIT string).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "target_potential": self.potential,
            "target_work_function": self.work_function(),
            "phi_she": self.phi_she,
            "potential_tolerance": self.tolerance,
        })
    }
}

/// Energy and forces of one configuration. Units: eV, eV/Å, eV/Å³.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Total energy [eV].
    pub energy: f64,
    /// Forces [eV/Å], one per atom.
    pub forces: Vec<Vector3<f64>>,
    /// Stress σ = (1/V) ∂E/∂ε [eV/Å³] (positive = the cell wants to shrink, ASE's sign), if provided.
    pub stress: Option<Matrix3<f64>>,
    /// Per-atom energies [eV], if provided.
    pub energies: Option<Vec<f64>>,
    /// Electronic state for charge-aware calculators.
    pub electrons: Option<ElectronState>,
    /// Extra data an engine sent along (the i-PI `extra` string, parsed when it is JSON).
    pub extra: Option<serde_json::Value>,
}

impl Evaluation {
    /// An evaluation from per-atom energies [eV], forces [eV/Å] and the virial Σ ½ F⊗d [eV]: the
    /// stress is its symmetric part over the volume for full-rank cells.
    pub fn from_parts(
        s: &Structure,
        energies: Vec<f64>,
        forces: Vec<Vector3<f64>>,
        virial: Matrix3<f64>,
    ) -> Self {
        let stress = s
            .cell
            .is_full_rank()
            .then(|| 0.5 * (virial + virial.transpose()) / s.cell.volume());
        Evaluation {
            energy: energies.iter().sum(),
            forces,
            stress,
            energies: Some(energies),
            electrons: None,
            extra: None,
        }
    }

    /// Stress in Voigt order xx, yy, zz, yz, xz, xy [eV/Å³] (ASE's order).
    pub fn stress_voigt(&self) -> Option<[f64; 6]> {
        self.stress.map(|s| voigt(&s))
    }

    /// Largest force on any atom [eV/Å].
    pub fn max_force(&self) -> f64 {
        self.forces.iter().map(|f| f.norm()).fold(0.0, f64::max)
    }

    /// Check that every number is finite.
    ///
    /// # Errors
    /// [`CalcError::NonFinite`] naming the first bad quantity.
    pub fn check_finite(&self, calculator: &str) -> Result<(), CalcError> {
        let bad = |what: String| CalcError::NonFinite {
            calculator: calculator.to_string(),
            what,
        };
        if !self.energy.is_finite() {
            return Err(bad(format!("energy ({})", self.energy)));
        }
        for (atom, f) in self.forces.iter().enumerate() {
            if !f.iter().all(|x| x.is_finite()) {
                return Err(bad(format!("force on atom {atom}")));
            }
        }
        if let Some(s) = &self.stress {
            if !s.iter().all(|x| x.is_finite()) {
                return Err(bad("stress".into()));
            }
        }
        Ok(())
    }
}

/// A symmetric 3×3 tensor in Voigt order xx, yy, zz, yz, xz, xy.
pub fn voigt(s: &Matrix3<f64>) -> [f64; 6] {
    [
        s[(0, 0)],
        s[(1, 1)],
        s[(2, 2)],
        s[(1, 2)],
        s[(0, 2)],
        s[(0, 1)],
    ]
}

/// What a calculator can do, checked before a run starts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Capabilities {
    /// Provides forces (all calculators here do).
    pub forces: bool,
    /// Provides stress for full-rank cells.
    pub stress: bool,
    /// Accepts an electron count (constant-potential runs with nebkit's potentiostat).
    pub electron_count: bool,
    /// Converges its own electron count to a target potential (`--potentiostat engine`).
    pub target_potential: bool,
    /// Works with periodic boundaries.
    pub periodic: bool,
    /// A 2-D model surface acting on x, y of a single atom.
    pub model_surface: bool,
    /// Elements it has parameters for (`None` = any element).
    pub elements: Option<Vec<u8>>,
    /// Evaluations run in other processes (sockets, programs): a run gives every image its own
    /// worker and keeps a persistent evaluation cache.
    pub external: bool,
    /// Interaction range [Å]: an atom with no other atom within it feels no force and its energy
    /// does not change as it moves (`None`: unbounded or unknown, e.g. DFT engines).
    pub cutoff: Option<f64>,
}

/// Errors from calculators.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CalcError {
    /// The spec string names no calculator.
    #[error("unknown calculator '{name}' (known: {known})")]
    UnknownCalculator { name: String, known: String },
    /// A bad spec string.
    #[error("calculator spec '{spec}': {problem}")]
    BadSpec { spec: String, problem: String },
    /// An element without parameters.
    #[error("{calculator} has no parameters for element {symbol} (atom {atom}); it supports {supported}")]
    UnsupportedElement {
        calculator: String,
        symbol: String,
        atom: usize,
        supported: String,
    },
    /// A structure the calculator cannot handle.
    #[error("{calculator}: {problem}")]
    Unsupported { calculator: String, problem: String },
    /// NaN or infinity in a result.
    #[error("{calculator} returned a non-finite {what}")]
    NonFinite { calculator: String, what: String },
    /// A potential file that cannot be read.
    #[error("{path}: {problem}")]
    File { path: String, problem: String },
    /// Failure inside an external engine.
    #[error("{calculator}: {message}")]
    Engine { calculator: String, message: String },
}

/// Anything that turns a structure into an [`Evaluation`].
pub trait Calculator: Send + Sync {
    /// The spec string that recreates this calculator (recorded in results).
    fn name(&self) -> String;
    /// Static capabilities.
    fn capabilities(&self) -> Capabilities;
    /// Energy and forces (and stress where available) of `structure`.
    ///
    /// # Errors
    /// [`CalcError`] for unsupported structures or engine failures.
    fn calculate(&self, structure: &Structure) -> Result<Evaluation, CalcError>;

    /// Energy and forces at `excess_electrons` Δn [e] for charge-aware calculators
    /// (`capabilities().electron_count`); the evaluation carries the electronic state.
    ///
    /// # Errors
    /// [`CalcError::Unsupported`] for calculators that cannot change the electron count.
    fn calculate_charged(
        &self,
        structure: &Structure,
        excess_electrons: f64,
    ) -> Result<Evaluation, CalcError> {
        let _ = (structure, excess_electrons);
        Err(CalcError::Unsupported {
            calculator: self.name(),
            problem: "this calculator cannot set an electron count (constant-potential runs need one that can: mb-electrode, or a command/i-PI engine that follows nebkit's electron-count protocol)".into(),
        })
    }

    /// Energy and forces with the engine holding the electrode potential itself
    /// (`capabilities().target_potential`): the evaluation carries the canonical energy E, the
    /// electron count Δn the engine converged to and the work function it reached.
    ///
    /// # Errors
    /// [`CalcError::Unsupported`] for calculators without their own potentiostat.
    fn calculate_at_potential(
        &self,
        structure: &Structure,
        target: &PotentialTarget,
    ) -> Result<Evaluation, CalcError> {
        let _ = (structure, target);
        Err(CalcError::Unsupported {
            calculator: self.name(),
            problem: "this calculator has no potentiostat of its own (--potentiostat engine needs an engine that converges its electron count to a target potential, e.g. GPAW SJM through tools/ipi_client.py; use --potentiostat nebkit otherwise)".into(),
        })
    }

    /// Everything that changes this calculator's answers, for the persistent cache: by default its
    /// spec; engines add what the spec does not show (the program's content), wrappers their own
    /// settings (the electrode potential).
    fn cache_identity(&self) -> String {
        self.name()
    }
}

/// Wraps a calculator and counts its calls (force calls are what NEB benchmarks compare).
pub struct Counted<C: ?Sized> {
    calls: AtomicU64,
    inner: Box<C>,
}

impl<C: Calculator + ?Sized> Counted<C> {
    /// Count calls of `inner`.
    pub fn new(inner: Box<C>) -> Self {
        Counted {
            calls: AtomicU64::new(0),
            inner,
        }
    }

    /// Calls so far.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }
}

impl<C: Calculator + ?Sized> Calculator for Counted<C> {
    fn name(&self) -> String {
        self.inner.name()
    }
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    fn calculate(&self, structure: &Structure) -> Result<Evaluation, CalcError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.inner.calculate(structure)
    }
    fn calculate_charged(&self, structure: &Structure, dn: f64) -> Result<Evaluation, CalcError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.inner.calculate_charged(structure, dn)
    }
    fn calculate_at_potential(
        &self,
        structure: &Structure,
        target: &PotentialTarget,
    ) -> Result<Evaluation, CalcError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.inner.calculate_at_potential(structure, target)
    }
    fn cache_identity(&self) -> String {
        self.inner.cache_identity()
    }
}

/// Names of the built-in calculators, for messages and `--help`.
pub const BUILTIN_NAMES: &[&str] = &[
    "muller-brown",
    "leps",
    "leps-ho",
    "anapot",
    "lj",
    "morse",
    "emt",
    "eam",
    "sevennet",
    "model",
    "mb-electrode",
    "ipi",
    "command",
    "delay",
    "nan-after",
];

/// Make a calculator from a spec string: `NAME` or `NAME:key=value,...`; engines take positional
/// parts (`eam:FILE`, `eam:zhou2004`).
///
/// # Errors
/// Unknown names, unknown or malformed parameters, unreadable potential files.
pub fn from_spec(spec: &str) -> Result<Box<dyn Calculator>, CalcError> {
    let parsed = Spec::parse(spec)?;
    use builtin::*;
    let calc: Box<dyn Calculator> = match parsed.name.as_str() {
        "muller-brown" | "mullerbrown" => Box::new(analytic::Surface2D::from_spec(
            analytic::SurfaceKind::MullerBrown,
            &parsed,
        )?),
        "leps" => Box::new(analytic::Surface2D::from_spec(
            analytic::SurfaceKind::Leps,
            &parsed,
        )?),
        "leps-ho" => Box::new(analytic::Surface2D::from_spec(
            analytic::SurfaceKind::LepsHo,
            &parsed,
        )?),
        "anapot" => Box::new(analytic::Surface2D::from_spec(
            analytic::SurfaceKind::AnaPot,
            &parsed,
        )?),
        "lj" => Box::new(pair::LennardJones::from_spec(&parsed)?),
        "morse" => Box::new(pair::Morse::from_spec(&parsed)?),
        "emt" => Box::new(emt::Emt::from_spec(&parsed)?),
        "eam" => Box::new(eam::Eam::from_spec(&parsed)?),
        "model" => Box::new(model::Model::from_spec(&parsed)?),
        "sevennet" | "sevennet-0" | "sevennet0" => {
            Box::new(sevennet::SevenNet::from_spec(&parsed)?)
        }
        "mb-electrode" => Box::new(analytic::MbElectrode::from_spec(&parsed)?),
        "ipi" => Box::new(ipi::IpiServer::from_spec(&parsed)?),
        "command" => Box::new(command::CommandCalculator::from_spec(&parsed)?),
        "delay" => Box::new(testing::Delay::from_spec(&parsed)?),
        "nan-after" => Box::new(testing::NanAfter::from_spec(&parsed)?),
        other => {
            return Err(CalcError::UnknownCalculator {
                name: other.to_string(),
                known: BUILTIN_NAMES.join(", "),
            })
        }
    };
    Ok(calc)
}

/// Check that every atom's element is in `supported`.
///
/// # Errors
/// [`CalcError::UnsupportedElement`] naming the first atom without parameters.
pub(crate) fn check_elements(
    calculator: &str,
    structure: &Structure,
    supported: &[u8],
) -> Result<(), CalcError> {
    for (atom, z) in structure.numbers.iter().enumerate() {
        if !supported.contains(z) {
            return Err(CalcError::UnsupportedElement {
                calculator: calculator.to_string(),
                symbol: crate::structure::elements::symbol_of(*z).to_string(),
                atom,
                supported: supported
                    .iter()
                    .map(|&z| crate::structure::elements::symbol_of(z))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod testutil;
