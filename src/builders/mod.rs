//! Path builders for the seed systems of `SEED_SYSTEMS.md`: each returns initial and final
//! structures with the same atoms in the same order, the moving and support atoms, fixed atoms, and
//! the reported literature barrier with its citation.

mod lattice;
mod systems;

pub use lattice::*;
pub use systems::{build, BuildOptions, BuiltPath, SYSTEMS};

/// Errors from the builders: each says what to change.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum BuildError {
    /// An unknown system name.
    #[error("unknown system '{0}' (available: pd10-pdn4, nis-ni-release, cu1-gc3n4, cun4-h-leaching, ptn-leaching)")]
    UnknownSystem(String),
    /// An option the system does not take or a bad value.
    #[error("{system}: {problem}")]
    Option { system: String, problem: String },
    /// A supercell too small for the cluster or path.
    #[error("{system}: {problem}; use a larger --supercell")]
    TooSmall { system: String, problem: String },
}
