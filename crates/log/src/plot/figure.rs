//! An RGB raster that every plot draws into.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::font::ensure_font;
use super::plot_err;
use crate::{LogError, Result};

/// A drawn figure: `width x height` interleaved RGB bytes.
#[derive(Debug, Clone)]
pub struct Figure {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Row-major RGB bytes.
    pub rgb: Vec<u8>,
}

impl Figure {
    /// Draws with `draw` on a white canvas.
    ///
    /// # Errors
    /// [`LogError::Plot`] from the drawing code.
    pub fn draw(
        name: &str,
        (width, height): (u32, u32),
        draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> Result<()>,
    ) -> Result<Self> {
        ensure_font();
        let mut rgb = vec![255u8; (width * height * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut rgb, (width, height)).into_drawing_area();
            root.fill(&WHITE).map_err(plot_err(name))?;
            draw(&root)?;
            root.present().map_err(plot_err(name))?;
        }
        Ok(Self { width, height, rgb })
    }

    /// Saves the figure as PNG.
    ///
    /// # Errors
    /// [`LogError::Io`] when the file cannot be written.
    pub fn save_png(&self, path: &Path) -> Result<()> {
        meanfield_core::atomic::write_atomic(path, &self.png()?).map_err(|e| LogError::io(path, e))
    }

    /// The figure encoded as PNG.
    ///
    /// # Errors
    /// [`LogError::Plot`] when encoding fails.
    pub fn png(&self) -> Result<Vec<u8>> {
        let mut bytes = Vec::new();
        use image::ImageEncoder;
        image::codecs::png::PngEncoder::new(&mut bytes)
            .write_image(
                &self.rgb,
                self.width,
                self.height,
                image::ExtendedColorType::Rgb8,
            )
            .map_err(|e| LogError::Plot {
                name: "png".into(),
                message: e.to_string(),
            })?;
        Ok(bytes)
    }
}
