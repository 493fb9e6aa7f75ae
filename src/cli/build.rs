//! `nebkit build SYSTEM [options] --output DIR`: initial.json, final.json and build.json.

use super::CliError;
use crate::builders::{build, BuildError, BuildOptions};
use clap::Args;
use std::path::PathBuf;

/// Arguments of `nebkit build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// pd10-pdn4, nis-ni-release, cu1-gc3n4, cun4-h-leaching or ptn-leaching.
    system: String,
    /// In-plane supercell n (n × n).
    #[arg(long)]
    supercell: Option<usize>,
    /// Metal element (M–N4 sites: Cu, Ni, Pd, Pt, Co, Fe; clusters: Pd, Pt, ...).
    #[arg(long)]
    metal: Option<String>,
    /// Vacuum or cell height [Å].
    #[arg(long)]
    vacuum: Option<f64>,
    /// pd10-pdn4: in-plane distance from the moving vertex to the pocket [Å] (default 6).
    #[arg(long)]
    distance: Option<f64>,
    /// cun4-h-leaching: pocket N indices (0–3) carrying H, e.g. 0,2.
    #[arg(long, value_delimiter = ',')]
    h_on: Vec<usize>,
    /// cun4-h-leaching: two CO on the metal.
    #[arg(long)]
    co: bool,
    /// nis-ni-release: surface facet (001, the only one offered).
    #[arg(long)]
    facet: Option<String>,
    /// cu1-gc3n4: adjacent|cavity; nis-ni-release: adatom|distant|popup; cun4-h-leaching:
    /// hollow|bridge (the final site).
    #[arg(long)]
    variant: Option<String>,
    /// ptn-leaching: cluster size (2–20).
    #[arg(long)]
    n: Option<usize>,
    /// cu1-gc3n4: planar (default) or buckled g-C3N4 sheet.
    #[arg(long)]
    sheet: Option<String>,
    /// Support atoms: `local` (default; free within 6 Å of the moving atoms, for real engines such
    /// as the default `sevennet`) or `frozen` (all fixed, what the `model` calculator needs).
    #[arg(long)]
    support: Option<String>,
    /// Relax both endpoints with the calculator and record in build.json whether they are distinct
    /// minima (writes initial_relaxed.json and final_relaxed.json; exit 4 when they relax into one
    /// minimum, 5 when one does not relax).
    #[arg(long)]
    check: bool,
    /// Calculator for --check (default: sevennet, nebkit neb's default).
    #[arg(long, short = 'c', requires = "check")]
    calculator: Option<String>,
    /// Output directory.
    #[arg(long, short = 'o')]
    output: PathBuf,
}

pub(super) fn run<W: std::io::Write>(a: BuildArgs, out: &mut W) -> Result<(), CliError> {
    let opts = BuildOptions {
        supercell: a.supercell,
        metal: a.metal,
        vacuum: a.vacuum,
        distance: a.distance,
        h_on: a.h_on,
        co: a.co,
        facet: a.facet,
        variant: a.variant,
        n: a.n,
        sheet: a.sheet,
        support: a.support,
    };
    let built = build(&a.system, &opts).map_err(|e: BuildError| CliError::Usage(e.to_string()))?;
    std::fs::create_dir_all(&a.output)
        .map_err(|e| CliError::Usage(format!("{}: {e}", a.output.display())))?;
    // ASE's JSON dialect, so that `ase.io.read('initial.json')` works as well as nebkit
    let ase = crate::io::Format::AseJson;
    crate::io::write_format(
        &a.output.join("initial.json"),
        std::slice::from_ref(&built.initial),
        ase,
    )?;
    crate::io::write_format(
        &a.output.join("final.json"),
        std::slice::from_ref(&built.final_),
        ase,
    )?;
    let mut info = built.info.clone();
    let mut outcome = None;
    if a.check {
        let spec = a.calculator.clone().unwrap_or_else(|| "sevennet".into());
        let calc = crate::calculator::from_spec(&spec)?;
        let (check, i, f) = crate::workflow::check_minima(
            calc.as_ref(),
            &built.initial,
            &built.final_,
            CHECK_FMAX,
            1000,
            crate::workflow::COLLAPSE_DISTANCE,
        )
        .map_err(|e| CliError::Usage(e.to_string()))?;
        for (name, s) in [("initial_relaxed.json", &i), ("final_relaxed.json", &f)] {
            crate::io::write_format(&a.output.join(name), std::slice::from_ref(s), ase)?;
        }
        let mut v = serde_json::to_value(&check).map_err(|e| CliError::Usage(e.to_string()))?;
        v["run"] = serde_json::json!(true);
        v["relaxed_files"] = serde_json::json!(["initial_relaxed.json", "final_relaxed.json"]);
        info["check"] = v;
        outcome = Some(check);
    } else {
        info["check"] = serde_json::json!({
            "run": false,
            "how": "nebkit build SYSTEM ... --check relaxes both endpoints with the default calculator (sevennet) and records here whether they are distinct minima",
        });
    }
    let text = serde_json::to_string_pretty(&info).map_err(|e| CliError::Usage(e.to_string()))?;
    crate::io::write_atomic(&a.output.join("build.json"), text.as_bytes())?;
    writeln!(
        out,
        "{}: {} atoms ({}), moving atoms {} → {}",
        a.system,
        built.initial.len(),
        built.initial.formula(),
        built.info["moving_atoms"],
        a.output.display()
    )
    .map_err(|e| CliError::Usage(e.to_string()))?;
    if let Some(check) = outcome {
        writeln!(
            out,
            "check ({}): {}: {}",
            check.calculator, check.verdict, check.message
        )
        .map_err(|e| CliError::Usage(e.to_string()))?;
        match check.exit_code() {
            0 => {}
            _ if check.verdict == "collapsed-endpoints" => {
                return Err(CliError::Outcome {
                    status: crate::workflow::Status::CollapsedEndpoints,
                    message: check.message,
                })
            }
            _ => {
                return Err(CliError::Outcome {
                    status: crate::workflow::Status::EndpointNotMinimum,
                    message: check.message,
                })
            }
        }
    }
    Ok(())
}

/// Relaxation tolerance of `--check` [eV/Å]: the endpoint tolerance `nebkit neb` uses with its
/// default fmax (0.05 / 2).
const CHECK_FMAX: f64 = 0.025;
