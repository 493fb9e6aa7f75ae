//! Constant-electrode-potential physics: conventions, grand energies, charge extrapolation, quadratic
//! fits, leaching thresholds and computational-hydrogen-electrode shifts (`PHYSICS.md` §5).
//!
//! Conventions, fixed here once: Δn = N − N₀ excess electrons [e] (QE `tot_charge` = −Δn); work
//! function W = −ε_F [eV]; U (V vs SHE) = W/e − Φ_SHE with Φ_SHE recorded per source; electron
//! chemical potential μ_e(U) = −e(U + Φ_SHE); grand energy Ω(U) = E − Δn·μ_e(U).

pub mod dft;
pub mod locpot;
mod potentiostat;
mod sweep;

pub use potentiostat::{
    potentiostat, EngineGrandCanonical, GrandCanonical, PotentiostatOutcome, PotentiostatSettings,
};

pub use sweep::{sweep, ElectrochemBand, ElectrochemImage, SweepResult};

use crate::units::K_B;

/// Absolute potential of the standard hydrogen electrode [V] by source: every code reports U on its
/// own scale, so the source is recorded with every number.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SheReference {
    /// IUPAC recommendation (Trasatti 1986): 4.44 V.
    Iupac,
    /// GPAW SJM documentation: 4.4 V.
    Gpaw,
    /// VASPsol++: 4.47 V.
    VaspsolPp,
    /// CP-VASP and FCP-vasp-ase: 4.6 V.
    CpVasp,
    /// Any other value [V].
    Custom(f64),
}

impl SheReference {
    /// Φ_SHE [V].
    pub fn value(self) -> f64 {
        match self {
            SheReference::Iupac => 4.44,
            SheReference::Gpaw => 4.4,
            SheReference::VaspsolPp => 4.47,
            SheReference::CpVasp => 4.6,
            SheReference::Custom(v) => v,
        }
    }
}

/// Electrode potential vs SHE [V] from a work function W [eV].
pub fn potential_from_work_function(work_function: f64, phi_she: f64) -> f64 {
    work_function - phi_she
}

/// Work function [eV] from a potential vs SHE [V].
pub fn work_function_from_potential(potential: f64, phi_she: f64) -> f64 {
    potential + phi_she
}

/// Electron chemical potential μ_e(U) = −e(U + Φ_SHE) [eV].
pub fn electron_chemical_potential(potential: f64, phi_she: f64) -> f64 {
    -(potential + phi_she)
}

/// 298.15 K Nernst slope k_B T ln 10 / e [V] per pH unit (0.05916 V).
pub fn nernst_slope(temperature: f64) -> f64 {
    K_B * temperature * std::f64::consts::LN_10
}

/// U vs RHE from U vs SHE: U_RHE = U_SHE + 0.05916·pH at 298.15 K.
pub fn she_to_rhe(u_she: f64, ph: f64, temperature: f64) -> f64 {
    u_she + nernst_slope(temperature) * ph
}

/// U vs SHE from U vs RHE.
pub fn rhe_to_she(u_rhe: f64, ph: f64, temperature: f64) -> f64 {
    u_rhe - nernst_slope(temperature) * ph
}

/// One charged calculation in nebkit's convention: canonical energy E [eV] at Δn excess electrons,
/// measured potential U [V vs SHE], interfacial capacitance C [e/V].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ChargedState {
    /// Canonical (fixed-N) energy [eV].
    pub energy: f64,
    /// Excess electrons Δn [e].
    pub excess_electrons: f64,
    /// Electrode potential [V vs SHE].
    pub potential: f64,
}

impl ChargedState {
    /// Grand energy at the state's own potential, Ω = E − Δn·μ_e(U) [eV].
    pub fn grand_energy(&self, phi_she: f64) -> f64 {
        self.energy - self.excess_electrons * electron_chemical_potential(self.potential, phi_she)
    }
}

/// Capacitor-corrected grand energy at potential `u`:
/// Ω(U) = E − Δn·μ_e(U) − ½C(U − U_i)², for an image computed at Δn with potential U_i, capacitance C.
pub fn grand_energy(state: &ChargedState, capacitance: f64, u: f64, phi_she: f64) -> f64 {
    state.energy
        - state.excess_electrons * electron_chemical_potential(u, phi_she)
        - 0.5 * capacitance * (u - state.potential).powi(2)
}

/// Excess electrons at potential `u` on the capacitor model: Δn*(U) = Δn − C(U − U_i) [e].
pub fn excess_electrons_at(state: &ChargedState, capacitance: f64, u: f64) -> f64 {
    state.excess_electrons - capacitance * (u - state.potential)
}

/// Capacitance conversion: C [e/V] = C [µF/cm²] · A [Å²] · 6.2415e-4.
pub fn capacitance_e_per_volt(microfarad_per_cm2: f64, area_a2: f64) -> f64 {
    // 1 µF/cm² = 1e-6 C/V / 1e16 Å² = 1e-22 C/(V Å²) = 1e-22 / 1.602176634e-19 e/(V Å²)
    microfarad_per_cm2 * area_a2 * 1e-22 / 1.602176634e-19
}

/// Adapters from the energy conventions of codes to nebkit's (canonical E, Δn, U vs SHE).
pub mod adapters {
    use super::{potential_from_work_function, ChargedState};

    /// GPAW SJM returns Ω = E + Δn·W (its "energy" in constant-potential mode), the excess electrons
    /// and the work function W [eV].
    pub fn from_gpaw_sjm(
        omega: f64,
        excess_electrons: f64,
        work_function: f64,
        phi_she: f64,
    ) -> ChargedState {
        ChargedState {
            energy: omega - excess_electrons * work_function,
            excess_electrons,
            potential: potential_from_work_function(work_function, phi_she),
        }
    }

