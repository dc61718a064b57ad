//! `meanfield predict`: a trained network evaluated at the points of a CSV, streamed chunk by
//! chunk so that millions of points need bounded memory.

use std::path::Path;

use burn::tensor::Device;
use meanfield_core::{CoreError, CsvChunks};

use super::checkpoint::load_checkpoint;
use crate::error::{RbfError, Result};

/// Points read, evaluated and written at a time.
pub const PREDICT_CHUNK: usize = 16_384;

/// Loads the checkpoint in `model_dir`, evaluates it at the points of `input` (a point-cloud
/// CSV `x0,..`) and writes `x0,..,y` to `output` (atomically: nothing is left there on an
/// error); returns the number of predictions.
///
/// # Errors
/// Missing or corrupt checkpoint, a dimension mismatch, CSV errors.
pub fn predict_file(
    model_dir: &Path,
    input: &Path,
    output: &Path,
    device: &Device,
) -> Result<usize> {
    let model = load_checkpoint(model_dir, device)?;
    let d = model.centres().dims()[1];
    let chunks = CsvChunks::open(input, PREDICT_CHUNK)?;
    if chunks.d() != d {
        return Err(CoreError::file(
            input,
            format!("has dimension {}, the model takes {d}", chunks.d()),
        )
        .into());
    }
    let host = model.host();
    let mut failure = None;
    let mut count = 0;
    let written = meanfield_core::atomic::write_with(output, |out| {
        let header: Vec<String> = (0..d).map(|k| format!("x{k}")).collect();
        writeln!(out, "{},y", header.join(","))?;
        for chunk in chunks {
            let points = chunk.map_err(|e| {
                let message = e.to_string();
                failure = Some(e);
                std::io::Error::other(message)
            })?;
            let y = host.predict(points.as_slice());
            for (p, v) in points.iter().zip(&y) {
                for x in p {
                    write!(out, "{x:.10e},")?;
                }
                writeln!(out, "{v:.10e}")?;
            }
            count += y.len();
        }
        if count == 0 {
            failure = Some(CoreError::file(
                input,
                "no points (expected at least one row)",
            ));
            return Err(std::io::Error::other("no points"));
        }
        Ok(())
    });
    if let Some(e) = failure {
        return Err(e.into());
    }
    written.map_err(|e| RbfError::file(output, "cannot write", e))?;
    Ok(count)
}
