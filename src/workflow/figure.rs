//! Figures of a result: the profile with its saddles marked (none when the status carries no
//! barrier) and the level diagram IS → TS1 → I1 → … → FS.

use super::{NebResult, Status};
use crate::analysis::{Profile, ProfilePoint};
use crate::plot::{Level, Mark, PlotError, ProfileSeries, ProfileStyle};
use std::path::Path;

/// What a result draws.
pub struct Figure {
    /// The profile (the assembled steps of a split run, else the band).
    pub profile: Profile,
    /// Saddles to mark.
    pub saddles: Vec<Mark>,
    /// Levels of the reaction diagram.
    pub levels: Vec<Level>,
    /// What the path is when it has no barrier.
    pub note: Option<String>,
}

fn max_in_range(p: &Profile, lo: f64, hi: f64) -> Option<ProfilePoint> {
    p.curve(40)
        .into_iter()
        .chain(
            p.s.iter()
                .zip(&p.energies)
                .map(|(&s, &energy)| ProfilePoint { s, energy }),
        )
        .filter(|q| q.s >= lo - 1e-9 && q.s <= hi + 1e-9)
        .max_by(|a, b| a.energy.total_cmp(&b.energy))
}

impl Figure {
    /// The figure of `r`.
    pub fn from_result(r: &NebResult) -> Figure {
        let profile = r.profile();
        let e0 = profile.energies.first().copied().unwrap_or(0.0);
        let e1 = profile.energies.last().copied().unwrap_or(e0);
        if !r.status.has_barrier() {
            let note = match r.status {
                Status::NotConverged => "not converged: no barrier yet",
                Status::NoBarrier => "no barrier: monotonic path",
                Status::CollapsedEndpoints => "collapsed endpoints: one minimum",
                Status::EndpointNotMinimum => "an endpoint is not a minimum",
                Status::DetachedAtom => "band left the path (detached atom)",
                Status::Converged | Status::MultiStep => "",
            };
            return Figure {
                profile,
                saddles: Vec::new(),
                levels: Vec::new(),
                note: Some(note.to_string()),
            };
        }
        let n_steps = r.steps.len();
        let mut saddles = Vec::new();
        let mut levels = vec![Level {
            name: "IS".into(),
            energy: e0,
            annotation: None,
        }];
        // s-range of every step on the drawn profile
        let ranges: Vec<(f64, f64)> = match &r.combined_profile {
            Some(c) => {
                let mut starts = c.step_starts.clone();
                starts.push(c.reaction_coordinate.len());
                starts
                    .windows(2)
                    .map(|w| {
                        let lo = c.reaction_coordinate.get(w[0]).copied().unwrap_or(0.0);
                        let hi = c
                            .reaction_coordinate
                            .get(w[1].saturating_sub(1))
                            .copied()
                            .unwrap_or(lo);
                        (lo, hi)
                    })
                    .collect()
            }
            None => r
                .steps
                .iter()
                .map(|st| match st.band_images {
                    Some([a, _, b]) => (
                        profile.s.get(a).copied().unwrap_or(0.0),
                        profile.s.get(b).copied().unwrap_or(0.0),
                    ),
                    None => (profile.s[0], *profile.s.last().unwrap_or(&0.0)),
                })
                .collect(),
        };
        for (k, st) in r.steps.iter().enumerate() {
            let name = if n_steps == 1 {
                "TS".to_string()
            } else {
                format!("TS{}", k + 1)
            };
            if let (Some(e), Some(b)) = (st.saddle_energy, st.barrier_forward) {
                if let Some(&(lo, hi)) = ranges.get(k) {
                    if let Some(top) = max_in_range(&profile, lo, hi) {
                        saddles.push(Mark {
                            s: top.s,
                            energy: top.energy,
                            label: if n_steps == 1 {
                                name.clone()
                            } else {
                                format!("{name} {b:.2}")
                            },
                        });
                    }
                }
                levels.push(Level {
                    name,
                    energy: e,
                    annotation: Some(format!("{b:.2}")),
                });
            }
            if k + 1 < n_steps {
                levels.push(Level {
                    name: format!("I{}", k + 1),
                    energy: st.final_energy,
                    annotation: None,
                });
            }
        }
        levels.push(Level {
            name: "FS".into(),
            energy: e1,
            annotation: None,
        });
        Figure {
            profile,
            saddles,
            levels,
            note: None,
        }
    }

    /// As a plot series with `label`.
    pub fn series(&self, label: String) -> ProfileSeries<'_> {
        ProfileSeries {
            label,
            profile: &self.profile,
            saddles: self.saddles.clone(),
            levels: self.levels.clone(),
            note: self.note.clone(),
        }
    }
}

/// The profile figure of a result (SVG or PNG by extension).
///
/// # Errors
/// Drawing or I/O failures.
pub fn draw_result(path: &Path, r: &NebResult) -> Result<(), PlotError> {
    let fig = Figure::from_result(r);
    crate::plot::draw_profiles(path, &[fig.series(String::new())])
}

/// The reaction diagram (levels) of a result.
///
/// # Errors
/// Drawing or I/O failures.
pub fn draw_result_diagram(path: &Path, r: &NebResult) -> Result<(), PlotError> {
    let fig = Figure::from_result(r);
    crate::plot::draw_profiles_styled(
        path,
        &[fig.series(String::new())],
        ProfileStyle {
            step: true,
            ..Default::default()
        },
    )
}
