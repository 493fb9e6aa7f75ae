//! Analytic 2-D model surfaces acting on the x, y coordinates of a one-atom structure.
//!
//! Reference values: `../shared/REFERENCE_VALUES.md` (minima, saddles) and the papers cited per surface.

use crate::calculator::{CalcError, Calculator, Capabilities, Evaluation, Spec};
use crate::structure::Structure;
use nalgebra::Vector3;

/// Which model surface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurfaceKind {
    /// Müller–Brown (Müller & Brown, Theor. Chim. Acta 53, 75 (1979)).
    MullerBrown,
    /// LEPS, collinear A–B–C, x = r_AB, y = r_BC, r_AC = x + y (Jónsson, Mills, Jacobsen 1998).
    Leps,
    /// LEPS coupled to a harmonic oscillator, x = r_AB, y = oscillator coordinate (same source).
    LepsHo,
    /// AnaPot, V = 4 + 4.5x − 4y + x² + 2y² − 2xy + x⁴ − 2x²y (pysisyphus test surface).
    AnaPot,
}

impl SurfaceKind {
    /// Spec name.
    pub fn name(self) -> &'static str {
        match self {
            SurfaceKind::MullerBrown => "muller-brown",
            SurfaceKind::Leps => "leps",
            SurfaceKind::LepsHo => "leps-ho",
            SurfaceKind::AnaPot => "anapot",
        }
    }

    /// Energy and gradient (dV/dx, dV/dy) at (x, y).
    pub fn energy_gradient(self, x: f64, y: f64) -> (f64, [f64; 2]) {
        match self {
            SurfaceKind::MullerBrown => muller_brown(x, y),
            SurfaceKind::Leps => {
                let p = LepsParams::leps();
                let (v, g) = p.energy_gradient(x, y, x + y);
                (v, [g[0] + g[2], g[1] + g[2]])
            }
            SurfaceKind::LepsHo => leps_ho(x, y),
            SurfaceKind::AnaPot => anapot(x, y),
        }
    }
}

/// A 2-D model surface as a calculator (one atom; x and y move, z feels no force).
#[derive(Debug, Clone)]
pub struct Surface2D {
    kind: SurfaceKind,
}

impl Surface2D {
    /// The surface `kind`.
    pub fn new(kind: SurfaceKind) -> Self {
        Surface2D { kind }
    }

    /// From a spec (the surfaces take no parameters).
    ///
    /// # Errors
    /// Any parameter given.
    pub fn from_spec(kind: SurfaceKind, spec: &Spec) -> Result<Self, CalcError> {
        spec.params(&[])?;
        Ok(Surface2D::new(kind))
    }
}

impl Calculator for Surface2D {
    fn name(&self) -> String {
        self.kind.name().to_string()
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            forces: true,
            model_surface: true,
            ..Default::default()
        }
    }

    fn calculate(&self, s: &Structure) -> Result<Evaluation, CalcError> {
        if s.len() != 1 {
            return Err(CalcError::Unsupported {
                calculator: self.name(),
                problem: format!(
                    "a 2-D model surface needs a structure of exactly one atom, got {} atoms",
                    s.len()
                ),
            });
        }
        let p = s.positions[0];
        let (energy, g) = self.kind.energy_gradient(p.x, p.y);
        Ok(Evaluation {
            energy,
            forces: vec![Vector3::new(-g[0], -g[1], 0.0)],
            stress: None,
            energies: None,
            electrons: None,
            extra: None,
        })
    }
}

/// Müller–Brown as an electrode (`mb-electrode:u0=0.0,u1=0.5,capacitance=1.0`): potential of zero
/// charge U_pzc(x, y) = u0 + u1·x [V vs SHE], capacitance C [e/V]; at Δn excess electrons
/// E = V + μ_e(U_pzc)·Δn + Δn²/(2C) and U = U_pzc − Δn/C, so that Ω(U) = V − ½C(U − U_pzc)² in closed
/// form (Φ_SHE = 4.44 V unless `phi_she` is given). For testing and teaching constant-potential NEB.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MbElectrode {
    /// U_pzc at x = 0 [V].
    pub u0: f64,
    /// dU_pzc/dx [V per unit x].
    pub u1: f64,
    /// Capacitance [e/V].
    pub capacitance: f64,
    /// Φ_SHE [V].
    pub phi_she: f64,
}

