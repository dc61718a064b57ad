//! Minimising the objective over the trajectories: gradient descent with plateau learning-rate
//! reduction and early stopping (the reference method), burn's Adam or L-BFGS; annealing of
//! `delta` and `eps_pen`; seeded restarts keeping the best.

use crate::config::PathOptimizer;
use burn::module::{Module, Param};
use burn::optim::{AdamConfig, GradientsParams, LBFGSConfig, LineSearchFn, SgdConfig};
use burn::tensor::{Device, Tensor};
use meanfield_core::{Observer, Points, StopReason, host_vec, tensor_from};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Normal};

use crate::{DynotError, Objective, Penalty, part};

/// The free levels `x^1..x^L` as a trainable burn module.
#[derive(Module, Debug)]
struct Paths {
    free: Param<Tensor<3>>,
}

/// How to minimise.
#[derive(Debug, Clone, PartialEq)]
pub struct SolveSettings {
    /// Optimiser.
    pub optimizer: PathOptimizer,
    /// Learning rate (initial step for L-BFGS).
    pub lr: f64,
    /// Iterations per start.
    pub iterations: usize,
    /// GD: halve the learning rate after this many iterations without a new best (0: never).
    pub plateau_patience: usize,
    /// Early stopping: relative improvement of the best objective over `stop_window`.
    pub stop_tol: f64,
    /// Early-stopping window (0: off).
    pub stop_window: usize,
    /// Final mollifier width.
    pub delta: f64,
    /// Final penalty parameter.
    pub eps_pen: f64,
    /// Annealing `(stages, delta_factor, eps_pen_factor)`; `None`: one stage.
    pub anneal: Option<(usize, f64, f64)>,
    /// Extra seeded starts.
    pub restarts: usize,
    /// Standard deviation of a restart's perturbation of the interior levels.
    pub perturbation: f64,
    /// Log every this many iterations.
    pub log_every: usize,
    /// Seed of the perturbations.
    pub seed: u64,
    /// Evaluation of the objective (the fused host path needs a CPU device and
    /// [`Objective::has_fused_path`]).
    pub evaluation: meanfield_core::energy::Evaluation,
}

/// The best trajectories found and how the search ended.
#[derive(Debug, Clone)]
pub struct Solution {
    /// Every level, `[n, L + 1, d]` row-major (level 0 = the sources).
    pub paths: Vec<f64>,
    /// Number of particles.
    pub n: usize,
    /// Number of steps L.
    pub levels: usize,
    /// Dimension.
    pub d: usize,
    /// The objective's parts at the best trajectories (final delta and eps_pen).
    pub parts: Vec<(String, f64)>,
    /// Iterations run, over all starts.
    pub iterations: usize,
    /// Which start was best (0: the unperturbed one).
    pub best_start: usize,
    /// Why the search stopped early (a non-finite objective, an interrupt), if it did.
    pub stopped: Option<StopReason>,
}

impl Solution {
    /// The positions at level `l`.
    pub fn level(&self, l: usize) -> Points {
        let stride = (self.levels + 1) * self.d;
        let data = (0..self.n)
            .flat_map(|i| {
                let s = i * stride + l * self.d;
                self.paths[s..s + self.d].to_vec()
            })
            .collect();
        Points::new(self.d, data).expect("consistent shape")
    }

    /// One named part of the objective (0 when absent).
    pub fn part(&self, name: &str) -> f64 {
        part(&self.parts, name).unwrap_or(0.0)
    }

    /// Particle `i`'s path, one point per level.
    pub fn path(&self, i: usize) -> Vec<&[f64]> {
        let stride = (self.levels + 1) * self.d;
        self.paths[i * stride..(i + 1) * stride]
            .chunks_exact(self.d)
            .collect()
    }

