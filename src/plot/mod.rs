//! Figures: the energy profile of a band (SVG or PNG), with an embedded DejaVu Sans font (no system
//! fontconfig needed) and the Okabe–Ito colour-blind-safe palette.

use crate::analysis::Profile;
use plotters::prelude::*;
use std::path::Path;

/// DejaVu Sans (Bitstream Vera licence, `assets/fonts/LICENSE-DejaVu`).
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Okabe–Ito palette (colour-blind safe).
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(240, 228, 66),
];

/// Errors from drawing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlotError {
    /// The output name has no supported extension.
    #[error("{0}: the figure name must end in .svg or .png")]
    Extension(String),
    /// Drawing or writing failed.
    #[error("{path}: {message}")]
    Draw { path: String, message: String },
}

/// Draw with `$draw(root, args...)` on an SVG (800 × 560) or 300-dpi PNG (1920 × 1344) backend chosen by
/// the extension of `$path`.
macro_rules! render {
    ($path:expr, $draw:ident ( $($arg:expr),* )) => {{
        register_font();
        let path: &Path = $path;
        let name = path.display().to_string();
        let ext = path.extension().map(|x| x.to_string_lossy().to_lowercase()).unwrap_or_default();
        let result = match ext.as_str() {
            "svg" => $draw(SVGBackend::new(path, (800, 560)).into_drawing_area(), $($arg),*),
            "png" => $draw(BitMapBackend::new(path, (1920, 1344)).into_drawing_area(), $($arg),*),
            _ => return Err(PlotError::Extension(name)),
        };
        result.map_err(|message| PlotError::Draw { path: name, message })
    }};
}

fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // registering a bundled, valid TTF cannot fail; ignore the impossible error
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// How energy profiles are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ProfileStyle {
    /// Energies in kJ/mol instead of eV.
    pub kj_per_mol: bool,
    /// A step-style reaction diagram (IS, TS, FS levels joined by dashed lines) instead of the fit.
    pub step: bool,
}

impl ProfileStyle {
    fn factor(self) -> f64 {
        if self.kj_per_mol {
            crate::units::EV_TO_KJ_PER_MOL
        } else {
            1.0
        }
    }
    fn unit(self) -> &'static str {
        if self.kj_per_mol {
            "kJ/mol"
        } else {
            "eV"
        }
    }
}

/// A point marked on a profile (a saddle), with its label.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    /// Reaction coordinate [Å].
    pub s: f64,
    /// Absolute energy [eV].
    pub energy: f64,
    /// Text drawn above it.
    pub label: String,
}

/// One level of a reaction diagram.
#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    /// Name drawn under the level (IS, TS1, I1, FS, ...).
    pub name: String,
    /// Absolute energy [eV].
    pub energy: f64,
    /// Text drawn above the level (e.g. the barrier of a saddle).
    pub annotation: Option<String>,
}

/// One energy profile to draw.
pub struct ProfileSeries<'a> {
    /// Legend label.
    pub label: String,
    /// The profile (energies are drawn relative to the first image).
    pub profile: &'a Profile,
    /// Saddles to mark on the curve (none for paths without a barrier).
    pub saddles: Vec<Mark>,
    /// Levels of the step diagram (empty: initial and final state only).
    pub levels: Vec<Level>,
    /// A remark drawn in the panel (what the path is when it has no barrier).
    pub note: Option<String>,
}

impl<'a> ProfileSeries<'a> {
    /// A single-step profile whose highest point is its saddle (marked "TS").
    pub fn single_step(label: String, profile: &'a Profile) -> Self {
        let top = profile.maximum();
        let e0 = profile.energies[0];
        let last = *profile.energies.last().unwrap_or(&e0);
        ProfileSeries {
            label,
            profile,
            saddles: vec![Mark {
                s: top.s,
                energy: top.energy,
                label: "TS".into(),
            }],
            levels: vec![
                Level {
                    name: "IS".into(),
                    energy: e0,
                    annotation: None,
                },
                Level {
                    name: "TS".into(),
                    energy: top.energy,
                    annotation: Some(format!("{:.2}", top.energy - e0)),
                },
                Level {
                    name: "FS".into(),
                    energy: last,
                    annotation: None,
                },
            ],
            note: None,
        }
    }

