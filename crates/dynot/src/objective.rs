//! The objective `J` over the trajectories, as one differentiable tensor expression:
//! kinetic energy (weighted by quicksand), terminal penalty, obstacle penalties on every
//! segment, and acceleration control.

use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, Tensor};
use meanfield_core::{Points, tensor_from};

use crate::{Endpoint, Penalty, Region};

/// Points per segment at which the quicksand factor is averaged.
const QUICKSAND_NODES: usize = 4;

/// Acceleration control with prescribed end velocities.
#[derive(Debug, Clone, PartialEq)]
pub struct Acceleration {
    /// Weight of the term.
    pub weight: f64,
    /// Velocity at t = 0.
    pub initial_velocity: Vec<f64>,
    /// Velocity at t = 1.
    pub terminal_velocity: Vec<f64>,
}

/// The problem: fixed sources `x^0`, `L` steps, the terminal measure and running costs.
#[derive(Debug, Clone)]
pub struct Objective {
    /// Source points `x_i^0`.
    pub sources: Points,
    /// Number of steps L (`dt = 1/L`).
    pub levels: usize,
    /// The terminal measure.
    pub endpoint: Endpoint,
    /// Obstacles.
    pub obstacles: Vec<Region>,
    /// Weight `1/eps_obs` of the squared penetration depth.
    pub obstacle_weight: f64,
    /// Quicksand patches and their kinetic multipliers.
    pub quicksand: Vec<(Region, f64)>,
    /// Width of the smoothed quicksand edge.
    pub quicksand_edge: f64,
    /// Weight of the kinetic energy.
    pub kinetic_weight: f64,
    /// Optional acceleration control.
    pub acceleration: Option<Acceleration>,
}

/// The value of a named part in a `(name, value)` list (`None` when absent).
pub fn part(parts: &[(String, f64)], name: &str) -> Option<f64> {
    parts.iter().find(|(k, _)| k == name).map(|p| p.1)
}

/// `J` and its parts at one set of trajectories.
#[derive(Debug)]
pub struct ObjectiveValue {
    /// The objective, differentiable.
    pub total: Tensor<1>,
    /// Named parts as numbers: `kinetic` (quicksand-weighted, unscaled by `kinetic_weight`),
    /// `terminal_penalty` (including `1/eps_pen`), `discrepancy` (the squared norm alone),
    /// `obstacle_penalty`, `obstacle_violation` (largest penetration depth of any segment),
    /// `acceleration`.
    pub parts: Vec<(String, f64)>,
}

impl ObjectiveValue {
    /// One named part (0 when absent).
    pub fn part(&self, name: &str) -> f64 {
        part(&self.parts, name).unwrap_or(0.0)
    }
}

fn scalar(t: &Tensor<1>) -> f64 {
    t.clone().into_scalar::<f64>()
}

impl Objective {
    /// Whether the cheapest trajectories between given end points are straight lines at
    /// constant speed (no obstacles, quicksand or acceleration control), so that
    /// [`reassign`](crate::reassign()) may re-match the end points.
    pub fn straight_lines_are_cheapest(&self) -> bool {
        self.obstacles.is_empty() && self.quicksand.is_empty() && self.acceleration.is_none()
    }

    /// Whether the cheapest trajectories between given end points are geodesics around the
    /// obstacles at constant speed (2-D obstacles, no quicksand or acceleration control), so
    /// that they can be re-routed along the visibility graph.
    pub fn geodesics_are_cheapest(&self) -> bool {
        !self.obstacles.is_empty()
            && self.dim() == 2
            && self.quicksand.is_empty()
            && self.acceleration.is_none()
    }

    /// Dimension.
    pub fn dim(&self) -> usize {
        self.sources.d()
    }

    /// Number of particles.
    pub fn n(&self) -> usize {
        self.sources.n()
    }

    /// `(1/N) sum_{i,l} |x_i^{l+1} - x_i^l|^2 / dt` of the free levels `free` (`[n, L, d]`), without
    /// quicksand weights or `kinetic_weight`.
    pub fn kinetic_of(&self, free: &[f64]) -> f64 {
        let (n, levels, d) = (self.n(), self.levels, self.dim());
        let mut sum = 0.0;
        for i in 0..n {
            let mut prev = self.sources.point(i);
            for l in 0..levels {
                let at = &free[(i * levels + l) * d..(i * levels + l + 1) * d];
                sum += meanfield_core::squared_distance(prev, at);
                prev = at;
            }
        }
        sum * levels as f64 / n as f64
    }

    /// `x^0` as a `[n, 1, d]` tensor on `device`.
    pub fn sources_tensor(&self, device: &Device) -> Tensor<3> {
        tensor_from::<3>(
            self.sources.as_slice().to_vec(),
            [self.n(), 1, self.dim()],
            device,
        )
    }

