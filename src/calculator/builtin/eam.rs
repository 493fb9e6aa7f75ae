//! Embedded-atom method: LAMMPS setfl (`eam/alloy`) and funcfl (`eam`) files with LAMMPS's spline
//! interpolation, and the analytic Zhou–Johnson–Wadley 2004 potentials built in.
//!
//! E = Σ_i F_i(ρ_i) + ½ Σ_{i≠j} φ_ij(r_ij), ρ_i = Σ_{j≠i} f_j(r_ij).
//!
//! # References
//! X. W. Zhou, R. A. Johnson, H. N. G. Wadley, Phys. Rev. B 69, 144113 (2004),
//! doi:10.1103/PhysRevB.69.144113 (parameters as tabulated in LAMMPS `tools/eam_database/EAM_code`);
//! file formats and interpolation as LAMMPS `pair_style eam` and `eam/alloy`.

use crate::calculator::{CalcError, Calculator, Capabilities, Evaluation, Spec};
use crate::structure::{elements, NeighborCache, Structure};
use nalgebra::{Matrix3, Vector3};
use std::path::Path;

/// Zhou–Johnson–Wadley 2004 parameters for one element.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZhouParams {
    /// Element symbol.
    pub symbol: &'static str,
    /// r_e [Å], f_e, ρ_e, ρ_s, α, β, A [eV], B [eV], κ, λ.
    pub re: f64,
    #[allow(missing_docs)]
    pub fe: f64,
    #[allow(missing_docs)]
    pub rhoe: f64,
    #[allow(missing_docs)]
    pub rhos: f64,
    #[allow(missing_docs)]
    pub alpha: f64,
    #[allow(missing_docs)]
    pub beta: f64,
    #[allow(missing_docs)]
    pub a: f64,
    #[allow(missing_docs)]
    pub b: f64,
    #[allow(missing_docs)]
    pub kappa: f64,
    #[allow(missing_docs)]
    pub lambda: f64,
    /// F_{n,0..3} [eV] (low-density branch).
    pub fn_: [f64; 4],
    /// F_{0..3} [eV] (middle branch, below ρ_e).
    pub f: [f64; 4],
    /// η.
    pub eta: f64,
    /// F_e [eV].
    pub fe_: f64,
    /// F_3 above ρ_e (the Fm4 entry of EAM_code).
    pub f3_high: f64,
    /// β for the density (β1 of EAM_code).
    pub beta1: f64,
    /// λ for the density (λ1 of EAM_code).
    pub lambda1: f64,
    /// ρ_in/ρ_e and ρ_out/ρ_e.
    pub rho_low: f64,
    #[allow(missing_docs)]
    pub rho_high: f64,
    /// Atomic mass [amu] as in EAM_code.
    pub mass: f64,
}

macro_rules! zhou {
    ($sym:literal, $re:expr, $fe:expr, $rhoe:expr, $rhos:expr, $alpha:expr, $beta:expr, $a:expr, $b:expr,
     $kappa:expr, $lambda:expr, [$fn0:expr, $fn1:expr, $fn2:expr, $fn3:expr], [$f0:expr, $f1:expr, $f2:expr, $f3:expr],
     $eta:expr, $fe_:expr, $mass:expr, $f3h:expr, $beta1:expr, $lambda1:expr, $rl:expr, $rh:expr) => {
        ZhouParams {
            symbol: $sym,
            re: $re,
            fe: $fe,
            rhoe: $rhoe,
            rhos: $rhos,
            alpha: $alpha,
            beta: $beta,
            a: $a,
            b: $b,
            kappa: $kappa,
            lambda: $lambda,
            fn_: [$fn0, $fn1, $fn2, $fn3],
            f: [$f0, $f1, $f2, $f3],
            eta: $eta,
            fe_: $fe_,
            mass: $mass,
            f3_high: $f3h,
            beta1: $beta1,
            lambda1: $lambda1,
            rho_low: $rl,
            rho_high: $rh,
        }
    };
}

