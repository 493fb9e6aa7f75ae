//! The shape of a converged energy profile: its turning points (minima and maxima that stand out by
//! more than a tolerance), from which a band is classified as one elementary step, several steps, a
//! monotonic path (no barrier) or a path that runs downhill from an endpoint.

use super::Profile;
use serde::{Deserialize, Serialize};

/// Whether a turning point is a minimum or a maximum of the profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TurningKind {
    /// A minimum (an endpoint or an intermediate).
    Minimum,
    /// A maximum (a saddle estimate).
    Maximum,
}

/// A turning point of the profile.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TurningPoint {
    /// Minimum or maximum.
    pub kind: TurningKind,
    /// Reaction coordinate [Å].
    pub s: f64,
    /// Energy of the fit there [eV].
    pub energy: f64,
    /// The image nearest to it along the path.
    pub image: usize,
}

/// One elementary step read off a profile: minimum → maximum → minimum.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ProfileStep {
    /// The minimum the step starts from.
    pub initial: TurningPoint,
    /// The highest point of the step.
    pub maximum: TurningPoint,
    /// The minimum the step ends in.
    pub final_: TurningPoint,
}

impl ProfileStep {
    /// Forward barrier E(max) − E(initial) [eV].
    pub fn barrier_forward(&self) -> f64 {
        self.maximum.energy - self.initial.energy
    }
    /// Reverse barrier E(max) − E(final) [eV].
    pub fn barrier_reverse(&self) -> f64 {
        self.maximum.energy - self.final_.energy
    }
}

/// What a profile looks like.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathShape {
    /// Turning points from the initial to the final state, alternating minima and maxima; the first
    /// and the last are the endpoints.
    pub turning_points: Vec<TurningPoint>,
    /// The tolerance used [eV].
    pub tolerance: f64,
}

impl PathShape {
    /// Read the turning points of `profile` with hysteresis `tolerance` [eV]: an interior maximum
    /// counts only if the profile falls more than `tolerance` below it on both sides, and likewise
    /// for intermediate minima; an endpoint counts as a maximum if the profile falls from it by more
    /// than `tolerance`. The endpoints are minima (relaxed or checked), so a rise from an endpoint
    /// counts from [`ENDPOINT_FRACTION`] × `tolerance` on: a small reverse barrier is still a
    /// barrier. Maxima of the cubic Hermite fit between images count (a saddle between two images);
    /// minima count only at images.
    pub fn new(profile: &Profile, tolerance: f64) -> Self {
        let rise = ENDPOINT_FRACTION * tolerance;
        let per_segment = 32;
        let n = profile.s.len();
        // (s, E, nearest image)
        let mut pts: Vec<(f64, f64, usize)> = Vec::with_capacity(n * per_segment + 1);
        for p in profile.curve(per_segment) {
            pts.push((p.s, p.energy, nearest_image(&profile.s, p.s)));
        }
        // the fit passes through the images: use the image energies themselves at the images
        for (k, p) in pts.iter_mut().enumerate() {
            if k % per_segment == 0 && k / per_segment < n {
                p.1 = profile.energies[k / per_segment];
                p.2 = k / per_segment;
            }
        }
        // Keep the images and the fit's maxima between them, but not the fit's dips: a minimum
        // must be an image (it is what a split relaxes), and a cubic through a steep image next to
        // a flat endpoint can undershoot below both without any image there.
        let pts: Vec<(f64, f64, usize)> = (0..pts.len())
            .filter(|&k| {
                k % per_segment == 0
                    || (k > 0
                        && k + 1 < pts.len()
                        && pts[k].1 > pts[k - 1].1
                        && pts[k].1 >= pts[k + 1].1)
            })
            .map(|k| pts[k])
            .collect();
        let point = |p: (f64, f64, usize), kind| TurningPoint {
            kind,
            s: p.0,
            energy: p.1,
            image: p.2,
        };
        let Some(&first) = pts.first() else {
            return PathShape {
                turning_points: Vec::new(),
                tolerance,
            };
        };
        let last = *pts.last().unwrap_or(&first);
        // zig-zag with hysteresis; `dir` +1 while rising (cand = running maximum), −1 while falling
        let mut pivots: Vec<((f64, f64, usize), TurningKind)> = Vec::new();
        let mut dir = 0i8;
        let mut cand = first;
        let (mut lo, mut hi) = (first, first);
        for &p in &pts[1..] {
            match dir {
                0 => {
                    if p.1 < lo.1 {
                        lo = p;
                    }
                    if p.1 > hi.1 {
                        hi = p;
                    }
                    if p.1 > lo.1 + rise {
                        // rising: the start (or the lowest point before the rise) is a minimum
                        pivots.push((first, TurningKind::Minimum));
                        if first.1 - lo.1 > tolerance {
                            // the profile first fell from the start: the start is a maximum
                            pivots[0].1 = TurningKind::Maximum;
                            pivots.push((lo, TurningKind::Minimum));
                        }
                        dir = 1;
                        cand = p;
                    } else if p.1 < hi.1 - tolerance {
                        pivots.push((first, TurningKind::Maximum));
                        if hi.1 - first.1 > tolerance {
                            pivots[0].1 = TurningKind::Minimum;
                            pivots.push((hi, TurningKind::Maximum));
                        }
                        dir = -1;
                        cand = p;
                    }
                }
                1 => {
                    if p.1 > cand.1 {
                        cand = p;
                    } else if p.1 < cand.1 - tolerance {
                        pivots.push((cand, TurningKind::Maximum));
                        dir = -1;
                        cand = p;
                    }
                }
                _ => {
                    if p.1 < cand.1 {
                        cand = p;
                    } else if p.1 > cand.1 + tolerance {
                        pivots.push((cand, TurningKind::Minimum));
                        dir = 1;
                        cand = p;
                    }
                }
            }
        }
        match dir {
            0 => {
                // flat within the tolerance, or monotonic by less than it: the start and the end
                let kind_end = if last.1 >= first.1 {
                    TurningKind::Maximum
                } else {
                    TurningKind::Minimum
                };
                let kind_start = if kind_end == TurningKind::Maximum {
                    TurningKind::Minimum
                } else {
                    TurningKind::Maximum
                };
                pivots.push((first, kind_start));
                pivots.push((last, kind_end));
            }
            1 => {
                // rising at the end: a maximum before the end counts if the profile falls from it
                // to the final state by more than the endpoint threshold; else the final state is
                // the top
                if cand.1 - last.1 > rise && cand.0 < last.0 {
                    pivots.push((cand, TurningKind::Maximum));
                    pivots.push((last, TurningKind::Minimum));
                } else {
                    pivots.push((last, TurningKind::Maximum));
                }
            }
            _ => pivots.push((last, TurningKind::Minimum)),
        }
        PathShape {
            turning_points: pivots.into_iter().map(|(p, k)| point(p, k)).collect(),
            tolerance,
        }
    }

