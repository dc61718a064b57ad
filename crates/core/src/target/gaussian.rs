//! Gaussian target with diagonal covariance `diag(std^2)`.

use std::f64::consts::PI;

use burn::tensor::Tensor;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use super::Target;
use crate::Points;

/// `N(mean, diag(std^2))`.
#[derive(Debug, Clone, PartialEq)]
pub struct Gaussian {
    mean: Vec<f64>,
    std: Vec<f64>,
}

impl Gaussian {
    /// Creates the Gaussian; the caller has validated `std > 0` and equal lengths.
    pub fn new(mean: Vec<f64>, std: Vec<f64>) -> Self {
        Self { mean, std }
    }

    /// Mean.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// Standard deviations.
    pub fn std(&self) -> &[f64] {
        &self.std
    }

    fn log_norm(&self) -> f64 {
        -self.std.iter().map(|s| s.ln()).sum::<f64>() - 0.5 * self.dim() as f64 * (2.0 * PI).ln()
    }
}

impl Target for Gaussian {
    fn dim(&self) -> usize {
        self.mean.len()
    }

    fn density(&self, x: &[f64]) -> f64 {
        self.log_density(x).exp()
    }

    fn log_density(&self, x: &[f64]) -> f64 {
        let q: f64 = x
            .iter()
            .zip(&self.mean)
            .zip(&self.std)
            .map(|((x, m), s)| ((x - m) / s).powi(2))
            .sum();
        self.log_norm() - 0.5 * q
    }

    fn sample(&self, n: usize, rng: &mut dyn Rng) -> Points {
        let mut data = Vec::with_capacity(n * self.dim());
        for _ in 0..n {
            for (m, s) in self.mean.iter().zip(&self.std) {
                let z: f64 = StandardNormal.sample(rng);
                data.push(m + s * z);
            }
        }
        Points::new(self.dim(), data).expect("d > 0")
    }

    fn log_density_tensor(&self, x: Tensor<2>) -> Option<Tensor<1>> {
        let device = x.device();
        let d = self.dim();
        let mean = crate::tensor_from::<2>(self.mean.clone(), [1, d], &device);
        let inv_std = crate::tensor_from::<2>(
            self.std.iter().map(|s| 1.0 / s).collect::<Vec<_>>(),
            [1, d],
            &device,
        );
        let z = (x - mean) * inv_std;
        let q = z.square().sum_dim(1).squeeze_dim::<1>(1);
        Some(q.mul_scalar(-0.5).add_scalar(self.log_norm()))
    }
}