/// The ZJW 2004 table for the metals nebkit's users need (LAMMPS `tools/eam_database/EAM_code`): the
/// fcc metals Cu, Ag, Au, Ni, Pd, Pt, Al, and Fe, Co (for M–N4 sites).
pub const ZHOU2004: [ZhouParams; 9] = [
    zhou!(
        "Cu",
        2.556162,
        1.554485,
        21.175871,
        21.175395,
        8.127620,
        4.334731,
        0.396620,
        0.548085,
        0.308782,
        0.756515,
        [-2.170269, -0.263788, 1.088878, -0.817603],
        [-2.19, 0.00, 0.561830, -2.100595],
        0.310490,
        -2.186568,
        63.546,
        -2.100595,
        4.334731,
        0.756515,
        0.85,
        1.15
    ),
    zhou!(
        "Ag",
        2.891814,
        1.106232,
        14.604100,
        14.604144,
        9.132010,
        4.870405,
        0.277758,
        0.419611,
        0.339710,
        0.750758,
        [-1.729364, -0.255882, 0.912050, -0.561432],
        [-1.75, 0.00, 0.744561, -1.150650],
        0.783924,
        -1.748423,
        107.8682,
        -1.150650,
        4.870405,
        0.750758,
        0.85,
        1.15
    ),
    zhou!(
        "Au",
        2.885034,
        1.529021,
        19.991632,
        19.991509,
        9.516052,
        5.075228,
        0.229762,
        0.356666,
        0.356570,
        0.748798,
        [-2.937772, -0.500288, 1.601954, -0.835530],
        [-2.98, 0.00, 1.706587, -1.134778],
        1.021095,
        -2.978815,
        196.96654,
        -1.134778,
        5.075228,
        0.748798,
        0.85,
        1.15
    ),
    zhou!(
        "Ni",
        2.488746,
        2.007018,
        27.562015,
        27.562031,
        8.383453,
        4.471175,
        0.429046,
        0.633531,
        0.443599,
        0.820658,
        [-2.693513, -0.076445, 0.241442, -2.375626],
        [-2.70, 0.00, 0.265390, -0.152856],
        0.445470,
        -2.7,
        58.6934,
        -0.152856,
        4.471175,
        0.820658,
        0.85,
        1.15
    ),
    zhou!(
        "Pd",
        2.750897,
        1.595417,
        21.335246,
        21.940073,
        8.697397,
        4.638612,
        0.406763,
        0.598880,
        0.397263,
        0.754799,
        [-2.321006, -0.473983, 1.615343, -0.231681],
        [-2.36, 0.00, 1.481742, -1.675615],
        1.130000,
        -2.352753,
        106.42,
        -1.675615,
        4.638612,
        0.754799,
        0.85,
        1.15
    ),
    zhou!(
        "Pt",
        2.771916,
        2.336509,
        33.367564,
        35.205357,
        7.105782,
        3.789750,
        0.556398,
        0.696037,
        0.385255,
        0.770510,
        [-1.455568, -2.149952, 0.528491, 1.222875],
        [-4.17, 0.00, 3.010561, -2.420128],
        1.450000,
        -4.145597,
        195.08,
        -2.420128,
        3.789750,
        0.770510,
        0.25,
        1.15
    ),
    zhou!(
        "Al",
        2.863924,
        1.403115,
        20.418205,
        23.195740,
        6.613165,
        3.527021,
        0.314873,
        0.365551,
        0.379846,
        0.759692,
        [-2.807602, -0.301435, 1.258562, -1.247604],
        [-2.83, 0.00, 0.622245, -2.488244],
        0.785902,
        -2.824528,
        26.981539,
        -2.488244,
        3.527021,
        0.759692,
        0.85,
        1.15
    ),
    zhou!(
        "Fe",
        2.481987,
        1.885957,
        20.041463,
        20.041463,
        9.818270,
        5.236411,
        0.392811,
        0.646243,
        0.170306,
        0.340613,
        [-2.534992, -0.059605, 0.193065, -2.282322],
        [-2.54, 0.00, 0.200269, -0.148770],
        0.391750,
        -2.539945,
        55.847,
        -0.148770,
        5.236411,
        0.340613,
        0.85,
        1.15
    ),
    zhou!(
        "Co",
        2.505979,
        1.975299,
        27.206789,
        27.206789,
        8.679625,
        4.629134,
        0.421378,
        0.640107,
        0.5,
        1.0,
        [-2.541799, -0.219415, 0.733381, -1.589003],
        [-2.56, 0.00, 0.705845, -0.687140],
        0.694608,
        -2.559307,
        58.9332,
        -0.687140,
        4.629134,
        1.0,
        0.85,
        1.15
    ),
];

