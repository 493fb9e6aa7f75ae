//! Barriers across electrode potentials from per-image electrochemical data (`nebkit sweep`).

use super::{
    excess_electrons_at, grand_energy, potential_from_work_function, quadratic_fit, ChargedState,
};
use serde::{Deserialize, Serialize};

/// One image of a `nebkit/electrochem-band` file: a single charged calculation (with `potential` or
/// `work_function`, and `capacitance`), or several charged calculations in `states` (quadratic fit).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElectrochemImage {
    /// Canonical energy [eV].
    #[serde(default)]
    pub energy: Option<f64>,
    /// Excess electrons Δn [e].
    #[serde(default)]
    pub excess_electrons: Option<f64>,
    /// Electrode potential [V vs SHE].
    #[serde(default)]
    pub potential: Option<f64>,
    /// Work function [eV] (instead of `potential`).
    #[serde(default)]
    pub work_function: Option<f64>,
    /// Capacitance [e/V].
    #[serde(default)]
    pub capacitance: Option<f64>,
    /// Several charged calculations of this image (quadratic fit of Ω(U)).
    #[serde(default)]
    pub states: Option<Vec<ChargedState>>,
}

/// A `nebkit/electrochem-band` file (version 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElectrochemBand {
    /// `"nebkit/electrochem-band"`.
    pub format: String,
    /// 1.
    pub version: u32,
    /// Φ_SHE of the code that produced the data [V] (default 4.44, IUPAC).
    #[serde(default = "default_phi")]
    pub phi_she: f64,
    /// Images along the path, IS first.
    pub images: Vec<ElectrochemImage>,
    /// Where the numbers came from (`nebkit echem import`: code, files, Fermi levels, references).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<serde_json::Value>,
}

fn default_phi() -> f64 {
    4.44
}

/// Barriers etc. per potential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepResult {
    /// Potentials [V vs SHE].
    pub potentials: Vec<f64>,
    /// Forward barriers Ω_TS − Ω_IS [eV].
    pub barriers: Vec<f64>,
    /// Reaction grand energies Ω_FS − Ω_IS [eV].
    pub reaction_energies: Vec<f64>,
    /// Index of the highest image.
    pub saddle_images: Vec<usize>,
    /// Δn*_TS − Δn*_IS [e] (= d(barrier)/dU).
    pub electron_transfer: Vec<f64>,
    /// Grand energies of every image at every potential [eV].
    pub grand_energies: Vec<Vec<f64>>,
    /// Φ_SHE used [V].
    pub phi_she: f64,
}

impl ElectrochemBand {
    /// Each image as (state at its reference potential, capacitance).
    ///
    /// # Errors
    /// Missing or inconsistent fields, naming the image.
    pub fn resolve(&self) -> Result<Vec<(ChargedState, f64)>, String> {
        if self.format != "nebkit/electrochem-band" {
            return Err(format!(
                "format must be \"nebkit/electrochem-band\", got '{}'",
                self.format
            ));
        }
        if self.version != 1 {
            return Err(format!(
                "nebkit/electrochem-band version {} is not supported (this nebkit reads 1)",
                self.version
            ));
        }
        if self.images.len() < 2 {
            return Err(format!(
                "a band needs at least 2 images, got {}",
                self.images.len()
            ));
        }
        self.images
            .iter()
            .enumerate()
            .map(|(i, im)| {
                if let Some(states) = &im.states {
                    let (c, u_pzc, e_pzc) = quadratic_fit(states, self.phi_she)
                        .map_err(|e| format!("image {i}: {e}"))?;
                    return Ok((
                        ChargedState {
                            energy: e_pzc,
                            excess_electrons: 0.0,
                            potential: u_pzc,
                        },
                        c,
                    ));
                }
                let energy = im
                    .energy
                    .ok_or_else(|| format!("image {i}: missing \"energy\" (or \"states\")"))?;
                let dn = im
                    .excess_electrons
                    .ok_or_else(|| format!("image {i}: missing \"excess_electrons\""))?;
                let potential = match (im.potential, im.work_function) {
                    (Some(u), None) => u,
                    (None, Some(w)) => potential_from_work_function(w, self.phi_she),
                    (Some(_), Some(_)) => {
                        return Err(format!(
                            "image {i}: give \"potential\" or \"work_function\", not both"
                        ))
                    }
                    (None, None) => {
                        return Err(format!(
                            "image {i}: missing \"potential\" (or \"work_function\")"
                        ))
                    }
                };
                let c = im
                    .capacitance
                    .ok_or_else(|| format!("image {i}: missing \"capacitance\" (e/V)"))?;
                if !(c >= 0.0 && c.is_finite()) {
                    return Err(format!("image {i}: capacitance must be ≥ 0, got {c}"));
                }
                Ok((
                    ChargedState {
                        energy,
                        excess_electrons: dn,
                        potential,
                    },
                    c,
                ))
            })
            .collect()
    }
}

/// Barriers at each of `potentials` [V vs SHE] from the capacitor-corrected grand energies.
///
/// # Errors
/// Inconsistent input.
pub fn sweep(band: &ElectrochemBand, potentials: &[f64]) -> Result<SweepResult, String> {
    let images = band.resolve()?;
    let phi = band.phi_she;
    let n = images.len();
    let mut out = SweepResult {
        potentials: potentials.to_vec(),
        barriers: Vec::new(),
        reaction_energies: Vec::new(),
        saddle_images: Vec::new(),
        electron_transfer: Vec::new(),
        grand_energies: Vec::new(),
        phi_she: phi,
    };
    for &u in potentials {
        let omega: Vec<f64> = images
            .iter()
            .map(|(s, c)| grand_energy(s, *c, u, phi))
            .collect();
        // the saddle: the highest interior image (the highest image for a two-image band)
        let range = if n > 2 { 1..n - 1 } else { 0..n };
        let ts = range.clone().fold(
            range.start,
            |best, i| if omega[i] > omega[best] { i } else { best },
        );
        out.barriers.push(omega[ts] - omega[0]);
        out.reaction_energies.push(omega[n - 1] - omega[0]);
        out.saddle_images.push(ts);
        let dn = |i: usize| excess_electrons_at(&images[i].0, images[i].1, u);
        out.electron_transfer.push(dn(ts) - dn(0));
        out.grand_energies.push(omega);
    }
    Ok(out)
}
