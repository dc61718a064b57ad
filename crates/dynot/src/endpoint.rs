//! The terminal penalty `(1/eps_pen) || phi' * (rho^N(1) - rhobar) ||^2` with the square
//! expanded. With a Gaussian `phi'` of width `delta`, `phi = phi' * phi'` is the Gaussian of
//! variance `2 delta^2`, and
//!
//! `||.||^2 = sum_ij m_i m_j phi(y_i - y_j) - 2 sum_i m_i (phi * rhobar)(y_i) + int int phi drhobar drhobar`.
//!
//! The cross term is a sum over target points for an empirical target and a closed form for
//! a Gaussian mixture (each component convolved with `phi`); any other continuum target is
//! turned into weighted quadrature nodes.

use burn::tensor::Tensor;
use meanfield_core::{Points, squared_distance, tensor_from};
use rayon::prelude::*;

/// Rows per tile of the pairwise sums (memory O(N x tile)).
const TILE: usize = 1024;

/// The terminal measure `rhobar`.
#[derive(Debug, Clone, PartialEq)]
pub enum Endpoint {
    /// `sum_k w_k delta_{z_k}` (weights sum to 1).
    Empirical {
        /// The points `z_k`.
        points: Points,
        /// Their weights.
        weights: Vec<f64>,
    },
    /// `sum_c pi_c N(mu_c, diag(sigma_c^2))`.
    Mixture {
        /// `(pi_c, mu_c, sigma_c)`, weights summing to 1, `sigma_c` per axis.
        components: Vec<(f64, Vec<f64>, Vec<f64>)>,
    },
}

/// The terminal penalty's parameters at one annealing stage, with the constant
/// `int int phi drhobar drhobar` computed once (it costs O(M^2) for M target points).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Penalty {
    /// Mollifier width.
    pub delta: f64,
    /// Penalty parameter.
    pub eps_pen: f64,
    /// [`Endpoint::self_energy`] at `delta`.
    pub self_energy: f64,
}

impl Penalty {
    /// The penalty `(1/eps_pen) ||phi_delta' * (rho - rhobar)||^2` towards `endpoint`.
    pub fn new(endpoint: &Endpoint, delta: f64, eps_pen: f64) -> Self {
        Self {
            delta,
            eps_pen,
            self_energy: endpoint.self_energy(delta),
        }
    }
}

/// Diagonal Gaussian density of `x` with per-axis variances `var`.
fn gaussian(x: &[f64], var: &[f64]) -> f64 {
    x.iter()
        .zip(var)
        .map(|(v, s2)| (-v * v / (2.0 * s2)).exp() / (2.0 * std::f64::consts::PI * s2).sqrt())
        .product()
}

impl Endpoint {
    /// Dimension.
    pub fn dim(&self) -> usize {
        match self {
            Self::Empirical { points, .. } => points.d(),
            Self::Mixture { components } => components[0].1.len(),
        }
    }

    /// The centre of mass.
    pub fn mean(&self) -> Vec<f64> {
        match self {
            Self::Empirical { points, weights } => {
                meanfield_core::metrics::mean(points, Some(weights))
            }
            Self::Mixture { components } => {
                let d = self.dim();
                (0..d)
                    .map(|k| components.iter().map(|(p, m, _)| p * m[k]).sum())
                    .collect()
            }
        }
    }

    /// `int int phi(z - z') drhobar(z) drhobar(z')` for `phi` of variance `2 delta^2`: the
    /// constant that makes the penalty a squared norm (>= 0).
    pub fn self_energy(&self, delta: f64) -> f64 {
        let s2 = 2.0 * delta * delta;
        match self {
            Self::Empirical { points, weights } => {
                let d = points.d();
                let norm = (2.0 * std::f64::consts::PI * s2).powf(-(d as f64) / 2.0);
                // Rows in parallel, added in order: the same value in every run.
                let rows: Vec<f64> = (0..points.n())
                    .into_par_iter()
                    .map(|i| {
                        let a = points.point(i);
                        points
                            .iter()
                            .zip(weights)
                            .map(|(b, w)| w * (-squared_distance(a, b) / (2.0 * s2)).exp())
                            .sum::<f64>()
                            * weights[i]
                    })
                    .collect();
                rows.iter().sum::<f64>() * norm
            }
            Self::Mixture { components } => {
                let mut total = 0.0;
                for (p, m, s) in components {
                    for (q, n, t) in components {
                        let diff: Vec<f64> = m.iter().zip(n).map(|(u, v)| u - v).collect();
                        let var: Vec<f64> =
                            s.iter().zip(t).map(|(a, b)| a * a + b * b + s2).collect();
                        total += p * q * gaussian(&diff, &var);
                    }
                }
                total
            }
        }
    }

