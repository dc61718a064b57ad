//! Mixture of diagonal Gaussians.

use burn::tensor::Tensor;
use rand::{Rng, RngExt};

use super::{Gaussian, Target};
use crate::Points;

/// `sum_k w_k N(mu_k, diag(s_k^2))` with normalised weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Mixture {
    weights: Vec<f64>,
    components: Vec<Gaussian>,
}

impl Mixture {
    /// Creates the mixture from `(weight, component)` pairs (weights > 0, same dimension).
    pub fn new(parts: Vec<(f64, Gaussian)>) -> Self {
        let total: f64 = parts.iter().map(|(w, _)| w).sum();
        let (weights, components) = parts.into_iter().map(|(w, g)| (w / total, g)).unzip();
        Self {
            weights,
            components,
        }
    }

    fn pick(&self, rng: &mut dyn Rng) -> &Gaussian {
        let u: f64 = rng.random();
        let mut acc = 0.0;
        for (w, g) in self.weights.iter().zip(&self.components) {
            acc += w;
            if u < acc {
                return g;
            }
        }
        self.components.last().expect("non-empty mixture")
    }
}

impl Target for Mixture {
    fn dim(&self) -> usize {
        self.components[0].dim()
    }

    fn density(&self, x: &[f64]) -> f64 {
        self.weights
            .iter()
            .zip(&self.components)
            .map(|(w, g)| w * g.density(x))
            .sum()
    }

    fn sample(&self, n: usize, rng: &mut dyn Rng) -> Points {
        let mut data = Vec::with_capacity(n * self.dim());
        for _ in 0..n {
            let g = self.pick(rng);
            data.extend_from_slice(g.sample(1, rng).as_slice());
        }
        Points::new(self.dim(), data).expect("d > 0")
    }

    fn log_density_tensor(&self, x: Tensor<2>) -> Option<Tensor<1>> {
        // log sum_k exp(log w_k + log N_k(x)), stabilised by the row maximum.
        let terms: Vec<Tensor<2>> = self
            .weights
            .iter()
            .zip(&self.components)
            .map(|(w, g)| {
                g.log_density_tensor(x.clone())
                    .expect("Gaussian is smooth")
                    .add_scalar(w.ln())
                    .unsqueeze_dim::<2>(1)
            })
            .collect();
        let a = Tensor::cat(terms, 1);
        let m = a.clone().max_dim(1).detach();
        let lse = (a - m.clone()).exp().sum_dim(1).log() + m;
        Some(lse.squeeze_dim::<1>(1))
    }
}
