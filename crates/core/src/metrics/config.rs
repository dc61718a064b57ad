//! `[metrics]`: the diagnostics a particle flow logs against its target.

use serde::{Deserialize, Serialize};

use super::Bandwidth;
use crate::target::TargetConfig;
use crate::validate::{check_optional_box, check_positive};
use crate::{CoreError, Result};

/// `[metrics]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    /// KDE bandwidth: `"silverman"`, `"scott"` or a number.
    #[serde(default)]
    pub kde_bandwidth: Bandwidth,
    /// KDE grid cells per axis (d <= 2).
    #[serde(default = "default_grid_cells")]
    pub grid_cells: usize,
    /// KDE grid box lower corner (default: the particles' box, padded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid_lo: Option<Vec<f64>>,
    /// KDE grid box upper corner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid_hi: Option<Vec<f64>>,
    /// Reference samples drawn from the target for the final MMD.
    #[serde(default = "default_mmd_samples")]
    pub mmd_samples: usize,
    /// Gaussian-kernel bandwidth of the MMD.
    #[serde(default = "default_mmd_bandwidth")]
    pub mmd_bandwidth: f64,
    /// Number of position snapshots kept for figures.
    #[serde(default = "default_snapshots")]
    pub snapshots: usize,
    /// Density the KL/L1/MMD/W2 metrics compare against instead of `[target]` (e.g. an exact
    /// solution).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<TargetConfig>,
    /// Also log the MMD at every logged step (not only at the end).
    #[serde(default)]
    pub mmd_every_log: bool,
    /// Log the exact W2^2 against `w2_multiple x N` target samples at every logged step
    /// (0: off).
    #[serde(default)]
    pub w2_multiple: usize,
}

fn default_grid_cells() -> usize {
    100
}
fn default_mmd_samples() -> usize {
    2000
}
fn default_mmd_bandwidth() -> f64 {
    0.1
}
fn default_snapshots() -> usize {
    6
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            kde_bandwidth: Bandwidth::default(),
            grid_cells: default_grid_cells(),
            grid_lo: None,
            grid_hi: None,
            mmd_samples: default_mmd_samples(),
            mmd_bandwidth: default_mmd_bandwidth(),
            snapshots: default_snapshots(),
            reference: None,
            mmd_every_log: false,
            w2_multiple: 0,
        }
    }
}

impl MetricsConfig {
    /// Checks every range.
    ///
    /// # Errors
    /// [`CoreError::Config`] naming the key.
    pub fn validate(&self) -> Result<()> {
        self.kde_bandwidth.validate("metrics.kde_bandwidth")?;
        if !(4..=2000).contains(&self.grid_cells) {
            return Err(CoreError::config(
                "metrics.grid_cells",
                format!("must be in 4..=2000, found {}", self.grid_cells),
            ));
        }
        check_optional_box(
            "metrics.grid",
            self.grid_lo.as_deref(),
            self.grid_hi.as_deref(),
        )?;
        check_positive("metrics.mmd_bandwidth", self.mmd_bandwidth)?;
        if self.mmd_samples == 0 {
            return Err(CoreError::config(
                "metrics.mmd_samples",
                "must be >= 1 (the MMD against no sample is meaningless)",
            ));
        }
        crate::bounds::check_bytes(
            "metrics.mmd_samples",
            "the MMD reference samples",
            8.0 * 16.0 * self.mmd_samples as f64,
        )?;
        if self.snapshots < 2 {
            return Err(CoreError::config("metrics.snapshots", "must be >= 2"));
        }
        Ok(())
    }
}