    /// The GPAW SJM value Ω = E + Δn·W of a state.
    pub fn to_gpaw_sjm(state: &ChargedState, phi_she: f64) -> f64 {
        state.energy + state.excess_electrons * (state.potential + phi_she)
    }

    /// JDFTx reports G = F − μN with the total electron count N and μ [eV] the electron chemical
    /// potential; with N₀ the neutral count, Ω = G + μN₀ and E = Ω + Δn·μ.
    pub fn from_jdftx(g: f64, mu: f64, n_total: f64, n_neutral: f64, phi_she: f64) -> ChargedState {
        let omega = g + mu * n_neutral;
        let dn = n_total - n_neutral;
        ChargedState {
            energy: omega + dn * mu,
            excess_electrons: dn,
            potential: -mu - phi_she,
        }
    }

    /// Quantum ESPRESSO: `tot_charge` = −Δn, Fermi energy ε_F vs the vacuum/electrolyte reference [eV].
    pub fn from_quantum_espresso(
        energy: f64,
        tot_charge: f64,
        fermi_energy: f64,
        phi_she: f64,
    ) -> ChargedState {
        ChargedState {
            energy,
            excess_electrons: -tot_charge,
            potential: potential_from_work_function(-fermi_energy, phi_she),
        }
    }

    /// VASPsol / FCP: canonical energy, NELECT − NELECT₀, and the work function from the
    /// solvent-referenced Fermi level.
    pub fn from_vaspsol(
        energy: f64,
        nelect: f64,
        nelect_neutral: f64,
        work_function: f64,
        phi_she: f64,
    ) -> ChargedState {
        ChargedState {
            energy,
            excess_electrons: nelect - nelect_neutral,
            potential: potential_from_work_function(work_function, phi_she),
        }
    }
}

/// Chan–Nørskov charge extrapolation of a constant-charge barrier E_a^CC with charge transferred Δq
/// [e] and work-function change ΔΦ [eV] between IS and TS: (E_a at the IS potential, E_a at the TS
/// potential) = (E_a − ½ΔqΔΦ, E_a + ½ΔqΔΦ).
///
/// # References
/// K. Chan, J. K. Nørskov, J. Phys. Chem. Lett. 6, 2663 (2015), doi:10.1021/acs.jpclett.5b01043.
pub fn charge_extrapolation(barrier_cc: f64, dq: f64, dphi: f64) -> (f64, f64) {
    (barrier_cc - 0.5 * dq * dphi, barrier_cc + 0.5 * dq * dphi)
}

/// Least-squares quadratic Ω(U) = a + bU + cU² through charged states (Ω_k = E_k − Δn_k μ_e(U_k) at
/// U_k): returns (C [e/V], U_pzc [V], E_pzc [eV]) with C = −2c, U_pzc = −b/(2c), E_pzc = a − b²/(4c).
///
/// # Errors
/// Fewer than three distinct potentials, or a fit that is not concave (C ≤ 0).
pub fn quadratic_fit(states: &[ChargedState], phi_she: f64) -> Result<(f64, f64, f64), String> {
    if states.len() < 3 {
        return Err(format!(
            "a quadratic fit needs at least 3 charged states, got {}",
            states.len()
        ));
    }
    // normal equations for [1, U, U²]
    let mut m = nalgebra::Matrix3::<f64>::zeros();
    let mut r = nalgebra::Vector3::<f64>::zeros();
    for s in states {
        let u = s.potential;
        let row = nalgebra::Vector3::new(1.0, u, u * u);
        m += row * row.transpose();
        r += row * s.grand_energy(phi_she);
    }
    let sol = m
        .lu()
        .solve(&r)
        .ok_or_else(|| "the charged states do not span three distinct potentials".to_string())?;
    let (a, b, c) = (sol[0], sol[1], sol[2]);
    if c >= 0.0 {
        return Err(format!(
            "Ω(U) fit is not concave (curvature {c:.4}): the capacitance would be ≤ 0"
        ));
    }
    Ok((-2.0 * c, -b / (2.0 * c), a - b * b / (4.0 * c)))
}

/// Leaching threshold U_n [V vs SHE] for M_n/S → M_(n−1)/S + M^(z+) + z e⁻:
/// U_n = U° − (μ_n − μ_bulk)/z + (k_B T/z)·ln a(M^(z+)).
pub fn leaching_threshold(
    u_standard: f64,
    mu_n_minus_bulk: f64,
    z: f64,
    activity: f64,
    temperature: f64,
) -> f64 {
    u_standard - mu_n_minus_bulk / z + K_B * temperature / z * activity.ln()
}

/// Standard reduction potentials U°(M^2+/M) [V vs SHE] of PHYSICS.md.
pub fn standard_potential(metal: &str) -> Option<f64> {
    match metal {
        "Pt" => Some(1.18),
        "Pd" => Some(0.915),
        "Cu" => Some(0.337),
        "Ni" => Some(-0.257),
        _ => None,
    }
}

/// Computational hydrogen electrode (Nørskov et al. 2004): ΔG(U) of a step with n (H⁺ + e⁻) pairs,
/// consumed (`reduction`) or released, at U vs RHE.
pub fn che_shift(dg0: f64, n_pairs: f64, u_rhe: f64, reduction: bool) -> f64 {
    if reduction {
        dg0 + n_pairs * u_rhe
    } else {
        dg0 - n_pairs * u_rhe
    }
}

#[cfg(test)]
mod tests;
