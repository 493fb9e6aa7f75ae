//! SevenNet-0, a universal machine-learned interatomic potential for 89 elements, in pure Rust.
//!
//! The network (5 NequIP-style interaction blocks, l ≤ 2, SO(3), 5 Å cutoff) is evaluated in f64
//! exactly as in sevenn 0.13.0 / e3nn 0.6 (see `net.rs`), with forces from a hand-written reverse
//! pass. The weights of SevenNet-0 (11Jul2024) are embedded in the binary
//! (`assets/sevennet/sevennet0.safetensors`, exported by `tools/export_sevennet.py`); `weights=PATH`
//! loads another export of the same architecture.
//!
//! Spec: `sevennet` or `sevennet:weights=PATH`.
//!
//! SevenNet-0 is trained on MPtrj (PBE/PBE+U, near-equilibrium bulk data). Like other universal
//! potentials trained on such data it tends to soften the potential-energy surface and so to
//! underestimate barriers (Deng et al., npj Comput. Mater. 11, 9 (2025),
//! doi:10.1038/s41524-024-01500-6); check key barriers against DFT.
//!
//! # References
//! Y. Park, J. Kim, S. Hwang, S. Han, J. Chem. Theory Comput. 20, 4857 (2024),
//! doi:10.1021/acs.jctc.4c00190. Weights: MIT licence, (c) 2024 Yutack Park
//! (`assets/sevennet/LICENSE-SevenNet`).

mod net;
mod weights;

#[cfg(test)]
mod tests;

use crate::calculator::{CalcError, Calculator, Capabilities, Evaluation, Spec};
use crate::structure::{NeighborCache, Structure};
use std::sync::{Arc, Mutex, OnceLock};

/// The embedded SevenNet-0 weights.
static EMBEDDED: &[u8] = include_bytes!("../../../../assets/sevennet/sevennet0.safetensors");

/// Citation printed with results.
pub const CITATION: &str = "SevenNet-0 (11Jul2024): Y. Park, J. Kim, S. Hwang, S. Han, J. Chem. Theory Comput. 20, 4857 (2024), doi:10.1021/acs.jctc.4c00190 (weights MIT licence, (c) 2024 Yutack Park)";

/// The embedded model, parsed once.
fn embedded_model() -> Result<Arc<net::Model>, CalcError> {
    static MODEL: OnceLock<Result<Arc<net::Model>, String>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            weights::parse_safetensors(EMBEDDED)
                .and_then(|st| weights::build_model(&st))
                .map(Arc::new)
        })
        .clone()
        .map_err(|problem| CalcError::File {
            path: "embedded SevenNet-0 weights".into(),
            problem,
        })
}

/// The `sevennet` calculator.
pub struct SevenNet {
    model: Arc<net::Model>,
    spec: String,
    cache: NeighborCache,
    /// Buffers of finished evaluations, reused by the next calls (one per concurrent call).
    pool: Mutex<Vec<net::Workspace>>,
}

impl std::fmt::Debug for SevenNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SevenNet")
            .field("spec", &self.spec)
            .finish()
    }
}

impl SevenNet {
    /// SevenNet-0 with the embedded weights.
    ///
    /// # Errors
    /// Only if the embedded weights are corrupt (a build problem).
    pub fn new() -> Result<Self, CalcError> {
        Ok(Self::with_model(embedded_model()?, "sevennet".into()))
    }

    /// Weights from a safetensors file written by `tools/export_sevennet.py`.
    ///
    /// # Errors
    /// An unreadable file or tensors that do not fit the SevenNet-0 architecture.
    pub fn from_file(path: &str) -> Result<Self, CalcError> {
        let err = |problem: String| CalcError::File {
            path: path.to_string(),
            problem,
        };
        let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
        let model = weights::parse_safetensors(&bytes)
            .and_then(|st| weights::build_model(&st))
            .map_err(err)?;
        Ok(Self::with_model(
            Arc::new(model),
            format!("sevennet:weights={path}"),
        ))
    }

