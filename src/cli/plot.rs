//! `nebkit plot RESULT.json [RESULT2.json ...] --output FIG.svg|png`: redraw energy profiles.

use super::CliError;
use crate::plot::{draw_profiles_styled, ProfileSeries};
use crate::workflow::{Figure, NebResult, Status};
use clap::Args;
use std::path::PathBuf;

/// Arguments of `nebkit plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// One or more result.json files of `nebkit neb`.
    #[arg(required = true)]
    results: Vec<PathBuf>,
    /// Figure to write (.svg or .png).
    #[arg(long, short = 'o')]
    output: PathBuf,
    /// Legend labels, one per result (default: the results' directory names).
    #[arg(long, value_delimiter = ',')]
    labels: Vec<String>,
    /// Energy unit: ev or kjmol.
    #[arg(long, default_value = "ev", value_parser = ["ev", "kjmol"])]
    units: String,
    /// Reaction diagram (IS, TS, intermediates, FS as levels) instead of the Hermite fit.
    #[arg(long)]
    step: bool,
    /// Convergence plot (largest NEB force against iteration) instead of the energy profile.
    #[arg(long, conflicts_with = "step")]
    convergence: bool,
}

fn numbers(v: &serde_json::Value, key: &str, path: &std::path::Path) -> Result<Vec<f64>, CliError> {
    v.get(key)
        .and_then(|a| a.as_array())
        .and_then(|a| a.iter().map(|x| x.as_f64()).collect::<Option<Vec<f64>>>())
        .ok_or_else(|| {
            CliError::Usage(format!(
                "{}: missing or non-numeric \"{key}\" (is this a nebkit result.json?)",
                path.display()
            ))
        })
}

/// A result.json as typed data; files written before statuses existed count as `converged` when
/// their `converged` flag says so (their highest point is drawn as the saddle) and `not-converged`
/// otherwise.
fn read_result(path: &std::path::Path) -> Result<(serde_json::Value, NebResult), CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
    let mut v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        CliError::Usage(format!(
            "{}: line {}: malformed JSON: {e}",
            path.display(),
            e.line()
        ))
    })?;
    if v.get("format").and_then(|f| f.as_str()) != Some("nebkit/result") {
        return Err(CliError::Usage(format!(
            "{}: not a nebkit/result file",
            path.display()
        )));
    }
    let s = numbers(&v, "reaction_coordinate", path)?;
    let e = numbers(&v, "energies", path)?;
    let t = numbers(&v, "tangential_forces", path)?;
    if s.len() != e.len() || t.len() != e.len() || e.len() < 2 {
        return Err(CliError::Usage(format!(
            "{}: inconsistent profile arrays",
            path.display()
        )));
    }
    let legacy = v.get("status").is_none();
    if legacy {
        let converged = v.get("converged").and_then(|c| c.as_bool()) == Some(true);
        v["status"] = serde_json::json!(if converged {
            "converged"
        } else {
            "not-converged"
        });
    }
    let mut r: NebResult = serde_json::from_value(v.clone())
        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?;
    if legacy && r.status == Status::Converged && r.steps.is_empty() {
        // one step whose top is the highest image
        let top = r.profile().maximum();
        let e0 = e[0];
        let e1 = e[e.len() - 1];
        r.steps.push(crate::workflow::StepReport {
            index: 1,
            source: "band".into(),
            dir: None,
            status: Status::Converged,
            initial_energy: e0,
            saddle_energy: Some(top.energy),
            final_energy: e1,
            barrier_forward: Some(top.energy - e0),
            barrier_reverse: Some(top.energy - e1),
            reaction_energy: e1 - e0,
            band_images: Some([0, 0, e.len() - 1]),
            force_calls: 0,
            iterations: 0,
        });
    }
    Ok((v, r))
}

pub(super) fn run<W: std::io::Write>(args: PlotArgs, out: &mut W) -> Result<(), CliError> {
    if !args.labels.is_empty() && args.labels.len() != args.results.len() {
        return Err(CliError::Usage(format!(
            "{} labels for {} results",
            args.labels.len(),
            args.results.len()
        )));
    }
    let mut results = Vec::new();
    for path in &args.results {
        results.push(read_result(path)?);
    }
    let labels: Vec<String> = if args.labels.is_empty() {
        if args.results.len() == 1 {
            vec![String::new()]
        } else {
            args.results
                .iter()
                .map(|p| {
                    p.parent()
                        .and_then(|d| d.file_name())
                        .map(|n| n.to_string_lossy().to_string())
                        .unwrap_or_else(|| p.display().to_string())
                })
                .collect()
        }
    } else {
        args.labels.clone()
    };
    if args.convergence {
        let mut conv = Vec::new();
        for (((v, _), path), label) in results.iter().zip(&args.results).zip(&labels) {
            conv.push((
                if label.is_empty() {
                    "band".into()
                } else {
                    label.clone()
                },
                numbers(v, "max_force_history", path)?,
            ));
        }
        crate::plot::draw_convergence(&args.output, &conv)
            .map_err(|e| CliError::Usage(e.to_string()))?;
        writeln!(out, "wrote {}", args.output.display())
            .map_err(|e| CliError::Usage(e.to_string()))?;
        return Ok(());
    }
    let figures: Vec<Figure> = results
        .iter()
        .map(|(_, r)| Figure::from_result(r))
        .collect();
    let series: Vec<ProfileSeries> = figures
        .iter()
        .zip(labels)
        .map(|(f, label)| f.series(label))
        .collect();
    let style = crate::plot::ProfileStyle {
        kj_per_mol: args.units == "kjmol",
        step: args.step,
    };
    draw_profiles_styled(&args.output, &series, style)
        .map_err(|e| CliError::Usage(e.to_string()))?;
    writeln!(out, "wrote {}", args.output.display()).map_err(|e| CliError::Usage(e.to_string()))?;
    Ok(())
}
