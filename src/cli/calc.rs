//! `nebkit calc STRUCTURE --calculator SPEC`: one single point as JSON.

use super::CliError;
use crate::calculator;
use clap::Args;
use serde_json::json;
use std::path::PathBuf;

/// Arguments of `nebkit calc`.
#[derive(Debug, Args)]
pub struct CalcArgs {
    /// Structure file (.json nebkit/ASE/pymatgen, .extxyz/.xyz, POSCAR/CONTCAR/.vasp).
    structure: PathBuf,
    /// Calculator spec: sevennet (default), emt, eam:zhou2004, morse:D=0.7102,alpha=1.6047, eam:FILE.eam.alloy, ...
    #[arg(long, short = 'c', default_value = "sevennet")]
    calculator: String,
}

pub(super) fn run<W: std::io::Write>(args: CalcArgs, out: &mut W) -> Result<(), CliError> {
    let structure = crate::io::read(&args.structure)?;
    let calc = calculator::from_spec(&args.calculator)?;
    let ev = calc.calculate(&structure)?;
    ev.check_finite(&calc.name())?;
    let mut obj = serde_json::Map::new();
    obj.insert("energy".into(), json!(ev.energy));
    obj.insert(
        "forces".into(),
        json!(ev
            .forces
            .iter()
            .map(|f| [f.x, f.y, f.z])
            .collect::<Vec<_>>()),
    );
    if let Some(s) = ev.stress_voigt() {
        obj.insert("stress".into(), json!(s));
    }
    let text = serde_json::to_string(&serde_json::Value::Object(obj))
        .map_err(|e| CliError::Usage(e.to_string()))?;
    writeln!(out, "{text}").map_err(|e| CliError::Usage(format!("cannot write output: {e}")))?;
    Ok(())
}
