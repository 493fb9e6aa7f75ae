//! `nebkit echem import --code vasp|gpaw-sjm|jdftx|qe OUTPUTS... --output band.json`.

use super::CliError;
use crate::electrochem::dft::{import_band, Code, ImportOptions};
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// Electrochemical data from DFT outputs.
#[derive(Debug, Args)]
pub struct EchemArgs {
    #[command(subcommand)]
    command: EchemCommand,
}

#[derive(Debug, Subcommand)]
enum EchemCommand {
    /// Per-image DFT outputs (IS first) → a `nebkit/electrochem-band` file for `nebkit sweep`.
    Import(ImportArgs),
}

/// `nebkit echem import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The code that wrote the outputs.
    #[arg(long, value_enum)]
    code: Code,
    /// One output per image, initial state first (VASP: OUTCAR files, image directories, or one
    /// NEB directory with 00/ … NN/).
    #[arg(required = true)]
    outputs: Vec<PathBuf>,
    /// Output file (`nebkit/electrochem-band`).
    #[arg(long, short)]
    output: PathBuf,
    /// Vacuum (or bulk-electrolyte) level on the code's energy scale [eV]: W = vacuum − Fermi.
    /// Needed for VASP without VASPsol's FERMI_SHIFT and for Quantum ESPRESSO.
    #[arg(long, allow_hyphen_values = true, value_name = "EV")]
    vacuum_level: Option<f64>,
    /// Φ_SHE [V] of the code's potential scale (default: 4.4 for gpaw-sjm, 4.6 for vasp (CP-VASP /
    /// FCP), else 4.44).
    #[arg(long)]
    phi_she: Option<f64>,
    /// Interfacial capacitance [e/V] written for every image (needed by `nebkit sweep`; else give
    /// `--capacitance` to sweep).
    #[arg(long)]
    capacitance: Option<f64>,
}

pub(super) fn run<W: std::io::Write>(a: EchemArgs, out: &mut W) -> Result<(), CliError> {
    let EchemCommand::Import(a) = a.command;
    if let Some(v) = a.vacuum_level {
        if !v.is_finite() || v.abs() > 1e3 {
            return Err(CliError::Usage(format!(
                "--vacuum-level {v}: give a finite level in eV"
            )));
        }
    }
    let phi = a.phi_she.unwrap_or(match a.code {
        Code::GpawSjm => 4.4,
        Code::Vasp => 4.6,
        _ => 4.44,
    });
    if !(phi.is_finite() && (0.0..=10.0).contains(&phi)) {
        return Err(CliError::Usage(format!(
            "--phi-she {phi}: Φ_SHE is a few volts"
        )));
    }
    if let Some(c) = a.capacitance {
        if !(c.is_finite() && c >= 0.0) {
            return Err(CliError::Usage(format!(
                "--capacitance {c}: give a capacitance ≥ 0 in e/V"
            )));
        }
    }
    let opts = ImportOptions {
        vacuum_level: a.vacuum_level,
    };
    let (band, images) = import_band(a.code, &a.outputs, &opts, phi, a.capacitance)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let mut band = band;
    band.source = Some(serde_json::json!({
        "code": a.code.as_str(),
        "images": images,
        "units": {"energy": "eV", "excess_electrons": "e", "work_function": "eV"},
    }));
    let v = serde_json::to_value(&band).map_err(|e| CliError::Usage(e.to_string()))?;
    let text = serde_json::to_string_pretty(&v).map_err(|e| CliError::Usage(e.to_string()))?;
    crate::io::write_atomic(&a.output, text.as_bytes())
        .map_err(|e| CliError::Usage(format!("{}: {e}", a.output.display())))?;
    for (k, im) in images.iter().enumerate() {
        let _ = writeln!(
            out,
            "image {k}: E {:.6} eV, Δn {:+.4} e, E_F {:.4} eV, W {:.4} eV ({}) ← {}",
            im.energy,
            im.excess_electrons,
            im.fermi_level,
            im.work_function,
            im.reference,
            im.source
        );
    }
    let _ = writeln!(out, "→ {}", a.output.display());
    Ok(())
}
