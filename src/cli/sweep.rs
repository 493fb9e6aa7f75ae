//! `nebkit sweep INPUT --potentials START:STOP:STEP --output DIR` and `nebkit leach`.

use super::CliError;
use crate::electrochem::{leaching_threshold, standard_potential, sweep, ElectrochemBand};
use clap::Args;
use serde_json::json;
use std::path::PathBuf;

/// Arguments of `nebkit sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// A `nebkit/electrochem-band` JSON file (per-image energy, excess electrons, potential or work
    /// function, capacitance; or several charged `states` per image).
    input: PathBuf,
    /// Potentials START:STOP:STEP [V vs SHE], e.g. -1.5:-0.5:0.1.
    #[arg(long, allow_hyphen_values = true)]
    potentials: String,
    /// Φ_SHE [V] overriding the file's (4.44 IUPAC, 4.4 GPAW, 4.47 VASPsol++, 4.6 CP-VASP/FCP).
    #[arg(long)]
    phi_she: Option<f64>,
    /// Capacitance [e/V] for every image, needed when INPUT is the result.json of a constant-potential
    /// run (it records Δn and Ω at one potential, not the capacitance).
    #[arg(long)]
    capacitance: Option<f64>,
    /// Output directory: sweep.json, sweep.csv, barrier_vs_potential.svg and .png.
    #[arg(long, short = 'o')]
    output: PathBuf,
}

/// Parse START:STOP:STEP (inclusive of STOP within half a step).
fn grid(text: &str) -> Result<Vec<f64>, CliError> {
    let parts: Vec<f64> = text
        .split(':')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            CliError::Usage(format!(
                "--potentials must be START:STOP:STEP numbers, got '{text}'"
            ))
        })?;
    if parts.len() != 3 || parts[2] <= 0.0 || parts[1] < parts[0] {
        return Err(CliError::Usage(format!(
            "--potentials START:STOP:STEP needs START ≤ STOP and STEP > 0, got '{text}'"
        )));
    }
    let n = ((parts[1] - parts[0]) / parts[2] + 0.5).floor() as usize;
    if n > 100_000 {
        return Err(CliError::Usage(format!(
            "--potentials '{text}' asks for {n} points"
        )));
    }
    Ok((0..=n).map(|k| parts[0] + parts[2] * k as f64).collect())
}

pub(super) fn run<W: std::io::Write>(a: SweepArgs, out: &mut W) -> Result<(), CliError> {
    let text = std::fs::read_to_string(&a.input)
        .map_err(|e| CliError::Usage(format!("{}: {e}", a.input.display())))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        CliError::Usage(format!(
            "{}: line {}: malformed JSON: {e}",
            a.input.display(),
            e.line()
        ))
    })?;
    let mut band: ElectrochemBand =
        if value.get("format").and_then(|f| f.as_str()) == Some("nebkit/result") {
            from_result(&value, a.capacitance)
                .map_err(|e| CliError::Usage(format!("{}: {e}", a.input.display())))?
        } else {
            serde_json::from_value(value)
                .map_err(|e| CliError::Usage(format!("{}: {e}", a.input.display())))?
        };
    if let Some(phi) = a.phi_she {
        band.phi_she = phi;
    }
    // --capacitance fills in images that do not give one (files from `nebkit echem import`)
    if let Some(c) = a.capacitance {
        if !(c.is_finite() && c >= 0.0) {
            return Err(CliError::Usage(format!(
                "--capacitance {c}: give a capacitance ≥ 0 in e/V"
            )));
        }
        for im in &mut band.images {
            if im.states.is_none() && im.capacitance.is_none() {
                im.capacitance = Some(c);
            }
        }
    }
    let potentials = grid(&a.potentials)?;
    let r = sweep(&band, &potentials)
        .map_err(|e| CliError::Usage(format!("{}: {e}", a.input.display())))?;
    std::fs::create_dir_all(&a.output)
        .map_err(|e| CliError::Usage(format!("{}: {e}", a.output.display())))?;
    let mut j = serde_json::to_value(&r).map_err(|e| CliError::Usage(e.to_string()))?;
    j["format"] = json!("nebkit/sweep");
    j["version"] = json!(1);
    j["units"] = json!({"potential": "V vs SHE", "energy": "eV", "electron_transfer": "e"});
    let text = serde_json::to_string_pretty(&j).map_err(|e| CliError::Usage(e.to_string()))?;
    crate::io::write_atomic(&a.output.join("sweep.json"), text.as_bytes())?;
    let mut csv = String::from(
        "potential_V_SHE,barrier_eV,reaction_energy_eV,saddle_image,electron_transfer_e\n",
    );
    for k in 0..r.potentials.len() {
        csv.push_str(&format!(
            "{},{},{},{},{}\n",
            r.potentials[k],
            r.barriers[k],
            r.reaction_energies[k],
            r.saddle_images[k],
            r.electron_transfer[k]
        ));
    }
    crate::io::write_atomic(&a.output.join("sweep.csv"), csv.as_bytes())?;
    let lines = [
        (
            "barrier".to_string(),
            r.potentials.clone(),
            r.barriers.clone(),
        ),
        (
            "reaction energy".to_string(),
            r.potentials.clone(),
            r.reaction_energies.clone(),
        ),
    ];
    for name in ["barrier_vs_potential.svg", "barrier_vs_potential.png"] {
        crate::plot::draw_barrier_vs_potential(&a.output.join(name), &lines)
            .map_err(|e| CliError::Usage(e.to_string()))?;
    }
    writeln!(
        out,
        "{} potentials → {}",
        r.potentials.len(),
        a.output.join("sweep.json").display()
    )
    .map_err(|e| CliError::Usage(e.to_string()))?;
    Ok(())
}

