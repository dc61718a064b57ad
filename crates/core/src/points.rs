//! Host-side point clouds (row-major f64) and their CSV format.
//!
//! CSV: a header `x0,x1,...,x{d-1}`, then one row per point.

use std::path::Path;

use burn::tensor::{Device, Tensor, TensorData};

use crate::{CoreError, Result};

/// `|a - b|^2` for two points of the same dimension.
pub fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(u, v)| (u - v) * (u - v)).sum()
}

/// Copies any float tensor to the host as f64 values (row-major).
pub fn host_vec<const D: usize>(tensor: Tensor<D>) -> Vec<f64> {
    tensor
        .into_data()
        .convert::<f64>()
        .try_into_vec::<f64>()
        .expect("data converted to f64")
}

/// Copies host f64 values into a tensor of `shape` in the device's float dtype (f64 on the
/// CPU device, f32 on wgpu).
pub fn tensor_from<const D: usize>(
    values: Vec<f64>,
    shape: [usize; D],
    device: &Device,
) -> Tensor<D> {
    let dtype = device.settings().float_dtype;
    Tensor::from_data(
        TensorData::new(values, shape).convert_dtype(dtype.into()),
        device,
    )
}

/// `n` points in R^`d`, stored row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Points {
    d: usize,
    data: Vec<f64>,
}

impl Points {
    /// Wraps row-major data.
    ///
    /// # Errors
    /// [`CoreError::Shape`] when `d == 0` or the length is not a multiple of `d`.
    pub fn new(d: usize, data: Vec<f64>) -> Result<Self> {
        if d == 0 || !data.len().is_multiple_of(d) {
            return Err(CoreError::Shape(format!(
                "{} coordinates cannot form points of dimension {d}",
                data.len()
            )));
        }
        Ok(Self { d, data })
    }

    /// Number of points.
    pub fn n(&self) -> usize {
        self.data.len() / self.d
    }

    /// Dimension of the ambient space.
    pub fn d(&self) -> usize {
        self.d
    }

    /// Row-major coordinates.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    /// Coordinates of point `i`.
    pub fn point(&self, i: usize) -> &[f64] {
        &self.data[i * self.d..(i + 1) * self.d]
    }

    /// Iterator over the points.
    pub fn iter(&self) -> impl Iterator<Item = &[f64]> {
        self.data.chunks_exact(self.d)
    }

    /// Coordinate `k` of every point.
    pub fn column(&self, k: usize) -> Vec<f64> {
        self.iter().map(|p| p[k]).collect()
    }

    /// Index of the first non-finite coordinate, if any.
    pub fn first_non_finite(&self) -> Option<usize> {
        self.data.iter().position(|v| !v.is_finite())
    }

    /// Copies the points into an `[n, d]` tensor.
    pub fn to_tensor(&self, device: &Device) -> Tensor<2> {
        tensor_from(self.data.clone(), [self.n(), self.d], device)
    }

    /// Reads an `[n, d]` tensor back to the host.
    pub fn from_tensor(tensor: &Tensor<2>) -> Self {
        let [_, d] = tensor.dims();
        let data = host_vec(tensor.clone());
        Self { d, data }
    }

    /// Reads a point-cloud CSV (header `x0,x1,...`).
    ///
    /// # Errors
    /// [`CoreError::File`] naming the file, line and field for unreadable files, bad headers,
    /// ragged rows and non-numeric or non-finite values.
    pub fn read_csv(path: &Path) -> Result<Self> {
        let mut chunks = CsvChunks::open(path, usize::MAX)?;
        let d = chunks.d();
        let mut data = Vec::new();
        for chunk in &mut chunks {
            data.extend_from_slice(chunk?.as_slice());
        }
        if data.is_empty() {
            return Err(CoreError::file(
                path,
                "no points (expected at least one row)",
            ));
        }
        Self::new(d, data)
    }

    /// Writes the points as CSV.
    ///
    /// # Errors
    /// [`CoreError::File`] when the file cannot be written.
    pub fn write_csv(&self, path: &Path) -> Result<()> {
        crate::atomic::write_with(path, |out| {
            let mut writer = csv::Writer::from_writer(out);
            writer.write_record((0..self.d).map(|k| format!("x{k}")))?;
            for p in self.iter() {
                writer.write_record(p.iter().map(|v| format!("{v:.17e}")))?;
            }
            writer.flush()
        })
        .map_err(|e| CoreError::file(path, e.to_string()))
    }
}

