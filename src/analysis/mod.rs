//! Energy profiles and barriers: cubic Hermite fit through the image energies with slopes from the
//! tangential forces (ASE `fit_raw`, VTST `nebspline.pl`), extrema restricted to the path.

mod shape;

pub use shape::{PathShape, ProfileStep, TurningKind, TurningPoint};

use serde::{Deserialize, Serialize};

/// A fitted energy profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Reaction coordinate of the images [Å].
    pub s: Vec<f64>,
    /// Image energies [eV].
    pub energies: Vec<f64>,
    /// dE/ds at the images = −F·τ̂ [eV/Å].
    pub slopes: Vec<f64>,
}

/// A point on the profile.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ProfilePoint {
    /// Reaction coordinate [Å].
    pub s: f64,
    /// Energy [eV].
    pub energy: f64,
}

impl Profile {
    /// A profile from positions along the path, energies and tangential true forces F·τ̂.
    pub fn new(s: Vec<f64>, energies: Vec<f64>, tangential_force: &[f64]) -> Self {
        Profile {
            s,
            energies,
            slopes: tangential_force.iter().map(|f| -f).collect(),
        }
    }

    /// Energy of the cubic Hermite fit at `s` (clamped to the path).
    pub fn eval(&self, s: f64) -> f64 {
        let n = self.s.len();
        if n == 1 {
            return self.energies[0];
        }
        let s = s.clamp(self.s[0], self.s[n - 1]);
        let i = (0..n - 1).find(|&i| s <= self.s[i + 1]).unwrap_or(n - 2);
        self.segment(i, s)
    }

    fn segment(&self, i: usize, s: f64) -> f64 {
        let h = self.s[i + 1] - self.s[i];
        if h <= 0.0 {
            return self.energies[i];
        }
        let t = (s - self.s[i]) / h;
        let (t2, t3) = (t * t, t * t * t);
        (2.0 * t3 - 3.0 * t2 + 1.0) * self.energies[i]
            + (t3 - 2.0 * t2 + t) * h * self.slopes[i]
            + (-2.0 * t3 + 3.0 * t2) * self.energies[i + 1]
            + (t3 - t2) * h * self.slopes[i + 1]
    }

    /// Points of the fit for drawing (`per_segment` samples per segment).
    pub fn curve(&self, per_segment: usize) -> Vec<ProfilePoint> {
        let mut out = Vec::new();
        for i in 0..self.s.len().saturating_sub(1) {
            for k in 0..per_segment {
                let s = self.s[i] + (self.s[i + 1] - self.s[i]) * k as f64 / per_segment as f64;
                out.push(ProfilePoint {
                    s,
                    energy: self.segment(i, s),
                });
            }
        }
        if let (Some(&s), Some(&e)) = (self.s.last(), self.energies.last()) {
            out.push(ProfilePoint { s, energy: e });
        }
        out
    }

    /// Interior extrema of the fit (where dE/ds = 0 inside a segment), from the cubic's derivative.
    pub fn extrema(&self) -> Vec<ProfilePoint> {
        let mut out = Vec::new();
        for i in 0..self.s.len().saturating_sub(1) {
            let h = self.s[i + 1] - self.s[i];
            if h <= 0.0 {
                continue;
            }
            let (e0, e1, m0, m1) = (
                self.energies[i],
                self.energies[i + 1],
                h * self.slopes[i],
                h * self.slopes[i + 1],
            );
            // dE/dt = a t² + b t + c
            let a = 6.0 * e0 + 3.0 * m0 - 6.0 * e1 + 3.0 * m1;
            let b = -6.0 * e0 - 4.0 * m0 + 6.0 * e1 - 2.0 * m1;
            let c = m0;
            let mut roots = Vec::new();
            if a.abs() < 1e-14 * (b.abs() + c.abs() + 1e-300) {
                if b != 0.0 {
                    roots.push(-c / b);
                }
            } else {
                let disc = b * b - 4.0 * a * c;
                if disc >= 0.0 {
                    let q = -0.5 * (b + b.signum() * disc.sqrt());
                    if q != 0.0 {
                        roots.push(q / a);
                        roots.push(c / q);
                    }
                }
            }
            for t in roots {
                if t > 0.0 && t < 1.0 {
                    let s = self.s[i] + t * h;
                    out.push(ProfilePoint {
                        s,
                        energy: self.segment(i, s),
                    });
                }
            }
        }
        out
    }

    /// Highest point of the fit on the path (interior maximum or the highest image).
    pub fn maximum(&self) -> ProfilePoint {
        let mut best = ProfilePoint {
            s: self.s[0],
            energy: self.energies[0],
        };
        for (s, e) in self.s.iter().zip(&self.energies) {
            if *e > best.energy {
                best = ProfilePoint { s: *s, energy: *e };
            }
        }
        for p in self.extrema() {
            if p.energy > best.energy {
                best = p;
            }
        }
        best
    }
}

/// Barriers from image energies: (forward, reverse, reaction energy) with the saddle at `saddle_energy`.
pub fn barriers(energies: &[f64], saddle_energy: f64) -> (f64, f64, f64) {
    let e0 = energies[0];
    let e1 = energies[energies.len() - 1];
    (saddle_energy - e0, saddle_energy - e1, e1 - e0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hermite_fit_reproduces_a_cubic_and_finds_its_maximum() {
        // E(s) = −(s − 1)² + 1 on [0, 2] sampled at 0, 0.7, 2 with exact slopes
        let f = |s: f64| -(s - 1.0) * (s - 1.0) + 1.0;
        let df = |s: f64| -2.0 * (s - 1.0);
        let s = vec![0.0, 0.7, 2.0];
        let p = Profile {
            energies: s.iter().map(|&x| f(x)).collect(),
            slopes: s.iter().map(|&x| df(x)).collect(),
            s,
        };
        for &x in &[0.1, 0.5, 1.3, 1.9] {
            assert!((p.eval(x) - f(x)).abs() < 1e-12);
        }
        let m = p.maximum();
        assert!((m.s - 1.0).abs() < 1e-12 && (m.energy - 1.0).abs() < 1e-12);
        // extrema are never reported outside the path
        assert!(p.extrema().iter().all(|q| q.s > 0.0 && q.s < 2.0));
    }
}
