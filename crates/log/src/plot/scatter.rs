//! 2-D particle scatter plots over a density heatmap.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::colors::colormaps::ViridisRGB;

use super::{Figure, plot_err};
use crate::Result;

/// One titled panel: `(title, heatmap, points)`.
pub type Panel = (String, Heatmap, Vec<(f64, f64)>);

/// Density values on a cell-centred grid over `[lo0, hi0] x [lo1, hi1]`, row-major with the
/// second axis fastest (the core's `Grid` order).
#[derive(Debug, Clone)]
pub struct Heatmap {
    /// Lower corner.
    pub lo: [f64; 2],
    /// Upper corner.
    pub hi: [f64; 2],
    /// Cells per axis.
    pub cells: [usize; 2],
    /// One value per cell.
    pub values: Vec<f64>,
}

fn draw_panel(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    title: &str,
    heatmap: &Heatmap,
    points: &[(f64, f64)],
    point_size: u32,
) -> Result<()> {
    let err = plot_err(title);
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(8)
        .x_label_area_size(32)
        .y_label_area_size(48)
        .build_cartesian_2d(heatmap.lo[0]..heatmap.hi[0], heatmap.lo[1]..heatmap.hi[1])
        .map_err(&err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .label_style(("sans-serif", 12))
        .draw()
        .map_err(&err)?;
    let vmax = heatmap
        .values
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let (hx, hy) = (
        (heatmap.hi[0] - heatmap.lo[0]) / heatmap.cells[0] as f64,
        (heatmap.hi[1] - heatmap.lo[1]) / heatmap.cells[1] as f64,
    );
    chart
        .draw_series(heatmap.values.iter().enumerate().map(|(k, v)| {
            let (i, j) = (k / heatmap.cells[1], k % heatmap.cells[1]);
            let (x, y) = (heatmap.lo[0] + i as f64 * hx, heatmap.lo[1] + j as f64 * hy);
            let color = ViridisRGB::get_color_normalized(v.max(0.0), 0.0, vmax.max(1e-300));
            Rectangle::new([(x, y), (x + hx, y + hy)], color.filled())
        }))
        .map_err(&err)?;
    chart
        .draw_series(
            points
                .iter()
                .map(|p| Circle::new(*p, point_size, RED.mix(0.85).filled())),
        )
        .map_err(&err)?;
    Ok(())
}

/// Particles (red) over a density heatmap (viridis).
///
/// # Errors
/// [`crate::LogError::Plot`].
pub fn scatter_over_heatmap(
    title: &str,
    heatmap: &Heatmap,
    points: &[(f64, f64)],
    size: (u32, u32),
) -> Result<Figure> {
    Figure::draw(title, size, |root| {
        draw_panel(root, title, heatmap, points, 2)
    })
}

/// One panel per snapshot `(title, heatmap, points)`, in a row-major grid of `columns`.
///
/// # Errors
/// [`crate::LogError::Plot`].
pub fn snapshot_panels(title: &str, panels: &[Panel], columns: usize) -> Result<Figure> {
    let columns = columns.max(1);
    let rows = panels.len().div_ceil(columns).max(1);
    let size = (360 * columns as u32, 360 * rows as u32 + 40);
    Figure::draw(title, size, |root| {
        let body = root
            .titled(title, ("sans-serif", 24))
            .map_err(plot_err(title))?;
        for (area, (name, heatmap, points)) in body.split_evenly((rows, columns)).iter().zip(panels)
        {
            draw_panel(area, name, heatmap, points, 2)?;
        }
        Ok(())
    })
}
