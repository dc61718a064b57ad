//! A density read from a grayscale PNG stretched over a 2-D box.

use std::path::Path;

use super::PiecewiseConstant;
use crate::{CoreError, Grid, Result};

/// Reads `path` (any PNG; converted to 8-bit gray) as a piecewise-constant density on
/// `[lo_0, hi_0] x [lo_1, hi_1]`: pixel column = axis 0, the image's top row = `hi_1`.
/// The density is proportional to brightness, or to darkness when `invert`.
///
/// # Errors
/// [`CoreError::File`] for an unreadable or all-zero image.
pub fn image_density(
    path: &Path,
    lo: &[f64],
    hi: &[f64],
    invert: bool,
) -> Result<PiecewiseConstant> {
    let img = crate::bounds::open_image(path)?.to_luma8();
    let (w, h) = img.dimensions();
    let grid = Grid::new(lo.to_vec(), hi.to_vec(), vec![w as usize, h as usize])?;
    let mut values = Vec::with_capacity((w * h) as usize);
    for col in 0..w {
        for row_from_bottom in 0..h {
            let v = f64::from(img.get_pixel(col, h - 1 - row_from_bottom)[0]);
            values.push(if invert { 255.0 - v } else { v });
        }
    }
    PiecewiseConstant::new(grid, values, "image")
        .map_err(|e| CoreError::file(path, format!("not a usable density: {e}")))
}
