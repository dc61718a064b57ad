//! Mollifiers `phi_eps`: radial bumps of unit mass, behind a small trait.

mod gaussian;
mod triweight;

pub use gaussian::GaussianMollifier;
pub use triweight::TriweightMollifier;

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

/// A radial mollifier `phi_eps(x)` on R^d with unit mass, written in terms of `r2 = |x|^2`.
pub trait Mollifier: Send + Sync + std::fmt::Debug {
    /// The width `eps`.
    fn eps(&self) -> f64;
    /// `phi_eps(x)` for `|x|^2 = r2` in dimension `d`.
    fn value(&self, r2: f64, d: usize) -> f64 {
        self.value_and_slope(r2, d).0
    }
    /// `phi_eps` and its derivative with respect to `r2` (so `grad phi = 2 slope x`).
    fn value_and_slope(&self, r2: f64, d: usize) -> (f64, f64);
    /// The same as a differentiable tensor expression (element-wise on `r2`).
    fn value_tensor(&self, r2: Tensor<2>, d: usize) -> Tensor<2>;
    /// Radius outside which `phi_eps` vanishes (`None`: unbounded support).
    fn support_radius(&self) -> Option<f64>;
}

/// Which mollifier a config asks for (TOML `"gaussian"` or `"triweight"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MollifierKind {
    /// `(2 pi eps^2)^(-d/2) exp(-|x|^2 / 2 eps^2)`: closed-form blob overlaps.
    #[default]
    Gaussian,
    /// `c_d eps^-d (1 - |x|^2/eps^2)^3_+`: compact support, C^2.
    Triweight,
}

impl MollifierKind {
    /// The mollifier of width `eps` (> 0, validated by configs).
    pub fn build(self, eps: f64) -> Box<dyn Mollifier> {
        match self {
            Self::Gaussian => Box::new(GaussianMollifier::new(eps)),
            Self::Triweight => Box::new(TriweightMollifier::new(eps)),
        }
    }
}
