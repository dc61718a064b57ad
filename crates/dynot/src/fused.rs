//! The hot path without running costs: kinetic energy and terminal penalty evaluated on the
//! host in f64 with analytic gradients, parallel over particles. Used on the CPU when there
//! are no obstacles, quicksand or acceleration control; [`Objective::evaluate`] stays the
//! reference and a test keeps the two equal.

use rayon::prelude::*;

use crate::gauss_sum::Cloud;
use crate::{Endpoint, Objective, Penalty};

impl Objective {
    /// Whether [`Objective::fused_value_and_grad`] covers every term of this objective
    /// (no obstacles, quicksand or acceleration; d <= 3).
    pub fn has_fused_path(&self) -> bool {
        self.straight_lines_are_cheapest() && self.dim() <= 3
    }

    /// The objective's parts (as [`Objective::evaluate`] names them) and its gradient with
    /// respect to the free levels (`free: [n, L, d]` row-major). Only for objectives with
    /// [`Objective::has_fused_path`].
    pub fn fused_value_and_grad(
        &self,
        free: &[f64],
        penalty: &Penalty,
    ) -> (Vec<(String, f64)>, Vec<f64>) {
        let (delta, eps_pen) = (penalty.delta, penalty.eps_pen);
        let (n, levels, d) = (self.n(), self.levels, self.dim());
        let stride = levels * d;
        let dt = 1.0 / levels as f64;
        let kinetic_scale = 1.0 / (n as f64 * dt);
        let sources = self.sources.as_slice();
        let mut grad = vec![0.0; free.len()];
        // Kinetic energy: per particle, a chain x^0 (fixed), x^1..x^L. The per-particle sums
        // are added in order (a parallel sum's order varies from run to run, and a resumed
        // run must see the values of the uninterrupted one to the bit).
        let kinetic: Vec<f64> = grad
            .par_chunks_mut(stride)
            .enumerate()
            .map(|(i, g)| {
                let path = &free[i * stride..(i + 1) * stride];
                let mut sum = 0.0;
                for l in 0..levels {
                    for k in 0..d {
                        let prev = if l == 0 {
                            sources[i * d + k]
                        } else {
                            path[(l - 1) * d + k]
                        };
                        let step = path[l * d + k] - prev;
                        sum += step * step;
                        let w = 2.0 * kinetic_scale * self.kinetic_weight * step;
                        g[l * d + k] += w;
                        if l > 0 {
                            g[(l - 1) * d + k] -= w;
                        }
                    }
                }
                sum
            })
            .collect();
        let kinetic = kinetic.iter().sum::<f64>() * kinetic_scale;
        // Terminal penalty on the last level.
        let ends: Vec<f64> = (0..n)
            .flat_map(|i| {
                free[i * stride + (levels - 1) * d..(i + 1) * stride]
                    .iter()
                    .copied()
            })
            .collect();
        let s2 = 2.0 * delta * delta;
        let m = 1.0 / n as f64;
        let per_particle = match d {
            1 => self.penalty_rows::<1>(&ends, s2),
            2 => self.penalty_rows::<2>(&ends, s2),
            3 => self.penalty_rows::<3>(&ends, s2),
            _ => unreachable!("the fused path is for d <= 3"),
        };
        let self_term: f64 = per_particle.iter().map(|p| p.0).sum::<f64>() * m * m;
        let cross: f64 = per_particle.iter().map(|p| p.1).sum::<f64>() * m;
        let discrepancy = self_term - 2.0 * cross + penalty.self_energy;
        for (i, (_, _, g)) in per_particle.iter().enumerate() {
            for c in 0..d {
                grad[i * stride + (levels - 1) * d + c] += g[c] / eps_pen;
            }
        }
        let terminal = discrepancy / eps_pen;
        let objective = self.kinetic_weight * kinetic + terminal;
        let parts = vec![
            ("kinetic".to_string(), kinetic),
            ("terminal_penalty".to_string(), terminal),
            ("discrepancy".to_string(), discrepancy),
            ("obstacle_violation".to_string(), 0.0),
            ("objective".to_string(), objective),
        ];
        (parts, grad)
    }