impl MbElectrode {
    /// From `mb-electrode:u0=..,u1=..,capacitance=..,phi_she=..`.
    ///
    /// # Errors
    /// Unknown parameters, non-positive capacitance.
    pub fn from_spec(spec: &Spec) -> Result<Self, CalcError> {
        let p = spec.params(&["u0", "u1", "capacitance", "phi_she"])?;
        Ok(MbElectrode {
            u0: p.f64_or("u0", 0.0)?,
            u1: p.f64_or("u1", 0.5)?,
            capacitance: p.positive_or("capacitance", 1.0)?,
            phi_she: p.f64_or("phi_she", 4.44)?,
        })
    }

    /// U_pzc at (x, y) [V vs SHE].
    pub fn pzc(&self, x: f64) -> f64 {
        self.u0 + self.u1 * x
    }

    /// Closed-form grand energy Ω(x, y; U) and its gradient.
    pub fn grand(&self, x: f64, y: f64, u: f64) -> (f64, [f64; 2]) {
        let (v, g) = muller_brown(x, y);
        let d = u - self.pzc(x);
        (
            v - 0.5 * self.capacitance * d * d,
            [g[0] + self.capacitance * d * self.u1, g[1]],
        )
    }
}

impl Calculator for MbElectrode {
    fn name(&self) -> String {
        format!(
            "mb-electrode:u0={},u1={},capacitance={},phi_she={}",
            self.u0, self.u1, self.capacitance, self.phi_she
        )
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            forces: true,
            model_surface: true,
            electron_count: true,
            ..Default::default()
        }
    }

    fn calculate(&self, s: &Structure) -> Result<Evaluation, CalcError> {
        self.calculate_charged(s, 0.0)
    }

    fn calculate_charged(&self, s: &Structure, dn: f64) -> Result<Evaluation, CalcError> {
        if s.len() != 1 {
            return Err(CalcError::Unsupported {
                calculator: self.name(),
                problem: format!(
                    "a 2-D model surface needs a structure of exactly one atom, got {} atoms",
                    s.len()
                ),
            });
        }
        let p = s.positions[0];
        let (v, g) = muller_brown(p.x, p.y);
        let pzc = self.pzc(p.x);
        let mu = crate::electrochem::electron_chemical_potential(pzc, self.phi_she);
        let energy = v + mu * dn + dn * dn / (2.0 * self.capacitance);
        let u = pzc - dn / self.capacitance;
        // ∂E/∂x = ∂V/∂x + Δn ∂μ_e/∂x = ∂V/∂x − u1·Δn
        Ok(Evaluation {
            energy,
            forces: vec![Vector3::new(-(g[0] - self.u1 * dn), -g[1], 0.0)],
            stress: None,
            energies: None,
            electrons: Some(crate::calculator::ElectronState {
                excess_electrons: dn,
                work_function: crate::electrochem::work_function_from_potential(u, self.phi_she),
            }),
            extra: None,
        })
    }
}

const MB_A: [f64; 4] = [-200.0, -100.0, -170.0, 15.0];
const MB_LA: [f64; 4] = [-1.0, -1.0, -6.5, 0.7];
const MB_LB: [f64; 4] = [0.0, 0.0, 11.0, 0.6];
const MB_LC: [f64; 4] = [-10.0, -10.0, -6.5, 0.7];
const MB_X0: [f64; 4] = [1.0, 0.0, -0.5, -1.0];
const MB_Y0: [f64; 4] = [0.0, 0.5, 1.5, 1.0];

/// Müller–Brown V = Σ_k A_k exp[a_k(x−x0_k)² + b_k(x−x0_k)(y−y0_k) + c_k(y−y0_k)²] and its gradient.
pub fn muller_brown(x: f64, y: f64) -> (f64, [f64; 2]) {
    let mut v = 0.0;
    let mut g = [0.0; 2];
    for k in 0..4 {
        let dx = x - MB_X0[k];
        let dy = y - MB_Y0[k];
        let e = MB_A[k] * (MB_LA[k] * dx * dx + MB_LB[k] * dx * dy + MB_LC[k] * dy * dy).exp();
        v += e;
        g[0] += e * (2.0 * MB_LA[k] * dx + MB_LB[k] * dy);
        g[1] += e * (MB_LB[k] * dx + 2.0 * MB_LC[k] * dy);
    }
    (v, g)
}

