//! Gaussian `rhobar = N(mu, diag sigma^2)`. Per axis, with `a' = a - mu`, `b' = b - mu` and
//! `alpha_k = 2/eps^2 - 1/sigma_k^2 > 0`:
//! `I = prod_k sqrt(2 pi sigma_k^2) (2 pi eps^2)^-1 sqrt(2 pi / alpha_k)
//!      * exp(sum_k (a'_k + b'_k)^2 / (2 alpha_k eps^4) - (a'_k^2 + b'_k^2) / (2 eps^2))`,
//! MATH.md's closed form written about the mean.

use std::f64::consts::PI;

use burn::tensor::Tensor;
use meanfield_core::{CoreError, Result, tensor_from};

use super::{Overlap, PairGrads};

/// The overlap for a Gaussian target (Gaussian mollifier).
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianOverlap {
    mean: Vec<f64>,
    /// `1 / (2 alpha_k eps^4)` per axis.
    kappa: Vec<f64>,
    inv_two_eps2: f64,
    norm: f64,
}

impl GaussianOverlap {
    /// For mollifier width `eps` and the target's mean and per-axis standard deviations.
    ///
    /// # Errors
    /// [`CoreError::Config`] (key `blob.eps`) when `eps^2 >= 2 sigma_k^2` on some axis: the
    /// integral diverges.
    pub fn new(eps: f64, mean: Vec<f64>, std: &[f64]) -> Result<Self> {
        let eps2 = eps * eps;
        let mut kappa = Vec::with_capacity(std.len());
        let mut norm = 1.0;
        for (k, s) in std.iter().enumerate() {
            let alpha = 2.0 / eps2 - 1.0 / (s * s);
            if alpha <= 0.0 {
                return Err(CoreError::config(
                    "blob.eps",
                    format!(
                        "the Gaussian closed form needs eps^2 < 2 sigma^2: eps = {eps}, sigma_{k} = {s}"
                    ),
                ));
            }
            kappa.push(1.0 / (2.0 * alpha * eps2 * eps2));
            norm *= (2.0 * PI * s * s).sqrt() / (2.0 * PI * eps2) * (2.0 * PI / alpha).sqrt();
        }
        Ok(Self {
            mean,
            kappa,
            inv_two_eps2: 1.0 / (2.0 * eps2),
            norm,
        })
    }
}

impl Overlap for GaussianOverlap {
    fn tensor(&self, a: Tensor<2>, b: Tensor<2>) -> Tensor<2> {
        let d = self.mean.len();
        let device = a.device();
        let mean = tensor_from::<2>(self.mean.clone(), [1, d], &device);
        let kappa = tensor_from::<3>(self.kappa.clone(), [1, 1, d], &device);
        let (a, b) = (a - mean.clone(), b - mean);
        let sum = a.clone().unsqueeze_dim::<3>(1) + b.clone().unsqueeze_dim::<3>(0);
        let cross = (sum.square() * kappa).sum_dim(2).squeeze_dim::<2>(2);
        let na = a.square().sum_dim(1);
        let nb = b.square().sum_dim(1).transpose();
        (cross - (na + nb).mul_scalar(self.inv_two_eps2))
            .exp()
            .mul_scalar(self.norm)
    }

    fn value_and_grad(&self, a: &[f64], b: &[f64], scale: f64, grad: &mut [f64]) -> f64 {
        let d = a.len();
        let mut exponent = 0.0;
        let mut slope = [0.0; 8];
        for k in 0..d {
            let (ak, bk) = (a[k] - self.mean[k], b[k] - self.mean[k]);
            let s = ak + bk;
            exponent += self.kappa[k] * s * s - (ak * ak + bk * bk) * self.inv_two_eps2;
            slope[k] = 2.0 * self.kappa[k] * s - 2.0 * ak * self.inv_two_eps2;
        }
        let value = self.norm * exponent.exp();
        for k in 0..d {
            grad[k] += scale * value * slope[k];
        }
        value
    }

    fn value_and_grads(&self, a: &[f64], b: &[f64], scale: f64, grads: PairGrads<'_>) -> f64 {
        let d = a.len();
        let mut exponent = 0.0;
        let mut shared = [0.0; 8];
        for k in 0..d {
            let (ak, bk) = (a[k] - self.mean[k], b[k] - self.mean[k]);
            let s = ak + bk;
            exponent += self.kappa[k] * s * s - (ak * ak + bk * bk) * self.inv_two_eps2;
            shared[k] = 2.0 * self.kappa[k] * s;
        }
        let value = self.norm * exponent.exp();
        let c = scale * value;
        let two_inv = 2.0 * self.inv_two_eps2;
        for k in 0..d {
            grads.a[k] += c * (shared[k] - two_inv * (a[k] - self.mean[k]));
            grads.b[k] += c * (shared[k] - two_inv * (b[k] - self.mean[k]));
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use super::super::quadrature_check::{grad_by_differences, overlap_by_quadrature};
    use super::*;

    /// Diagonal Gaussian in 2-D against a midpoint rule; gradient against differences; the
    /// `eps^2 >= 2 sigma^2` error.
    #[test]
    fn matches_quadrature_and_differences() {
        let (eps, mean, std) = (0.2, vec![0.3, -0.2], [0.5, 0.8]);
        let overlap = GaussianOverlap::new(eps, mean.clone(), &std).unwrap();
        let inv = |x: &[f64]| {
            let mut p = 1.0;
            for k in 0..2 {
                let z = (x[k] - mean[k]) / std[k];
                p *= (-0.5 * z * z).exp() / ((2.0 * PI).sqrt() * std[k]);
            }
            1.0 / p
        };
        let (a, b) = ([0.5, 0.1], [0.2, -0.3]);
        let mut grad = [0.0; 2];
        let closed = overlap.value_and_grad(&a, &b, 1.0, &mut grad);
        let quad = overlap_by_quadrature(eps, &a, &b, &inv, -3.0, 3.0, 600);
        assert!((closed - quad).abs() < 1e-8 * closed, "{closed} vs {quad}");
        let fd = grad_by_differences(&overlap, &a, &b);
        for k in 0..2 {
            assert!(
                (fd[k] - grad[k]).abs() < 1e-6 * grad[k].abs().max(1.0),
                "{fd:?} vs {grad:?}"
            );
        }
        let err = GaussianOverlap::new(1.0, vec![0.0], &[0.7])
            .unwrap_err()
            .to_string();
        assert!(err.contains("eps^2 < 2 sigma^2"), "{err}");
    }
}