impl ZhouParams {
    /// The parameters of `symbol`, if tabulated.
    pub fn of(symbol: &str) -> Option<&'static ZhouParams> {
        ZHOU2004.iter().find(|p| p.symbol == symbol)
    }

    /// fcc lattice constant a0 = √2 r_e [Å].
    pub fn lattice_constant(&self) -> f64 {
        std::f64::consts::SQRT_2 * self.re
    }

    /// Electron density f(r) = f_e e^{−β(r/r_e−1)} / (1 + (r/r_e − λ)²⁰) and df/dr.
    pub fn density(&self, r: f64) -> (f64, f64) {
        decaying(self.fe, self.beta1, self.lambda1, self.re, r)
    }

    /// Pure-element pair potential φ(r) [eV] and dφ/dr.
    pub fn pair(&self, r: f64) -> (f64, f64) {
        let (p1, d1) = decaying(self.a, self.alpha, self.kappa, self.re, r);
        let (p2, d2) = decaying(self.b, self.beta, self.lambda, self.re, r);
        (p1 - p2, d1 - d2)
    }

    /// Embedding energy F(ρ) [eV] and dF/dρ, three branches as in ZJW 2004 (and `create.f`).
    pub fn embed(&self, rho: f64) -> (f64, f64) {
        let rho_in = self.rho_low * self.rhoe;
        let rho_out = self.rho_high * self.rhoe;
        if rho < rho_in {
            let x = rho / rho_in - 1.0;
            let f = &self.fn_;
            (
                f[0] + f[1] * x + f[2] * x * x + f[3] * x * x * x,
                (f[1] + 2.0 * f[2] * x + 3.0 * f[3] * x * x) / rho_in,
            )
        } else if rho < rho_out {
            let x = rho / self.rhoe - 1.0;
            let f3 = if rho < self.rhoe {
                self.f[3]
            } else {
                self.f3_high
            };
            let f = &self.f;
            (
                f[0] + f[1] * x + f[2] * x * x + f3 * x * x * x,
                (f[1] + 2.0 * f[2] * x + 3.0 * f3 * x * x) / self.rhoe,
            )
        } else {
            let y = rho / self.rhos;
            let l = y.ln();
            let p = y.powf(self.eta);
            (
                self.fe_ * (1.0 - self.eta * l) * p,
                // d/dρ [Fe (1 − η ln y) y^η] = Fe y^η (−η/ρ + η(1 − η ln y)/ρ) = −Fe η² ln y · y^η / ρ
                -self.fe_ * self.eta * self.eta * l * p / rho,
            )
        }
    }
}

/// g(r) = c e^{−k(r/r_e−1)} / (1 + (r/r_e − m)²⁰) and dg/dr.
fn decaying(c: f64, k: f64, m: f64, re: f64, r: f64) -> (f64, f64) {
    let x = r / re;
    let e = c * (-k * (x - 1.0)).exp();
    let t = x - m;
    let t19 = t.powi(19);
    let den = 1.0 + t19 * t;
    let g = e / den;
    let dg = (-k / re) * g - e * 20.0 * t19 / re / (den * den);
    (g, dg)
}

/// LAMMPS cubic spline of a uniformly tabulated function (`PairEAM::interpolate`): 7 coefficients per
/// knot; values and derivatives evaluated exactly as LAMMPS does.
#[derive(Debug, Clone)]
pub struct LammpsSpline {
    /// Coefficients per knot, LAMMPS order [0..7).
    coeff: Vec<[f64; 7]>,
    /// Knot spacing.
    pub delta: f64,
}

impl LammpsSpline {
    /// Spline through `f` on knots 0, delta, 2·delta, …
    pub fn new(f: &[f64], delta: f64) -> Self {
        let n = f.len();
        let mut s = vec![[0.0f64; 7]; n + 1]; // 1-based like LAMMPS
        for m in 1..=n {
            s[m][6] = f[m - 1];
        }
        if n >= 4 {
            s[1][5] = s[2][6] - s[1][6];
            s[2][5] = 0.5 * (s[3][6] - s[1][6]);
            s[n - 1][5] = 0.5 * (s[n][6] - s[n - 2][6]);
            s[n][5] = s[n][6] - s[n - 1][6];
            for m in 3..=n - 2 {
                s[m][5] = ((s[m - 2][6] - s[m + 2][6]) + 8.0 * (s[m + 1][6] - s[m - 1][6])) / 12.0;
            }
            for m in 1..n {
                s[m][4] = 3.0 * (s[m + 1][6] - s[m][6]) - 2.0 * s[m][5] - s[m + 1][5];
                s[m][3] = s[m][5] + s[m + 1][5] - 2.0 * (s[m + 1][6] - s[m][6]);
            }
        }
        s[n][4] = 0.0;
        s[n][3] = 0.0;
        for row in s.iter_mut().skip(1) {
            row[2] = row[5] / delta;
            row[1] = 2.0 * row[4] / delta;
            row[0] = 3.0 * row[3] / delta;
        }
        LammpsSpline { coeff: s, delta }
    }

    fn n(&self) -> usize {
        self.coeff.len() - 1
    }

    /// Knot index m and fraction p for abscissa `x`, clamped as LAMMPS does (`min_m` = 1 for ρ).
    fn locate(&self, x: f64, min_m: usize) -> (usize, f64) {
        let p = x / self.delta + 1.0;
        let mut m = p as i64;
        m = m.min(self.n() as i64 - 1).max(min_m as i64);
        let p = (p - m as f64).min(1.0);
        (m as usize, p)
    }

    /// Value and derivative at `x` (LAMMPS `pair_eam` arithmetic).
    pub fn eval(&self, x: f64, min_m: usize) -> (f64, f64) {
        let (m, p) = self.locate(x, min_m);
        let c = &self.coeff[m];
        let v = ((c[3] * p + c[4]) * p + c[5]) * p + c[6];
        let d = (c[0] * p + c[1]) * p + c[2];
        (v, d)
    }
}

