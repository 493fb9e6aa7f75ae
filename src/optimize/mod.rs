//! Band optimisers (FIRE, global L-BFGS without line search), endpoint relaxation and the NEB run loop
//! with observers.
//!
//! The optimisers see one flat coordinate vector for all movable images (x, y, z per atom) and the NEB
//! force on it. NEB forces are not the gradient of any function, so there is no line search; every
//! step is capped so that no atom moves more than `max_step`.

mod relax;
mod runner;

pub use relax::{max_free_force_atom, relax, relax_from, RelaxOutcome};
pub use runner::{
    run_neb, run_neb_seeded, Checkpoint, Climb, NebError, NebOutcome, NebSettings, Observer,
    OptimizerKind, ProgressObserver, CLIMB_AUTO_FACTOR,
};

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// A band optimiser: turns coordinates and forces into a step.
pub trait BandOptimizer {
    /// The step Δx for coordinates `x` with forces `f` (same length, 3 per atom).
    fn step(&mut self, x: &[f64], f: &[f64]) -> Vec<f64>;
    /// Forget history (the force field changed, e.g. the climbing image switched on).
    fn reset(&mut self);
}

/// Scale `dx` so that no atom (3 consecutive entries) moves more than `max_step` [Å].
pub fn cap_per_atom(dx: &mut [f64], max_step: f64) {
    let largest = dx
        .chunks(3)
        .map(|c| (c[0] * c[0] + c[1] * c[1] + c[2] * c[2]).sqrt())
        .fold(0.0, f64::max);
    if largest > max_step {
        let s = max_step / largest;
        dx.iter_mut().for_each(|v| *v *= s);
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// FIRE parameters (ASE/VTST defaults).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FireParams {
    /// Initial time step [Å·sqrt(amu/eV)].
    pub dt: f64,
    /// Largest time step.
    pub dt_max: f64,
    /// Steps downhill before the time step may grow.
    pub n_min: usize,
    /// Time-step growth factor.
    pub f_inc: f64,
    /// Time-step cut on an uphill step.
    pub f_dec: f64,
    /// Initial velocity mixing α.
    pub alpha_start: f64,
    /// α decay.
    pub f_alpha: f64,
    /// Largest displacement of any atom per step [Å].
    pub max_step: f64,
}

impl Default for FireParams {
    fn default() -> Self {
        FireParams {
            dt: 0.1,
            dt_max: 1.0,
            n_min: 5,
            f_inc: 1.1,
            f_dec: 0.5,
            alpha_start: 0.1,
            f_alpha: 0.99,
            max_step: 0.2,
        }
    }
}

/// FIRE (Bitzek et al., Phys. Rev. Lett. 97, 170201 (2006), doi:10.1103/PhysRevLett.97.170201), in
/// ASE's formulation with unit masses and a per-atom step cap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fire {
    /// Parameters.
    pub params: FireParams,
    v: Option<Vec<f64>>,
    dt: f64,
    alpha: f64,
    n_downhill: usize,
}

impl Fire {
    /// A fresh FIRE optimiser.
    pub fn new(params: FireParams) -> Self {
        Fire {
            params,
            v: None,
            dt: params.dt,
            alpha: params.alpha_start,
            n_downhill: 0,
        }
    }
}

impl BandOptimizer for Fire {
    fn step(&mut self, _x: &[f64], f: &[f64]) -> Vec<f64> {
        let p = self.params;
        let mut v = match self.v.take() {
            None => vec![0.0; f.len()],
            Some(mut v) => {
                let vf = dot(&v, f);
                if vf > 0.0 {
                    let fnorm = dot(f, f).sqrt();
                    let vnorm = dot(&v, &v).sqrt();
                    if fnorm > 0.0 {
                        for (vi, fi) in v.iter_mut().zip(f) {
                            *vi = (1.0 - self.alpha) * *vi + self.alpha * fi / fnorm * vnorm;
                        }
                    }
                    if self.n_downhill > p.n_min {
                        self.dt = (self.dt * p.f_inc).min(p.dt_max);
                        self.alpha *= p.f_alpha;
                    }
                    self.n_downhill += 1;
                } else {
                    v.iter_mut().for_each(|x| *x = 0.0);
                    self.alpha = p.alpha_start;
                    self.dt *= p.f_dec;
                    self.n_downhill = 0;
                }
                v
            }
        };
        for (vi, fi) in v.iter_mut().zip(f) {
            *vi += self.dt * fi;
        }
        let mut dx: Vec<f64> = v.iter().map(|vi| self.dt * vi).collect();
        cap_per_atom(&mut dx, p.max_step);
        self.v = Some(v);
        dx
    }

    fn reset(&mut self) {
        self.v = None;
        self.dt = self.params.dt;
        self.alpha = self.params.alpha_start;
        self.n_downhill = 0;
    }
}

/// Global L-BFGS parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LbfgsParams {
    /// Number of (s, y) pairs kept.
    pub memory: usize,
    /// Initial inverse curvature [Å²/eV].
    pub inverse_curvature: f64,
    /// Largest displacement of any atom per step [Å].
    pub max_step: f64,
}

impl Default for LbfgsParams {
    fn default() -> Self {
        LbfgsParams {
            memory: 20,
            inverse_curvature: 0.01,
            max_step: 0.2,
        }
    }
}