    /// Writes `particle,level,t,x0,..` with one row per particle and level.
    ///
    /// # Errors
    /// [`DynotError::Write`] when the file cannot be written.
    pub fn write_csv(&self, path: &std::path::Path) -> crate::Result<()> {
        let io = |e: csv::Error| DynotError::Write {
            path: path.to_path_buf(),
            source: e.into(),
        };
        let mut w = csv::Writer::from_path(path).map_err(io)?;
        let header = ["particle", "level", "t"]
            .map(String::from)
            .into_iter()
            .chain((0..self.d).map(|k| format!("x{k}")));
        w.write_record(header).map_err(io)?;
        for i in 0..self.n {
            for (l, x) in self.path(i).into_iter().enumerate() {
                let t = l as f64 / self.levels as f64;
                let row = [i.to_string(), l.to_string(), format!("{t}")]
                    .into_iter()
                    .chain(x.iter().map(|v| format!("{v:.17e}")));
                w.write_record(row).map_err(io)?;
            }
        }
        w.flush().map_err(|e| DynotError::Write {
            path: path.to_path_buf(),
            source: e.into(),
        })
    }
}

/// Extra numbers logged beside the objective, computed from the current end points and the
/// objective's parts.
pub type Monitor<'a> = &'a dyn Fn(&Points, &[(String, f64)]) -> Vec<(String, f64)>;

/// `(delta, eps_pen)` of every stage.
fn schedule(s: &SolveSettings) -> Vec<(f64, f64)> {
    match s.anneal {
        None => vec![(s.delta, s.eps_pen)],
        Some((stages, fd, fe)) => (0..stages)
            .map(|k| {
                let left = (stages - 1 - k) as f64 / (stages - 1) as f64;
                (s.delta * fd.powf(left), s.eps_pen * fe.powf(left))
            })
            .collect(),
    }
}

/// Minimises `objective` from the free levels `init` (`[n, L, d]` row-major) on `device`
/// (an autodiff device is made from it), reporting to `observer`.
pub fn solve(
    objective: &Objective,
    init: &[f64],
    settings: &SolveSettings,
    device: &Device,
    monitor: Monitor<'_>,
    observer: &mut dyn Observer,
) -> Solution {
    let (n, levels, d) = (objective.n(), objective.levels, objective.dim());
    let fused = settings.evaluation.is_fused_on(device) && objective.has_fused_path();
    let started = std::time::Instant::now();
    let device = device.clone().autodiff();
    let stages = schedule(settings);
    let mut rng = StdRng::seed_from_u64(settings.seed ^ 0xd1_0f);
    let noise = Normal::new(0.0, settings.perturbation.max(1e-300)).expect("valid std");
    let mut best: Option<(f64, Vec<f64>, usize)> = None;
    let mut done = 0;
    let mut stopped = None;
    let total = settings.iterations * (settings.restarts + 1);
    'starts: for start in 0..=settings.restarts {
        let mut free = init.to_vec();
        if start > 0 {
            // Perturb the interior levels only; the last level starts where the others do.
            for (k, v) in free.iter_mut().enumerate() {
                if (k / d) % levels != levels - 1 {
                    *v += noise.sample(&mut rng);
                }
            }
        }
        let mut paths = Paths {
            free: Param::from_tensor(tensor_from::<3>(free, [n, levels, d], &device)),
        };
        let per_stage = settings.iterations.div_ceil(stages.len());
        let mut left = settings.iterations;
        for (stage, &(delta, eps_pen)) in stages.iter().enumerate() {
            let last_stage = stage + 1 == stages.len();
            let iterations = per_stage.min(left);
            left -= iterations;
            let run = Stage {
                objective,
                settings,
                penalty: Penalty::new(&objective.endpoint, delta, eps_pen),
                early_stop: last_stage,
                fused,
                started,
            };
            let outcome = run.run(paths, iterations, done, monitor, observer, total);
            paths = outcome.paths;
            done += outcome.iterations;
            if let Some(message) = outcome.stopped {
                stopped = Some(message);
                if let Some(value) = outcome.best_value {
                    consider(&mut best, value, outcome.best_free, start);
                }
                break 'starts;
            }
            if last_stage && let Some(value) = outcome.best_value {
                consider(&mut best, value, outcome.best_free, start);
            }
        }
    }
    let (free, best_start) = match best {
        Some((_, free, s)) => (free, s),
        None => (init.to_vec(), 0),
    };
    let eval = objective.evaluate(
        tensor_from::<3>(free.clone(), [n, levels, d], &device),
        &Penalty::new(&objective.endpoint, settings.delta, settings.eps_pen),
    );
    let sources = objective.sources.as_slice();
    let paths = (0..n)
        .flat_map(|i| {
            let mut row = sources[i * d..(i + 1) * d].to_vec();
            row.extend_from_slice(&free[i * levels * d..(i + 1) * levels * d]);
            row
        })
        .collect();
    Solution {
        paths,
        n,
        levels,
        d,
        parts: eval.parts,
        iterations: done,
        best_start,
        stopped,
    }
}

