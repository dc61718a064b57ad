//! Per-step and final diagnostics of a particle flow.

use std::sync::Arc;

use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::config::MetricsConfig;
use crate::metrics::{
    Bandwidth, covariance, distances_to_mean, kde_on_grid, kl_on_grid, l1_on_grid, mean,
    mmd_gaussian,
};
use crate::target::Target;
use crate::{Grid, Points, Result};

/// Computes moments, radii and (with a target, d <= 2) KL and L1 of the KDE on a fixed grid.
#[derive(Debug)]
pub struct Diagnostics {
    target: Option<Arc<dyn Target>>,
    grid: Option<(Grid, Vec<f64>)>,
    bandwidth: Bandwidth,
    mmd_samples: usize,
    mmd_bandwidth: f64,
}

impl Diagnostics {
    /// Sets up the KDE grid: the configured box, else the target's samples' box, padded.
    ///
    /// # Errors
    /// Grid errors for a bad configured box.
    pub fn new(
        config: &MetricsConfig,
        target: Option<Arc<dyn Target>>,
        x0: &Points,
    ) -> Result<Self> {
        let d = x0.d();
        let grid = match &target {
            Some(t) if d <= 2 => {
                let (lo, hi) = match (&config.grid_lo, &config.grid_hi) {
                    (Some(lo), Some(hi)) => (lo.clone(), hi.clone()),
                    _ => padded_box(&t.sample(4000, &mut StdRng::seed_from_u64(0)), 0.25),
                };
                let grid = Grid::new(lo, hi, vec![config.grid_cells; d])?;
                let density = t.density_on_grid(&grid);
                Some((grid, density))
            }
            _ => None,
        };
        Ok(Self {
            target,
            grid,
            bandwidth: config.kde_bandwidth,
            mmd_samples: config.mmd_samples,
            mmd_bandwidth: config.mmd_bandwidth,
        })
    }

    /// Diagnostics logged at every logged step.
    ///
    /// # Errors
    /// KDE/KL errors (e.g. no mass on the target's support).
    pub fn evaluate(&self, positions: &Points) -> Result<Vec<(String, f64)>> {
        let d = positions.d();
        let m = mean(positions, None);
        let cov = covariance(positions, None);
        let mut out: Vec<(String, f64)> = m
            .iter()
            .enumerate()
            .map(|(k, v)| (format!("mean_x{k}"), *v))
            .collect();
        out.push(("variance".into(), (0..d).map(|k| cov[k * d + k]).sum()));
        let radii = distances_to_mean(positions);
        let n = radii.len() as f64;
        let r_mean = radii.iter().sum::<f64>() / n;
        let r_std = (radii.iter().map(|r| (r - r_mean).powi(2)).sum::<f64>() / n).sqrt();
        out.push(("radius_mean".into(), r_mean));
        out.push(("radius_std".into(), r_std));
        out.push((
            "radius_max".into(),
            radii.iter().cloned().fold(0.0, f64::max),
        ));
        if let Some((grid, density)) = &self.grid {
            let kde = kde_on_grid(positions, None, grid, self.bandwidth.resolve(positions))?;
            out.push(("kl".into(), kl_on_grid(&kde, density, grid)?));
            out.push(("l1".into(), l1_on_grid(&kde, density, grid)?));
        }
        Ok(out)
    }

    /// Diagnostics computed once at the end: MMD against fresh target samples.
    ///
    /// # Errors
    /// Shape errors.
    pub fn final_only(&self, positions: &Points, seed: u64) -> Result<Vec<(String, f64)>> {
        match &self.target {
            Some(t) => {
                let reference =
                    t.sample(self.mmd_samples, &mut StdRng::seed_from_u64(seed ^ 0x5eed));
                Ok(vec![(
                    "mmd".into(),
                    mmd_gaussian(positions, &reference, self.mmd_bandwidth)?,
                )])
            }
            None => Ok(vec![]),
        }
    }
}

/// The bounding box of `points`, padded by `pad` times its width on each side.
pub fn padded_box(points: &Points, pad: f64) -> (Vec<f64>, Vec<f64>) {
    let d = points.d();
    let mut lo = vec![f64::INFINITY; d];
    let mut hi = vec![f64::NEG_INFINITY; d];
    for x in points.iter() {
        for k in 0..d {
            lo[k] = lo[k].min(x[k]);
            hi[k] = hi[k].max(x[k]);
        }
    }
    for k in 0..d {
        let w = (hi[k] - lo[k]).max(1e-3);
        lo[k] -= pad * w;
        hi[k] += pad * w;
    }
    (lo, hi)
}