    /// Per end point `y_i` (`ends` row-major): `norm sum_j phi(y_i - y_j)`, the cross term
    /// `(phi * rhobar)(y_i)` and the penalty's gradient in `y_i` times `eps_pen`, for the
    /// Gaussian `phi` of variance `s2`.
    fn penalty_rows<const D: usize>(&self, ends: &[f64], s2: f64) -> Vec<(f64, f64, [f64; 3])> {
        let n = ends.len() / D;
        let m = 1.0 / n as f64;
        let norm = (2.0 * std::f64::consts::PI * s2).powf(-(D as f64) / 2.0);
        let s = 0.5 / s2;
        let own = Cloud::<D>::new(ends, None);
        let target = match &self.endpoint {
            Endpoint::Empirical { points, weights } => {
                Target::Points(Cloud::<D>::new(points.as_slice(), Some(weights)))
            }
            Endpoint::Mixture { components } => Target::Mixture(components),
        };
        (0..n)
            .into_par_iter()
            .map(|i| {
                let y: [f64; D] = std::array::from_fn(|k| ends[i * D + k]);
                let mut g = [0.0; 3];
                let (self_sum, self_slope) = own.sum(y, s);
                for c in 0..D {
                    // d/dy_i of m^2 sum_ij phi(y_i - y_j): twice the row's slope.
                    g[c] -= 2.0 * m * m * norm * self_slope[c] / s2;
                }
                let cross = match &target {
                    Target::Points(points) => {
                        let (sum, slope) = points.sum(y, s);
                        for c in 0..D {
                            g[c] += 2.0 * m * norm * slope[c] / s2;
                        }
                        norm * sum
                    }
                    Target::Mixture(components) => mixture_cross(components, &y, s2, m, &mut g),
                };
                (norm * self_sum, cross, g)
            })
            .collect()
    }
}

/// The terminal measure as the fused loop reads it.
enum Target<'a, const D: usize> {
    Points(Cloud<D>),
    Mixture(&'a [(f64, Vec<f64>, Vec<f64>)]),
}

/// `(phi * rhobar)(y)` for a Gaussian mixture (each component convolved with the Gaussian of
/// variance `s2`); adds `2 m` times its gradient into `g`.
fn mixture_cross(
    components: &[(f64, Vec<f64>, Vec<f64>)],
    y: &[f64],
    s2: f64,
    m: f64,
    g: &mut [f64; 3],
) -> f64 {
    let d = y.len();
    let mut sum = 0.0;
    for (p, mu, s) in components {
        let var: Vec<f64> = s.iter().map(|v| v * v + s2).collect();
        let mut density = *p;
        for c in 0..d {
            let u = y[c] - mu[c];
            density *=
                (-u * u / (2.0 * var[c])).exp() / (2.0 * std::f64::consts::PI * var[c]).sqrt();
        }
        sum += density;
        for c in 0..d {
            g[c] += 2.0 * m * density * (y[c] - mu[c]) / var[c];
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use meanfield_core::{Points, cpu_device, host_vec, tensor_from};

    fn check(endpoint: Endpoint) {
        let sources = Points::new(2, vec![0.0, 0.0, 0.3, 0.6, -0.2, 0.3, 0.5, -0.1]).unwrap();
        let o = Objective {
            sources,
            levels: 4,
            endpoint,
            obstacles: Vec::new(),
            obstacle_weight: 1.0,
            quicksand: Vec::new(),
            quicksand_edge: 0.01,
            kinetic_weight: 0.7,
            acceleration: None,
        };
        let free: Vec<f64> = (0..o.n() * 4 * 2)
            .map(|k| 0.37 * (k as f64).sin() + 0.05 * k as f64)
            .collect();
        let penalty = Penalty::new(&o.endpoint, 0.3, 0.05);
        let (parts, grad) = o.fused_value_and_grad(&free, &penalty);
        let device = cpu_device().autodiff();
        let t = tensor_from::<3>(free.clone(), [o.n(), 4, 2], &device).require_grad();
        let eval = o.evaluate(t.clone(), &penalty);
        for (name, value) in &parts {
            let reference = eval.part(name);
            assert!(
                (value - reference).abs() < 1e-10 * reference.abs().max(1.0),
                "{name}: fused {value} vs tensor {reference}"
            );
        }
        let g = host_vec(t.grad(&eval.total.backward()).unwrap());
        for (a, b) in grad.iter().zip(&g) {
            assert!((a - b).abs() < 1e-9 * b.abs().max(1.0), "{a} vs {b}");
        }
    }

    #[test]
    fn fused_path_equals_the_tensor_expression() {
        check(Endpoint::Empirical {
            points: Points::new(2, vec![2.0, 0.1, 1.8, 0.7, 2.2, 0.4]).unwrap(),
            weights: vec![0.5, 0.3, 0.2],
        });
        check(Endpoint::Mixture {
            components: vec![
                (0.4, vec![2.0, 0.0], vec![0.3, 0.2]),
                (0.6, vec![1.5, 0.8], vec![0.25, 0.25]),
            ],
        });
    }
}
