//! Minimising the objective over the trajectories: gradient descent with plateau learning-rate
//! reduction and early stopping (the reference method), burn's Adam or L-BFGS; annealing of
//! `delta` and `eps_pen`; discrete moves between optimiser rounds (exact re-matching of the end
//! points, hole filling, re-routing around obstacles: [`improve`](stage::Stage::improve));
//! seeded restarts keeping the best.

mod improve;
mod resume;
mod rounds;
mod stage;

use crate::config::PathOptimizer;
use burn::tensor::Device;
use meanfield_core::RunRng;
use meanfield_core::{Observer, Points, StopReason, tensor_from};
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};

use crate::{DynotError, Objective, Penalty, part};
use resume::SolveCursor;
pub(crate) use resume::{SolveResume, fingerprint};
use rounds::Progress;
use stage::{Paths, Stage};

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
    /// Between optimiser rounds, make the discrete moves of
    /// [`improve`](stage::Stage::improve) (where [`Objective::straight_lines_are_cheapest`] or
    /// [`Objective::geodesics_are_cheapest`]).
    pub reassign: bool,
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
    /// What ran, in order: each optimiser round, each discrete move and each move undone.
    pub phases: Vec<String>,
    /// Particles that changed end point by discrete moves that were kept.
    pub reassigned: usize,
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
    solve_from(objective, init, settings, device, monitor, observer, None).0
}

/// [`solve`], or with `from` the continuation of an interrupted solve of the same problem;
/// at an interrupt, also how to continue it.
pub(crate) fn solve_from(
    objective: &Objective,
    init: &[f64],
    settings: &SolveSettings,
    device: &Device,
    monitor: Monitor<'_>,
    observer: &mut dyn Observer,
    mut from: Option<SolveResume>,
) -> (Solution, Option<SolveResume>) {
    let (n, levels, d) = (objective.n(), objective.levels, objective.dim());
    let fused = settings.evaluation.is_fused_on(device) && objective.has_fused_path();
    let started = std::time::Instant::now();
    let device = device.clone().autodiff();
    let stages = schedule(settings);
    let mut rng = RunRng::seed_from_u64(settings.seed ^ 0xd1_0f);
    let noise = Normal::new(0.0, settings.perturbation.max(1e-300)).expect("valid std");
    let mut best: Option<(f64, Vec<f64>, usize)> = None;
    let mut stopped = None;
    let mut phases = Vec::new();
    let mut reassigned = 0;
    let reassign = settings.reassign
        && (objective.straight_lines_are_cheapest() || objective.geodesics_are_cheapest());
    let mut progress = Progress {
        done: 0,
        total: settings.iterations * (settings.restarts + 1),
        monitor,
        observer,
    };
    let mut resume = None;
    'starts: for start in 0..=settings.restarts {
        let mut free = init.to_vec();
        if start > 0 {
            // Perturb the interior levels only; the last level starts where the others do.
            // (A resumed solve draws the perturbations of the starts it skips too.)
            for (k, v) in free.iter_mut().enumerate() {
                if (k / d) % levels != levels - 1 {
                    *v += noise.sample(&mut rng);
                }
            }
        }
        if from.as_ref().is_some_and(|f| start < f.cursor.start) {
            continue;
        }
        let mut paths = Paths::new(free, [n, levels, d], &device);
        // Each stage gets an equal share of the iterations left and stops early by the same
        // rule, so what one stage leaves goes to the next.
        let mut left = settings.iterations;
        for (stage, &(delta, eps_pen)) in stages.iter().enumerate() {
            if from.as_ref().is_some_and(|f| stage < f.cursor.stage) {
                continue;
            }
            let mut share = left.div_ceil(stages.len() - stage);
            left -= share;
            let mut continued = None;
            if let Some(f) = from.take() {
                // The first stage not skipped is the interrupted one.
                (left, share) = (f.cursor.left, f.cursor.share);
                (best, phases, reassigned) = (f.cursor.best, f.cursor.phases, f.cursor.reassigned);
                continued = Some(f.stage);
            }
            let run = Stage {
                objective,
                settings,
                penalty: Penalty::new(&objective.endpoint, delta, eps_pen),
                fused,
                started,
                device: &device,
            };
            let label = match start {
                0 => run.label(stage, stages.len()),
                _ => format!("start {start}, {}", run.label(stage, stages.len())),
            };
            let seed = settings.seed ^ ((start as u64) << 16 | stage as u64);
            let mut rounds = run.rounds(
                paths,
                share,
                reassign,
                seed,
                &label,
                &mut progress,
                continued,
            );
            if let Some(stage_resume) = rounds.resume.take() {
                // The bookkeeping as the stage found it: the resumed stage merges its rounds.
                let cursor = SolveCursor {
                    start,
                    stage,
                    left,
                    share,
                    best: best.clone(),
                    phases: phases.clone(),
                    reassigned,
                };
                resume = Some(SolveResume {
                    cursor,
                    stage: stage_resume,
                });
            }
            left += rounds.left_over;
            phases.extend(rounds.phases);
            reassigned += rounds.reassigned;
            let Some((value, free)) = rounds.best else {
                stopped = rounds.stopped;
                break 'starts;
            };
            if let Some(stop) = rounds.stopped {
                stopped = Some(stop);
                consider(&mut best, value, free, start);
                break 'starts;
            }
            paths = Paths::new(free.clone(), [n, levels, d], &device);
            if stage + 1 == stages.len() {
                consider(&mut best, value, free, start);
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
    let solution = Solution {
        paths,
        n,
        levels,
        d,
        parts: eval.parts,
        iterations: progress.done,
        best_start,
        stopped,
        phases,
        reassigned,
    };
    (solution, resume)
}

fn consider(best: &mut Option<(f64, Vec<f64>, usize)>, value: f64, free: Vec<f64>, start: usize) {
    if best.as_ref().is_none_or(|b| value < b.0) {
        *best = Some((value, free, start));
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
            reassign: true,
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
