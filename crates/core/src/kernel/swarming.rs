//! Swarming (attractive-repulsive power law) kernel `K(x) = |x|^a / a - |x|^b / b`.

use burn::tensor::Tensor;

use super::RadialKernel;

/// `K(x) = |x|^a / a - |x|^b / b` with `a > b`: repulsive at short range, attractive far away.
/// For `a = 4, b = 2` in R^d the minimiser is the uniform measure on the sphere of radius
/// `1 / sqrt(2 + 2/d)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Swarming {
    a: f64,
    b: f64,
}

impl Swarming {
    /// Creates the kernel (`a > b >= 1`, validated by configs).
    pub fn new(a: f64, b: f64) -> Self {
        Self { a, b }
    }
}

impl RadialKernel for Swarming {
    fn value(&self, r2: Tensor<2>) -> Tensor<2> {
        let attract = r2
            .clone()
            .powf_scalar(self.a / 2.0)
            .mul_scalar(1.0 / self.a);
        let repel = r2.powf_scalar(self.b / 2.0).mul_scalar(1.0 / self.b);
        attract - repel
    }

    fn value_and_slope(&self, r2: f64) -> (f64, f64) {
        let (ha, hb) = (self.a / 2.0, self.b / 2.0);
        (
            pow(r2, ha) / self.a - pow(r2, hb) / self.b,
            0.5 * (pow(r2, ha - 1.0) - pow(r2, hb - 1.0)),
        )
    }
}

/// `r2^e`, by repeated multiplication when `e` is a small integer (the common a = 4, b = 2).
fn pow(r2: f64, e: f64) -> f64 {
    if e == e.trunc() && e.abs() <= 16.0 {
        r2.powi(e as i32)
    } else {
        r2.powf(e)
    }
}