    fn levels_or_ends(&self) -> Vec<Level> {
        if self.levels.is_empty() {
            let e0 = self.profile.energies[0];
            vec![
                Level {
                    name: "IS".into(),
                    energy: e0,
                    annotation: None,
                },
                Level {
                    name: "FS".into(),
                    energy: *self.profile.energies.last().unwrap_or(&e0),
                    annotation: None,
                },
            ]
        } else {
            self.levels.clone()
        }
    }
}

/// Draw energy profiles (energy relative to each path's initial image vs reaction coordinate): image
/// energies as points, the Hermite fit as a line, the series' saddles marked and annotated with
/// their barriers.
///
/// # Errors
/// Unsupported extension; drawing or I/O failures.
pub fn draw_profiles(path: &Path, series: &[ProfileSeries]) -> Result<(), PlotError> {
    draw_profiles_styled(path, series, ProfileStyle::default())
}

/// [`draw_profiles`] with a style (units, step diagram).
///
/// # Errors
/// Unsupported extension; drawing or I/O failures.
pub fn draw_profiles_styled(
    path: &Path,
    series: &[ProfileSeries],
    style: ProfileStyle,
) -> Result<(), PlotError> {
    if series.is_empty() {
        return Err(PlotError::Draw {
            path: path.display().to_string(),
            message: "nothing to draw".into(),
        });
    }
    render!(path, draw(series, style))
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    series: &[ProfileSeries],
    style: ProfileStyle,
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let e = |err: DrawingAreaErrorKind<DB::ErrorType>| err.to_string();
    let (w, _) = root.dim_in_pixel();
    let scale = f64::from(w) / 800.0;
    let px = |v: f64| (v * scale).round() as i32;
    let f = style.factor();
    root.fill(&WHITE).map_err(e)?;
    // per series: (x, E) points to draw, relative to the initial image, in the chosen unit
    let curves: Vec<Vec<(f64, f64)>> = series
        .iter()
        .map(|sr| {
            let e0 = sr.profile.energies[0];
            if style.step {
                sr.levels_or_ends()
                    .iter()
                    .enumerate()
                    .map(|(k, l)| (k as f64, f * (l.energy - e0)))
                    .collect()
            } else {
                sr.profile
                    .curve(40)
                    .iter()
                    .map(|p| (p.s, f * (p.energy - e0)))
                    .collect()
            }
        })
        .collect();
    let (mut x_max, mut e_min, mut e_max) = (0.0f64, f64::INFINITY, f64::NEG_INFINITY);
    for c in &curves {
        for &(x, en) in c {
            x_max = x_max.max(x);
            e_min = e_min.min(en);
            e_max = e_max.max(en);
        }
    }
    if !e_min.is_finite() || !e_max.is_finite() {
        return Err("nothing to draw".into());
    }
    let pad = 0.12 * (e_max - e_min).max(1e-3 * f);
    let (x0, x1) = if style.step {
        (-0.5, x_max + 0.5)
    } else {
        (0.0, x_max.max(1e-6) * 1.02)
    };
    let mut chart = ChartBuilder::on(&root)
        .margin(px(20.0))
        .x_label_area_size(px(55.0))
        .y_label_area_size(px(75.0))
        .build_cartesian_2d(x0..x1, (e_min - 1.5 * pad)..(e_max + 2.0 * pad))
        .map_err(e)?;
    let y_desc = format!("Energy ({})", style.unit());
    let mut mesh = chart.configure_mesh();
    mesh.disable_mesh()
        .x_desc(if style.step {
            "Reaction step"
        } else {
            "Reaction coordinate (Å)"
        })
        .y_desc(y_desc.as_str())
        .axis_desc_style(("sans-serif", px(20.0)))
        .label_style(("sans-serif", px(16.0)));
    if style.step {
        mesh.x_labels(0).disable_x_axis();
    }
    mesh.draw().map_err(e)?;
    let text = |label: String, x: f64, y: f64| {
        Text::new(
            label,
            (x, y),
            ("sans-serif", px(16.0)).into_font().color(&BLACK),
        )
    };
    for (k, (sr, curve)) in series.iter().zip(&curves).enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        let e0 = sr.profile.energies[0];
        if style.step {
            let levels = sr.levels_or_ends();
            for &(x, y) in curve {
                chart
                    .draw_series(LineSeries::new(
                        [(x - 0.3, y), (x + 0.3, y)],
                        colour.stroke_width(px(3.0) as u32),
                    ))
                    .map_err(e)?;
            }
            for wnd in curve.windows(2) {
                chart
                    .draw_series(DashedLineSeries::new(
                        [(wnd[0].0 + 0.3, wnd[0].1), (wnd[1].0 - 0.3, wnd[1].1)],
                        px(6.0) as u32,
                        px(4.0) as u32,
                        colour.stroke_width(px(1.5) as u32),
                    ))
                    .map_err(e)?;
            }
            chart
                .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
                .map_err(e)?
                .label(sr.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(3))
                });
            if k == 0 {
                for (x, level) in levels.iter().enumerate() {
                    chart
                        .draw_series(std::iter::once(text(
                            level.name.clone(),
                            x as f64 - 0.1,
                            e_min - 1.0 * pad,
                        )))
                        .map_err(e)?;
                }
            }
            for ((x, y), level) in curve.iter().zip(&levels) {
                if let Some(a) = &level.annotation {
                    let tag = if series.len() > 1 {
                        format!("{}: {a}", sr.label)
                    } else {
                        a.clone()
                    };
                    chart
                        .draw_series(std::iter::once(text(
                            tag,
                            x - 0.25,
                            y + (0.4 + 0.45 * k as f64) * pad,
                        )))
                        .map_err(e)?;
                }
            }
        } else {
            chart
                .draw_series(LineSeries::new(
                    curve.iter().copied(),
                    colour.stroke_width(px(2.5) as u32),
                ))
                .map_err(e)?
                .label(sr.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(3))
                });
            chart
                .draw_series(
                    sr.profile
                        .s
                        .iter()
                        .zip(&sr.profile.energies)
                        .map(|(&x, &en)| Circle::new((x, f * (en - e0)), px(5.0), colour.filled())),
                )
                .map_err(e)?;
            for m in &sr.saddles {
                let ea = f * (m.energy - e0);
                chart
                    .draw_series(std::iter::once(TriangleMarker::new(
                        (m.s, ea),
                        px(8.0),
                        BLACK.filled(),
                    )))
                    .map_err(e)?;
                let tag = if series.len() > 1 && sr.saddles.len() == 1 {
                    format!("{}: Ea = {ea:.3} {}", sr.label, style.unit())
                } else if series.len() > 1 {
                    format!("{}: {}", sr.label, m.label)
                } else if sr.saddles.len() == 1 {
                    format!("{}  Ea = {ea:.3} {}", m.label, style.unit())
                } else {
                    m.label.clone()
                };
                chart
                    .draw_series(std::iter::once(text(
                        tag,
                        m.s,
                        ea + (0.5 + 0.45 * k as f64) * pad,
                    )))
                    .map_err(e)?;
            }
            if k == 0 {
                let last_s = *sr.profile.s.last().unwrap_or(&0.0);
                let last_e = f * (sr.profile.energies.last().unwrap_or(&e0) - e0);
                chart
                    .draw_series(std::iter::once(text("IS".into(), 0.0, -0.7 * pad)))
                    .map_err(e)?;
                chart
                    .draw_series(std::iter::once(text(
                        "FS".into(),
                        last_s * 0.97,
                        last_e - 0.7 * pad,
                    )))
                    .map_err(e)?;
            }
        }
        if let Some(note) = &sr.note {
            let x = x0 + 0.03 * (x1 - x0);
            chart
                .draw_series(std::iter::once(text(
                    note.clone(),
                    x,
                    e_max + (1.6 - 0.4 * k as f64) * pad,
                )))
                .map_err(e)?;
        }
    }
    if series.len() > 1 || !series[0].label.is_empty() {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", px(15.0)))
            .draw()
            .map_err(e)?;
    }
    root.present().map_err(e)?;
    Ok(())
}

