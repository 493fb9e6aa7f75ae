//! A secant potentiostat for calculators that accept an electron count, and a constant-potential
//! wrapper calculator that makes any such calculator return grand energies Ω(U).

use super::{electron_chemical_potential, potential_from_work_function};
use crate::calculator::{CalcError, Calculator, Capabilities, Evaluation, PotentialTarget};
use crate::structure::Structure;

/// Potentiostat settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PotentiostatSettings {
    /// Target potential [V vs SHE].
    pub potential: f64,
    /// Φ_SHE [V].
    pub phi_she: f64,
    /// Convergence |U − U_target| [V].
    pub tolerance: f64,
    /// Largest number of electron-count updates.
    pub max_updates: usize,
    /// First guess of the capacitance [e/V] (slope dU/dΔn = −1/C); `None`: 10 µF/cm² on the
    /// structure's electrode area |a × b| (PHYSICS.md), 1 e/V for a structure not periodic in a, b.
    pub capacitance_guess: Option<f64>,
}

/// Typical double-layer capacitance of a metal in water [µF/cm²], the potentiostat's first guess.
pub const CAPACITANCE_GUESS_UF_CM2: f64 = 10.0;

/// The first capacitance guess [e/V] for `s`: 10 µF/cm² × |a × b| (C[e/V] = C[µF/cm²]·A[Å²]·6.2415e-4),
/// or 1 e/V when the structure is not a slab periodic in a and b.
pub fn capacitance_guess(s: &Structure) -> f64 {
    let area = s.cell.vector(0).cross(&s.cell.vector(1)).norm();
    if s.pbc[0] && s.pbc[1] && area.is_finite() && area > 1.0 {
        CAPACITANCE_GUESS_UF_CM2 * area * 6.2415e-4
    } else {
        1.0
    }
}

/// Result of [`potentiostat`].
#[derive(Debug, Clone)]
pub struct PotentiostatOutcome {
    /// Evaluation at the final electron count.
    pub evaluation: Evaluation,
    /// Final excess electrons [e].
    pub excess_electrons: f64,
    /// Potential reached [V vs SHE].
    pub potential: f64,
    /// Capacitance from the last secant [e/V].
    pub capacitance: f64,
    /// Electron-count updates made.
    pub updates: usize,
    /// Calculator calls made.
    pub calls: usize,
}

fn potential_of(ev: &Evaluation, phi_she: f64, calc: &dyn Calculator) -> Result<f64, CalcError> {
    let e = ev.electrons.ok_or_else(|| CalcError::Unsupported {
        calculator: calc.name(),
        problem: "the charged evaluation reports no work function".into(),
    })?;
    Ok(potential_from_work_function(e.work_function, phi_she))
}

/// Find the electron count at which the electrode sits at the target potential: secant updates
/// Δn ← Δn + (U_target − U)/slope with the slope from the last two (Δn, U) pairs (first from the
/// capacitance guess), overshooting steps halved, until |U − U_target| < tolerance.
///
/// # Errors
/// Calculator failures; no convergence within `max_updates`.
pub fn potentiostat(
    calc: &dyn Calculator,
    s: &Structure,
    start: f64,
    set: &PotentiostatSettings,
) -> Result<PotentiostatOutcome, CalcError> {
    let mut dn = start;
    let mut ev = calc.calculate_charged(s, dn)?;
    let mut u = potential_of(&ev, set.phi_she, calc)?;
    let mut calls = 1;
    let mut slope = -1.0
        / set
            .capacitance_guess
            .unwrap_or_else(|| capacitance_guess(s));
    let mut updates = 0;
    while (u - set.potential).abs() >= set.tolerance {
        if updates >= set.max_updates {
            return Err(CalcError::Engine {
                calculator: calc.name(),
                message: format!(
                    "potentiostat: |U − U_target| = {:.4} V after {updates} updates (target {} V)",
                    (u - set.potential).abs(),
                    set.potential
                ),
            });
        }
        let mut step = (set.potential - u) / slope;
        loop {
            let ev_new = calc.calculate_charged(s, dn + step)?;
            calls += 1;
            let u_new = potential_of(&ev_new, set.phi_she, calc)?;
            // halve steps that overshoot past the target by more than they started away from it
            if (u_new - set.potential).abs() > (u - set.potential).abs() && step.abs() > 1e-6 {
                step *= 0.5;
                continue;
            }
            if (u_new - u).abs() > 1e-12 {
                slope = (u_new - u) / step;
            }
            dn += step;
            u = u_new;
            ev = ev_new;
            break;
        }
        updates += 1;
    }
    Ok(PotentiostatOutcome {
        evaluation: ev,
        excess_electrons: dn,
        potential: u,
        capacitance: -1.0 / slope,
        updates,
        calls,
    })
}