fn consider(best: &mut Option<(f64, Vec<f64>, usize)>, value: f64, free: Vec<f64>, start: usize) {
    if best.as_ref().is_none_or(|b| value < b.0) {
        *best = Some((value, free, start));
    }
}

/// One annealing stage at fixed `(delta, eps_pen)`.
struct Stage<'a> {
    objective: &'a Objective,
    settings: &'a SolveSettings,
    penalty: Penalty,
    early_stop: bool,
    fused: bool,
    started: std::time::Instant,
}

struct StageOutcome {
    paths: Paths,
    iterations: usize,
    best_value: Option<f64>,
    best_free: Vec<f64>,
    stopped: Option<StopReason>,
}

impl Stage<'_> {
    fn run(
        &self,
        mut paths: Paths,
        iterations: usize,
        offset: usize,
        monitor: Monitor<'_>,
        observer: &mut dyn Observer,
        total: usize,
    ) -> StageOutcome {
        let s = self.settings;
        let mut lr = s.lr;
        let mut best_value = None::<f64>;
        let mut best_free = host_vec(paths.free.val().without_autodiff());
        let mut best_history = Vec::new();
        let mut since_best = 0;
        let mut sgd = SgdConfig::new().init();
        let mut adam = AdamConfig::new().init();
        let mut lbfgs = LBFGSConfig::new()
            .with_max_iter(1)
            .with_max_eval(Some(25))
            .with_history_size(20)
            .with_line_search_fn(LineSearchFn::StrongWolfe)
            .init();
        let mut run = 0;
        for it in 0..iterations {
            let (parts, grads) = self.value_and_grads(&paths);
            let value = part(&parts, "objective").unwrap_or(f64::NAN);
            if !value.is_finite() {
                return StageOutcome {
                    paths,
                    iterations: it,
                    best_value,
                    best_free,
                    stopped: Some(StopReason::NonFinite(format!(
                        "the objective is {value} at iteration {}; the best trajectories so far are kept",
                        offset + it
                    ))),
                };
            }
            if best_value.is_none_or(|b| value < b) {
                best_value = Some(value);
                best_free = host_vec(paths.free.val().without_autodiff());
                since_best = 0;
            } else {
                since_best += 1;
            }
            best_history.push(best_value.unwrap_or(value));
            let step = offset + it;
            if it % s.log_every == 0 || it + 1 == iterations {
                self.log(step, &parts, lr, &paths, monitor, observer);
            }
            observer.progress(step + 1, total);
            if let Some(why) = observer.stop_requested() {
                if it % s.log_every != 0 && it + 1 != iterations {
                    self.log(step, &parts, lr, &paths, monitor, observer);
                }
                return StageOutcome {
                    paths,
                    iterations: it + 1,
                    best_value,
                    best_free,
                    stopped: Some(StopReason::Interrupted(format!(
                        "stopped at iteration {step} of {total}: {why}; the best trajectories so far are kept"
                    ))),
                };
            }
            if self.early_stop && s.stop_window > 0 && it >= s.stop_window {
                let then = best_history[it - s.stop_window];
                let now = best_history[it];
                if then - now < s.stop_tol * now.abs().max(1e-300) {
                    run = it + 1;
                    break;
                }
            }
            if s.optimizer == PathOptimizer::Gd
                && s.plateau_patience > 0
                && since_best >= s.plateau_patience
            {
                lr *= 0.5;
                since_best = 0;
            }
            paths = match s.optimizer {
                PathOptimizer::Gd => sgd.step(lr, paths, grads),
                PathOptimizer::Adam => adam.step(lr, paths, grads),
                PathOptimizer::Lbfgs => {
                    drop(grads);
                    let closure = |p: Paths| {
                        let (parts, grads) = self.value_and_grads(&p);
                        (part(&parts, "objective").unwrap_or(f64::NAN), grads)
                    };
                    lbfgs.step(lr, paths, closure).0
                }
            };
            run = it + 1;
        }
        StageOutcome {
            paths,
            iterations: run,
            best_value,
            best_free,
            stopped: None,
        }
    }

    /// The objective's parts and gradient: on the host when the stage is fused, else by
    /// autodiff through the tensor expression.
    fn value_and_grads(&self, paths: &Paths) -> (Vec<(String, f64)>, GradientsParams) {
        if self.fused {
            let free = paths.free.val().without_autodiff();
            let shape = free.dims();
            let device = free.device();
            let (parts, g) = self
                .objective
                .fused_value_and_grad(&host_vec(free), &self.penalty);
            let mut grads = GradientsParams::new();
            grads.register(paths.free.id, tensor_from::<3>(g, shape, &device));
            (parts, grads)
        } else {
            let eval = self.objective.evaluate(paths.free.val(), &self.penalty);
            let grads = GradientsParams::from_grads(eval.total.backward(), paths);
            (eval.parts, grads)
        }
    }

    fn log(
        &self,
        step: usize,
        parts: &[(String, f64)],
        lr: f64,
        paths: &Paths,
        monitor: Monitor<'_>,
        observer: &mut dyn Observer,
    ) {
        let mut values = parts.to_vec();
        values.push(("lr".into(), lr));
        values.push(("wall_seconds".into(), self.started.elapsed().as_secs_f64()));
        values.push(("delta".into(), self.penalty.delta));
        values.push(("eps_pen".into(), self.penalty.eps_pen));
        let free = paths.free.val().without_autodiff();
        let [n, levels, d] = free.dims();
        let ends = Points::new(d, host_vec(free.narrow(1, levels - 1, 1).reshape([n, d])))
            .expect("consistent shape");
        values.extend(monitor(&ends, parts));
        observer.scalars(step, step as f64, &values);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Acceleration, Endpoint};
    use meanfield_core::{Recorder, cpu_device};

    /// Acceleration control from rest to rest over a unit distance: the minimiser of
    /// `int |x''|^2` is the cubic `3t^2 - 2t^3`, with cost 12.
    #[test]
    fn acceleration_control_finds_the_cubic() {
        let levels = 20;
        let objective = Objective {
            sources: Points::new(1, vec![0.0]).unwrap(),
            levels,
            endpoint: Endpoint::Empirical {
                points: Points::new(1, vec![1.0]).unwrap(),
                weights: vec![1.0],
            },
            obstacles: Vec::new(),
            obstacle_weight: 1.0,
            quicksand: Vec::new(),
            quicksand_edge: 0.01,
            kinetic_weight: 0.0,
            acceleration: Some(Acceleration {
                weight: 1.0,
                initial_velocity: vec![0.0],
                terminal_velocity: vec![0.0],
            }),
        };
        let settings = SolveSettings {
            optimizer: PathOptimizer::Lbfgs,
            lr: 1.0,
            iterations: 3000,
            plateau_patience: 0,
            stop_tol: 1e-10,
            stop_window: 100,
            delta: 0.05,
            eps_pen: 1e-4,
            anneal: None,
            restarts: 0,
            perturbation: 0.0,
            log_every: 100,
            seed: 1,
            evaluation: meanfield_core::energy::Evaluation::Auto,
        };
        let init: Vec<f64> = (1..=levels).map(|l| l as f64 / levels as f64).collect();
        let no_monitor = |_: &Points, _: &[(String, f64)]| Vec::new();
        let solution = solve(
            &objective,
            &init,
            &settings,
            &cpu_device(),
            &no_monitor,
            &mut Recorder::default(),
        );
        let cost = solution.part("acceleration");
        assert!((cost - 12.0).abs() < 0.15, "cost {cost}");
        for (l, x) in solution.path(0).iter().enumerate() {
            let t = l as f64 / levels as f64;
            let cubic = 3.0 * t * t - 2.0 * t * t * t;
            assert!(
                (x[0] - cubic).abs() < 0.01,
                "level {l}: {} vs {cubic}",
                x[0]
            );
        }
    }
}
