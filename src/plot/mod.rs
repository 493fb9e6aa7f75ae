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

fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // registering a bundled, valid TTF cannot fail; ignore the impossible error
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// One energy profile to draw.
pub struct ProfileSeries<'a> {
    /// Legend label.
    pub label: String,
    /// The profile (energies are drawn relative to the first image).
    pub profile: &'a Profile,
}

/// Draw energy profiles (energy relative to each path's initial image vs reaction coordinate): image
/// energies as points, the Hermite fit as a line, the highest point of the fit marked and annotated
/// with the barrier.
///
/// # Errors
/// Unsupported extension; drawing or I/O failures.
pub fn draw_profiles(path: &Path, series: &[ProfileSeries]) -> Result<(), PlotError> {
    register_font();
    let name = path.display().to_string();
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "svg" => {
            let root = SVGBackend::new(path, (800, 560)).into_drawing_area();
            draw(root, series).map_err(|message| PlotError::Draw {
                path: name,
                message,
            })
        }
        "png" => {
            // 300 dpi at 6.4 × 4.48 in
            let root = BitMapBackend::new(path, (1920, 1344)).into_drawing_area();
            draw(root, series).map_err(|message| PlotError::Draw {
                path: name,
                message,
            })
        }
        _ => Err(PlotError::Extension(name)),
    }
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, plotters::coord::Shift>,
    series: &[ProfileSeries],
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    let e = |err: DrawingAreaErrorKind<DB::ErrorType>| err.to_string();
    let (w, _) = root.dim_in_pixel();
    let scale = f64::from(w) / 800.0;
    let px = |v: f64| (v * scale).round() as i32;
    root.fill(&WHITE).map_err(e)?;
    let mut s_max: f64 = 0.0;
    let mut e_min = f64::INFINITY;
    let mut e_max = f64::NEG_INFINITY;
    let curves: Vec<Vec<(f64, f64)>> = series
        .iter()
        .map(|sr| {
            let e0 = sr.profile.energies[0];
            sr.profile
                .curve(40)
                .iter()
                .map(|p| (p.s, p.energy - e0))
                .collect()
        })
        .collect();
    for c in &curves {
        for &(s, en) in c {
            s_max = s_max.max(s);
            e_min = e_min.min(en);
            e_max = e_max.max(en);
        }
    }
    if !e_min.is_finite() {
        return Err("nothing to draw".into());
    }
    let pad = 0.12 * (e_max - e_min).max(1e-3);
    let mut chart = ChartBuilder::on(&root)
        .margin(px(20.0))
        .x_label_area_size(px(55.0))
        .y_label_area_size(px(75.0))
        .build_cartesian_2d(
            0.0..s_max.max(1e-6) * 1.02,
            (e_min - pad)..(e_max + 2.0 * pad),
        )
        .map_err(e)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("Reaction coordinate (Å)")
        .y_desc("Energy (eV)")
        .axis_desc_style(("sans-serif", px(20.0)))
        .label_style(("sans-serif", px(16.0)))
        .draw()
        .map_err(e)?;
    for (k, (sr, curve)) in series.iter().zip(&curves).enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        let e0 = sr.profile.energies[0];
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
                    .map(|(&s, &en)| Circle::new((s, en - e0), px(5.0), colour.filled())),
            )
            .map_err(e)?;
        let top = sr.profile.maximum();
        chart
            .draw_series(std::iter::once(TriangleMarker::new(
                (top.s, top.energy - e0),
                px(8.0),
                BLACK.filled(),
            )))
            .map_err(e)?;
        chart
            .draw_series(std::iter::once(Text::new(
                format!("TS  Ea = {:.3} eV", top.energy - e0),
                (top.s, top.energy - e0 + 0.6 * pad),
                ("sans-serif", px(16.0)).into_font().color(&BLACK),
            )))
            .map_err(e)?;
    }
    if series.len() > 1 || !series[0].label.is_empty() {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", px(15.0)))
            .draw()
            .map_err(e)?;
    }
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
    register_font();
    let name = path.display().to_string();
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let result = match ext.as_str() {
        "svg" => draw_xy(
            SVGBackend::new(path, (800, 560)).into_drawing_area(),
            series,
        ),
        "png" => draw_xy(
            BitMapBackend::new(path, (1920, 1344)).into_drawing_area(),
            series,
        ),
        _ => return Err(PlotError::Extension(name)),
    };
    result.map_err(|message| PlotError::Draw {
        path: name,
        message,
    })
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
        .y_desc("Barrier (eV)")
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
