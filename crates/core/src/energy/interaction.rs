//! The pairwise interaction energy `1/2 sum_ij m_i m_j K(x_i - x_j)`, in tiles.
//!
//! Tile of rows I: `E_I = sum_{i in I} m_i sum_{j != i} m_j K(x_i - x_j)` with the other
//! positions held constant. Because K is even, `grad_{x_I} E_I = grad_{x_I} E`, so one backward
//! pass per tile gives exact gradients with memory O(N x tile), and `E = 1/2 sum_I E_I`.

use burn::tensor::Tensor;
use rayon::prelude::*;

use super::Evaluation;
use crate::Points;
use crate::kernel::RadialKernel;

/// Pairwise interaction through a radial kernel.
#[derive(Debug)]
pub struct Interaction {
    kernel: Box<dyn RadialKernel>,
    tile: usize,
    evaluation: Evaluation,
}

impl Interaction {
    /// Creates the interaction; `tile >= 1` rows per tile.
    pub fn new(kernel: Box<dyn RadialKernel>, tile: usize, evaluation: Evaluation) -> Self {
        Self {
            kernel,
            tile: tile.max(1),
            evaluation,
        }
    }

    /// Energy and gradient, by the configured evaluation.
    ///
    /// # Shapes
    /// `x: [n, d]`, `m: [n]` -> `(E, [n, d])`.
    pub fn value_and_gradient(&self, x: &Tensor<2>, m: &Tensor<1>) -> (f64, Tensor<2>) {
        if self.evaluation.is_fused_on(&x.device()) {
            self.fused(x, m)
        } else {
            self.tensor(x, m)
        }
    }

    /// The reference: the kernel's tensor expression, differentiated by autodiff per tile.
    pub fn tensor(&self, x: &Tensor<2>, m: &Tensor<1>) -> (f64, Tensor<2>) {
        let [n, _] = x.dims();
        let others = x.clone().autodiff().unsqueeze_dim::<3>(0);
        let m_others = m.clone().autodiff().unsqueeze_dim::<2>(0);
        let mut energy = 0.0;
        let mut grads = Vec::new();
        for start in (0..n).step_by(self.tile) {
            let rows = self.tile.min(n - start);
            let xi = x.clone().narrow(0, start, rows).autodiff().require_grad();
            let mi = m
                .clone()
                .narrow(0, start, rows)
                .autodiff()
                .unsqueeze_dim::<2>(1);
            let diff = xi.clone().unsqueeze_dim::<3>(1) - others.clone();
            let r2 = diff.square().sum_dim(2).squeeze_dim::<2>(2);
            // Shift the diagonal away from r2 = 0 and mask it out: no self-interaction and
            // no 0 * inf in the backward pass of singular kernels.
            let mut eye = vec![0.0; rows * n];
            for i in 0..rows {
                eye[i * n + start + i] = 1.0;
            }
            let eye = crate::tensor_from::<2>(eye, [rows, n], &r2.device());
            let k = self.kernel.value(r2 + eye.clone()) * eye.neg().add_scalar(1.0);
            let e_tile = ((k * m_others.clone()).sum_dim(1) * mi).sum();
            let g = e_tile.backward();
            grads.push(xi.grad(&g).expect("tile rows require grad"));
            energy += 0.5 * e_tile.into_scalar::<f64>();
        }
        (energy, Tensor::cat(grads, 0))
    }