    /// Evaluates `J` at the free levels `x^1..x^L` (`free: [n, L, d]`) with the terminal
    /// `penalty`.
    pub fn evaluate(&self, free: Tensor<3>, penalty: &Penalty) -> ObjectiveValue {
        let [n, levels, d] = free.dims();
        let device = free.device();
        let dt = 1.0 / levels as f64;
        let full = Tensor::cat(vec![self.sources_tensor(&device), free], 1);
        let a = full.clone().narrow(1, 0, levels).reshape([n * levels, d]);
        let b = full.clone().narrow(1, 1, levels).reshape([n * levels, d]);
        let step2 = (b.clone() - a.clone())
            .square()
            .sum_dim(1)
            .squeeze_dim::<1>(1);
        let weight = self.quicksand_weight(&a, &b);
        let kinetic = match weight {
            Some(w) => (step2 * w).sum(),
            None => step2.sum(),
        }
        .mul_scalar(1.0 / (n as f64 * dt));
        let y = full.clone().narrow(1, levels, 1).reshape([n, d]);
        let discrepancy = self.endpoint.discrepancy(y, penalty);
        let terminal = discrepancy.clone().mul_scalar(1.0 / penalty.eps_pen);
        let mut total = kinetic.clone().mul_scalar(self.kinetic_weight) + terminal.clone();
        let mut parts = vec![
            ("kinetic".to_string(), scalar(&kinetic)),
            ("terminal_penalty".to_string(), scalar(&terminal)),
            ("discrepancy".to_string(), scalar(&discrepancy)),
        ];
        let mut violation = 0.0f64;
        let mut obstacle = Tensor::<1>::zeros([1], &device);
        for region in &self.obstacles {
            let depth = region.segment_depth_tensor(a.clone(), b.clone());
            violation = violation.max(depth.clone().max().into_scalar::<f64>());
            let inside = depth.clamp_min(0.0);
            obstacle = obstacle
                + inside
                    .square()
                    .sum()
                    .mul_scalar(self.obstacle_weight / (n * levels) as f64);
        }
        if !self.obstacles.is_empty() {
            parts.push(("obstacle_penalty".into(), scalar(&obstacle)));
            total = total + obstacle;
        }
        parts.push(("obstacle_violation".into(), violation.max(0.0)));
        if let Some(acc) = &self.acceleration {
            let value = self.acceleration_term(full, acc, dt);
            parts.push(("acceleration".into(), scalar(&value)));
            total = total + value.mul_scalar(acc.weight);
        }
        parts.push(("objective".into(), scalar(&total)));
        ObjectiveValue { total, parts }
    }

    /// Mean quicksand factor along each segment, `None` without quicksand.
    fn quicksand_weight(&self, a: &Tensor<2>, b: &Tensor<2>) -> Option<Tensor<1>> {
        if self.quicksand.is_empty() {
            return None;
        }
        let mut weight = Tensor::<1>::ones([a.dims()[0]], &a.device());
        for q in 0..QUICKSAND_NODES {
            let s = (q as f64 + 0.5) / QUICKSAND_NODES as f64;
            let x = a.clone().mul_scalar(1.0 - s) + b.clone().mul_scalar(s);
            for (region, factor) in &self.quicksand {
                let inside = sigmoid(
                    region
                        .depth_tensor(x.clone())
                        .mul_scalar(1.0 / self.quicksand_edge),
                );
                weight = weight + inside.mul_scalar((factor - 1.0) / QUICKSAND_NODES as f64);
            }
        }
        Some(weight)
    }