/// AnaPot V = 4 + 4.5x − 4y + x² + 2y² − 2xy + x⁴ − 2x²y and its gradient.
pub fn anapot(x: f64, y: f64) -> (f64, [f64; 2]) {
    let v =
        4.0 + 4.5 * x - 4.0 * y + x * x + 2.0 * y * y - 2.0 * x * y + x.powi(4) - 2.0 * x * x * y;
    let gx = 4.5 + 2.0 * x - 2.0 * y + 4.0 * x.powi(3) - 4.0 * x * y;
    let gy = -4.0 + 4.0 * y - 2.0 * x - 2.0 * x * x;
    (v, [gx, gy])
}

/// LEPS parameters (Jónsson, Mills, Jacobsen, in *Classical and Quantum Dynamics in Condensed Phase
/// Simulations*, World Scientific 1998, p. 385).
#[derive(Debug, Clone, Copy)]
pub struct LepsParams {
    /// Sato parameters a, b, c for the AB, BC, AC pairs.
    pub sato: [f64; 3],
    /// Dissociation energies d_AB, d_BC, d_AC.
    pub d: [f64; 3],
    /// Morse equilibrium distance r0.
    pub r0: f64,
    /// Morse range α.
    pub alpha: f64,
}

impl LepsParams {
    /// The plain LEPS parameters: a = 0.05, b = 0.30, c = 0.05.
    pub fn leps() -> Self {
        LepsParams {
            sato: [0.05, 0.30, 0.05],
            d: [4.746, 4.746, 3.445],
            r0: 0.742,
            alpha: 1.942,
        }
    }

    /// The LEPS+HO parameters: b = 0.80.
    pub fn leps_ho() -> Self {
        LepsParams {
            sato: [0.05, 0.80, 0.05],
            ..LepsParams::leps()
        }
    }

    /// V(r_AB, r_BC, r_AC) and its partial derivatives.
    pub fn energy_gradient(&self, r_ab: f64, r_bc: f64, r_ac: f64) -> (f64, [f64; 3]) {
        let r = [r_ab, r_bc, r_ac];
        let mut q = [0.0; 3];
        let mut dq = [0.0; 3];
        let mut j = [0.0; 3];
        let mut dj = [0.0; 3];
        for k in 0..3 {
            let e1 = (-self.alpha * (r[k] - self.r0)).exp();
            let e2 = e1 * e1;
            let d = self.d[k];
            q[k] = d / 2.0 * (1.5 * e2 - e1);
            dq[k] = d / 2.0 * (-3.0 * self.alpha * e2 + self.alpha * e1);
            j[k] = d / 4.0 * (e2 - 6.0 * e1);
            dj[k] = d / 4.0 * (-2.0 * self.alpha * e2 + 6.0 * self.alpha * e1);
        }
        let s = self.sato.map(|x| 1.0 + x);
        // S = Σ J_k²/s_k² − Σ_{k<l} J_k J_l/(s_k s_l)
        let jj = [j[0] / s[0], j[1] / s[1], j[2] / s[2]];
        let sum = jj[0] * jj[0] + jj[1] * jj[1] + jj[2] * jj[2]
            - jj[0] * jj[1]
            - jj[1] * jj[2]
            - jj[0] * jj[2];
        let root = sum.max(0.0).sqrt();
        let v = q[0] / s[0] + q[1] / s[1] + q[2] / s[2] - root;
        // ∂S/∂jj_k
        let ds = [
            2.0 * jj[0] - jj[1] - jj[2],
            2.0 * jj[1] - jj[0] - jj[2],
            2.0 * jj[2] - jj[0] - jj[1],
        ];
        let mut g = [0.0; 3];
        for k in 0..3 {
            let droot = if root > 0.0 {
                ds[k] / (2.0 * root) * dj[k] / s[k]
            } else {
                0.0
            };
            g[k] = dq[k] / s[k] - droot;
        }
        (v, g)
    }
}

/// r_AC of the LEPS+HO model [Å].
const HO_R_AC: f64 = 3.742;
/// Oscillator force constant k_c of the LEPS+HO model.
const HO_KC: f64 = 0.2025;
/// Oscillator coupling constant c of the LEPS+HO model.
const HO_C: f64 = 1.154;

