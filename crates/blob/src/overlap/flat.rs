//! `rhobar == 1` on R^d: `I(a, b) = phi_{sqrt 2 eps}(a - b)`.

use burn::tensor::Tensor;
use meanfield_core::squared_distance;

use super::{Overlap, PairGrads, gaussian_and_slope, squared_distances};

/// The overlap of the unweighted porous-medium blob method (Gaussian mollifier).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlatOverlap {
    s: f64,
    d: usize,
}

impl FlatOverlap {
    /// For mollifier width `eps` in dimension `d`.
    pub fn new(eps: f64, d: usize) -> Self {
        Self {
            s: std::f64::consts::SQRT_2 * eps,
            d,
        }
    }
}

impl Overlap for FlatOverlap {
    fn tensor(&self, a: Tensor<2>, b: Tensor<2>) -> Tensor<2> {
        let (norm, _) = gaussian_and_slope(0.0, self.s, self.d);
        squared_distances(a, b)
            .mul_scalar(-1.0 / (2.0 * self.s * self.s))
            .exp()
            .mul_scalar(norm)
    }

    fn value_and_grad(&self, a: &[f64], b: &[f64], scale: f64, grad: &mut [f64]) -> f64 {
        let r2 = squared_distance(a, b);
        let (value, slope) = gaussian_and_slope(r2, self.s, self.d);
        let c = 2.0 * slope * scale;
        for ((g, u), v) in grad.iter_mut().zip(a).zip(b) {
            *g += c * (u - v);
        }
        value
    }

    fn value_and_grads(&self, a: &[f64], b: &[f64], scale: f64, grads: PairGrads<'_>) -> f64 {
        let r2 = squared_distance(a, b);
        let (value, slope) = gaussian_and_slope(r2, self.s, self.d);
        let c = 2.0 * slope * scale;
        for k in 0..a.len() {
            let g = c * (a[k] - b[k]);
            grads.a[k] += g;
            grads.b[k] -= g;
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use super::super::quadrature_check::{grad_by_differences, overlap_by_quadrature};
    use super::*;

    #[test]
    fn matches_quadrature_and_differences() {
        let eps = 0.15;
        let overlap = FlatOverlap::new(eps, 2);
        let (a, b) = ([0.1, -0.05], [0.25, 0.1]);
        let mut grad = [0.0; 2];
        let closed = overlap.value_and_grad(&a, &b, 1.0, &mut grad);
        let quad = overlap_by_quadrature(eps, &a, &b, &|_| 1.0, -2.0, 2.0, 400);
        assert!((closed - quad).abs() < 1e-9 * closed, "{closed} vs {quad}");
        let fd = grad_by_differences(&overlap, &a, &b);
        for k in 0..2 {
            assert!((fd[k] - grad[k]).abs() < 1e-6 * grad[k].abs().max(1.0));
        }
    }
}
