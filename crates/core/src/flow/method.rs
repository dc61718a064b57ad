//! What a particle flow integrates: a velocity field of the empirical measure, the energy it
//! descends, and optional Brownian noise.

use burn::tensor::Tensor;

use crate::Result;
use crate::energy::AggregationEnergy;

/// A particle method `dx_i = v_i(x) dt (+ sqrt(2 D) dB_i)`.
pub trait ParticleMethod: Send + Sync + std::fmt::Debug {
    /// Name written into summaries (`"blob"`, `"svgd"`, ...).
    fn name(&self) -> &'static str;
    /// The energy the method descends (or, for stochastic and kernelised baselines, the
    /// free-energy estimate it is judged by).
    ///
    /// # Shapes
    /// `x: [n, d]`, `m: [n]`.
    ///
    /// # Errors
    /// [`crate::CoreError::NonFinite`] for a NaN energy.
    fn energy(&self, x: &Tensor<2>, m: &Tensor<1>) -> Result<f64>;
    /// The particle velocities `[n, d]`.
    ///
    /// # Errors
    /// [`crate::CoreError::NonFinite`] when the velocity cannot be evaluated.
    fn velocity(&self, x: &Tensor<2>, m: &Tensor<1>) -> Result<Tensor<2>>;
    /// Diffusion coefficient `D` of the added Brownian motion (0: deterministic).
    fn noise(&self) -> f64 {
        0.0
    }
}

impl ParticleMethod for AggregationEnergy {
    fn name(&self) -> &'static str {
        "aggregation_drift"
    }

    fn energy(&self, x: &Tensor<2>, m: &Tensor<1>) -> Result<f64> {
        Ok(self.value_and_gradient(x, m)?.0)
    }

    fn velocity(&self, x: &Tensor<2>, m: &Tensor<1>) -> Result<Tensor<2>> {
        Ok(AggregationEnergy::velocity(self, x, m)?.1)
    }
}