/// Per-image electrochemical data from the result.json of a constant-potential `nebkit neb` run: the
/// grand energies Ω_i at the run's potential U and the excess electrons Δn_i give the canonical
/// energies E_i = Ω_i + Δn_i·μ_e(U); with a capacitance the capacitor formula extends them to other U.
fn from_result(v: &serde_json::Value, capacitance: Option<f64>) -> Result<ElectrochemBand, String> {
    let ec = v.get("electrochem").ok_or("this result.json has no per-image electrochemical data (run nebkit neb with --potential, or give a nebkit/electrochem-band file)")?;
    let c = capacitance.ok_or(
        "a constant-potential result.json records no capacitance: give --capacitance (e/V)",
    )?;
    let u = ec["potential"]
        .as_f64()
        .ok_or("electrochem.potential missing")?;
    let phi = ec["phi_she"].as_f64().unwrap_or(4.44);
    let energies: Vec<f64> = v["energies"]
        .as_array()
        .ok_or("energies missing")?
        .iter()
        .filter_map(|x| x.as_f64())
        .collect();
    let dns: Vec<Option<f64>> = ec["excess_electrons"]
        .as_array()
        .ok_or("electrochem.excess_electrons missing")?
        .iter()
        .map(|x| x.as_f64())
        .collect();
    if dns.len() != energies.len() || dns.iter().any(Option::is_none) {
        return Err("electrochem.excess_electrons must give one number per image".into());
    }
    let mu = crate::electrochem::electron_chemical_potential(u, phi);
    let images = energies
        .iter()
        .zip(&dns)
        .map(|(&omega, dn)| {
            let dn = dn.unwrap_or(0.0);
            crate::electrochem::ElectrochemImage {
                energy: Some(omega + dn * mu),
                excess_electrons: Some(dn),
                potential: Some(u),
                work_function: None,
                capacitance: Some(c),
                states: None,
            }
        })
        .collect();
    Ok(ElectrochemBand {
        format: "nebkit/electrochem-band".into(),
        version: 1,
        phi_she: phi,
        images,
        source: None,
    })
}

/// Arguments of `nebkit leach`.
#[derive(Debug, Args)]
pub struct LeachArgs {
    /// Metal (U° of M²⁺/M: Pt 1.18, Pd 0.915, Cu 0.337, Ni −0.257 V vs SHE); or give --standard-potential.
    #[arg(long)]
    metal: Option<String>,
    /// U°(M^z+/M) [V vs SHE].
    #[arg(long, allow_hyphen_values = true)]
    standard_potential: Option<f64>,
    /// μ_n − μ_bulk [eV], one or more (comma separated), or give the energies below.
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    mu_minus_bulk: Vec<f64>,
    /// Energy of M_n on the support [eV] (with --e-nm1 and --e-bulk).
    #[arg(long, allow_hyphen_values = true)]
    e_n: Option<f64>,
    /// Energy of M_(n−1) on the support [eV].
    #[arg(long, allow_hyphen_values = true)]
    e_nm1: Option<f64>,
    /// Bulk energy per metal atom [eV].
    #[arg(long, allow_hyphen_values = true)]
    e_bulk: Option<f64>,
    /// Charge z of the dissolved ion.
    #[arg(long, default_value_t = 2.0)]
    z: f64,
    /// Ion activity a(M^z+).
    #[arg(long, default_value_t = 1.0)]
    activity: f64,
    /// Temperature [K].
    #[arg(long, default_value_t = 298.15)]
    temperature: f64,
}

pub(super) fn leach<W: std::io::Write>(a: LeachArgs, out: &mut W) -> Result<(), CliError> {
    let u0 = match (a.standard_potential, &a.metal) {
        (Some(u), _) => u,
        (None, Some(m)) => standard_potential(m).ok_or_else(|| {
            CliError::Usage(format!(
                "no tabulated U° for {m} (tabulated: Pt, Pd, Cu, Ni); give --standard-potential"
            ))
        })?,
        (None, None) => {
            return Err(CliError::Usage(
                "give --metal or --standard-potential".into(),
            ))
        }
    };
    let mut mus = a.mu_minus_bulk.clone();
    match (a.e_n, a.e_nm1, a.e_bulk) {
        (Some(en), Some(enm1), Some(eb)) => mus.push(en - enm1 - eb),
        (None, None, None) => {}
        _ => {
            return Err(CliError::Usage(
                "--e-n, --e-nm1 and --e-bulk go together".into(),
            ))
        }
    }
    if mus.is_empty() {
        return Err(CliError::Usage(
            "give --mu-minus-bulk or --e-n/--e-nm1/--e-bulk".into(),
        ));
    }
    if a.activity.is_nan() || a.activity <= 0.0 || a.z <= 0.0 {
        return Err(CliError::Usage("activity and z must be positive".into()));
    }
    let rows: Vec<serde_json::Value> = mus
        .iter()
        .map(|&mu| json!({"mu_minus_bulk_eV": mu, "threshold_V_SHE": leaching_threshold(u0, mu, a.z, a.activity, a.temperature)}))
        .collect();
    let j = json!({"format": "nebkit/leach", "version": 1, "standard_potential_V_SHE": u0, "z": a.z,
                   "activity": a.activity, "temperature_K": a.temperature, "thresholds": rows});
    writeln!(
        out,
        "{}",
        serde_json::to_string_pretty(&j).map_err(|e| CliError::Usage(e.to_string()))?
    )
    .map_err(|e| CliError::Usage(e.to_string()))
}