    /// The interior maxima.
    pub fn maxima(&self) -> Vec<TurningPoint> {
        self.interior(TurningKind::Maximum)
    }

    /// The interior minima (intermediates).
    pub fn intermediates(&self) -> Vec<TurningPoint> {
        self.interior(TurningKind::Minimum)
    }

    fn interior(&self, kind: TurningKind) -> Vec<TurningPoint> {
        let n = self.turning_points.len();
        self.turning_points
            .iter()
            .enumerate()
            .filter(|(k, p)| *k > 0 && *k + 1 < n && p.kind == kind)
            .map(|(_, p)| *p)
            .collect()
    }

    /// Whether the profile falls from the initial state (it is no minimum along the path).
    pub fn initial_is_maximum(&self) -> bool {
        self.turning_points.len() > 2 && self.turning_points[0].kind == TurningKind::Maximum
    }

    /// Whether the profile falls towards the final state from its end (it is no minimum along the path).
    pub fn final_is_maximum(&self) -> bool {
        self.turning_points.len() > 2
            && self.turning_points.last().map(|p| p.kind) == Some(TurningKind::Maximum)
    }

    /// Elementary steps minimum → maximum → minimum (empty for monotonic profiles and for profiles
    /// that fall from an endpoint).
    pub fn steps(&self) -> Vec<ProfileStep> {
        if self.initial_is_maximum() || self.final_is_maximum() {
            return Vec::new();
        }
        let t = &self.turning_points;
        (0..t.len().saturating_sub(2))
            .step_by(2)
            .filter(|&k| t[k + 1].kind == TurningKind::Maximum)
            .map(|k| ProfileStep {
                initial: t[k],
                maximum: t[k + 1],
                final_: t[k + 2],
            })
            .collect()
    }
}

/// A rise from an endpoint counts above this fraction of the tolerance.
pub const ENDPOINT_FRACTION: f64 = 0.2;

