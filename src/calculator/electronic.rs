//! nebkit's electron-count protocol for external engines (`command` programs and i-PI clients):
//! what nebkit asks for, and how an engine's electronic answer is read and checked.
//!
//! Request (the `command` structure's info, the i-PI INIT string), one of
//! - nothing: a neutral, canonical evaluation;
//! - `{"excess_electrons": Δn}`: hold Δn excess electrons [e] relative to the neutral system
//!   (nebkit's potentiostat drives Δn);
//! - `{"target_potential": U, "target_work_function": U + Φ_SHE, "phi_she": Φ_SHE,
//!   "potential_tolerance": tol}`: converge the electron count until the electrode sits at U
//!   [V vs SHE] (the engine's own potentiostat).
//!
//! Answer (the program's `result.json`, the i-PI extras JSON), besides `energy` and `forces`:
//! `excess_electrons` [e], `work_function` [eV] (or `fermi_level` and `vacuum_level` [eV] on one
//! scale: W = vacuum − Fermi), and optionally `grand_energy` Ω = E + Δn·W [eV] (GPAW SJM's
//! convention). `energy` is the canonical energy E at Δn; an engine that only knows Ω may send
//! `grand_energy` alone. In a charged or target-potential evaluation the electron count and the
//! work function are required; an engine that ignored the request is an error, never a neutral
//! number passed off as a charged one.

use super::{ElectronState, PotentialTarget};
use serde_json::{json, Value};

/// The keys of a request (removed from a structure's info before a request is added).
pub const REQUEST_KEYS: &[&str] = &[
    "excess_electrons",
    "target_potential",
    "target_work_function",
    "phi_she",
    "potential_tolerance",
];

/// What nebkit asks an external engine to hold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Request {
    /// Neutral, canonical evaluation.
    Neutral,
    /// A fixed electron count Δn [e].
    Charged(f64),
    /// The engine converges Δn to a target potential.
    Target(PotentialTarget),
}

impl Request {
    /// The request as JSON (`None` for a neutral evaluation).
    pub fn to_json(&self) -> Option<Value> {
        match self {
            Request::Neutral => None,
            Request::Charged(dn) => Some(json!({ "excess_electrons": dn })),
            Request::Target(t) => Some(t.to_json()),
        }
    }
}

fn number(v: &Value, key: &str) -> Result<Option<f64>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(x) => match x.as_f64() {
            Some(f) if f.is_finite() => Ok(Some(f)),
            _ => Err(format!("\"{key}\" must be a finite number, got {x}")),
        },
    }
}

