//! `nebkit echem import --code vasp|gpaw-sjm|jdftx|qe OUTPUTS... --output band.json` and
//! `nebkit echem vacuum LOCPOT` (the vacuum level of a planar-averaged potential).

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
    /// The vacuum level of a VASP LOCPOT: the largest planar average along one lattice vector
    /// (work function = vacuum level − E-fermi of the same run).
    Vacuum(VacuumArgs),
}

/// `nebkit echem vacuum`.
#[derive(Debug, Args)]
pub struct VacuumArgs {
    /// The LOCPOT (LVHAR = .TRUE. gives the electrostatic potential; LVTOT the total local one).
    locpot: PathBuf,
    /// Lattice vector normal to the surface.
    #[arg(long, value_parser = ["a", "b", "c"], default_value = "c")]
    axis: String,
    /// Write the planar average (fractional coordinate, potential in eV) as CSV.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

fn axis_index(a: &str) -> usize {
    match a {
        "a" => 0,
        "b" => 1,
        _ => 2,
    }
}

fn vacuum<W: std::io::Write>(a: VacuumArgs, out: &mut W) -> Result<(), CliError> {
    let pa = crate::electrochem::locpot::planar_average(&a.locpot, axis_index(&a.axis))
        .map_err(|e| CliError::Usage(e.to_string()))?;
    if let Some(path) = &a.output {
        let n = pa.values.len() as f64;
        let mut text = String::from("fraction,potential_eV\n");
        for (k, v) in pa.values.iter().enumerate() {
            text.push_str(&format!("{:.6},{v:.8}\n", k as f64 / n));
        }
        crate::io::write_atomic(path, text.as_bytes())
            .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
    }
    let _ = writeln!(
        out,
        "vacuum level {:.6} eV (largest planar average along {}, at {:.4}; {} planes) ← {}",
        pa.vacuum_level,
        a.axis,
        pa.at_fraction,
        pa.values.len(),
        a.locpot.display()
    );
    Ok(())
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
    /// (VASP: a LOCPOT next to each OUTCAR is used when neither this nor FERMI_SHIFT is there.)
    #[arg(long, allow_hyphen_values = true, value_name = "EV")]
    vacuum_level: Option<f64>,
    /// Lattice vector normal to the surface, for the planar average of a LOCPOT.
    #[arg(long, value_parser = ["a", "b", "c"], default_value = "c")]
    locpot_axis: String,
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
    let a = match a.command {
        EchemCommand::Import(a) => a,
        EchemCommand::Vacuum(v) => return vacuum(v, out),
    };
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
        locpot_axis: Some(axis_index(&a.locpot_axis)),
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