/// Tabulated EAM in LAMMPS form (setfl grid): F(ρ) per element, ρ(r) per element, r·φ(r) per pair.
#[derive(Debug, Clone)]
pub struct EamTables {
    /// Atomic numbers in file order.
    pub elements: Vec<u8>,
    /// Atomic masses [amu] as in the file.
    pub masses: Vec<f64>,
    /// Grid: number and spacing of ρ points.
    pub nrho: usize,
    #[allow(missing_docs)]
    pub drho: f64,
    /// Grid: number and spacing of r points.
    pub nr: usize,
    #[allow(missing_docs)]
    pub dr: f64,
    /// Cutoff [Å].
    pub cutoff: f64,
    /// Density beyond which F(ρ) is extrapolated linearly (LAMMPS `rhomax`).
    pub rhomax: f64,
    /// F(ρ) samples per element.
    pub frho: Vec<Vec<f64>>,
    /// ρ(r) samples per element.
    pub rhor: Vec<Vec<f64>>,
    /// r·φ(r) samples per element pair (i ≥ j, lower triangle in file order).
    pub z2r: Vec<Vec<f64>>,
}

impl EamTables {
    /// Index of the pair (i, j) in `z2r`.
    fn pair_index(i: usize, j: usize) -> usize {
        let (a, b) = if i >= j { (i, j) } else { (j, i) };
        a * (a + 1) / 2 + b
    }

    /// Read a LAMMPS setfl (`.eam.alloy`) file.
    ///
    /// # Errors
    /// [`CalcError::File`] with the line or item that could not be read.
    pub fn read_setfl(path: &Path) -> Result<Self, CalcError> {
        let text = std::fs::read_to_string(path).map_err(|e| file_err(path, e.to_string()))?;
        let lines: Vec<&str> = text.lines().collect();
        if lines.len() < 5 {
            return Err(file_err(
                path,
                "setfl file too short: expected 3 comment lines, element line and grid line".into(),
            ));
        }
        let elem_words: Vec<&str> = lines[3].split_whitespace().collect();
        let ntypes: usize = elem_words
            .first()
            .and_then(|w| w.parse().ok())
            .ok_or_else(|| file_err(path, "line 4: expected the number of elements".into()))?;
        if ntypes == 0 || elem_words.len() < ntypes + 1 {
            return Err(file_err(
                path,
                format!("line 4: expected {ntypes} element symbols"),
            ));
        }
        let mut elements_z = Vec::new();
        for sym in &elem_words[1..=ntypes] {
            elements_z.push(
                elements::number_of(sym)
                    .ok_or_else(|| file_err(path, format!("line 4: unknown element '{sym}'")))?,
            );
        }
        let (nrho, drho, nr, dr, cutoff) = parse_grid(path, lines[4], 5)?;
        // remaining: per element a header line then numbers; numbers may span lines freely
        let mut tokens = Tokens::new(&lines[5..], 6);
        let mut masses = Vec::new();
        let mut frho = Vec::new();
        let mut rhor = Vec::new();
        for (e, sym) in elem_words[1..=ntypes].iter().enumerate() {
            let header = tokens.line().ok_or_else(|| {
                file_err(
                    path,
                    format!("missing header line for element {sym} (#{})", e + 1),
                )
            })?;
            let words: Vec<&str> = header.1.split_whitespace().collect();
            if words.len() < 2 {
                return Err(file_err(
                    path,
                    format!("line {}: expected 'Z mass a0 lattice'", header.0),
                ));
            }
            masses.push(parse_num(path, header.0, words[1])?);
            frho.push(tokens.floats(nrho, path, &format!("F(rho) of {sym}"))?);
            rhor.push(tokens.floats(nr, path, &format!("rho(r) of {sym}"))?);
        }
        let mut z2r = Vec::new();
        for i in 0..ntypes {
            for j in 0..=i {
                z2r.push(tokens.floats(nr, path, &format!("r*phi(r) of pair {i}-{j}"))?);
            }
        }
        Ok(EamTables {
            elements: elements_z,
            masses,
            nrho,
            drho,
            nr,
            dr,
            cutoff,
            rhomax: (nrho as f64 - 1.0) * drho,
            frho,
            rhor,
            z2r,
        })
    }

