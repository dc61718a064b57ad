//! The blob overlap `I(a, b) = int phi_eps(a - x) phi_eps(b - x) / rhobar(x) dx` in closed form
//! (Gaussian mollifier): `rhobar = 1`, piecewise constant on boxes, Gaussian.

mod cells;
mod flat;
mod gaussian;

pub use cells::{Cell, CellsOverlap};
pub use flat::FlatOverlap;
pub use gaussian::GaussianOverlap;

use burn::tensor::Tensor;

/// A symmetric overlap `I(a, b)`, as a tensor expression and on the host.
pub trait Overlap: Send + Sync + std::fmt::Debug {
    /// `I(a_i, b_j)` as a differentiable expression.
    ///
    /// # Shapes
    /// `a: [r, d]`, `b: [n, d]` -> `[r, n]`.
    fn tensor(&self, a: Tensor<2>, b: Tensor<2>) -> Tensor<2>;
    /// `I(a, b)`; adds `scale * grad_a I(a, b)` into `grad`.
    fn value_and_grad(&self, a: &[f64], b: &[f64], scale: f64, grad: &mut [f64]) -> f64;
    /// `I(a, b)`; adds `scale * grad_a I` into `grads.a` and `scale * grad_b I` into
    /// `grads.b` (one evaluation for both particles of a pair, by symmetry).
    fn value_and_grads(&self, a: &[f64], b: &[f64], scale: f64, grads: PairGrads<'_>) -> f64 {
        self.value_and_grad(b, a, scale, grads.b);
        self.value_and_grad(a, b, scale, grads.a)
    }
}

/// The gradient rows of the two particles of a pair.
#[derive(Debug)]
pub struct PairGrads<'a> {
    /// Row of the first particle.
    pub a: &'a mut [f64],
    /// Row of the second particle.
    pub b: &'a mut [f64],
}

/// `a_i - b_j` for `a: [r, d]`, `b: [n, d]` -> `[r, n, d]`.
pub(crate) fn differences(a: Tensor<2>, b: Tensor<2>) -> Tensor<3> {
    a.unsqueeze_dim::<3>(1) - b.unsqueeze_dim::<3>(0)
}

/// `|a_i - b_j|^2` for `a: [r, d]`, `b: [n, d]` -> `[r, n]`.
pub fn squared_distances(a: Tensor<2>, b: Tensor<2>) -> Tensor<2> {
    differences(a, b).square().sum_dim(2).squeeze_dim::<2>(2)
}

/// The Gaussian `phi_s(x) = (2 pi s^2)^(-d/2) exp(-|x|^2 / 2 s^2)` and its slope in `|x|^2`.
pub(crate) fn gaussian_and_slope(r2: f64, s: f64, d: usize) -> (f64, f64) {
    let inv = 1.0 / (2.0 * s * s);
    let v = (2.0 * std::f64::consts::PI * s * s).powf(-(d as f64) / 2.0) * (-r2 * inv).exp();
    (v, -inv * v)
}

#[cfg(test)]
pub(crate) mod quadrature_check {
    //! Brute-force quadrature of `I(a, b)` and central differences, the oracles of the tests.

    use meanfield_core::{GaussianMollifier, Mollifier};

    /// `int phi(a - x) phi(b - x) / rhobar(x) dx` by a midpoint rule on `[lo, hi]^d` (d <= 2),
    /// `inv_density` returning 0 outside the support.
    pub fn overlap_by_quadrature(
        eps: f64,
        a: &[f64],
        b: &[f64],
        inv_density: &dyn Fn(&[f64]) -> f64,
        lo: f64,
        hi: f64,
        cells: usize,
    ) -> f64 {
        let phi = GaussianMollifier::new(eps);
        let d = a.len();
        let h = (hi - lo) / cells as f64;
        let node = |i: usize| lo + (i as f64 + 0.5) * h;
        let r2 = meanfield_core::squared_distance;
        let mut total = 0.0;
        let count = cells.pow(d as u32);
        for idx in 0..count {
            let x: Vec<f64> = (0..d)
                .map(|k| node((idx / cells.pow(k as u32)) % cells))
                .collect();
            total += phi.value(r2(a, &x), d) * phi.value(r2(b, &x), d) * inv_density(&x);
        }
        total * h.powi(d as i32)
    }

    /// Central differences of `I(., b)` at `a`.
    pub fn grad_by_differences(overlap: &dyn super::Overlap, a: &[f64], b: &[f64]) -> Vec<f64> {
        let h = 1e-6;
        (0..a.len())
            .map(|k| {
                let mut p = a.to_vec();
                let mut m = a.to_vec();
                p[k] += h;
                m[k] -= h;
                let mut sink = vec![0.0; a.len()];
                (overlap.value_and_grad(&p, b, 0.0, &mut sink)
                    - overlap.value_and_grad(&m, b, 0.0, &mut sink))
                    / (2.0 * h)
            })
            .collect()
    }
}