    /// `||phi' * (rho^N - rhobar)||^2` for equal-mass particles `y: [n, d]`, differentiable
    /// (the `self_energy` constant is added as a number).
    pub fn discrepancy(&self, y: Tensor<2>, penalty: &Penalty) -> Tensor<1> {
        let delta = penalty.delta;
        let [n, d] = y.dims();
        let s2 = 2.0 * delta * delta;
        let m = 1.0 / n as f64;
        let norm = (2.0 * std::f64::consts::PI * s2).powf(-(d as f64) / 2.0);
        let self_term = gaussian_sum(&y, &y, None, s2).mul_scalar(norm * m * m);
        let cross = match self {
            Self::Empirical { points, weights } => {
                let z = tensor_from::<2>(points.as_slice().to_vec(), [points.n(), d], &y.device());
                let w = tensor_from::<1>(weights.clone(), [weights.len()], &y.device());
                gaussian_sum(&y, &z, Some(w), s2).mul_scalar(norm * m)
            }
            Self::Mixture { components } => {
                let mut total = Tensor::<1>::zeros([1], &y.device());
                for (p, mu, s) in components {
                    let var: Vec<f64> = s.iter().map(|v| v * v + s2).collect();
                    let scale: f64 = var
                        .iter()
                        .map(|v| (2.0 * std::f64::consts::PI * v).powf(-0.5))
                        .product();
                    let mu = tensor_from::<2>(mu.clone(), [1, d], &y.device());
                    let inv = tensor_from::<2>(
                        var.iter().map(|v| -0.5 / v).collect(),
                        [1, d],
                        &y.device(),
                    );
                    let e = ((y.clone() - mu).square() * inv).sum_dim(1).exp().sum();
                    total = total + e.mul_scalar(p * scale * m);
                }
                total
            }
        };
        self_term - cross.mul_scalar(2.0) + penalty.self_energy
    }
}

/// `sum_ij w_j exp(-|a_i - b_j|^2 / (2 s2))` (`w = 1` when `None`), tiled over the rows of `a`.
fn gaussian_sum(a: &Tensor<2>, b: &Tensor<2>, w: Option<Tensor<1>>, s2: f64) -> Tensor<1> {
    let [n, _] = a.dims();
    let bt = b.clone().transpose();
    let b2 = b.clone().square().sum_dim(1).transpose();
    let w = w.map(|w| w.unsqueeze_dim::<2>(0));
    let mut parts = Vec::new();
    for start in (0..n).step_by(TILE) {
        let rows = TILE.min(n - start);
        let ai = a.clone().narrow(0, start, rows);
        let a2 = ai.clone().square().sum_dim(1);
        let r2 = (a2 + b2.clone() - ai.matmul(bt.clone()).mul_scalar(2.0)).clamp_min(0.0);
        let k = r2.mul_scalar(-0.5 / s2).exp();
        let k = match &w {
            Some(w) => k * w.clone(),
            None => k,
        };
        parts.push(k.sum());
    }
    Tensor::cat(parts, 0).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use meanfield_core::{cpu_device, host_vec};
    use rand::SeedableRng;

    /// The mixture's closed form equals the empirical formula on many samples of it.
    #[test]
    fn mixture_closed_form_matches_its_samples() {
        let components = vec![
            (0.3, vec![0.0, 0.5], vec![0.2, 0.3]),
            (0.7, vec![1.0, -0.2], vec![0.25, 0.25]),
        ];
        let mixture = Endpoint::Mixture {
            components: components.clone(),
        };
        let target = meanfield_core::target::Mixture::new(
            components
                .iter()
                .map(|(p, m, s)| {
                    (
                        *p,
                        meanfield_core::target::Gaussian::new(m.clone(), s.clone()),
                    )
                })
                .collect(),
        );
        use meanfield_core::Target;
        let m = 4000;
        let samples = target.sample(m, &mut meanfield_core::RunRng::seed_from_u64(5));
        let empirical = Endpoint::Empirical {
            points: samples,
            weights: vec![1.0 / m as f64; m],
        };
        let device = cpu_device();
        let y = tensor_from::<2>(vec![0.1, 0.2, 0.9, 0.0, 0.5, 0.4], [3, 2], &device);
        let delta = 0.1;
        let a = host_vec(mixture.discrepancy(y.clone(), &Penalty::new(&mixture, delta, 1.0)))[0];
        let b = host_vec(empirical.discrepancy(y, &Penalty::new(&empirical, delta, 1.0)))[0];
        // The sample version carries a Monte Carlo error of order 1/sqrt(m) in the cross and
        // self terms.
        assert!((a - b).abs() < 0.05 * a.abs().max(1.0), "{a} vs {b}");
        let (sa, sb) = (mixture.self_energy(delta), empirical.self_energy(delta));
        assert!((sa - sb).abs() < 0.03 * sa, "{sa} vs {sb}");
    }

    #[test]
    fn discrepancy_vanishes_on_the_target_points() {
        let device = cpu_device();
        let points = Points::new(2, vec![0.0, 0.0, 1.0, 0.5, -0.3, 0.8]).unwrap();
        let e = Endpoint::Empirical {
            points: points.clone(),
            weights: vec![1.0 / 3.0; 3],
        };
        let y = tensor_from::<2>(points.as_slice().to_vec(), [3, 2], &device);
        let penalty = Penalty::new(&e, 0.2, 1.0);
        let v = host_vec(e.discrepancy(y, &penalty))[0];
        assert!(v.abs() < 1e-12, "{v}");
        let moved = tensor_from::<2>(vec![0.1, 0.0, 1.0, 0.5, -0.3, 0.8], [3, 2], &device);
        assert!(host_vec(e.discrepancy(moved, &penalty))[0] > 1e-4);
    }
}
