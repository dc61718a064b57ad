//! Uniform density on a box.

use rand::{Rng, RngExt};

use super::Target;
use crate::Points;

/// Uniform on `prod_k [lo_k, hi_k]`.
#[derive(Debug, Clone, PartialEq)]
pub struct UniformBox {
    lo: Vec<f64>,
    hi: Vec<f64>,
}

impl UniformBox {
    /// Creates the box; the caller has validated `lo < hi`.
    pub fn new(lo: Vec<f64>, hi: Vec<f64>) -> Self {
        Self { lo, hi }
    }

    /// The constant value of the density inside the box.
    pub fn height(&self) -> f64 {
        1.0 / self
            .lo
            .iter()
            .zip(&self.hi)
            .map(|(a, b)| b - a)
            .product::<f64>()
    }
}

impl Target for UniformBox {
    fn dim(&self) -> usize {
        self.lo.len()
    }

    fn density(&self, x: &[f64]) -> f64 {
        let inside = x
            .iter()
            .zip(self.lo.iter().zip(&self.hi))
            .all(|(v, (a, b))| *a <= *v && *v <= *b);
        if inside { self.height() } else { 0.0 }
    }

    fn sample(&self, n: usize, rng: &mut dyn Rng) -> Points {
        let data = (0..n * self.dim())
            .map(|i| {
                let k = i % self.dim();
                rng.random_range(self.lo[k]..self.hi[k])
            })
            .collect();
        Points::new(self.dim(), data).expect("d > 0")
    }
}
