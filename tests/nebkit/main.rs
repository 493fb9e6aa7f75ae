//! nebkit's integration tests: one binary, one module per area.

#![allow(clippy::needless_range_loop)]

mod builders;
mod calculators;
mod cli;
mod command;
mod echem_import;
mod electrochem;
mod examples;
mod formats;
mod gpaw_sjm;
mod ipi;
mod neb_run;
mod outcomes;
mod potential_engines;
mod reference_paths;

use std::path::PathBuf;

/// Path of a file under `tests/data`.
pub fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

/// `tests/data/expected.json` (what ASE, pymatgen and LAMMPS themselves report for the data files).
pub fn expected() -> serde_json::Value {
    let text = std::fs::read_to_string(data("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A Python interpreter with ASE, if one is available (`NEBKIT_PYTHON`, else `python3`).
pub fn python_with_ase() -> Option<String> {
    let py = std::env::var("NEBKIT_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = std::process::Command::new(&py)
        .args(["-c", "import ase"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if ok {
        Some(py)
    } else {
        if std::env::var("CI").is_ok() {
            panic!("CI must provide a Python with ase (set NEBKIT_PYTHON)");
        }
        eprintln!("SKIPPED: no python with ase (set NEBKIT_PYTHON; .ci/run installs one)");
        None
    }
}