/// LEPS + harmonic oscillator: V = V_LEPS(x, r_AC − x, r_AC) + 2k_c (x − (r_AC/2 − y/c))².
pub fn leps_ho(x: f64, y: f64) -> (f64, [f64; 2]) {
    let p = LepsParams::leps_ho();
    let (v, g) = p.energy_gradient(x, HO_R_AC - x, HO_R_AC);
    let u = x - (HO_R_AC / 2.0 - y / HO_C);
    let energy = v + 2.0 * HO_KC * u * u;
    let gx = g[0] - g[1] + 4.0 * HO_KC * u;
    let gy = 4.0 * HO_KC * u / HO_C;
    (energy, [gx, gy])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference points, `../shared/REFERENCE_VALUES.md` (6 printed decimals).
    const POINT_TOL: f64 = 2e-6; // eV, the references are printed to 6 decimals

    fn check(kind: SurfaceKind, x: f64, y: f64, e: f64) {
        let (v, g) = kind.energy_gradient(x, y);
        assert!(
            (v - e).abs() < POINT_TOL * e.abs().max(1.0),
            "{kind:?} {v} vs {e}"
        );
        // stationary point: gradient small (coordinates printed to 6 decimals)
        let gnorm = (g[0] * g[0] + g[1] * g[1]).sqrt();
        let scale = if kind == SurfaceKind::MullerBrown {
            1e-2
        } else {
            1e-4
        };
        assert!(gnorm < scale, "{kind:?} gradient {gnorm} at ({x}, {y})");
    }

    #[test]
    fn muller_brown_reference_points() {
        let k = SurfaceKind::MullerBrown;
        check(k, -0.558224, 1.441726, -146.699517);
        check(k, 0.623499, 0.028038, -108.166724);
        check(k, -0.050011, 0.466694, -80.767818);
        check(k, -0.822002, 0.624313, -40.664844);
        check(k, 0.212487, 0.292988, -72.248940);
    }

    #[test]
    fn leps_reference_points() {
        check(SurfaceKind::Leps, 1.149378, 0.862469, -3.176913);
        let k = SurfaceKind::LepsHo;
        check(k, 0.741521, 1.303419, -4.509176);
        check(k, 3.001276, -1.304338, -2.620287);
        check(k, 2.020828, -0.172901, -0.875225);
    }

    #[test]
    fn anapot_reference_points() {
        let k = SurfaceKind::AnaPot;
        check(k, -1.0527413, 1.0277615, -0.5134093);
        check(k, 1.9410103, 3.8542656, 0.9855544);
        check(k, 0.6117310, 1.4929729, 2.8091048);
    }

    #[test]
    fn gradients_match_finite_differences() {
        const H: f64 = 1e-5;
        const FD_TOL: f64 = 1e-6; // relative, central differences with h = 1e-5
        for kind in [
            SurfaceKind::MullerBrown,
            SurfaceKind::Leps,
            SurfaceKind::LepsHo,
            SurfaceKind::AnaPot,
        ] {
            for &(x, y) in &[(0.3, 0.7), (-0.6, 1.2), (1.1, 0.9), (2.0, -0.5), (0.8, 1.6)] {
                let (_, g) = kind.energy_gradient(x, y);
                let fx = (kind.energy_gradient(x + H, y).0 - kind.energy_gradient(x - H, y).0)
                    / (2.0 * H);
                let fy = (kind.energy_gradient(x, y + H).0 - kind.energy_gradient(x, y - H).0)
                    / (2.0 * H);
                let scale = g[0].abs().max(g[1].abs()).max(1.0);
                assert!(
                    (fx - g[0]).abs() < FD_TOL * scale,
                    "{kind:?} x {fx} {}",
                    g[0]
                );
                assert!(
                    (fy - g[1]).abs() < FD_TOL * scale,
                    "{kind:?} y {fy} {}",
                    g[1]
                );
            }
        }
    }

    #[test]
    fn rejects_many_atoms() {
        let s = Structure::from_symbols(&["H", "H"], vec![Vector3::zeros(), Vector3::x()]).unwrap();
        let e = Surface2D::new(SurfaceKind::AnaPot)
            .calculate(&s)
            .unwrap_err()
            .to_string();
        assert!(e.contains("exactly one atom"), "{e}");
    }
}