/// Global L-BFGS on the whole band without line search (Sheppard, Terrell, Henkelman, J. Chem. Phys.
/// 128, 134106 (2008), doi:10.1063/1.2841941): one inverse Hessian for all images, the initial
/// curvature scaled by s·y/y·y, the memory reset when the step would go uphill (F·Δx < 0) or a pair
/// has non-positive curvature; a step after which the forces grew more than twofold halves the
/// trusted step length (it grows back by 1.5× per step up to `max_step`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lbfgs {
    /// Parameters.
    pub params: LbfgsParams,
    s: VecDeque<Vec<f64>>,
    y: VecDeque<Vec<f64>>,
    x_prev: Option<Vec<f64>>,
    f_prev: Option<Vec<f64>>,
    /// Largest per-atom step currently trusted [Å] (halved when a step made the forces grow).
    trust: f64,
}

impl Lbfgs {
    /// A fresh L-BFGS optimiser.
    pub fn new(params: LbfgsParams) -> Self {
        Lbfgs {
            params,
            s: VecDeque::new(),
            y: VecDeque::new(),
            x_prev: None,
            f_prev: None,
            trust: params.max_step,
        }
    }
}

impl BandOptimizer for Lbfgs {
    fn step(&mut self, x: &[f64], f: &[f64]) -> Vec<f64> {
        if let (Some(xp), Some(fp)) = (&self.x_prev, &self.f_prev) {
            // the last step made the forces much larger: the quadratic model failed there; forget
            // it and shrink the trusted step, else let the trusted step grow back
            if dot(f, f) > 4.0 * dot(fp, fp) {
                self.s.clear();
                self.y.clear();
                self.trust *= 0.5;
            } else {
                self.trust = (1.5 * self.trust).min(self.params.max_step);
            }
            let s: Vec<f64> = x.iter().zip(xp).map(|(a, b)| a - b).collect();
            // gradient difference: g = −F
            let y: Vec<f64> = f.iter().zip(fp).map(|(a, b)| -(a - b)).collect();
            if dot(&s, &y) > 1e-12 * dot(&s, &s).sqrt() * dot(&y, &y).sqrt() {
                self.s.push_back(s);
                self.y.push_back(y);
                if self.s.len() > self.params.memory {
                    self.s.pop_front();
                    self.y.pop_front();
                }
            } else {
                self.s.clear();
                self.y.clear();
            }
        }
        // two-loop recursion on the gradient q = −F
        let mut q: Vec<f64> = f.iter().map(|v| -v).collect();
        let m = self.s.len();
        let mut alpha = vec![0.0; m];
        let rho: Vec<f64> = (0..m).map(|i| 1.0 / dot(&self.s[i], &self.y[i])).collect();
        for i in (0..m).rev() {
            alpha[i] = rho[i] * dot(&self.s[i], &q);
            for (qj, yj) in q.iter_mut().zip(&self.y[i]) {
                *qj -= alpha[i] * yj;
            }
        }
        let h0 = if m > 0 {
            dot(&self.s[m - 1], &self.y[m - 1]) / dot(&self.y[m - 1], &self.y[m - 1])
        } else {
            self.params.inverse_curvature
        };
        let mut r: Vec<f64> = q.iter().map(|v| h0 * v).collect();
        for i in 0..m {
            let beta = rho[i] * dot(&self.y[i], &r);
            for (rj, sj) in r.iter_mut().zip(&self.s[i]) {
                *rj += sj * (alpha[i] - beta);
            }
        }
        let mut dx: Vec<f64> = r.iter().map(|v| -v).collect();
        if dot(&dx, f) < 0.0 {
            // uphill: forget the curvature information, step along the force
            self.s.clear();
            self.y.clear();
            dx = f
                .iter()
                .map(|v| self.params.inverse_curvature * v)
                .collect();
        }
        cap_per_atom(&mut dx, self.trust.min(self.params.max_step));
        self.x_prev = Some(x.to_vec());
        self.f_prev = Some(f.to_vec());
        dx
    }

    fn reset(&mut self) {
        self.s.clear();
        self.y.clear();
        self.x_prev = None;
        self.f_prev = None;
        self.trust = self.params.max_step;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Minimise a quadratic 2-D function (a gradient field) with both optimisers.
    fn minimise(opt: &mut dyn BandOptimizer) -> usize {
        // E = ½ (4 (x−1)² + (y+2)² + z²), F = −∇E
        let mut x = vec![0.0, 0.0, 0.5];
        for it in 0..500 {
            let f = vec![-4.0 * (x[0] - 1.0), -(x[1] + 2.0), -x[2]];
            if f.iter().map(|v| v * v).sum::<f64>().sqrt() < 1e-8 {
                return it;
            }
            let dx = opt.step(&x, &f);
            for k in 0..3 {
                x[k] += dx[k];
            }
        }
        panic!("no convergence: {x:?}");
    }

    #[test]
    fn optimisers_minimise_a_quadratic() {
        let n_fire = minimise(&mut Fire::new(FireParams::default()));
        let n_lbfgs = minimise(&mut Lbfgs::new(LbfgsParams::default()));
        assert!(n_lbfgs < n_fire, "L-BFGS {n_lbfgs} vs FIRE {n_fire}");
    }

    #[test]
    fn steps_are_capped_per_atom() {
        let mut dx = vec![3.0, 4.0, 0.0, 0.1, 0.0, 0.0];
        cap_per_atom(&mut dx, 0.2);
        assert!((dx[0] - 0.12).abs() < 1e-15 && (dx[1] - 0.16).abs() < 1e-15);
        assert!((dx[3] - 0.004).abs() < 1e-15);
    }
}