    /// Read a LAMMPS funcfl (`.eam`, DYNAMO single element) file. Z(r) is converted to r·φ(r) =
    /// 27.2·0.529·Z(r)² as LAMMPS does.
    ///
    /// # Errors
    /// [`CalcError::File`] with the line or item that could not be read.
    pub fn read_funcfl(path: &Path) -> Result<Self, CalcError> {
        let text = std::fs::read_to_string(path).map_err(|e| file_err(path, e.to_string()))?;
        let lines: Vec<&str> = text.lines().collect();
        if lines.len() < 4 {
            return Err(file_err(path, "funcfl file too short".into()));
        }
        let head: Vec<&str> = lines[1].split_whitespace().collect();
        if head.len() < 2 {
            return Err(file_err(
                path,
                "line 2: expected 'Z mass a0 lattice'".into(),
            ));
        }
        let z: u8 = parse_num(path, 2, head[0])?;
        if elements::by_number(z).is_none() {
            return Err(file_err(path, format!("line 2: unknown atomic number {z}")));
        }
        let mass: f64 = parse_num(path, 2, head[1])?;
        let (nrho, drho, nr, dr, cutoff) = parse_grid(path, lines[2], 3)?;
        let mut tokens = Tokens::new(&lines[3..], 4);
        let frho = tokens.floats(nrho, path, "F(rho)")?;
        let zr = tokens.floats(nr, path, "Z(r)")?;
        let rhor = tokens.floats(nr, path, "rho(r)")?;
        // LAMMPS (PairEAM::file2array) puts funcfl tables on a grid of int(x_max/dx + 0.5) points,
        // i.e. one point fewer than the file, by 4-point Lagrange interpolation; z2r = 27.2·0.529·Z².
        let nr_grid = ((nr as f64 - 1.0) * dr / dr + 0.5) as usize;
        let nrho_grid = ((nrho as f64 - 1.0) * drho / drho + 0.5) as usize;
        let frho = lagrange_resample(&frho, drho, nrho_grid, drho);
        let rhor = lagrange_resample(&rhor, dr, nr_grid, dr);
        let zr = lagrange_resample(&zr, dr, nr_grid, dr);
        let z2r: Vec<f64> = zr.iter().map(|z| 27.2 * 0.529 * z * z).collect();
        Ok(EamTables {
            elements: vec![z],
            masses: vec![mass],
            nrho: nrho_grid,
            drho,
            nr: nr_grid,
            dr,
            cutoff,
            rhomax: (nrho as f64 - 1.0) * drho,
            frho: vec![frho],
            rhor: vec![rhor],
            z2r: vec![z2r],
        })
    }

    /// Tabulate the analytic ZJW functions for `symbols` on a LAMMPS grid exactly as LAMMPS's
    /// `create.f` does (r_c = √10/2 · max a0, ρ_max = max(2 max ρ_e, 100, max f), r clamped at 0.5 Å).
    ///
    /// # Errors
    /// Elements without ZJW parameters.
    pub fn tabulate_zhou(symbols: &[&str], nr: usize, nrho: usize) -> Result<Self, CalcError> {
        let params = zhou_params(symbols)?;
        let alat = params
            .iter()
            .map(|p| p.lattice_constant())
            .fold(0.0, f64::max);
        let rhoe_max = params.iter().map(|p| p.rhoe).fold(0.0, f64::max);
        let cutoff = 10f64.sqrt() / 2.0 * alat;
        let rst = 0.5;
        let dr = cutoff / (nr as f64 - 1.0);
        let mut fmax: f64 = -1.0;
        let mut rhor = Vec::new();
        let mut z2r = Vec::new();
        for (i, pi) in params.iter().enumerate() {
            let mut rho = Vec::with_capacity(nr);
            for k in 0..nr {
                let r = (k as f64 * dr).max(rst);
                let f = pi.density(r).0;
                fmax = fmax.max(f);
                rho.push(f);
            }
            rhor.push(rho);
            for pj in params.iter().take(i + 1) {
                z2r.push(
                    (0..nr)
                        .map(|k| {
                            let r = (k as f64 * dr).max(rst);
                            r * zhou_pair(pi, pj, r).0
                        })
                        .collect(),
                );
            }
        }
        let rhom = fmax.max(2.0 * rhoe_max).max(100.0);
        let drho = rhom / (nrho as f64 - 1.0);
        let frho = params
            .iter()
            .map(|p| (0..nrho).map(|k| p.embed(k as f64 * drho).0).collect())
            .collect();
        Ok(EamTables {
            elements: symbols
                .iter()
                .filter_map(|s| elements::number_of(s))
                .collect(),
            masses: params.iter().map(|p| p.mass).collect(),
            nrho,
            drho,
            nr,
            dr,
            cutoff,
            rhomax: (nrho as f64 - 1.0) * drho,
            frho,
            rhor,
            z2r,
        })
    }