    /// `(1/N) sum_i sum_{l=0}^{L} w_l |x^{l+1} - 2 x^l + x^{l-1}|^2 / dt^3` with central ghost
    /// levels `x^{-1} = x^1 - 2 v0 dt`, `x^{L+1} = x^{L-1} + 2 v1 dt` and trapezoid weights
    /// (`w = 1/2` at both ends): second-order accurate for `int |x''|^2 dt`.
    fn acceleration_term(&self, full: Tensor<3>, acc: &Acceleration, dt: f64) -> Tensor<1> {
        let [n, levels1, d] = full.dims();
        let device = full.device();
        let velocity = |v: &[f64]| tensor_from::<3>(v.to_vec(), [1, 1, d], &device);
        let second = full.clone().narrow(1, 1, 1);
        let penultimate = full.clone().narrow(1, levels1 - 2, 1);
        let before = second - velocity(&acc.initial_velocity).mul_scalar(2.0 * dt);
        let after = penultimate + velocity(&acc.terminal_velocity).mul_scalar(2.0 * dt);
        let ext = Tensor::cat(vec![before, full, after], 1);
        let k = levels1;
        let diff2 = (ext.clone().narrow(1, 2, k) - ext.clone().narrow(1, 1, k).mul_scalar(2.0)
            + ext.narrow(1, 0, k))
        .square()
        .sum_dim(2);
        let mut w = vec![1.0; k];
        w[0] = 0.5;
        w[k - 1] = 0.5;
        let w = tensor_from::<3>(w, [1, k, 1], &device);
        (diff2 * w)
            .sum()
            .mul_scalar(1.0 / (n as f64 * dt * dt * dt))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RegionConfig;
    use meanfield_core::{cpu_device, host_vec};

    fn objective(levels: usize) -> Objective {
        let sources = Points::new(2, vec![0.0, 0.0, 0.1, 0.6, -0.2, 0.3]).unwrap();
        let targets = Points::new(2, vec![2.0, 0.1, 1.8, 0.7, 2.2, 0.4]).unwrap();
        Objective {
            sources,
            levels,
            endpoint: Endpoint::Empirical {
                points: targets,
                weights: vec![1.0 / 3.0; 3],
            },
            obstacles: vec![
                Region::Ball {
                    center: vec![1.0, 0.35],
                    radius: 0.2,
                },
                Region::from_config(
                    &RegionConfig::Box {
                        lo: vec![0.5, -0.5],
                        hi: vec![0.6, 0.2],
                    },
                    "b",
                )
                .unwrap(),
            ],
            obstacle_weight: 50.0,
            quicksand: vec![(
                Region::from_config(
                    &RegionConfig::Box {
                        lo: vec![1.3, 0.0],
                        hi: vec![1.5, 1.0],
                    },
                    "q",
                )
                .unwrap(),
                5.0,
            )],
            quicksand_edge: 0.05,
            kinetic_weight: 1.0,
            acceleration: Some(Acceleration {
                weight: 0.1,
                initial_velocity: vec![1.0, 0.0],
                terminal_velocity: vec![0.5, 0.0],
            }),
        }
    }

    /// Paths bent so that segments cross the obstacles and the quicksand.
    fn free(o: &Objective) -> Vec<f64> {
        let l = o.levels;
        (0..o.n())
            .flat_map(|i| {
                (1..=l).flat_map(move |k| {
                    let s = k as f64 / l as f64;
                    [
                        2.0 * s + 0.01 * i as f64,
                        0.3 * (3.0 * s).sin() + 0.2 * i as f64,
                    ]
                })
            })
            .collect()
    }

    #[test]
    fn autodiff_gradient_matches_differences() {
        let o = objective(5);
        let device = cpu_device().autodiff();
        let x = free(&o);
        let shape = [o.n(), o.levels, 2];
        let penalty = Penalty::new(&o.endpoint, 0.2, 0.01);
        let value = |x: &[f64]| {
            let t = tensor_from::<3>(x.to_vec(), shape, &device);
            o.evaluate(t, &penalty).part("objective")
        };
        let t = tensor_from::<3>(x.clone(), shape, &device).require_grad();
        let eval = o.evaluate(t.clone(), &penalty);
        assert!(eval.part("obstacle_penalty") > 0.0, "{:?}", eval.parts);
        let grads = eval.total.backward();
        let g = host_vec(t.grad(&grads).unwrap());
        for k in 0..x.len() {
            let h = 1e-6;
            let (mut p, mut m) = (x.clone(), x.clone());
            p[k] += h;
            m[k] -= h;
            let fd = (value(&p) - value(&m)) / (2.0 * h);
            assert!(
                (g[k] - fd).abs() < 1e-4 * fd.abs().max(1.0),
                "coordinate {k}: autodiff {} vs differences {fd}",
                g[k]
            );
        }
    }

    /// Straight lines at constant speed: kinetic = (1/N) sum |y_i - x_i|^2 for any L.
    #[test]
    fn straight_lines_cost_the_matching() {
        let mut o = objective(7);
        o.obstacles.clear();
        o.quicksand.clear();
        let Endpoint::Empirical { points, .. } = o.endpoint.clone() else {
            unreachable!()
        };
        let l = o.levels;
        let x: Vec<f64> = (0..o.n())
            .flat_map(|i| {
                let (a, b) = (o.sources.point(i).to_vec(), points.point(i).to_vec());
                (1..=l).flat_map(move |k| {
                    let s = k as f64 / l as f64;
                    [a[0] + s * (b[0] - a[0]), a[1] + s * (b[1] - a[1])]
                })
            })
            .collect();
        let t = tensor_from::<3>(x, [o.n(), l, 2], &cpu_device());
        let eval = o.evaluate(t, &Penalty::new(&o.endpoint, 0.1, 1.0));
        let exact: f64 = (0..o.n())
            .map(|i| meanfield_core::squared_distance(o.sources.point(i), points.point(i)))
            .sum::<f64>()
            / o.n() as f64;
        assert!((eval.part("kinetic") - exact).abs() < 1e-12);
        assert!(eval.part("discrepancy").abs() < 1e-12);
    }
}
