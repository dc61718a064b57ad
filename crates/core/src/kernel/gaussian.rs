//! Gaussian interaction kernel `K(x) = strength * exp(-|x|^2 / (2 sigma^2))`.

use burn::tensor::Tensor;

use super::RadialKernel;

/// Gaussian kernel; `strength > 0` repels, `strength < 0` attracts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GaussianKernel {
    sigma: f64,
    strength: f64,
}

impl GaussianKernel {
    /// Creates the kernel (`sigma > 0`, validated by configs).
    pub fn new(sigma: f64, strength: f64) -> Self {
        Self { sigma, strength }
    }
}

impl RadialKernel for GaussianKernel {
    fn value(&self, r2: Tensor<2>) -> Tensor<2> {
        r2.mul_scalar(-0.5 / (self.sigma * self.sigma))
            .exp()
            .mul_scalar(self.strength)
    }

    fn value_and_slope(&self, r2: f64) -> (f64, f64) {
        let c = 0.5 / (self.sigma * self.sigma);
        let k = self.strength * (-c * r2).exp();
        (k, -c * k)
    }
}