    /// Write the tables as a LAMMPS setfl file.
    ///
    /// # Errors
    /// I/O errors.
    pub fn write_setfl(&self, path: &Path) -> std::io::Result<()> {
        use std::fmt::Write as _;
        let mut out = String::new();
        let syms: Vec<&str> = self
            .elements
            .iter()
            .map(|&z| elements::symbol_of(z))
            .collect();
        out.push_str("nebkit setfl file\n");
        out.push_str(
            "Zhou, Johnson, Wadley, Phys. Rev. B 69, 144113 (2004) unless stated otherwise\n",
        );
        out.push_str("tabulated by nebkit\n");
        let _ = writeln!(out, "{} {}", syms.len(), syms.join(" "));
        let _ = writeln!(
            out,
            "{} {:.16e} {} {:.16e} {:.16e}",
            self.nrho, self.drho, self.nr, self.dr, self.cutoff
        );
        let block = |out: &mut String, v: &[f64]| {
            for chunk in v.chunks(5) {
                let line: Vec<String> = chunk.iter().map(|x| format!("{x:.16e}")).collect();
                out.push_str(&line.join(" "));
                out.push('\n');
            }
        };
        for (e, &z) in self.elements.iter().enumerate() {
            let _ = writeln!(out, "{} {} 0.0 fcc", z, self.masses[e]);
            block(&mut out, &self.frho[e]);
            block(&mut out, &self.rhor[e]);
        }
        for v in &self.z2r {
            block(&mut out, v);
        }
        std::fs::write(path, out)
    }
}

/// Resample `f` (spacing `delta`) onto `n` points of spacing `new_delta` with LAMMPS's 4-point
/// Lagrange interpolation (`PairEAM::file2array`).
fn lagrange_resample(f: &[f64], delta: f64, n: usize, new_delta: f64) -> Vec<f64> {
    let file_n = f.len() as i64;
    // LAMMPS arrays are 1-based: value k is f[k - 1]
    let at = |k: i64| f[(k - 1) as usize];
    (1..=n)
        .map(|m| {
            let r = (m as f64 - 1.0) * new_delta;
            let mut p = r / delta + 1.0;
            let k = (p as i64).min(file_n - 2).max(2);
            p -= k as f64;
            p = p.min(2.0);
            let c1 = -p * (p - 1.0) * (p - 2.0) / 6.0;
            let c2 = 0.5 * (p * p - 1.0) * (p - 2.0);
            let c3 = -0.5 * p * (p + 1.0) * (p - 2.0);
            let c4 = p * (p * p - 1.0) / 6.0;
            c1 * at(k - 1) + c2 * at(k) + c3 * at(k + 1) + c4 * at(k + 2)
        })
        .collect()
}

struct Tokens<'a> {
    lines: &'a [&'a str],
    first_line: usize,
    line: usize,
    pending: Vec<&'a str>,
}

impl<'a> Tokens<'a> {
    fn new(lines: &'a [&'a str], first_line: usize) -> Self {
        Tokens {
            lines,
            first_line,
            line: 0,
            pending: Vec::new(),
        }
    }

    /// The next whole line (1-based number, text); pending numbers of a partial line are an error-free skip.
    fn line(&mut self) -> Option<(usize, &'a str)> {
        self.pending.clear();
        while self.line < self.lines.len() {
            let l = self.lines[self.line];
            self.line += 1;
            if !l.trim().is_empty() {
                return Some((self.first_line + self.line - 1, l));
            }
        }
        None
    }

    fn floats(&mut self, n: usize, path: &Path, what: &str) -> Result<Vec<f64>, CalcError> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            if self.pending.is_empty() {
                if self.line >= self.lines.len() {
                    return Err(file_err(
                        path,
                        format!("file ends after {} of {n} values of {what}", out.len()),
                    ));
                }
                self.pending = self.lines[self.line].split_whitespace().rev().collect();
                self.line += 1;
                continue;
            }
            let word = self.pending.pop().expect("non-empty");
            let v: f64 = word.parse().map_err(|_| {
                file_err(
                    path,
                    format!(
                        "line {}: cannot read '{word}' as a number ({what})",
                        self.first_line + self.line - 1
                    ),
                )
            })?;
            if !v.is_finite() {
                return Err(file_err(
                    path,
                    format!(
                        "line {}: non-finite value in {what}",
                        self.first_line + self.line - 1
                    ),
                ));
            }
            out.push(v);
        }
        Ok(out)
    }
}

fn file_err(path: &Path, problem: String) -> CalcError {
    CalcError::File {
        path: path.display().to_string(),
        problem,
    }
}

/// The grid line `Nrho drho Nr dr cutoff` (line number `line`, 1-based).
fn parse_grid(
    path: &Path,
    text: &str,
    line: usize,
) -> Result<(usize, f64, usize, f64, f64), CalcError> {
    let grid: Vec<&str> = text.split_whitespace().collect();
    if grid.len() < 5 {
        return Err(file_err(
            path,
            format!("line {line}: expected Nrho drho Nr dr cutoff"),
        ));
    }
    let nrho: usize = parse_num(path, line, grid[0])?;
    let drho: f64 = parse_num(path, line, grid[1])?;
    let nr: usize = parse_num(path, line, grid[2])?;
    let dr: f64 = parse_num(path, line, grid[3])?;
    let cutoff: f64 = parse_num(path, line, grid[4])?;
    if nrho < 5 || nr < 5 || drho <= 0.0 || dr <= 0.0 || cutoff <= 0.0 {
        return Err(file_err(
            path,
            format!("line {line}: grid sizes must be ≥ 5 and spacings positive"),
        ));
    }
    Ok((nrho, drho, nr, dr, cutoff))
}

