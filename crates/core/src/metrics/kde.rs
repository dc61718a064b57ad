//! Gaussian kernel density estimate of a weighted point cloud, on a grid.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::validate::check_positive;
use crate::{CoreError, GaussianMollifier, Grid, Mollifier, Points, Result};

/// KDE bandwidth: a rule of thumb or a fixed value (TOML `"silverman"`, `"scott"` or a number).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Bandwidth {
    /// A rule of thumb by name.
    Rule(BandwidthRule),
    /// A fixed bandwidth (> 0).
    Fixed(f64),
}

impl Default for Bandwidth {
    fn default() -> Self {
        Self::Rule(BandwidthRule::Silverman)
    }
}

/// Named bandwidth rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BandwidthRule {
    /// `h = (4 / (d + 2))^(1/(d+4)) n^(-1/(d+4)) sigma`.
    Silverman,
    /// `h = n^(-1/(d+4)) sigma`.
    Scott,
}

impl Bandwidth {
    /// Checks a fixed bandwidth.
    ///
    /// # Errors
    /// [`CoreError::Config`] under `key`.
    pub fn validate(&self, key: &str) -> Result<()> {
        match self {
            Self::Fixed(h) => check_positive(key, *h),
            _ => Ok(()),
        }
    }

    /// The bandwidth for `points` (sigma = mean per-axis standard deviation).
    pub fn resolve(&self, points: &Points) -> f64 {
        let (n, d) = (points.n() as f64, points.d() as f64);
        let sigma = (0..points.d())
            .map(|k| {
                let c = points.column(k);
                let m = c.iter().sum::<f64>() / n;
                (c.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt()
            })
            .sum::<f64>()
            / d;
        let sigma = if sigma > 0.0 { sigma } else { 1e-3 };
        match self {
            Self::Fixed(h) => *h,
            Self::Rule(BandwidthRule::Scott) => n.powf(-1.0 / (d + 4.0)) * sigma,
            Self::Rule(BandwidthRule::Silverman) => {
                (4.0 / (d + 2.0)).powf(1.0 / (d + 4.0)) * n.powf(-1.0 / (d + 4.0)) * sigma
            }
        }
    }
}

/// `sum_i w_i phi_h(z - x_i)` at every cell centre `z` of `grid` (row-major); `weights = None`
/// means `1/n` each.
///
/// # Errors
/// [`CoreError::Shape`] when dimensions or weight counts disagree.
pub fn kde_on_grid(
    points: &Points,
    weights: Option<&[f64]>,
    grid: &Grid,
    h: f64,
) -> Result<Vec<f64>> {
    if grid.d() != points.d() {
        return Err(CoreError::Shape(format!(
            "grid has dimension {}, points have {}",
            grid.d(),
            points.d()
        )));
    }
    if let Some(w) = weights.filter(|w| w.len() != points.n()) {
        return Err(CoreError::Shape(format!(
            "weights have length {}, points have {} rows",
            w.len(),
            points.n()
        )));
    }
    let uniform = 1.0 / points.n() as f64;
    let phi = GaussianMollifier::new(h);
    let d = points.d();
    Ok(grid
        .centres()
        .par_chunks(d)
        .map(|z| {
            points
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    let r2 = crate::squared_distance(z, x);
                    weights.map_or(uniform, |w| w[i]) * phi.value(r2, d)
                })
                .sum()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;
    use crate::target::{Gaussian, Target};

    /// The KDE of many Gaussian samples is close to the density, in L1 on the grid.
    #[test]
    fn kde_recovers_a_gaussian() {
        let target = Gaussian::new(vec![0.3, -0.2], vec![0.5, 0.3]);
        let mut rng = StdRng::seed_from_u64(2);
        let points = target.sample(20_000, &mut rng);
        let grid = Grid::new(vec![-2.0, -2.0], vec![2.5, 1.5], vec![60, 60]).unwrap();
        let h = Bandwidth::default().resolve(&points);
        assert!(
            (h - 0.96 * 20_000f64.powf(-1.0 / 6.0) * 0.4).abs() < 0.01,
            "{h}"
        );
        let kde = kde_on_grid(&points, None, &grid, h).unwrap();
        let l1: f64 = kde
            .iter()
            .zip(target.density_on_grid(&grid))
            .map(|(p, q)| (p - q).abs())
            .sum::<f64>()
            * grid.cell_volume();
        assert!(l1 < 0.08, "L1 = {l1}");
        let mass: f64 = kde.iter().sum::<f64>() * grid.cell_volume();
        assert!((mass - 1.0).abs() < 1e-3, "{mass}");
    }
}
