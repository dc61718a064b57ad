//! Per-step and final diagnostics of a particle flow.

use std::sync::Arc;

use crate::RunRng;
use rand::SeedableRng;

use crate::metrics::MetricsConfig;
use crate::metrics::{
    Bandwidth, covariance, distances_to_mean, exact_ot, kde_on_grid, kl_on_grid, l1_on_grid, mean,
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
    /// Target samples the MMD compares against, drawn once.
    mmd_reference: Option<Points>,
    mmd_bandwidth: f64,
    mmd_every_log: bool,
    w2_multiple: usize,
    seed: u64,
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
        seed: u64,
    ) -> Result<Self> {
        let d = x0.d();
        let grid = match &target {
            Some(t) if d <= 2 => {
                let (lo, hi) = match (&config.grid_lo, &config.grid_hi) {
                    (Some(lo), Some(hi)) => (lo.clone(), hi.clone()),
                    _ => padded_box(&t.sample(4000, &mut RunRng::seed_from_u64(0)), 0.25),
                };
                let grid = Grid::new(lo, hi, vec![config.grid_cells; d])?;
                let density = t.density_on_grid(&grid);
                Some((grid, density))
            }
            _ => None,
        };
        let mmd_reference = target.as_ref().map(|t| {
            t.sample(
                config.mmd_samples,
                &mut RunRng::seed_from_u64(seed ^ 0x5eed),
            )
        });
        Ok(Self {
            target,
            grid,
            bandwidth: config.kde_bandwidth,
            mmd_reference,
            mmd_bandwidth: config.mmd_bandwidth,
            mmd_every_log: config.mmd_every_log,
            w2_multiple: config.w2_multiple,
            seed,
        })
    }

    /// Diagnostics logged at every logged step (`masses` sum to 1; MMD and W2 assume them equal).
    ///
    /// # Errors
    /// KDE/KL errors (e.g. no mass on the target's support).
    pub fn evaluate(&self, positions: &Points, masses: &[f64]) -> Result<Vec<(String, f64)>> {
        let d = positions.d();
        let m = mean(positions, Some(masses));
        let cov = covariance(positions, Some(masses));
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
            let kde = kde_on_grid(
                positions,
                Some(masses),
                grid,
                self.bandwidth.resolve(positions),
            )?;
            out.push(("kl".into(), kl_on_grid(&kde, density, grid)?));
            out.push(("l1".into(), l1_on_grid(&kde, density, grid)?));
        }
        if let (Some(reference), true) = (&self.mmd_reference, self.mmd_every_log) {
            out.push(("mmd".into(), self.mmd(reference, positions)?));
        }
        if let (Some(t), true) = (&self.target, self.w2_multiple > 0) {
            out.push(("w2".into(), self.w2(t.as_ref(), positions)?));
        }
        Ok(out)
    }

    fn mmd(&self, reference: &Points, positions: &Points) -> Result<f64> {
        mmd_gaussian(positions, reference, self.mmd_bandwidth)
    }

    /// Exact W2^2 between the particles (each repeated `w2_multiple` times) and as many fixed
    /// target samples.
    fn w2(&self, target: &dyn Target, positions: &Points) -> Result<f64> {
        let k = self.w2_multiple;
        let reference = target.sample(
            k * positions.n(),
            &mut RunRng::seed_from_u64(self.seed ^ 0x0702),
        );
        let repeated: Vec<f64> = positions
            .iter()
            .flat_map(|x| std::iter::repeat_n(x, k).flatten().copied())
            .collect();
        Ok(exact_ot(&Points::new(positions.d(), repeated)?, &reference)?.cost)
    }

    /// Diagnostics computed once at the end: MMD against fresh target samples.
    ///
    /// # Errors
    /// Shape errors.
    pub fn final_only(&self, positions: &Points) -> Result<Vec<(String, f64)>> {
        match &self.mmd_reference {
            Some(reference) if !self.mmd_every_log => {
                Ok(vec![("mmd".into(), self.mmd(reference, positions)?)])
            }
            _ => Ok(vec![]),
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