fn parse_num<T: std::str::FromStr>(path: &Path, line: usize, word: &str) -> Result<T, CalcError> {
    word.parse().map_err(|_| {
        file_err(
            path,
            format!("line {line}: cannot read '{word}' as a number"),
        )
    })
}

fn zhou_params(symbols: &[&str]) -> Result<Vec<&'static ZhouParams>, CalcError> {
    symbols
        .iter()
        .map(|s| {
            ZhouParams::of(s).ok_or_else(|| CalcError::Unsupported {
                calculator: "eam:zhou2004".into(),
                problem: format!(
                    "no Zhou-Johnson-Wadley parameters for {s} (available: Cu, Ag, Au, Ni, Pd, Pt, Al, Fe, Co)"
                ),
            })
        })
        .collect()
}

/// Alloy pair potential by the ZJW mixing rule φ_ab = ½[(f_b/f_a) φ_aa + (f_a/f_b) φ_bb], and dφ/dr.
pub fn zhou_pair(a: &ZhouParams, b: &ZhouParams, r: f64) -> (f64, f64) {
    if std::ptr::eq(a, b) || a.symbol == b.symbol {
        return a.pair(r);
    }
    let (pa, dpa) = a.pair(r);
    let (pb, dpb) = b.pair(r);
    let (fa, dfa) = a.density(r);
    let (fb, dfb) = b.density(r);
    let v = 0.5 * (fb / fa * pa + fa / fb * pb);
    let d = 0.5
        * ((dfb / fa - fb * dfa / (fa * fa)) * pa
            + fb / fa * dpa
            + (dfa / fb - fa * dfb / (fb * fb)) * pb
            + fa / fb * dpb);
    (v, d)
}

/// The functions of an EAM model.
#[derive(Debug, Clone)]
enum Model {
    /// Analytic ZJW 2004 for any set of its elements.
    Zhou,
    /// Tabulated with LAMMPS splines.
    Tables {
        path: String,
        tables: Box<EamTables>,
        frho: Vec<LammpsSpline>,
        rhor: Vec<LammpsSpline>,
        z2r: Vec<LammpsSpline>,
    },
}

/// The EAM calculator (`eam:zhou2004`, `eam:FILE.eam.alloy`, `eam:FILE.eam`).
#[derive(Debug, Clone)]
pub struct Eam {
    model: Model,
    cache: NeighborCache,
}

impl Eam {
    /// The built-in analytic Zhou–Johnson–Wadley 2004 potentials.
    pub fn zhou2004() -> Self {
        Eam {
            model: Model::Zhou,
            cache: NeighborCache::default(),
        }
    }

    /// A tabulated potential.
    pub fn from_tables(path: &str, tables: EamTables) -> Self {
        let frho = tables
            .frho
            .iter()
            .map(|f| LammpsSpline::new(f, tables.drho))
            .collect();
        let rhor = tables
            .rhor
            .iter()
            .map(|f| LammpsSpline::new(f, tables.dr))
            .collect();
        let z2r = tables
            .z2r
            .iter()
            .map(|f| LammpsSpline::new(f, tables.dr))
            .collect();
        Eam {
            model: Model::Tables {
                path: path.to_string(),
                tables: Box::new(tables),
                frho,
                rhor,
                z2r,
            },
            cache: NeighborCache::default(),
        }
    }

