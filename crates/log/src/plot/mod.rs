//! PNG figures with plotters, drawn into an RGB buffer (saved as PNG or sent to TensorBoard)
//! with an embedded DejaVu Sans font, so no system font library is needed.

mod figure;
mod font;
mod histogram;
mod image_grid;
mod line;
mod paths;
mod scatter;
mod trajectories;

pub use figure::Figure;
pub use histogram::histogram;
pub use image_grid::image_grid;
pub use line::{Series, line_plot};
pub use paths::{Shape, paths_2d};
pub use scatter::{Heatmap, Panel, scatter_over_heatmap, snapshot_panels};
pub use trajectories::{DensityCurve, trajectories_1d};

use crate::LogError;

/// Converts a plotters error into a [`LogError::Plot`].
fn plot_err<E: std::fmt::Display>(name: &str) -> impl Fn(E) -> LogError + '_ {
    move |e| LogError::Plot {
        name: name.to_string(),
        message: e.to_string(),
    }
}

/// Finite `(lo, hi)` of `values` widened so that `lo < hi`.
fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.05).max(1e-9 * lo.abs().max(1.0));
    (lo - pad, hi + pad)
}