/// A point-cloud CSV (header `x0,x1,...`) read in chunks of at most `rows` points, so that a
/// file of any length is processed in bounded memory; each chunk is checked as
/// [`Points::read_csv`] checks the whole file.
pub struct CsvChunks {
    path: std::path::PathBuf,
    reader: csv::Reader<crate::bounds::LineLimited<std::io::BufReader<std::fs::File>>>,
    d: usize,
    rows: usize,
    line: usize,
    record: csv::StringRecord,
}

impl CsvChunks {
    /// Opens `path` and checks its header.
    ///
    /// # Errors
    /// [`CoreError::File`] for an unreadable file or a bad header.
    pub fn open(path: &Path, rows: usize) -> Result<Self> {
        let file_err = |m: String| CoreError::file(path, m);
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(crate::bounds::open_text(path)?);
        let header = reader
            .headers()
            .map_err(|e| file_err(format!("cannot read header: {e}")))?
            .clone();
        for (k, name) in header.iter().enumerate() {
            if name != format!("x{k}") {
                return Err(file_err(format!(
                    "header field {} is `{name}`, expected `x{k}` (header must be x0,x1,...)",
                    k + 1
                )));
            }
        }
        Ok(Self {
            path: path.to_path_buf(),
            reader,
            d: header.len(),
            rows: rows.max(1),
            line: 1,
            record: csv::StringRecord::new(),
        })
    }

    /// Dimension of the points.
    pub fn d(&self) -> usize {
        self.d
    }

    fn next_chunk(&mut self) -> Result<Option<Points>> {
        let d = self.d;
        let file_err = |m: String| CoreError::file(&self.path, m);
        let mut data = Vec::new();
        while data.len() / d.max(1) < self.rows {
            let more = self
                .reader
                .read_record(&mut self.record)
                .map_err(|e| file_err(format!("line {}: {e}", self.line + 1)))?;
            if !more {
                break;
            }
            // The csv reader's own line count: blank lines and quoted newlines included.
            self.line = self
                .record
                .position()
                .map_or(self.line + 1, |p| p.line() as usize);
            let line = self.line;
            if self.record.len() != d {
                return Err(file_err(format!(
                    "line {line}: {} fields, expected {d}",
                    self.record.len()
                )));
            }
            for (k, field) in self.record.iter().enumerate() {
                let v: f64 = field.parse().map_err(|_| {
                    file_err(format!(
                        "line {line}, field x{k}: `{field}` is not a number"
                    ))
                })?;
                if !v.is_finite() {
                    return Err(file_err(format!(
                        "line {line}, field x{k}: `{field}` is not finite"
                    )));
                }
                data.push(v);
            }
        }
        if data.is_empty() {
            return Ok(None);
        }
        Points::new(d, data).map(Some)
    }
}

impl Iterator for CsvChunks {
    type Item = Result<Points>;

    fn next(&mut self) -> Option<Result<Points>> {
        self.next_chunk().transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &tempfile::TempDir, text: &str) -> std::path::PathBuf {
        let path = dir.path().join("p.csv");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn csv_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let p = Points::new(2, vec![0.1, -2.0, 3.5, 1e-9]).unwrap();
        let path = dir.path().join("a.csv");
        p.write_csv(&path).unwrap();
        assert_eq!(Points::read_csv(&path).unwrap(), p);
    }

    #[test]
    fn csv_errors_name_line_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            ("x0,y\n1,2\n", "header field 2 is `y`"),
            ("x0,x1\n1,2\n3\n", "line 3"),
            ("x0,x1\n1,abc\n", "line 2, field x1: `abc` is not a number"),
            ("x0,x1\n1,NaN\n", "not finite"),
            ("x0,x1\n", "no points"),
        ];
        for (text, expected) in cases {
            let err = Points::read_csv(&write(&dir, text))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(expected),
                "`{err}` should contain `{expected}`"
            );
            assert!(err.contains("p.csv"), "`{err}` should name the file");
        }
        let missing = Points::read_csv(&dir.path().join("missing.csv")).unwrap_err();
        assert!(missing.to_string().contains("cannot open"));
    }
}
