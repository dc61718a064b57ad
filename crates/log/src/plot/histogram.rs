//! Histogram figures.

use plotters::prelude::*;

use super::{Figure, plot_err};
use crate::{Histogram, Result};

/// A histogram of `values` with `bins` bins, normalised to a density.
///
/// # Errors
/// [`crate::LogError::Plot`].
pub fn histogram(title: &str, x_label: &str, values: &[f64], bins: usize) -> Result<Figure> {
    let err = plot_err(title);
    let h = Histogram::new(values, bins.max(1));
    Figure::draw(title, (700, 480), |root| {
        let Some(h) = h else { return Ok(()) };
        let width = (h.max - h.min).max(1e-12) / bins as f64;
        let heights: Vec<f64> = h
            .bucket_counts
            .iter()
            .map(|c| c / (h.num * width))
            .collect();
        let top = heights.iter().copied().fold(0.0, f64::max) * 1.1;
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(42)
            .y_label_area_size(70)
            .build_cartesian_2d(h.min..h.min + width * bins as f64, 0.0..top.max(1e-12))
            .map_err(&err)?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc("density")
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(&err)?;
        chart
            .draw_series(heights.iter().enumerate().map(|(k, y)| {
                let x = h.min + k as f64 * width;
                Rectangle::new([(x, 0.0), (x + width, *y)], BLUE.mix(0.6).filled())
            }))
            .map_err(&err)?;
        Ok(())
    })
}
