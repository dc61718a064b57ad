//! Target densities `rhobar`: log-density, evaluation on a grid, sampling.

mod barenblatt;
mod gaussian;
mod image;
mod mixture;
mod piecewise;
mod uniform_box;

pub use barenblatt::Barenblatt;
pub use gaussian::Gaussian;
pub use image::image_density;
pub use mixture::Mixture;
pub use piecewise::PiecewiseConstant;
pub use uniform_box::UniformBox;

use std::path::PathBuf;
use std::sync::Arc;

use burn::tensor::Tensor;
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::validate::{check_box, check_len, check_positive};
use crate::{CoreError, Grid, Points, Result};

/// A probability density on R^d.
pub trait Target: Send + Sync + std::fmt::Debug {
    /// Dimension.
    fn dim(&self) -> usize;
    /// Density at `x` (normalised to mass 1).
    fn density(&self, x: &[f64]) -> f64;
    /// Log-density at `x` (`-inf` outside the support).
    fn log_density(&self, x: &[f64]) -> f64 {
        self.density(x).ln()
    }
    /// `n` i.i.d. samples.
    fn sample(&self, n: usize, rng: &mut dyn Rng) -> Points;
    /// Log-density as a differentiable tensor expression, for smooth targets only.
    ///
    /// # Shapes
    /// `x: [n, d]` -> `[n]`.
    fn log_density_tensor(&self, _x: Tensor<2>) -> Option<Tensor<1>> {
        None
    }
    /// The density at every cell centre of `grid`, row-major.
    fn density_on_grid(&self, grid: &Grid) -> Vec<f64> {
        grid.centres()
            .chunks_exact(grid.d())
            .map(|x| self.density(x))
            .collect()
    }
}

/// One Gaussian component of a mixture (TOML `{ weight, mean, std }`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentConfig {
    /// Mixture weight (> 0; weights are normalised).
    pub weight: f64,
    /// Mean.
    pub mean: Vec<f64>,
    /// Standard deviation per axis (> 0), or one value for all axes.
    pub std: Vec<f64>,
}

/// A target density in a config (TOML table `[target]`, selected by `kind`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TargetConfig {
    /// The mass-1 Barenblatt solution of `d_t rho = 1/2 Lap(rho^2)` at time `time`.
    Barenblatt {
        /// Dimension (1..=3).
        dim: usize,
        /// Time (> 0).
        time: f64,
    },
    /// Uniform on a box.
    UniformBox {
        /// Lower corner.
        lo: Vec<f64>,
        /// Upper corner.
        hi: Vec<f64>,
    },
    /// Gaussian with diagonal covariance; one `std` value means isotropic.
    Gaussian {
        /// Mean.
        mean: Vec<f64>,
        /// Standard deviation per axis, or one value for all axes.
        std: Vec<f64>,
    },
    /// Mixture of diagonal Gaussians.
    Mixture {
        /// The components.
        components: Vec<ComponentConfig>,
    },
    /// Piecewise constant on the cells of a grid over a box (values row-major, last axis fastest).
    Piecewise {
        /// Lower corner.
        lo: Vec<f64>,
        /// Upper corner.
        hi: Vec<f64>,
        /// Cells per axis.
        cells: Vec<usize>,
        /// Non-negative value per cell (normalised to mass 1).
        values: Vec<f64>,
    },
    /// Density proportional to a grayscale PNG's brightness, stretched over a 2-D box.
    Image {
        /// The PNG file.
        path: PathBuf,
        /// Lower corner.
        lo: Vec<f64>,
        /// Upper corner.
        hi: Vec<f64>,
        /// Use darkness instead of brightness (a black shape on white).
        #[serde(default)]
        invert: bool,
    },
}

impl TargetConfig {
    /// The dimension the config declares, read without building the target (`None` for a
    /// mixture without components).
    pub fn dim(&self) -> Option<usize> {
        match self {
            Self::Barenblatt { dim, .. } => Some(*dim),
            Self::UniformBox { lo, .. } | Self::Piecewise { lo, .. } => Some(lo.len()),
            Self::Image { .. } => Some(2),
            Self::Gaussian { mean, .. } => Some(mean.len()),
            Self::Mixture { components } => components.first().map(|c| c.mean.len()),
        }
    }

    /// Builds the target and checks that it has dimension `d` (that of the particles).
    ///
    /// # Errors
    /// [`Self::build`]'s, and [`CoreError::Config`] under `key` for another dimension.
    pub fn build_for(&self, key: &str, d: usize) -> Result<Arc<dyn Target>> {
        let target: Arc<dyn Target> = self.build(key)?.into();
        if target.dim() != d {
            return Err(CoreError::config(
                key,
                format!("has dimension {}, the particles have {d}", target.dim()),
            ));
        }
        Ok(target)
    }

