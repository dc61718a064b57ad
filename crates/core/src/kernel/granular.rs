//! Granular media kernel `K(x) = |x|^3 / 3` (Benedetto, Caglioti, Carrillo, Pulvirenti 1998).

use burn::tensor::Tensor;

use super::RadialKernel;

/// `K(x) = |x|^3 / 3`: attractive, collapsing to the centre of mass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Granular;

impl RadialKernel for Granular {
    fn value(&self, r2: Tensor<2>) -> Tensor<2> {
        r2.powf_scalar(1.5).mul_scalar(1.0 / 3.0)
    }

    fn value_and_slope(&self, r2: f64) -> (f64, f64) {
        (r2.powf(1.5) / 3.0, 0.5 * r2.sqrt())
    }
}