/// Read an engine's electronic answer `v` to `request`; `energy` is the canonical energy the engine
/// sent outside the JSON (the i-PI energy field), if any. Returns the canonical energy [eV] and the
/// electronic state.
///
/// # Errors
/// A message (without the engine's name) saying what is missing or inconsistent and what to do.
pub fn read_answer(
    v: &Value,
    energy: Option<f64>,
    request: &Request,
) -> Result<(f64, Option<ElectronState>), String> {
    if let Some(e) = v.get("error").filter(|e| !e.is_null()) {
        let text = e.as_str().map_or_else(|| e.to_string(), str::to_string);
        return Err(format!("the engine reported an error: {text}"));
    }
    let dn = number(v, "excess_electrons")?;
    let wf = match (
        number(v, "work_function")?,
        number(v, "fermi_level")?,
        number(v, "vacuum_level")?,
    ) {
        (Some(w), _, _) => Some(w),
        (None, Some(f), Some(vac)) => Some(vac - f),
        (None, Some(_), None) => {
            return Err("\"fermi_level\" without \"vacuum_level\": the work function needs both (or send \"work_function\")".into())
        }
        _ => None,
    };
    let grand = number(v, "grand_energy")?;
    let energy = match energy {
        Some(e) => Some(e),
        None => number(v, "energy")?,
    };
    let charged = !matches!(request, Request::Neutral);
    let what = match request {
        Request::Neutral => String::new(),
        Request::Charged(want) => format!("nebkit asked for {want} excess electrons"),
        Request::Target(t) => format!(
            "nebkit asked for a target potential of {} V vs SHE (work function {} eV)",
            t.potential,
            t.work_function()
        ),
    };
    let state = match (dn, wf) {
        (Some(dn), Some(w)) => Some(ElectronState {
            excess_electrons: dn,
            work_function: w,
        }),
        (None, _) if charged => {
            return Err(format!(
                "{what}, but the answer reports no \"excess_electrons\": the engine does not follow nebkit's electron-count protocol (README, \"Constant potential with external engines\"), so its energy would be a neutral one"
            ))
        }
        (Some(_), None) if charged => {
            return Err(format!(
                "{what}, but the answer reports no \"work_function\" (or \"fermi_level\" and \"vacuum_level\"): nebkit cannot tell the electrode potential without it"
            ))
        }
        _ => None,
    };
    match request {
        Request::Neutral => {
            if let Some(dn) = dn.filter(|d| d.abs() > 1e-9) {
                return Err(format!(
                    "a neutral evaluation came back with {dn} excess electrons: the engine charges the system by itself; run with --potential (and --potentiostat engine if it holds the potential) or make it neutral"
                ));
            }
        }
        Request::Charged(want) => {
            let got = state.map_or(0.0, |s| s.excess_electrons);
            if (got - want).abs() > 1e-6 * (1.0 + want.abs()) {
                return Err(format!(
                    "{what}, but the engine computed {got}: it does not apply the requested electron count"
                ));
            }
        }
        Request::Target(_) => {}
    }
    let energy = match (energy, grand, state) {
        (Some(e), Some(o), Some(st)) => {
            let expect = e + st.excess_electrons * st.work_function;
            if (expect - o).abs() > 1e-3 * (1.0 + o.abs() * 1e-6) {
                return Err(format!(
                    "\"grand_energy\" {o} eV is not energy + excess_electrons × work_function = {expect} eV: send the canonical energy as \"energy\" and Ω = E + Δn·W as \"grand_energy\" (or only one of them)"
                ));
            }
            e
        }
        (Some(e), _, _) => e,
        (None, Some(o), Some(st)) => o - st.excess_electrons * st.work_function,
        (None, Some(o), None) => o,
        (None, None, _) => return Err("no \"energy\" (or \"grand_energy\")".into()),
    };
    if !energy.is_finite() {
        return Err(format!("non-finite energy {energy}"));
    }
    Ok((energy, state))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_in_every_convention_and_ignored_requests_are_errors() {
        let req = Request::Charged(0.25);
        // work function directly
        let (e, st) = read_answer(
            &json!({"energy": -3.0, "excess_electrons": 0.25, "work_function": 4.0}),
            None,
            &req,
        )
        .unwrap();
        assert_eq!(e, -3.0);
        assert_eq!(st.unwrap().work_function, 4.0);
        // Fermi and vacuum levels; grand energy alone (Ω = E + Δn·W)
        let (e, st) = read_answer(
            &json!({"grand_energy": -2.0, "excess_electrons": 0.25, "fermi_level": -1.0, "vacuum_level": 3.0}),
            None,
            &req,
        )
        .unwrap();
        assert_eq!(st.unwrap().work_function, 4.0);
        assert!((e - (-2.0 - 0.25 * 4.0)).abs() < 1e-12);
        // inconsistent pair
        assert!(read_answer(
            &json!({"energy": -3.0, "grand_energy": -3.0, "excess_electrons": 0.25, "work_function": 4.0}),
            None,
            &req
        )
        .unwrap_err()
        .contains("grand_energy"));
        // the engine ignored the count
        assert!(read_answer(&json!({"energy": -3.0}), None, &req)
            .unwrap_err()
            .contains("does not follow"));
        assert!(read_answer(
            &json!({"energy": -3.0, "excess_electrons": 0.0, "work_function": 4.0}),
            None,
            &req
        )
        .unwrap_err()
        .contains("does not apply"));
        // a neutral run that came back charged
        assert!(read_answer(
            &json!({"energy": -3.0, "excess_electrons": 0.1, "work_function": 4.0}),
            None,
            &Request::Neutral
        )
        .is_err());
        assert!(read_answer(&json!({"energy": "x"}), None, &Request::Neutral).is_err());
        // the i-PI energy field wins over JSON
        let (e, _) = read_answer(&json!({}), Some(1.5), &Request::Neutral).unwrap();
        assert_eq!(e, 1.5);
    }
}
