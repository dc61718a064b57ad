//! Gaussian kernel density estimate of a weighted point cloud, on a grid.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::gridding::Lattice;
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
/// means `1/n` each. By Gaussian gridding ([`crate::gridding`], O(N 21^d + cells x taps),
/// within 1e-7 of the peak) in d <= 3, on the grid refined by an odd factor up to 15 where `h`
/// is below 1.85 grid spacings; else summed directly ([`kde_on_grid_direct`], the test
/// oracle).
///
/// # Errors
/// [`CoreError::Shape`] when dimensions or weight counts disagree.
pub fn kde_on_grid(
    points: &Points,
    weights: Option<&[f64]>,
    grid: &Grid,
    h: f64,
) -> Result<Vec<f64>> {
    /// On the grid's centres refined by the smallest odd factor that resolves `h` (the
    /// coarse centres are fine nodes), `None` beyond a factor of 15.
    fn gridded<const D: usize>(
        points: &Points,
        m: &[f64],
        grid: &Grid,
        h: f64,
    ) -> Option<Vec<f64>> {
        let coarse = (0..D).map(|k| grid.spacing(k)).fold(0.0f64, f64::max);
        let factor = (1..=15)
            .step_by(2)
            .find(|f| 1.85 * coarse / *f as f64 <= h)?;
        let lattice = Lattice::<D> {
            first: std::array::from_fn(|k| grid.lo()[k] + 0.5 * grid.spacing(k) / factor as f64),
            spacing: std::array::from_fn(|k| grid.spacing(k) / factor as f64),
            count: std::array::from_fn(|k| grid.cells()[k] * factor),
        };
        let fine = lattice.gaussian_sum(points.as_slice(), m, h);
        let strides: [usize; D] = std::array::from_fn(|k| lattice.count[k + 1..].iter().product());
        let centre = (factor - 1) / 2;
        Some(
            (0..grid.len())
                .map(|q| {
                    let mut rest = q;
                    let mut node = 0;
                    for k in (0..D).rev() {
                        node += (rest % grid.cells()[k] * factor + centre) * strides[k];
                        rest /= grid.cells()[k];
                    }
                    fine[node]
                })
                .collect(),
        )
    }
    check_shapes(points, weights, grid)?;
    let uniform;
    let m = match weights {
        Some(w) => w,
        None => {
            uniform = vec![1.0 / points.n() as f64; points.n()];
            &uniform
        }
    };
    let fast = match grid.d() {
        1 => gridded::<1>(points, m, grid, h),
        2 => gridded::<2>(points, m, grid, h),
        3 => gridded::<3>(points, m, grid, h),
        _ => None,
    };
    match fast {
        Some(kde) => Ok(kde),
        None => kde_on_grid_direct(points, weights, grid, h),
    }
}

fn check_shapes(points: &Points, weights: Option<&[f64]>, grid: &Grid) -> Result<()> {
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
    Ok(())
}

/// [`kde_on_grid`] summed over every particle and cell centre: O(N x cells).
///
/// # Errors
/// [`CoreError::Shape`] when dimensions or weight counts disagree.
pub fn kde_on_grid_direct(
    points: &Points,
    weights: Option<&[f64]>,
    grid: &Grid,
    h: f64,
) -> Result<Vec<f64>> {
    check_shapes(points, weights, grid)?;
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
    use crate::RunRng;
    use rand::SeedableRng;

    use super::*;
    use crate::target::{Gaussian, Target};

    /// The gridded KDE equals the direct sum (weighted, particles beyond the grid, d = 1, 2),
    /// on refined lattices below 1.85 spacings and directly below 1.85/15.
    #[test]
    fn gridded_equals_direct() {
        let mut rng = RunRng::seed_from_u64(5);
        for d in [1usize, 2] {
            let points = Gaussian::new(vec![0.1; d], vec![0.6; d]).sample(500, &mut rng);
            let w: Vec<f64> = (0..500).map(|i| (1 + i % 4) as f64 / 1250.0).collect();
            let grid = Grid::new(vec![-1.0; d], vec![1.2; d], vec![50; d]).unwrap();
            for h in [0.1, 0.3, 0.05, 0.02, 0.004] {
                let fast = kde_on_grid(&points, Some(&w), &grid, h).unwrap();
                let direct = kde_on_grid_direct(&points, Some(&w), &grid, h).unwrap();
                let peak = direct.iter().fold(0.0f64, |a, b| a.max(*b));
                for (a, b) in fast.iter().zip(&direct) {
                    assert!((a - b).abs() < 1e-7 * peak, "d = {d}, h = {h}: {a} vs {b}");
                }
            }
        }
    }

    /// The KDE of many Gaussian samples is close to the density, in L1 on the grid.
    #[test]
    fn kde_recovers_a_gaussian() {
        let target = Gaussian::new(vec![0.3, -0.2], vec![0.5, 0.3]);
        let mut rng = RunRng::seed_from_u64(2);
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
