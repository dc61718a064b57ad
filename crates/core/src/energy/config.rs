//! `[energy]`: the interaction kernel and drift potential of an aggregation-drift energy.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{AggregationEnergy, DriftConfig, Evaluation, Interaction};
use crate::kernel::KernelConfig;
use crate::target::Target;
use crate::{CoreError, Result};

/// `[energy]`: `1/2 sum_ij m_i m_j K(x_i - x_j) + sum_i m_i V(x_i)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnergyConfig {
    /// Interaction kernel K (omit for none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel: Option<KernelConfig>,
    /// Drift potential V (omit for none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<DriftConfig>,
    /// How pairwise sums are evaluated.
    #[serde(default)]
    pub evaluation: Evaluation,
    /// Rows per tile of the pairwise sum (memory O(N x tile)).
    #[serde(default = "default_tile")]
    pub tile: usize,
}

fn default_tile() -> usize {
    256
}

impl Default for EnergyConfig {
    fn default() -> Self {
        Self {
            kernel: None,
            drift: None,
            evaluation: Evaluation::default(),
            tile: default_tile(),
        }
    }
}

impl EnergyConfig {
    /// True when neither a kernel nor a drift is given.
    pub fn is_empty(&self) -> bool {
        self.kernel.is_none() && self.drift.is_none()
    }

    /// Checks the tile, the kernel and the drift against the dimension `d` (when known);
    /// `has_target` says whether a drift may refer to the target.
    ///
    /// # Errors
    /// [`CoreError::Config`] naming the key.
    pub fn validate(&self, d: Option<usize>, has_target: bool) -> Result<()> {
        if self.tile == 0 {
            return Err(CoreError::config("energy.tile", "must be >= 1, found 0"));
        }
        if let Some(kernel) = &self.kernel {
            kernel.validate("energy.kernel", d)?;
        }
        if let Some(drift) = &self.drift {
            drift.validate("energy.drift", d, has_target)?;
        }
        Ok(())
    }

    /// The energy in dimension `d`, its drift built over `target`; `None` when it is empty.
    ///
    /// # Errors
    /// Kernel and drift config errors.
    pub fn build(
        &self,
        d: usize,
        target: Option<Arc<dyn Target>>,
    ) -> Result<Option<AggregationEnergy>> {
        self.validate(Some(d), target.is_some())?;
        let interaction = self
            .kernel
            .as_ref()
            .map(|k| Interaction::new(k.build(), self.tile, self.evaluation));
        let drift = match &self.drift {
            Some(drift) => Some(drift.build("energy.drift", target)?),
            None => None,
        };
        Ok((interaction.is_some() || drift.is_some())
            .then(|| AggregationEnergy::new(interaction, drift)))
    }
}