/// Constant-potential wrapper: every evaluation runs the potentiostat and returns the grand energy
/// Ω(U) = E − Δn·μ_e(U) − ½C(U − U_reached)² (the capacitor formula takes up the residual) with the
/// forces at the converged electron count (the constant-potential forces).
pub struct GrandCanonical {
    inner: Box<dyn Calculator>,
    settings: PotentiostatSettings,
}

impl GrandCanonical {
    /// Wrap `inner` (which must accept an electron count) at `settings.potential`.
    ///
    /// # Errors
    /// A calculator without electron-count support.
    pub fn new(
        inner: Box<dyn Calculator>,
        settings: PotentiostatSettings,
    ) -> Result<Self, CalcError> {
        if !inner.capabilities().electron_count {
            return Err(CalcError::Unsupported {
                calculator: inner.name(),
                problem: "--potential needs a calculator that accepts an electron count (e.g. mb-electrode)".into(),
            });
        }
        Ok(GrandCanonical { inner, settings })
    }
}

impl Calculator for GrandCanonical {
    fn name(&self) -> String {
        self.inner.name()
    }

    fn cache_identity(&self) -> String {
        let s = &self.settings;
        format!(
            "{}|grand-canonical:potentiostat=nebkit,potential={:e},phi_she={:e},tolerance={:e}",
            self.inner.cache_identity(),
            s.potential,
            s.phi_she,
            s.tolerance
        )
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    fn calculate(&self, s: &Structure) -> Result<Evaluation, CalcError> {
        // deterministic start (neutral) so that results do not depend on evaluation order
        let out = potentiostat(self.inner.as_ref(), s, 0.0, &self.settings)?;
        let set = &self.settings;
        let mut ev = out.evaluation;
        let mu = electron_chemical_potential(set.potential, set.phi_she);
        ev.energy = ev.energy
            - out.excess_electrons * mu
            - 0.5 * out.capacitance * (set.potential - out.potential).powi(2);
        Ok(ev)
    }
}

/// Constant potential held by the engine (`--potentiostat engine`): every evaluation hands the
/// engine the target, checks the potential it reached (within the tolerance, else an error naming
/// the image) and returns Ω(U) = E − Δn·μ_e(U) at the target with the engine's forces.
pub struct EngineGrandCanonical {
    inner: Box<dyn Calculator>,
    target: PotentialTarget,
}

impl EngineGrandCanonical {
    /// Wrap `inner`, which must converge its own electron count (`capabilities().target_potential`).
    ///
    /// # Errors
    /// A calculator without a potentiostat of its own.
    pub fn new(inner: Box<dyn Calculator>, target: PotentialTarget) -> Result<Self, CalcError> {
        if !inner.capabilities().target_potential {
            return Err(CalcError::Unsupported {
                calculator: inner.name(),
                problem: "--potentiostat engine needs an engine that converges its own electron count to a target potential (a command or i-PI engine following nebkit's protocol, e.g. GPAW SJM through tools/ipi_client.py); use --potentiostat nebkit for engines that only take an electron count".into(),
            });
        }
        Ok(EngineGrandCanonical { inner, target })
    }
}

impl Calculator for EngineGrandCanonical {
    fn name(&self) -> String {
        self.inner.name()
    }