    /// Fused host evaluation with the kernel's analytic slope, parallel over rows.
    pub fn fused(&self, x: &Tensor<2>, m: &Tensor<1>) -> (f64, Tensor<2>) {
        let points = Points::from_tensor(x);
        let masses = crate::host_vec(m.clone());
        let (d, xs) = (points.d(), points.as_slice());
        let mut grad = vec![0.0; xs.len()];
        let energy: f64 = grad
            .par_chunks_mut(d)
            .enumerate()
            .map(|(i, gi)| {
                let xi = &xs[i * d..(i + 1) * d];
                let mut ei = 0.0;
                for (j, xj) in xs.chunks_exact(d).enumerate() {
                    if j == i {
                        continue;
                    }
                    let r2 = crate::squared_distance(xi, xj);
                    let (k, slope) = self.kernel.value_and_slope(r2);
                    ei += masses[j] * k;
                    let c = 2.0 * masses[j] * slope;
                    for ((g, a), b) in gi.iter_mut().zip(xi).zip(xj) {
                        *g += c * (a - b);
                    }
                }
                gi.iter_mut().for_each(|g| *g *= masses[i]);
                0.5 * masses[i] * ei
            })
            .sum();
        let grad = crate::tensor_from(grad, [points.n(), d], &x.device());
        (energy, grad)
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::TensorData;

    use crate::RunRng;
    use rand::SeedableRng;

    use super::*;
    use crate::kernel::KernelConfig;
    use crate::{InitConfig, cpu_device};

    /// The fused path equals the tensor reference for every kernel, with uneven tiles and
    /// unequal masses (to 1e-6: the chemotaxis tensor expression differentiates a rational
    /// approximation of E1 whose derivative is accurate to about 1e-7 per pair).
    #[test]
    fn fused_equals_tensor_expression() {
        let device = cpu_device();
        let mut rng = RunRng::seed_from_u64(5);
        let init = InitConfig::Gaussian {
            mean: vec![0.0, 0.0],
            std: vec![0.5, 0.3],
        };
        let x = init.sample(37, &mut rng).unwrap().to_tensor(&device);
        let masses: Vec<f64> = (0..37).map(|i| 1.0 + (i % 5) as f64).collect();
        let m = Tensor::<1>::from_data(TensorData::new(masses, [37]), &device);
        for config in [
            KernelConfig::Granular,
            KernelConfig::Swarming { a: 4.0, b: 2.0 },
            KernelConfig::Gaussian {
                sigma: 0.4,
                strength: 0.8,
            },
            KernelConfig::Chemotaxis {
                chi: 1.0,
                eps: 0.05,
            },
        ] {
            let inter = Interaction::new(config.build(), 8, Evaluation::Tensor);
            let (e1, g1) = inter.tensor(&x, &m);
            let (e2, g2) = inter.fused(&x, &m);
            assert!(
                (e1 - e2).abs() < 1e-10 * (1.0 + e1.abs()),
                "{config:?}: {e1} vs {e2}"
            );
            let (g1, g2) = (Points::from_tensor(&g1), Points::from_tensor(&g2));
            for (a, b) in g1.as_slice().iter().zip(g2.as_slice()) {
                assert!(
                    (a - b).abs() < 1e-6 * (1.0 + a.abs()),
                    "{config:?}: {a} vs {b}"
                );
            }
        }
    }

    /// Gradient against central finite differences of the energy.
    #[test]
    fn gradient_matches_finite_differences() {
        let device = cpu_device();
        let mut rng = RunRng::seed_from_u64(9);
        let init = InitConfig::UniformBox {
            lo: vec![-1.0, -1.0],
            hi: vec![1.0, 1.0],
        };
        let p = init.sample(12, &mut rng).unwrap();
        let m = Tensor::<1>::ones([12], &device).div_scalar(12.0);
        let inter = Interaction::new(
            KernelConfig::Swarming { a: 4.0, b: 2.0 }.build(),
            5,
            Evaluation::Tensor,
        );
        let (_, g) = inter.tensor(&p.to_tensor(&device), &m);
        let g = Points::from_tensor(&g);
        let h = 1e-6;
        for idx in [0, 5, 13, 23] {
            let mut plus = p.as_slice().to_vec();
            let mut minus = plus.clone();
            plus[idx] += h;
            minus[idx] -= h;
            let e = |v: Vec<f64>| {
                inter
                    .tensor(&Points::new(2, v).unwrap().to_tensor(&device), &m)
                    .0
            };
            let fd = (e(plus) - e(minus)) / (2.0 * h);
            assert!(
                (fd - g.as_slice()[idx]).abs() < 1e-7,
                "{fd} vs {}",
                g.as_slice()[idx]
            );
        }
    }
}
