//! 2-D particle paths among filled regions (obstacles, quicksand), with their targets.

use plotters::prelude::*;

use super::{Figure, plot_err, range};
use crate::Result;

/// A filled polygon drawn under the paths.
#[derive(Debug, Clone)]
pub struct Shape {
    /// Closed outline.
    pub outline: Vec<(f64, f64)>,
    /// Fill colour `(r, g, b)`.
    pub rgb: (u8, u8, u8),
}

/// Draws every path (a polyline from its source, green, to its end, blue) over `shapes`, with
/// the target points as red crosses, on equal axes.
///
/// # Errors
/// [`crate::LogError::Plot`].
pub fn paths_2d(
    title: &str,
    paths: &[Vec<(f64, f64)>],
    shapes: &[Shape],
    targets: &[(f64, f64)],
) -> Result<Figure> {
    let err = plot_err(title);
    let xs = paths
        .iter()
        .flatten()
        .chain(targets)
        .chain(shapes.iter().flat_map(|s| s.outline.iter()));
    let (x0, x1) = range(xs.clone().map(|p| p.0));
    let (y0, y1) = range(xs.map(|p| p.1));
    // Equal axes: widen the shorter side.
    let half = 0.5 * (x1 - x0).max(y1 - y0);
    let (cx, cy) = (0.5 * (x0 + x1), 0.5 * (y0 + y1));
    Figure::draw(title, (760, 760), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(48)
            .build_cartesian_2d(cx - half..cx + half, cy - half..cy + half)
            .map_err(&err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(&err)?;
        for s in shapes {
            let color = RGBColor(s.rgb.0, s.rgb.1, s.rgb.2);
            chart
                .draw_series(std::iter::once(Polygon::new(
                    s.outline.clone(),
                    color.filled(),
                )))
                .map_err(&err)?;
        }
        for p in paths {
            chart
                .draw_series(LineSeries::new(p.clone(), BLUE.mix(0.35)))
                .map_err(&err)?;
        }
        chart
            .draw_series(
                targets
                    .iter()
                    .map(|p| Cross::new(*p, 4, RED.stroke_width(2))),
            )
            .map_err(&err)?;
        chart
            .draw_series(
                paths
                    .iter()
                    .filter_map(|p| p.first())
                    .map(|p| Circle::new(*p, 3, GREEN.filled())),
            )
            .map_err(&err)?;
        chart
            .draw_series(
                paths
                    .iter()
                    .filter_map(|p| p.last())
                    .map(|p| Circle::new(*p, 3, BLUE.filled())),
            )
            .map_err(&err)?;
        Ok(())
    })
}
