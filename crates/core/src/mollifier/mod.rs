//! Mollifiers `phi_eps`: radial bumps of unit mass, behind a small trait.

mod gaussian;

pub use gaussian::GaussianMollifier;

use burn::tensor::Tensor;

/// A radial mollifier `phi_eps(x)` on R^d with unit mass, written in terms of `r2 = |x|^2`.
pub trait Mollifier: Send + Sync + std::fmt::Debug {
    /// The width `eps`.
    fn eps(&self) -> f64;
    /// `phi_eps(x)` for `|x|^2 = r2` in dimension `d`.
    fn value(&self, r2: f64, d: usize) -> f64;
    /// The same as a differentiable tensor expression (element-wise on `r2`).
    fn value_tensor(&self, r2: Tensor<2>, d: usize) -> Tensor<2>;
}
