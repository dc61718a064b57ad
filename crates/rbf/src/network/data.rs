//! Training data `(z_k, y_k)` with sample weights `w_k` (the data measure nu).

use std::path::Path;

use meanfield_core::{CoreError, Result};

use super::config::DataConfig;
use rand::Rng;
use rand::seq::SliceRandom;
use rand::seq::index::sample;
use rand_distr::{Distribution, Normal};

/// Points `z: [K, d]` (row-major), labels `y`, weights `w` (summing to 1 unless read from a
/// `w` column).
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Dimension.
    pub d: usize,
    /// Inputs, row-major.
    pub z: Vec<f64>,
    /// Labels.
    pub y: Vec<f64>,
    /// Sample weights.
    pub w: Vec<f64>,
}

impl Dataset {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// True when there are no samples.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// Reads or generates the data of a config.
    ///
    /// # Errors
    /// CSV errors (file, line, column); target errors of `nu`.
    pub fn from_config(config: &DataConfig, rng: &mut impl Rng) -> Result<Self> {
        match config {
            DataConfig::Csv { path } => Self::read_csv(path),
            DataConfig::Function {
                f0,
                nu,
                samples,
                noise,
            } => {
                let nu = nu.build("network.data.nu")?;
                let z = nu.sample(*samples, rng);
                let normal = Normal::new(0.0, noise.max(0.0))
                    .map_err(|e| CoreError::config("network.data.noise", e.to_string()))?;
                let y = z.iter().map(|p| f0.eval(p) + normal.sample(rng)).collect();
                Ok(Self {
                    d: z.d(),
                    z: z.as_slice().to_vec(),
                    y,
                    w: vec![1.0 / *samples as f64; *samples],
                })
            }
        }
    }

    /// Reads `z0..z{d-1}, y[, w]`.
    ///
    /// # Errors
    /// [`CoreError::File`] naming the file, line and field.
    pub fn read_csv(path: &Path) -> Result<Self> {
        let mut reader = csv::Reader::from_reader(meanfield_core::bounds::open_text(path)?);
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| CoreError::file(path, e.to_string()))?
            .iter()
            .map(str::to_string)
            .collect();
        let d = header.iter().take_while(|h| h.starts_with('z')).count();
        let expected: Vec<String> = (0..d).map(|k| format!("z{k}")).collect();
        let tail = &header[d..];
        if d == 0 || header[..d] != expected[..] || !(tail == ["y"] || tail == ["y", "w"]) {
            return Err(CoreError::file(
                path,
                format!(
                    "header `{}`: expected z0,..,z{{d-1}},y[,w]",
                    header.join(",")
                ),
            ));
        }
        let weighted = tail.len() == 2;
        let (mut z, mut y, mut w) = (Vec::new(), Vec::new(), Vec::new());
        for (row, record) in reader.records().enumerate() {
            let line = row + 2;
            let record = record.map_err(|e| CoreError::file(path, format!("line {line}: {e}")))?;
            if record.len() != header.len() {
                return Err(CoreError::file(
                    path,
                    format!(
                        "line {line}: {} fields, expected {}",
                        record.len(),
                        header.len()
                    ),
                ));
            }
            let values: Vec<f64> = record
                .iter()
                .enumerate()
                .map(|(k, v)| {
                    v.trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|x| x.is_finite())
                        .ok_or_else(|| {
                            CoreError::file(
                                path,
                                format!(
                                    "line {line}, field `{}`: `{v}` is not a finite number",
                                    header[k]
                                ),
                            )
                        })
                })
                .collect::<Result<_>>()?;
            z.extend_from_slice(&values[..d]);
            y.push(values[d]);
            if weighted {
                let weight = values[d + 1];
                if weight < 0.0 {
                    return Err(CoreError::file(
                        path,
                        format!("line {line}, field `w`: the weight {weight} is negative"),
                    ));
                }
                w.push(weight);
            }
        }
        if y.len() < 2 {
            return Err(CoreError::file(path, "needs at least two rows"));
        }
        if !weighted {
            w = vec![1.0 / y.len() as f64; y.len()];
        } else if w.iter().sum::<f64>() <= 0.0 {
            return Err(CoreError::file(path, "the weights (column `w`) are all 0"));
        }
        Ok(Self { d, z, y, w })
    }

    /// The rows `idx`, their weights scaled by `len / idx.len()` so that a subsample's loss
    /// estimates the whole set's.
    fn rows(&self, idx: &[usize]) -> Self {
        let d = self.d;
        let scale = self.len() as f64 / idx.len().max(1) as f64;
        Self {
            d,
            z: idx
                .iter()
                .flat_map(|i| self.z[i * d..(i + 1) * d].iter().copied())
                .collect(),
            y: idx.iter().map(|i| self.y[*i]).collect(),
            w: idx.iter().map(|i| self.w[*i] * scale).collect(),
        }
    }

    /// `k` rows drawn without replacement (all of them, in order, when `k >= len`).
    pub fn sample_rows(&self, k: usize, rng: &mut impl Rng) -> Self {
        if k >= self.len() {
            return self.clone();
        }
        self.rows(&sample(rng, self.len(), k).into_vec())
    }

    /// A seeded shuffle split into (train, validation); each part's weights rescaled to the
    /// part's share of the total.
    pub fn split(&self, validation_fraction: f64, rng: &mut impl Rng) -> (Self, Self) {
        let k = self.len();
        let n_val = ((validation_fraction * k as f64).round() as usize).min(k - 1);
        let mut order: Vec<usize> = (0..k).collect();
        if n_val > 0 {
            order.shuffle(rng);
        }
        let part = |idx: &[usize]| {
            let total: f64 = idx.iter().map(|i| self.w[*i]).sum();
            let all: f64 = self.w.iter().sum();
            Self {
                d: self.d,
                z: idx
                    .iter()
                    .flat_map(|i| self.z[i * self.d..(i + 1) * self.d].iter().copied())
                    .collect(),
                y: idx.iter().map(|i| self.y[*i]).collect(),
                w: idx
                    .iter()
                    .map(|i| self.w[*i] * all / total.max(f64::MIN_POSITIVE))
                    .collect(),
            }
        };
        (part(&order[n_val..]), part(&order[..n_val]))
    }
}
