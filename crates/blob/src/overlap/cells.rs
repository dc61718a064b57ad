//! Piecewise-constant `rhobar` (uniform box: one cell). With `m = (a + b)/2`, `s = eps/sqrt 2`
//! and `F_cell(m) = prod_k [Phi((hi_k - m_k)/s) - Phi((lo_k - m_k)/s)]` (MATH.md's closed form):
//! `I(a, b) = phi_{sqrt 2 eps}(a - b) [w_out + sum_cells (1/c - w_out) F_cell(m)]`.
//!
//! `w_out` is `1/rhobar` outside the support. `w_out = 0` integrates over the support only,
//! MATH.md's formula. That energy is lowered by pushing mass out of the support, and particles
//! leave it and stop there. The default `w_out = 1/(floor max c)` (the density floor of the
//! quadrature) confines them instead.

use std::f64::consts::{FRAC_1_SQRT_2, PI, SQRT_2};

use burn::tensor::Tensor;
use meanfield_core::tensor_from;

use super::{FlatOverlap, Overlap};

/// A box on which `rhobar` is the constant `height > 0`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Lower corner.
    pub lo: Vec<f64>,
    /// Upper corner.
    pub hi: Vec<f64>,
    /// The density on the cell.
    pub height: f64,
}

/// The overlap for a density that is constant on boxes (Gaussian mollifier).
#[derive(Debug, Clone, PartialEq)]
pub struct CellsOverlap {
    flat: FlatOverlap,
    cells: Vec<Cell>,
    s: f64,
    outside: f64,
}

/// Standard normal CDF.
fn cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z * FRAC_1_SQRT_2)
}

/// Standard normal density.
fn pdf(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * PI).sqrt()
}

impl CellsOverlap {
    /// The uniform density on the box `[lo, hi]`: one cell of height `1 / volume`.
    pub fn uniform_box(eps: f64, lo: &[f64], hi: &[f64], floor: f64) -> Self {
        let volume: f64 = lo.iter().zip(hi).map(|(a, b)| b - a).product();
        Self::new(
            eps,
            vec![Cell {
                lo: lo.to_vec(),
                hi: hi.to_vec(),
                height: 1.0 / volume,
            }],
            floor,
        )
    }

    /// For mollifier width `eps`; `floor` in [0, 1): `1/rhobar` is capped at
    /// `1/(floor max c)`, also outside the cells (`floor = 0`: nothing counts outside).
    pub fn new(eps: f64, cells: Vec<Cell>, floor: f64) -> Self {
        let d = cells.first().map_or(1, |c| c.lo.len());
        let top = cells.iter().map(|c| c.height).fold(0.0, f64::max);
        let outside = if floor > 0.0 {
            1.0 / (floor * top)
        } else {
            0.0
        };
        let cells = cells
            .into_iter()
            .map(|c| Cell {
                height: if floor > 0.0 {
                    c.height.max(floor * top)
                } else {
                    c.height
                },
                ..c
            })
            .filter(|c| c.height > 0.0 && (1.0 / c.height - outside).abs() > 0.0)
            .collect();
        Self {
            flat: FlatOverlap::new(eps, d),
            cells,
            s: eps / SQRT_2,
            outside,
        }
    }

    /// `J(m) = w_out + sum_cells (1/c - w_out) prod_k F_k(m)`; adds its gradient in `m` into
    /// `grad_m`.
    pub(crate) fn weight(&self, m: &[f64], grad_m: &mut [f64]) -> f64 {
        let d = m.len();
        let cut = 9.0 * self.s;
        let mut total = self.outside;
        let mut f = [0.0; 8];
        let mut df = [0.0; 8];
        'cells: for cell in &self.cells {
            for k in 0..d {
                if m[k] < cell.lo[k] - cut || m[k] > cell.hi[k] + cut {
                    continue 'cells;
                }
                let (zh, zl) = ((cell.hi[k] - m[k]) / self.s, (cell.lo[k] - m[k]) / self.s);
                f[k] = cdf(zh) - cdf(zl);
                df[k] = -(pdf(zh) - pdf(zl)) / self.s;
            }
            let inv = 1.0 / cell.height - self.outside;
            let product: f64 = f[..d].iter().product();
            total += inv * product;
            for k in 0..d {
                let others: f64 = (0..d).filter(|l| *l != k).map(|l| f[l]).product();
                grad_m[k] += inv * others * df[k];
            }
        }
        total
    }
}

