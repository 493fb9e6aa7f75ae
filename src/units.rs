//! Units and physical constants.
//!
//! Internally nebkit works in eV, Å, amu, e (elementary charge) and V. Conversions to other unit
//! systems (Bohr/Hartree for the i-PI protocol, kJ/mol for plots) happen only at the boundaries, with
//! the constants below. They are the CODATA-2014 values exactly as ASE (`ase.units`) uses them, so that
//! numbers exchanged with ASE agree bit for bit.

/// Bohr radius [Å] (CODATA 2014, as `ase.units.Bohr`).
pub const BOHR: f64 = 0.5291772105638411;
/// Hartree energy [eV] (CODATA 2014, as `ase.units.Hartree`).
pub const HARTREE: f64 = 27.211386024367243;
/// Boltzmann constant [eV/K] (CODATA 2014, as `ase.units.kB`).
pub const K_B: f64 = 8.617330337217213e-5;
/// Planck constant [eV·s] (CODATA 2014).
pub const PLANCK: f64 = 4.135667662e-15;
/// 1 eV expressed in kJ/mol (CODATA 2014: e·N_A/1000).
pub const EV_TO_KJ_PER_MOL: f64 = 96.48533212331002;
/// 1 eV/Å³ expressed in GPa.
pub const EV_PER_A3_TO_GPA: f64 = 160.21766208;

/// An energy unit accepted in command-line values such as `0.05 eV/Å`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnergyUnit {
    /// Electronvolt.
    Ev,
    /// Kilojoule per mole.
    KjPerMol,
}

impl EnergyUnit {
    /// Factor converting a value in this unit to eV.
    pub fn to_ev(self) -> f64 {
        match self {
            EnergyUnit::Ev => 1.0,
            EnergyUnit::KjPerMol => 1.0 / EV_TO_KJ_PER_MOL,
        }
    }
}

/// Error from [`parse_force`].
#[derive(Debug, thiserror::Error, PartialEq)]
#[non_exhaustive]
pub enum UnitError {
    /// The number part is not a number.
    #[error("cannot read a number from '{0}'")]
    Number(String),
    /// The unit is not one we know.
    #[error("unknown force unit '{unit}' in '{text}' (use eV/Å, eV/A or eV/Ang)")]
    Unit { unit: String, text: String },
}

/// Parse a force such as `"0.05"`, `"0.05 eV/Å"` or `"0.05eV/A"` into eV/Å.
///
/// # Errors
/// [`UnitError`] when the number or the unit cannot be read.
///
/// ```
/// assert_eq!(nebkit::units::parse_force("0.05 eV/Å").unwrap(), 0.05);
/// assert_eq!(nebkit::units::parse_force("1e-3").unwrap(), 1e-3);
/// ```
pub fn parse_force(text: &str) -> Result<f64, UnitError> {
    let t = text.trim();
    // the longest prefix that reads as a number; the rest is the unit
    let split = (1..=t.len())
        .rev()
        .filter(|&i| t.is_char_boundary(i))
        .find(|&i| t[..i].trim().parse::<f64>().is_ok())
        .ok_or_else(|| UnitError::Number(text.to_string()))?;
    let (num, unit) = t.split_at(split);
    let value: f64 = num
        .trim()
        .parse()
        .map_err(|_| UnitError::Number(text.to_string()))?;
    match unit.trim() {
        "" | "eV/Å" | "eV/A" | "eV/Ang" | "eV/ang" => Ok(value),
        other => Err(UnitError::Unit {
            unit: other.to_string(),
            text: text.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forces() {
        assert_eq!(parse_force("0.05").unwrap(), 0.05);
        assert_eq!(parse_force("5e-2 eV/A").unwrap(), 0.05);
        assert_eq!(parse_force("0.05eV/Å").unwrap(), 0.05);
        assert!(matches!(
            parse_force("0.05 Ha/Bohr"),
            Err(UnitError::Unit { .. })
        ));
        assert!(matches!(parse_force("abc"), Err(UnitError::Number(_))));
    }

    #[test]
    fn hartree_per_bohr_matches_ase() {
        // ase.units: Hartree / Bohr = 51.422067090480645 eV/Å
        assert!((HARTREE / BOHR - 51.422067090480645).abs() < 1e-12);
    }
}