    /// Read a potential file: setfl when the name ends in `.alloy`/`.setfl` or the file has the setfl
    /// layout, funcfl otherwise.
    ///
    /// # Errors
    /// Unreadable or malformed files.
    pub fn from_file(path: &Path) -> Result<Self, CalcError> {
        let name = path.to_string_lossy().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| file_err(path, e.to_string()))?;
        // setfl line 4 starts with the number of elements followed by symbols; funcfl line 2 is numeric
        let setfl = name.ends_with(".alloy")
            || name.ends_with(".setfl")
            || text
                .lines()
                .nth(3)
                .and_then(|l| l.split_whitespace().nth(1))
                .is_some_and(|w| elements::number_of(w).is_some());
        let tables = if setfl {
            EamTables::read_setfl(path)?
        } else {
            EamTables::read_funcfl(path)?
        };
        Ok(Eam::from_tables(&name, tables))
    }

    /// From a spec: `eam`, `eam:zhou2004` or `eam:PATH`.
    ///
    /// # Errors
    /// Unreadable files.
    pub fn from_spec(spec: &Spec) -> Result<Self, CalcError> {
        match spec.rest.as_deref() {
            None | Some("zhou2004") | Some("zjw") | Some("zhou") => Ok(Eam::zhou2004()),
            Some(path) => Eam::from_file(Path::new(path)),
        }
    }

    /// Cutoff [Å] for a structure with the elements `numbers`.
    ///
    /// # Errors
    /// Elements without parameters.
    pub fn cutoff(&self, numbers: &[u8]) -> Result<f64, CalcError> {
        match &self.model {
            Model::Zhou => {
                let syms = distinct_symbols(numbers);
                let params = zhou_params(&syms)?;
                let alat = params
                    .iter()
                    .map(|p| p.lattice_constant())
                    .fold(0.0, f64::max);
                Ok(10f64.sqrt() / 2.0 * alat)
            }
            Model::Tables { tables, .. } => Ok(tables.cutoff),
        }
    }

    fn supported(&self) -> Vec<u8> {
        match &self.model {
            Model::Zhou => ZHOU2004
                .iter()
                .filter_map(|p| elements::number_of(p.symbol))
                .collect(),
            Model::Tables { tables, .. } => tables.elements.clone(),
        }
    }
}

fn distinct_symbols(numbers: &[u8]) -> Vec<&'static str> {
    let mut z = numbers.to_vec();
    z.sort_unstable();
    z.dedup();
    z.iter().map(|&z| elements::symbol_of(z)).collect()
}

impl Calculator for Eam {
    fn name(&self) -> String {
        match &self.model {
            Model::Zhou => "eam:zhou2004".into(),
            Model::Tables { path, .. } => format!("eam:{path}"),
        }
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            forces: true,
            stress: true,
            periodic: true,
            elements: Some(self.supported()),
            ..Default::default()
        }
    }

    fn calculate(&self, s: &Structure) -> Result<Evaluation, CalcError> {
        crate::calculator::check_elements(&self.name(), s, &self.supported())?;
        let cutoff = self.cutoff(&s.numbers)?;
        let nl = self
            .cache
            .get(s, cutoff)
            .map_err(|problem| CalcError::Unsupported {
                calculator: self.name(),
                problem,
            })?;
        // element index per atom (into the model's element list)
        let supported = self.supported();
        let kind: Vec<usize> = s
            .numbers
            .iter()
            .map(|z| supported.iter().position(|x| x == z).expect("checked"))
            .collect();
        let zhou: Vec<&ZhouParams> = ZHOU2004.iter().collect();
        let density = |kj: usize, r: f64| -> (f64, f64) {
            match &self.model {
                Model::Zhou => zhou[kj].density(r),
                Model::Tables { rhor, .. } => rhor[kj].eval(r, 0),
            }
        };
        let n = s.len();
        let mut rho = vec![0.0; n];
        for i in 0..n {
            for k in nl.range(i) {
                rho[i] += density(kind[nl.neighbor[k] as usize], nl.distance[k]).0;
            }
        }
        let mut energies = vec![0.0; n];
        let mut fp = vec![0.0; n];
        for i in 0..n {
            let (e, d) = match &self.model {
                Model::Zhou => zhou[kind[i]].embed(rho[i]),
                Model::Tables { tables, frho, .. } => {
                    let (mut e, d) = frho[kind[i]].eval(rho[i], 1);
                    if rho[i] > tables.rhomax {
                        e += d * (rho[i] - tables.rhomax);
                    }
                    (e, d)
                }
            };
            energies[i] = e;
            fp[i] = d;
        }
        let mut forces = vec![Vector3::zeros(); n];
        let mut virial = Matrix3::zeros();
        for i in 0..n {
            let mut fi = Vector3::zeros();
            for k in nl.range(i) {
                let j = nl.neighbor[k] as usize;
                let r = nl.distance[k];
                let d = nl.vector[k];
                let (_, rhoip) = density(kind[i], r);
                let (_, rhojp) = density(kind[j], r);
                let (phi, phip) = match &self.model {
                    Model::Zhou => zhou_pair(zhou[kind[i]], zhou[kind[j]], r),
                    Model::Tables { z2r, .. } => {
                        let (z2, z2p) = z2r[EamTables::pair_index(kind[i], kind[j])].eval(r, 0);
                        let phi = z2 / r;
                        (phi, z2p / r - phi / r)
                    }
                };
                energies[i] += 0.5 * phi;
                let dedr = fp[i] * rhojp + fp[j] * rhoip + phip;
                let f = d * (dedr / r);
                fi += f;
                virial += 0.5 * f * d.transpose();
            }
            forces[i] = fi;
        }
        Ok(Evaluation::from_parts(s, energies, forces, virial))
    }
}

#[cfg(test)]
mod tests;