impl Overlap for CellsOverlap {
    fn tensor(&self, a: Tensor<2>, b: Tensor<2>) -> Tensor<2> {
        let [r, d] = a.dims();
        let n = b.dims()[0];
        let device = a.device();
        let m = (a.clone().unsqueeze_dim::<3>(1) + b.clone().unsqueeze_dim::<3>(0)).mul_scalar(0.5);
        let phi = |z: Tensor<3>| {
            z.mul_scalar(FRAC_1_SQRT_2)
                .erf()
                .add_scalar(1.0)
                .mul_scalar(0.5)
        };
        let mut weight = Tensor::<2>::zeros([r, n], &device).add_scalar(self.outside);
        for cell in &self.cells {
            let lo = tensor_from::<3>(cell.lo.clone(), [1, 1, d], &device);
            let hi = tensor_from::<3>(cell.hi.clone(), [1, 1, d], &device);
            let inv_s = 1.0 / self.s;
            let f =
                phi((hi - m.clone()).mul_scalar(inv_s)) - phi((lo - m.clone()).mul_scalar(inv_s));
            let mut product = f.clone().narrow(2, 0, 1);
            for k in 1..d {
                product = product * f.clone().narrow(2, k, 1);
            }
            weight = weight
                + product
                    .squeeze_dim::<2>(2)
                    .mul_scalar(1.0 / cell.height - self.outside);
        }
        self.flat.tensor(a, b) * weight
    }

    fn value_and_grad(&self, a: &[f64], b: &[f64], scale: f64, grad: &mut [f64]) -> f64 {
        let d = a.len();
        let mut m = [0.0; 8];
        for k in 0..d {
            m[k] = 0.5 * (a[k] + b[k]);
        }
        let mut grad_m = [0.0; 8];
        let w = self.weight(&m[..d], &mut grad_m[..d]);
        let mut grad_flat = [0.0; 8];
        let p = self.flat.value_and_grad(a, b, 1.0, &mut grad_flat[..d]);
        for k in 0..d {
            grad[k] += scale * (grad_flat[k] * w + p * 0.5 * grad_m[k]);
        }
        p * w
    }
}

#[cfg(test)]
mod tests {
    use super::super::quadrature_check::{grad_by_differences, overlap_by_quadrature};
    use super::*;

    fn two_cells(floor: f64) -> CellsOverlap {
        CellsOverlap::new(
            0.1,
            vec![
                Cell {
                    lo: vec![-0.5, -0.5],
                    hi: vec![0.0, 0.5],
                    height: 0.5,
                },
                Cell {
                    lo: vec![0.0, -0.5],
                    hi: vec![0.5, 0.5],
                    height: 1.5,
                },
            ],
            floor,
        )
    }

    /// Piecewise constant in 2-D, near the inner jump and near the outer edge, against a
    /// midpoint rule, with nothing outside (MATH.md's formula) and with a density floor; the
    /// gradient against central differences.
    #[test]
    fn matches_quadrature_and_differences() {
        for floor in [0.0, 0.1] {
            check(floor);
        }
    }

    fn check(floor: f64) {
        let overlap = two_cells(floor);
        let inv = |x: &[f64]| {
            if x.iter().any(|v| v.abs() > 0.5) {
                if floor > 0.0 {
                    1.0 / (floor * 1.5)
                } else {
                    0.0
                }
            } else if x[0] < 0.0 {
                1.0 / 0.5f64.max(floor * 1.5)
            } else {
                1.0 / 1.5
            }
        };
        for (a, b) in [([0.02, 0.1], [-0.05, 0.15]), ([0.45, -0.4], [0.5, -0.48])] {
            let mut grad = [0.0; 2];
            let closed = overlap.value_and_grad(&a, &b, 1.0, &mut grad);
            let quad = overlap_by_quadrature(0.1, &a, &b, &inv, -1.5, 1.5, 3000);
            assert!((closed - quad).abs() < 1e-5 * closed, "{closed} vs {quad}");
            let fd = grad_by_differences(&overlap, &a, &b);
            for k in 0..2 {
                assert!(
                    (fd[k] - grad[k]).abs() < 1e-5 * grad[k].abs().max(1.0),
                    "{fd:?} vs {grad:?}"
                );
            }
        }
    }
}