/// Convergence: largest NEB force against iteration (log scale), one series per run.
///
/// # Errors
/// Unsupported extension; drawing or I/O failures.
pub fn draw_convergence(path: &Path, series: &[(String, Vec<f64>)]) -> Result<(), PlotError> {
    render!(path, draw_conv(series))
}

fn draw_conv<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    series: &[(String, Vec<f64>)],
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let e = |err: DrawingAreaErrorKind<DB::ErrorType>| err.to_string();
    let (w, _) = root.dim_in_pixel();
    let px = |v: f64| (v * f64::from(w) / 800.0).round() as i32;
    root.fill(&WHITE).map_err(e)?;
    let n = series.iter().map(|s| s.1.len()).max().unwrap_or(1).max(2);
    let vals: Vec<f64> = series
        .iter()
        .flat_map(|s| s.1.iter().copied())
        .filter(|v| *v > 0.0)
        .collect();
    let lo = vals.iter().cloned().fold(f64::INFINITY, f64::min);
    let hi = vals.iter().cloned().fold(0.0, f64::max);
    if !lo.is_finite() {
        return Err("nothing to draw".into());
    }
    let mut chart = ChartBuilder::on(&root)
        .margin(px(20.0))
        .x_label_area_size(px(55.0))
        .y_label_area_size(px(85.0))
        .build_cartesian_2d(0.0..(n - 1) as f64, (lo * 0.5..hi * 2.0).log_scale())
        .map_err(e)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("Iteration")
        .y_desc("Max NEB force (eV/Å)")
        .axis_desc_style(("sans-serif", px(20.0)))
        .label_style(("sans-serif", px(16.0)))
        .draw()
        .map_err(e)?;
    for (k, (label, v)) in series.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        chart
            .draw_series(LineSeries::new(
                v.iter().enumerate().map(|(i, &y)| (i as f64, y.max(lo))),
                colour.stroke_width(px(2.0) as u32),
            ))
            .map_err(e)?
            .label(label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(3))
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", px(15.0)))
        .draw()
        .map_err(e)?;
    root.present().map_err(e)?;
    Ok(())
}