    fn cache_identity(&self) -> String {
        let t = &self.target;
        format!(
            "{}|grand-canonical:potentiostat=engine,potential={:e},phi_she={:e},tolerance={:e}",
            self.inner.cache_identity(),
            t.potential,
            t.phi_she,
            t.tolerance
        )
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    fn calculate(&self, s: &Structure) -> Result<Evaluation, CalcError> {
        let t = &self.target;
        let mut ev = self.inner.calculate_at_potential(s, t)?;
        let image = s
            .info
            .get("image")
            .and_then(|v| v.as_i64())
            .map_or("a structure".to_string(), |i| format!("image {i}"));
        let e = ev.electrons.ok_or_else(|| CalcError::Engine {
            calculator: self.inner.name(),
            message: format!(
                "{image}: the engine answered a target-potential evaluation without its electron count and work function"
            ),
        })?;
        let reached = potential_from_work_function(e.work_function, t.phi_she);
        if !reached.is_finite() || (reached - t.potential).abs() > t.tolerance {
            return Err(CalcError::Engine {
                calculator: self.inner.name(),
                message: format!(
                    "{image}: the engine's potentiostat reached U = {reached:.4} V vs SHE (work function {:.4} eV, Δn = {:.4} e), the target is {} ± {} V: tighten the engine's own potential tolerance (GPAW SJM: sj['tol']) or widen --potential-tolerance; check that --phi-she ({} V) is the engine's SHE scale",
                    e.work_function, e.excess_electrons, t.potential, t.tolerance, t.phi_she
                ),
            });
        }
        ev.energy -= e.excess_electrons * electron_chemical_potential(t.potential, t.phi_she);
        Ok(ev)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calculator::builtin::analytic::MbElectrode;
    use nalgebra::Vector3;

    #[test]
    fn first_capacitance_guess_is_10_uf_per_cm2_on_the_slab_area() {
        // 1×1 Cu(111): |a × b| = 2.5527² · sin 60° = 5.6433 Å²; 10 µF/cm² = 10e-6 C/cm² over
        // 1e16 Å²/cm² per 1.602177e-19 C/e = 6.2415e-4 e/(V·Å²) per µF/cm² → 0.035222 e/V
        let mut s = point(0.0, 0.0);
        s.cell = crate::structure::Cell::from_rows([
            [2.5527, 0.0, 0.0],
            [1.27635, 2.210703, 0.0],
            [0.0, 0.0, 15.0],
        ]);
        s.pbc = [true, true, false];
        let area = 2.5527f64.powi(2) * 60f64.to_radians().sin();
        let expected = 10.0 * area * 1e-6 / 1e16 / 1.602_176_634e-19;
        assert!((capacitance_guess(&s) - expected).abs() < 1e-4 * expected);
        // not a slab: 1 e/V
        s.pbc = [false; 3];
        assert_eq!(capacitance_guess(&s), 1.0);
    }

    fn point(x: f64, y: f64) -> Structure {
        Structure::from_symbols(&["H"], vec![Vector3::new(x, y, 0.0)]).unwrap()
    }

    #[test]
    fn potentiostat_converges_in_few_updates_and_grand_energy_is_closed_form() {
        let mb = MbElectrode {
            u0: 0.0,
            u1: 0.5,
            capacitance: 1.0,
            phi_she: 4.44,
        };
        for (u, (x, y)) in [(-1.0, (-0.5, 1.4)), (0.0, (0.2, 0.3)), (1.0, (0.6, 0.0))] {
            // a capacitance guess from ~10 µF/cm² on an arbitrary area: deliberately off by 2×
            let set = PotentiostatSettings {
                potential: u,
                phi_she: 4.44,
                tolerance: 0.01,
                max_updates: 5,
                capacitance_guess: Some(0.5),
            };
            let out = potentiostat(&mb, &point(x, y), 0.0, &set).unwrap();
            assert!((out.potential - u).abs() < 0.01);
            assert!(out.updates <= 5, "{} updates", out.updates);
            let gc = GrandCanonical::new(Box::new(mb), set).unwrap();
            let ev = gc.calculate(&point(x, y)).unwrap();
            let (omega, grad) = mb.grand(x, y, u);
            assert!((ev.energy - omega).abs() < 1e-9, "{} vs {omega}", ev.energy);
            assert!(
                (ev.forces[0].x + grad[0]).abs() < 1e-9 && (ev.forces[0].y + grad[1]).abs() < 1e-9
            );
        }
    }

    #[test]
    fn charged_forces_match_finite_differences() {
        let mb = MbElectrode {
            u0: 0.1,
            u1: 0.7,
            capacitance: 0.8,
            phi_she: 4.44,
        };
        let h = 1e-6;
        for dn in [-0.7, 0.0, 0.4] {
            let e = |x: f64, y: f64| mb.calculate_charged(&point(x, y), dn).unwrap().energy;
            let f = mb.calculate_charged(&point(0.3, 0.5), dn).unwrap().forces[0];
            assert!((-(e(0.3 + h, 0.5) - e(0.3 - h, 0.5)) / (2.0 * h) - f.x).abs() < 1e-5);
            assert!((-(e(0.3, 0.5 + h) - e(0.3, 0.5 - h)) / (2.0 * h) - f.y).abs() < 1e-5);
        }
    }
}