    fn with_model(model: Arc<net::Model>, spec: String) -> Self {
        SevenNet {
            model,
            spec,
            cache: NeighborCache::new(0.3, 64),
            pool: Mutex::new(Vec::new()),
        }
    }

    /// From a parsed spec (`sevennet` or `sevennet:weights=PATH`).
    ///
    /// # Errors
    /// Unknown parameters or unreadable weights.
    pub fn from_spec(spec: &Spec) -> Result<Self, CalcError> {
        let params = spec.params(&["weights"])?;
        match params.str_opt("weights") {
            Some(path) => Self::from_file(&path),
            None => Self::new(),
        }
    }

    /// Cutoff radius [Å].
    pub fn cutoff(&self) -> f64 {
        self.model.cutoff
    }

    /// Number of directed edges (ordered pairs within the cutoff) of `structure`, as sevenn counts
    /// them.
    ///
    /// # Errors
    /// A degenerate periodic cell.
    pub fn edge_count(&self, structure: &Structure) -> Result<usize, CalcError> {
        let list = crate::structure::NeighborList::build(structure, self.model.cutoff)
            .map_err(|problem| self.unsupported(problem))?;
        Ok(list.n_pairs())
    }

    /// Energy, forces, per-atom energies and stress. `f32_edges` rounds the edge vectors to f32
    /// first, as sevenn's own float64 reference run did (used by the tests to compare with it).
    fn evaluate(&self, structure: &Structure, f32_edges: bool) -> Result<Evaluation, CalcError> {
        crate::calculator::check_elements(&self.spec, structure, &self.model.elements())?;
        let species: Vec<usize> = structure
            .numbers
            .iter()
            .map(|&z| self.model.species(z).expect("checked above"))
            .collect();
        for (i, p) in structure.positions.iter().enumerate() {
            if !p.iter().all(|x| x.is_finite()) {
                return Err(self.unsupported(format!("position of atom {i} is not finite")));
            }
        }
        let mut list = self
            .cache
            .get(structure, self.model.cutoff)
            .map_err(|problem| self.unsupported(problem))?;
        if f32_edges {
            for (v, d) in list.vector.iter_mut().zip(list.distance.iter_mut()) {
                *v = v.map(|x| f64::from(x as f32));
                *d = v.norm();
            }
        }
        if let Some(s) = list.distance.iter().position(|&d| d < 1e-8) {
            let i = list.start.partition_point(|&b| b <= s) - 1;
            return Err(self.unsupported(format!(
                "atoms {i} and {} sit on top of each other",
                list.neighbor[s]
            )));
        }
        let reverse = list
            .reverse
            .as_deref()
            .ok_or_else(|| self.unsupported("neighbour list without partners".into()))?;
        let graph = net::Graph {
            species,
            start: &list.start,
            neighbor: &list.neighbor,
            reverse,
            vector: &list.vector,
            distance: &list.distance,
        };
        let mut ws = self
            .pool
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or_default();
        let out = self.model.evaluate(&graph, &mut ws);
        self.pool.lock().unwrap_or_else(|e| e.into_inner()).push(ws);
        let stress = structure
            .cell
            .is_full_rank()
            .then(|| 0.5 * (out.virial + out.virial.transpose()) / structure.cell.volume());
        let eval = Evaluation {
            energy: out.energies.iter().sum(),
            forces: out.forces,
            stress,
            energies: Some(out.energies),
            electrons: None,
            extra: None,
        };
        eval.check_finite(&self.spec)?;
        Ok(eval)
    }

    fn unsupported(&self, problem: String) -> CalcError {
        CalcError::Unsupported {
            calculator: self.spec.clone(),
            problem,
        }
    }
}

impl Calculator for SevenNet {
    fn name(&self) -> String {
        self.spec.clone()
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            forces: true,
            stress: true,
            periodic: true,
            elements: Some(self.model.elements()),
            cutoff: Some(self.model.cutoff),
            ..Default::default()
        }
    }

    fn calculate(&self, structure: &Structure) -> Result<Evaluation, CalcError> {
        self.evaluate(structure, false)
    }
}
