//! The network as a burn module: centres `x_i`, output weights `a_i`, and `log eps`.

use std::f64::consts::PI;

use burn::module::{Module, Param};
use burn::tensor::Tensor;

use meanfield_blob::overlap::squared_distances;

/// `f(z) = (1/N) sum_i a_i phi_eps(|x_i - z|)`, `phi_eps` the normalised Gaussian.
#[derive(Module, Debug)]
pub struct RbfNetwork {
    centres: Param<Tensor<2>>,
    weights: Param<Tensor<1>>,
    log_eps: Param<Tensor<1>>,
}

impl RbfNetwork {
    /// From initial centres `[N, d]` on the training device; the weights and the width are
    /// trained only when asked.
    pub fn new(
        centres: Tensor<2>,
        weight_init: f64,
        eps: f64,
        train_weights: bool,
        train_width: bool,
    ) -> Self {
        let n = centres.dims()[0];
        let device = centres.device();
        let weights = Tensor::<1>::ones([n], &device).mul_scalar(weight_init);
        let log_eps = Tensor::<1>::ones([1], &device).mul_scalar(eps.ln());
        Self {
            centres: Param::from_tensor(centres),
            weights: Param::from_tensor(weights).set_require_grad(train_weights),
            log_eps: Param::from_tensor(log_eps).set_require_grad(train_width),
        }
    }

    /// `f(z_k)` for `z: [K, d]` -> `[K]`.
    pub fn forward(&self, z: Tensor<2>) -> Tensor<1> {
        let x = self.centres.val();
        let [n, d] = x.dims();
        let log_eps = self.log_eps.val().unsqueeze_dim::<2>(0);
        let inv_two_eps2 = log_eps.clone().mul_scalar(-2.0).exp().mul_scalar(0.5);
        let norm = log_eps
            .mul_scalar(-(d as f64))
            .exp()
            .mul_scalar((2.0 * PI).powf(-(d as f64) / 2.0) / n as f64);
        let phi = (squared_distances(z, x).neg() * inv_two_eps2).exp() * norm;
        phi.matmul(self.weights.val().unsqueeze_dim::<2>(1))
            .squeeze_dim::<1>(1)
    }

    /// The centres `[N, d]`.
    pub fn centres(&self) -> Tensor<2> {
        self.centres.val()
    }

    /// The current width eps.
    pub fn eps(&self) -> f64 {
        self.log_eps.val().into_scalar::<f64>().exp()
    }
}