fn nearest_image(s: &[f64], x: f64) -> usize {
    let mut best = 0;
    for (k, v) in s.iter().enumerate() {
        if (v - x).abs() < (s[best] - x).abs() {
            best = k;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A profile through `energies` at unit spacing with slopes from central differences of the
    /// energies, zero at the ends and at extrema of the image energies (as a converged band gives).
    fn profile(energies: &[f64]) -> Profile {
        let n = energies.len();
        let slopes: Vec<f64> = (0..n)
            .map(|i| {
                let extremum = i > 0
                    && i + 1 < n
                    && (energies[i + 1] - energies[i]) * (energies[i] - energies[i - 1]) <= 0.0;
                if i == 0 || i + 1 == n || extremum {
                    0.0
                } else {
                    0.5 * (energies[i + 1] - energies[i - 1])
                }
            })
            .collect();
        Profile {
            s: (0..n).map(|i| i as f64).collect(),
            energies: energies.to_vec(),
            slopes,
        }
    }

    const TOL: f64 = 0.05; // eV

    #[test]
    fn one_barrier_is_one_step() {
        let shape = PathShape::new(&profile(&[0.0, 0.3, 0.8, 0.5, 0.1]), TOL);
        let steps = shape.steps();
        assert_eq!(steps.len(), 1);
        assert_eq!(steps[0].maximum.image, 2);
        assert!(shape.intermediates().is_empty());
        assert!(!shape.initial_is_maximum() && !shape.final_is_maximum());
    }

    #[test]
    fn an_intermediate_makes_two_steps_and_shallow_wiggles_do_not() {
        // Müller–Brown-like: A → S1 → C → S2 → B
        let shape = PathShape::new(&profile(&[0.0, 60.0, 106.0, 66.0, 74.0, 38.0]), TOL);
        let steps = shape.steps();
        assert_eq!(steps.len(), 2, "{shape:?}");
        assert_eq!(steps[0].maximum.image, 2);
        assert_eq!(steps[1].initial.image, 3);
        assert_eq!(shape.intermediates().len(), 1);
        // a 0.01 eV dip on the way up is no intermediate
        let shape = PathShape::new(&profile(&[0.0, 0.40, 0.39, 0.9, 0.2]), TOL);
        assert_eq!(shape.steps().len(), 1, "{shape:?}");
    }

    #[test]
    fn a_small_reverse_barrier_to_a_relaxed_endpoint_still_counts() {
        // NiS pop-up: 0 → 0.34 → 0.29 (reverse barrier 0.05 eV, at the tolerance)
        let shape = PathShape::new(&profile(&[0.0, 0.15, 0.34, 0.30, 0.29]), TOL);
        assert_eq!(shape.steps().len(), 1, "{shape:?}");
        // and so does a small forward one
        let shape = PathShape::new(&profile(&[0.0, 0.02, -0.5, -1.0]), TOL);
        assert_eq!(shape.steps().len(), 1, "{shape:?}");
        assert!((shape.steps()[0].barrier_forward() - 0.02).abs() < 1e-3);
    }

    #[test]
    fn a_dip_of_the_fit_between_images_is_no_minimum() {
        // a steep image next to a flat final state: the cubic undershoots below the final state
        let p = Profile {
            s: vec![0.0, 1.0, 2.0, 3.0],
            energies: vec![0.0, 1.0, 0.33, 0.07],
            slopes: vec![0.0, 0.0, -3.0, 0.0],
        };
        assert!(p.extrema().iter().any(|q| q.energy < 0.0), "the fit dips");
        let shape = PathShape::new(&p, TOL);
        assert!(!shape.final_is_maximum(), "{shape:?}");
        assert_eq!(shape.steps().len(), 1);
        assert!(shape.intermediates().is_empty());
    }

    #[test]
    fn monotonic_profiles_have_no_step() {
        for e in [[0.0, -0.5, -1.0, -2.0, -2.4], [0.0, 0.2, 0.5, 0.9, 1.0]] {
            let shape = PathShape::new(&profile(&e), TOL);
            assert!(shape.steps().is_empty(), "{shape:?}");
            assert!(shape.maxima().is_empty());
            assert_eq!(shape.turning_points.len(), 2);
        }
        // flat within the endpoint threshold (0.2 × 0.05 eV)
        let shape = PathShape::new(&profile(&[0.0, 0.004, 0.008, 0.004, 0.0]), TOL);
        assert!(shape.steps().is_empty() && shape.maxima().is_empty());
    }

    #[test]
    fn a_profile_that_falls_from_an_endpoint_is_flagged() {
        let shape = PathShape::new(&profile(&[0.0, -0.5, 0.8, 0.3]), TOL);
        assert!(shape.initial_is_maximum(), "{shape:?}");
        assert!(shape.steps().is_empty());
        let shape = PathShape::new(&profile(&[0.0, 0.8, -0.5, 0.3]), TOL);
        assert!(shape.final_is_maximum(), "{shape:?}");
    }
}
