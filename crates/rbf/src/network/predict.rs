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

#[cfg(test)]
mod tests {
    use meanfield_core::{cpu_device, tensor_from};

    use super::*;
    use crate::network::{RbfNetwork, Trainable, save_checkpoint};

    /// Predictions streamed over several chunks equal the network evaluated at once, row for
    /// row; a bad row in a later chunk fails with its line number and leaves no output.
    #[test]
    fn streamed_predictions_match_and_bad_rows_leave_nothing() {
        let device = cpu_device();
        let dir = tempfile::tempdir().unwrap();
        let all = Trainable {
            weights: true,
            widths: true,
            bias: true,
        };
        let model = RbfNetwork::new(
            tensor_from(vec![0.1, 0.2, -0.3, 0.4], [2, 2], &device),
            tensor_from(vec![1.5, -0.5], [2], &device),
            tensor_from(vec![0.3, 0.5], [2], &device),
            0.25,
            all,
        );
        save_checkpoint(&model, dir.path()).unwrap();
        let rows = 2 * PREDICT_CHUNK + 7;
        let z: Vec<f64> = (0..2 * rows)
            .map(|i| ((i * 7919) % 2000) as f64 / 1000.0 - 1.0)
            .collect();
        let mut csv = String::from("x0,x1\n");
        for p in z.chunks(2) {
            csv.push_str(&format!("{:e},{:e}\n", p[0], p[1]));
        }
        let (input, output) = (dir.path().join("in.csv"), dir.path().join("out.csv"));
        std::fs::write(&input, &csv).unwrap();
        assert_eq!(
            predict_file(dir.path(), &input, &output, &device).unwrap(),
            rows
        );
        let expected = model.host().predict(&z);
        let text = std::fs::read_to_string(&output).unwrap();
        let got: Vec<f64> = text
            .lines()
            .skip(1)
            .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(got.len(), rows);
        for (g, e) in got.iter().zip(&expected) {
            assert!((g - e).abs() <= 1e-9 * e.abs().max(1e-12), "{g} vs {e}");
        }
        csv.push_str("0.5,nan\n");
        std::fs::write(&input, &csv).unwrap();
        let bad = dir.path().join("bad.csv");
        let err = predict_file(dir.path(), &input, &bad, &device).unwrap_err();
        assert!(
            err.to_string().contains(&format!("line {}", rows + 2)),
            "{err}"
        );
        assert!(!bad.exists());
    }
}
