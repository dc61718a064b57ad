//! Aggregation-drift energies and their particle velocities.
//!
//! `E(rho^N) = 1/2 sum_ij m_i m_j K(x_i - x_j) + sum_i m_i V(x_i)`, and the W2 gradient flow's
//! particle velocity is `dx_i/dt = -(1/m_i) grad_{x_i} E`.

mod config;
mod drift;
mod interaction;

pub use config::EnergyConfig;
pub use drift::{Drift, DriftConfig};
pub use interaction::Interaction;

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use crate::{CoreError, Result};

/// How pairwise sums are evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Evaluation {
    /// `fused` on the CPU device, `tensor` elsewhere.
    #[default]
    Auto,
    /// The tensor expression, differentiated by autodiff tile by tile (the reference).
    Tensor,
    /// A fused multi-threaded host loop with the analytic gradient (CPU only; tested equal).
    Fused,
}

impl Evaluation {
    /// Whether to take the fused host path for tensors on `device`.
    pub fn is_fused_on(self, device: &burn::tensor::Device) -> bool {
        match self {
            Self::Auto => crate::is_cpu(device),
            Self::Tensor => false,
            Self::Fused => true,
        }
    }
}

/// Interaction plus drift.
#[derive(Debug)]
pub struct AggregationEnergy {
    interaction: Option<Interaction>,
    drift: Option<Drift>,
}

impl AggregationEnergy {
    /// Combines an optional interaction and an optional drift.
    pub fn new(interaction: Option<Interaction>, drift: Option<Drift>) -> Self {
        Self { interaction, drift }
    }

    /// Energy value and its gradient with respect to every position.
    ///
    /// # Shapes
    /// `x: [n, d]`, `m: [n]` -> `(E, [n, d])`.
    ///
    /// # Errors
    /// [`CoreError::NonFinite`] when the energy is NaN or infinite.
    pub fn value_and_gradient(&self, x: &Tensor<2>, m: &Tensor<1>) -> Result<(f64, Tensor<2>)> {
        let mut value = 0.0;
        let mut grad = x.zeros_like();
        if let Some(interaction) = &self.interaction {
            let (e, g) = interaction.value_and_gradient(x, m);
            value += e;
            grad = grad + g;
        }
        if let Some(drift) = &self.drift {
            let (e, g) = drift.value_and_gradient(x, m);
            value += e;
            grad = grad + g;
        }
        if !value.is_finite() {
            return Err(CoreError::NonFinite(format!("energy is {value}")));
        }
        Ok((value, grad))
    }

    /// The particle velocities `-(1/m_i) grad_{x_i} E` (and the energy).
    ///
    /// # Errors
    /// As [`AggregationEnergy::value_and_gradient`].
    pub fn velocity(&self, x: &Tensor<2>, m: &Tensor<1>) -> Result<(f64, Tensor<2>)> {
        let (e, g) = self.value_and_gradient(x, m)?;
        Ok((e, g.neg() / m.clone().unsqueeze_dim::<2>(1)))
    }
}