/// Barrier (and reaction energy) against electrode potential [V vs SHE], one series per label.
///
/// # Errors
/// Unsupported extension; drawing or I/O failures.
pub fn draw_barrier_vs_potential(
    path: &Path,
    series: &[(String, Vec<f64>, Vec<f64>)],
) -> Result<(), PlotError> {
    render!(path, draw_xy(series))
}

fn draw_xy<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    series: &[(String, Vec<f64>, Vec<f64>)],
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let e = |err: DrawingAreaErrorKind<DB::ErrorType>| err.to_string();
    let (w, _) = root.dim_in_pixel();
    let scale = f64::from(w) / 800.0;
    let px = |v: f64| (v * scale).round() as i32;
    root.fill(&WHITE).map_err(e)?;
    let xs = series.iter().flat_map(|s| s.1.iter().copied());
    let ys: Vec<f64> = series.iter().flat_map(|s| s.2.iter().copied()).collect();
    let (x0, x1) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    let (y0, y1) = ys
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &y| {
            (a.min(y), b.max(y))
        });
    if !x0.is_finite() || !y0.is_finite() {
        return Err("nothing to draw".into());
    }
    let pad = 0.1 * (y1 - y0).max(1e-3);
    let xpad = 0.02 * (x1 - x0).max(1e-3);
    let mut chart = ChartBuilder::on(&root)
        .margin(px(20.0))
        .x_label_area_size(px(55.0))
        .y_label_area_size(px(75.0))
        .build_cartesian_2d((x0 - xpad)..(x1 + xpad), (y0 - pad)..(y1 + pad))
        .map_err(e)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("Potential (V vs SHE)")
        .y_desc("Energy (eV)")
        .axis_desc_style(("sans-serif", px(20.0)))
        .label_style(("sans-serif", px(16.0)))
        .draw()
        .map_err(e)?;
    for (k, (label, x, y)) in series.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        chart
            .draw_series(LineSeries::new(
                x.iter().copied().zip(y.iter().copied()),
                colour.stroke_width(px(2.5) as u32),
            ))
            .map_err(e)?
            .label(label.clone())
            .legend(move |(a, b)| {
                PathElement::new(vec![(a, b), (a + 20, b)], colour.stroke_width(3))
            });
        chart
            .draw_series(
                x.iter()
                    .zip(y)
                    .map(|(&a, &b)| Circle::new((a, b), px(4.0), colour.filled())),
            )
            .map_err(e)?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", px(15.0)))
        .draw()
        .map_err(e)?;
    root.present().map_err(e)?;
    Ok(())
}
