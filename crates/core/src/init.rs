//! Initial particle positions: uniform on a box or a ball, a regular grid, a Gaussian,
//! or a point-cloud CSV.

use std::path::PathBuf;

use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::validate::{check_box, check_len, check_positive};
use crate::{CoreError, Grid, Points, Result};

/// How the N particles start (TOML table `[particles.init]`, selected by `kind`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum InitConfig {
    /// I.i.d. uniform on `prod_k [lo_k, hi_k]`.
    UniformBox {
        /// Lower corner.
        lo: Vec<f64>,
        /// Upper corner.
        hi: Vec<f64>,
    },
    /// I.i.d. uniform on the ball of `radius` around `center`.
    UniformBall {
        /// Centre.
        center: Vec<f64>,
        /// Radius (> 0).
        radius: f64,
    },
    /// Cell centres of a regular grid on the box; `n` must be a perfect d-th power.
    Grid {
        /// Lower corner.
        lo: Vec<f64>,
        /// Upper corner.
        hi: Vec<f64>,
    },
    /// I.i.d. Gaussian with diagonal covariance `diag(std^2)`.
    Gaussian {
        /// Mean.
        mean: Vec<f64>,
        /// Standard deviation per axis (> 0).
        std: Vec<f64>,
    },
    /// Points read from a CSV (`x0,x1,...`); `n` must match the number of rows.
    Csv {
        /// The file (relative paths are taken from the working directory).
        path: PathBuf,
    },
}

impl InitConfig {
    /// Dimension implied by the initialiser (`None` for a CSV until it is read).
    pub fn dim(&self) -> Option<usize> {
        match self {
            Self::UniformBox { lo, .. } | Self::Grid { lo, .. } => Some(lo.len()),
            Self::UniformBall { center, .. } => Some(center.len()),
            Self::Gaussian { mean, .. } => Some(mean.len()),
            Self::Csv { .. } => None,
        }
    }

    /// Checks the parameters; `key` is the TOML path of this table.
    ///
    /// # Errors
    /// [`CoreError::Config`] naming the key and the expected range.
    pub fn validate(&self, key: &str, n: usize) -> Result<()> {
        match self {
            Self::UniformBox { lo, hi } => check_box(key, lo, hi),
            Self::Grid { lo, hi } => {
                check_box(key, lo, hi)?;
                grid_side(n, lo.len()).map(|_| ()).ok_or_else(|| {
                    CoreError::config(
                        format!("{key}.kind"),
                        format!("a grid needs n = m^{} particles, found n = {n}", lo.len()),
                    )
                })
            }
            Self::UniformBall { center, radius } => {
                check_len(&format!("{key}.center"), center, None)?;
                check_positive(&format!("{key}.radius"), *radius)
            }
            Self::Gaussian { mean, std } => {
                check_len(&format!("{key}.mean"), mean, None)?;
                check_len(&format!("{key}.std"), std, Some(mean.len()))?;
                for s in std {
                    check_positive(&format!("{key}.std"), *s)?;
                }
                Ok(())
            }
            Self::Csv { .. } => Ok(()),
        }
    }

    /// Draws (or reads) `n` initial positions.
    ///
    /// # Errors
    /// CSV errors, or [`CoreError::Config`] when a CSV holds a different number of points.
    pub fn sample(&self, n: usize, rng: &mut impl Rng) -> Result<Points> {
        let data = match self {
            Self::UniformBox { lo, hi } => (0..n)
                .flat_map(|_| {
                    lo.iter()
                        .zip(hi)
                        .map(|(a, b)| rng.random_range(*a..*b))
                        .collect::<Vec<_>>()
                })
                .collect(),
            Self::UniformBall { center, radius } => {
                let d = center.len();
                let mut data = Vec::with_capacity(n * d);
                for _ in 0..n {
                    let dir: Vec<f64> = (0..d).map(|_| rng.sample(StandardNormal)).collect();
                    let norm = dir.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-300);
                    let r = radius * rng.random::<f64>().powf(1.0 / d as f64);
                    data.extend(center.iter().zip(&dir).map(|(c, u)| c + r * u / norm));
                }
                data
            }
            Self::Grid { lo, hi } => {
                let side = grid_side(n, lo.len()).ok_or_else(|| {
                    CoreError::config("particles.n", format!("{n} is not a perfect power"))
                })?;
                Grid::new(lo.clone(), hi.clone(), vec![side; lo.len()])?.centres()
            }
            Self::Gaussian { mean, std } => (0..n)
                .flat_map(|_| {
                    mean.iter()
                        .zip(std)
                        .map(|(m, s)| m + s * Distribution::<f64>::sample(&StandardNormal, rng))
                        .collect::<Vec<_>>()
                })
                .collect(),
            Self::Csv { path } => {
                let points = Points::read_csv(path)?;
                if points.n() != n {
                    return Err(CoreError::config(
                        "particles.n",
                        format!("is {n} but {} holds {} points", path.display(), points.n()),
                    ));
                }
                return Ok(points);
            }
        };
        let d = self
            .dim()
            .expect("non-CSV initialisers know their dimension");
        Points::new(d, data)
    }
}

/// `m` with `m^d == n`, if any.
fn grid_side(n: usize, d: usize) -> Option<usize> {
    let m = (n as f64).powf(1.0 / d as f64).round() as usize;
    (m.checked_pow(d as u32) == Some(n) && m > 0).then_some(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RunRng;
    use rand::SeedableRng;

    #[test]
    fn initialisers_land_where_asked() {
        let mut rng = RunRng::seed_from_u64(1);
        let ball = InitConfig::UniformBall {
            center: vec![1.0, 1.0],
            radius: 0.5,
        };
        let p = ball.sample(2000, &mut rng).unwrap();
        let radii: Vec<f64> = p
            .iter()
            .map(|x| ((x[0] - 1.0).powi(2) + (x[1] - 1.0).powi(2)).sqrt())
            .collect();
        assert!(radii.iter().all(|r| *r <= 0.5));
        // Uniform in a disk: E r^2 = R^2 / 2.
        let mean_r2 = radii.iter().map(|r| r * r).sum::<f64>() / 2000.0;
        assert!((mean_r2 - 0.125).abs() < 0.005, "{mean_r2}");

        let grid = InitConfig::Grid {
            lo: vec![0.0, 0.0],
            hi: vec![1.0, 2.0],
        };
        let g = grid.sample(16, &mut rng).unwrap();
        assert_eq!(g.point(0), &[0.125, 0.25]);
        assert!(grid.validate("particles.init", 15).is_err());

        let gauss = InitConfig::Gaussian {
            mean: vec![0.0, 3.0],
            std: vec![1.0, 0.1],
        };
        let s = gauss.sample(20000, &mut rng).unwrap();
        let m1 = s.column(1).iter().sum::<f64>() / 20000.0;
        assert!((m1 - 3.0).abs() < 0.005);
    }

    #[test]
    fn bad_parameters_name_the_key() {
        let bad = InitConfig::Gaussian {
            mean: vec![0.0, 0.0],
            std: vec![1.0],
        };
        let err = bad.validate("particles.init", 10).unwrap_err().to_string();
        assert!(err.contains("particles.init.std"), "{err}");
    }
}
