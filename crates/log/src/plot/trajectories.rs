//! 1-D particle trajectories `x_i(t)` under density snapshots (the blob-method figure).

use plotters::prelude::*;

use super::{Figure, plot_err, range};
use crate::Result;

/// A density curve `(x, rho(x))` with its label.
#[derive(Debug, Clone)]
pub struct DensityCurve {
    /// Legend label (e.g. `t = 1.0` or `target`).
    pub name: String,
    /// Points of the curve.
    pub points: Vec<(f64, f64)>,
}

/// Top panel: density curves (e.g. KDE at snapshot times and the target). Bottom panel: every
/// particle's path, position horizontally and time upward.
///
/// # Errors
/// [`crate::LogError::Plot`].
pub fn trajectories_1d(
    title: &str,
    times: &[f64],
    paths: &[Vec<f64>],
    curves: &[DensityCurve],
) -> Result<Figure> {
    let err = plot_err(title);
    let (x0, x1) = range(
        paths
            .iter()
            .flatten()
            .copied()
            .chain(curves.iter().flat_map(|c| c.points.iter().map(|p| p.0))),
    );
    let (_, ytop) = range(
        curves
            .iter()
            .flat_map(|c| c.points.iter().map(|p| p.1))
            .chain([0.0]),
    );
    // Without density curves the paths take the whole figure.
    let height = if curves.is_empty() { 560 } else { 900 };
    Figure::draw(title, (800, height), |root| {
        if curves.is_empty() {
            return draw_paths(root, title, times, paths, (x0, x1));
        }
        let (upper, lower) = root.split_vertically(380);
        let mut top = ChartBuilder::on(&upper)
            .caption(title, ("sans-serif", 22))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, 0.0..ytop)
            .map_err(&err)?;
        top.configure_mesh()
            .y_desc("density")
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(&err)?;
        let n = curves.len().max(1);
        for (i, c) in curves.iter().enumerate() {
            let color = if c.name == "target" {
                BLACK.to_rgba()
            } else {
                ViridisColor::get(i, n)
            };
            top.draw_series(LineSeries::new(c.points.clone(), color.stroke_width(2)))
                .map_err(&err)?
                .label(c.name.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
        }
        top.configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(&err)?;
        draw_paths(&lower, "", times, paths, (x0, x1))
    })
}

/// Every particle's path, position horizontally and time upward, with an optional caption.
fn draw_paths(
    area: &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    caption: &str,
    times: &[f64],
    paths: &[Vec<f64>],
    (x0, x1): (f64, f64),
) -> Result<()> {
    let err = plot_err(caption);
    let (t0, t1) = range(times.iter().copied());
    let mut builder = ChartBuilder::on(area);
    if !caption.is_empty() {
        builder.caption(caption, ("sans-serif", 22));
    }
    let mut bottom = builder
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x0..x1, t0..t1)
        .map_err(&err)?;
    bottom
        .configure_mesh()
        .x_desc("x")
        .y_desc("t")
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(&err)?;
    for path in paths {
        let pts: Vec<(f64, f64)> = path.iter().zip(times).map(|(x, t)| (*x, *t)).collect();
        bottom
            .draw_series(LineSeries::new(pts, BLUE.mix(0.6)))
            .map_err(&err)?;
    }
    Ok(())
}

/// Evenly spaced colours along the viridis map.
struct ViridisColor;

impl ViridisColor {
    fn get(i: usize, n: usize) -> RGBAColor {
        use plotters::style::colors::colormaps::ViridisRGB;
        ViridisRGB::get_color_normalized(i as f64, 0.0, (n.max(2) - 1) as f64 * 1.15).to_rgba()
    }
}