    /// Builds the target, validating every parameter; `key` is the TOML path of this table.
    ///
    /// # Errors
    /// [`CoreError::Config`] naming the key, or [`CoreError::File`] for an unreadable PNG.
    pub fn build(&self, key: &str) -> Result<Box<dyn Target>> {
        Ok(match self {
            Self::Barenblatt { dim, time } => {
                if !(1..=3).contains(dim) {
                    return Err(CoreError::config(
                        format!("{key}.dim"),
                        format!("must be in 1..=3, found {dim}"),
                    ));
                }
                check_positive(&format!("{key}.time"), *time)?;
                Box::new(Barenblatt::new(*dim, *time))
            }
            Self::UniformBox { lo, hi } => {
                check_box(key, lo, hi)?;
                Box::new(UniformBox::new(lo.clone(), hi.clone()))
            }
            Self::Gaussian { mean, std } => Box::new(gaussian_from(key, mean, std)?),
            Self::Mixture { components } => {
                if components.is_empty() {
                    return Err(CoreError::config(
                        format!("{key}.components"),
                        "needs at least one component",
                    ));
                }
                let mut parts = Vec::new();
                for (i, c) in components.iter().enumerate() {
                    let ckey = format!("{key}.components[{i}]");
                    check_positive(&format!("{ckey}.weight"), c.weight)?;
                    parts.push((c.weight, gaussian_from(&ckey, &c.mean, &c.std)?));
                }
                let d = parts[0].1.dim();
                if let Some(i) = parts.iter().position(|(_, g)| g.dim() != d) {
                    return Err(CoreError::config(
                        format!("{key}.components[{i}].mean"),
                        format!("has dimension {}, component 0 has {d}", parts[i].1.dim()),
                    ));
                }
                Box::new(Mixture::new(parts))
            }
            Self::Piecewise {
                lo,
                hi,
                cells,
                values,
            } => {
                check_box(key, lo, hi)?;
                let grid = Grid::new(lo.clone(), hi.clone(), cells.clone())
                    .map_err(|e| CoreError::config(format!("{key}.cells"), e.to_string()))?;
                Box::new(PiecewiseConstant::new(
                    grid,
                    values.clone(),
                    &format!("{key}.values"),
                )?)
            }
            Self::Image {
                path,
                lo,
                hi,
                invert,
            } => {
                check_box(key, lo, hi)?;
                if lo.len() != 2 {
                    return Err(CoreError::config(
                        format!("{key}.lo"),
                        format!("an image target is 2-D, found dimension {}", lo.len()),
                    ));
                }
                Box::new(image_density(path, lo, hi, *invert)?)
            }
        })
    }
}

fn gaussian_from(key: &str, mean: &[f64], std: &[f64]) -> Result<Gaussian> {
    check_len(&format!("{key}.mean"), mean, None)?;
    let std = match std.len() {
        1 => vec![std[0]; mean.len()],
        _ => {
            check_len(&format!("{key}.std"), std, Some(mean.len()))?;
            std.to_vec()
        }
    };
    for s in &std {
        check_positive(&format!("{key}.std"), *s)?;
    }
    Ok(Gaussian::new(mean.to_vec(), std))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// Riemann sum of the density on a fine grid: every target has mass 1 on its support.
    #[test]
    fn every_target_has_unit_mass() {
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("t.png");
        let mut img = ::image::GrayImage::new(4, 3);
        img.put_pixel(1, 0, ::image::Luma([200]));
        img.put_pixel(3, 2, ::image::Luma([100]));
        img.save(&png).unwrap();
        let configs = [
            "kind = 'uniform_box'\nlo = [0, 0]\nhi = [2, 1]",
            "kind = 'gaussian'\nmean = [0.5, 0.5]\nstd = [0.3, 0.2]",
            "kind = 'mixture'\ncomponents = [{ weight = 1, mean = [0, 0], std = [0.3] }, { weight = 3, mean = [1, 1], std = [0.2, 0.4] }]",
            "kind = 'piecewise'\nlo = [0, 0]\nhi = [1, 2]\ncells = [2, 2]\nvalues = [1, 0, 2, 5]",
            &format!(
                "kind = 'image'\npath = '{}'\nlo = [0, 0]\nhi = [2, 1.5]",
                png.display()
            ),
        ];
        let grid = Grid::new(vec![-2.0, -2.0], vec![3.0, 3.5], vec![500, 550]).unwrap();
        for text in configs {
            let target = toml::from_str::<TargetConfig>(text)
                .unwrap()
                .build("target")
                .unwrap();
            let mass: f64 = target.density_on_grid(&grid).iter().sum::<f64>() * grid.cell_volume();
            assert!((mass - 1.0).abs() < 2e-3, "{text}: mass {mass}");
            // Samples land where the density is positive.
            let mut rng = crate::RunRng::seed_from_u64(3);
            let s = target.sample(500, &mut rng);
            assert!(s.iter().all(|x| target.density(x) > 0.0), "{text}");
        }
    }

    #[test]
    fn bad_targets_name_the_key() {
        let cases = [
            (
                "kind = 'gaussian'\nmean = [0, 0]\nstd = [0.0]",
                "target.std",
            ),
            ("kind = 'uniform_box'\nlo = [0]\nhi = [0]", "target"),
            (
                "kind = 'piecewise'\nlo = [0]\nhi = [1]\ncells = [2]\nvalues = [0, 0]",
                "target.values",
            ),
            (
                "kind = 'image'\npath = 'nope.png'\nlo = [0, 0]\nhi = [1, 1]",
                "nope.png",
            ),
        ];
        for (text, key) in cases {
            let err = toml::from_str::<TargetConfig>(text)
                .unwrap()
                .build("target")
                .unwrap_err();
            assert!(err.to_string().contains(key), "{err}");
        }
    }
}
