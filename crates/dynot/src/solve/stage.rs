//! One optimiser round at fixed `(delta, eps_pen)`: the iterations with plateau halving (GD),
//! early stopping, logging and stop requests.

use burn::module::{Module, Param, ParamId};
use burn::optim::{
    AdamConfig, GradientsParams, LBFGSConfig, LineSearchFn, OptimizerRecord, SgdConfig,
};
use burn::tensor::{Device, Tensor};
use meanfield_core::{Observer, Points, StopReason, host_vec, tensor_from};
use serde::{Deserialize, Serialize};

use super::{Monitor, SolveSettings};
use crate::config::PathOptimizer;
use crate::{Objective, Penalty, part};

/// The free levels `x^1..x^L` as a trainable burn module.
#[derive(Module, Debug)]
pub(super) struct Paths {
    pub(super) free: Param<Tensor<3>>,
}

impl Paths {
    /// The free levels `free` of `shape` `[n, L, d]` on `device`. The parameter's id is fixed,
    /// so that an optimiser state saved by one run (keyed by id) applies in its resume.
    pub(super) fn new(free: Vec<f64>, shape: [usize; 3], device: &Device) -> Self {
        let mut free = Param::from_tensor(tensor_from::<3>(free, shape, device));
        free.id = ParamId::from(1);
        Self { free }
    }
}

/// Where an optimiser round stands at a stop: iteration `it` was evaluated, logged and
/// reported; its step is still to take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct RoundCursor {
    pub(super) it: usize,
    /// The free levels at iteration `it`.
    pub(super) free: Vec<f64>,
    pub(super) lr: f64,
    pub(super) best_value: Option<f64>,
    pub(super) best_free: Vec<f64>,
    pub(super) best_history: Vec<f64>,
    pub(super) since_best: usize,
}

/// A round to continue: where it stood and its optimiser's state.
pub(super) struct RoundResume {
    pub(super) cursor: RoundCursor,
    pub(super) optimizer: OptimizerRecord,
}

/// One annealing stage at fixed `(delta, eps_pen)`.
pub(super) struct Stage<'a> {
    pub(super) objective: &'a Objective,
    pub(super) settings: &'a SolveSettings,
    pub(super) penalty: Penalty,
    pub(super) fused: bool,
    pub(super) started: std::time::Instant,
    pub(super) device: &'a Device,
}

/// How a round starts and when it stops early.
#[derive(Debug, Clone, Copy)]
pub(super) struct RoundRule {
    /// The learning rate of its first iteration (GD halves it at plateaus).
    pub(super) lr: f64,
    /// Stop when the best objective falls by less than this (relative) over `stop_window`.
    pub(super) stop_tol: f64,
}

pub(super) struct StageOutcome {
    pub(super) iterations: usize,
    /// The learning rate at the end (GD's plateau halving lowers it).
    pub(super) lr: f64,
    pub(super) best_value: Option<f64>,
    pub(super) best_free: Vec<f64>,
    pub(super) stopped: Option<StopReason>,
    /// At an interrupt: how to continue the round.
    pub(super) resume: Option<RoundResume>,
}

impl Stage<'_> {
    /// `delta ..., eps_pen ...`, with the stage's number when there are several.
    pub(super) fn label(&self, stage: usize, stages: usize) -> String {
        let at = format!(
            "delta {:.4e}, eps_pen {:.4e}",
            self.penalty.delta, self.penalty.eps_pen
        );
        if stages > 1 {
            format!("stage {}/{stages} ({at})", stage + 1)
        } else {
            at
        }
    }

    /// Up to `iterations` iterations from `paths` (or, with `from`, from where an interrupted
    /// round stood), numbered from `offset` in the logs, started and stopped by `rule` over the
    /// settings' `stop_window`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn run(
        &self,
        mut paths: Paths,
        iterations: usize,
        offset: usize,
        monitor: Monitor<'_>,
        observer: &mut dyn Observer,
        total: usize,
        rule: RoundRule,
        from: Option<RoundResume>,
    ) -> StageOutcome {
        let s = self.settings;
        let mut lr = rule.lr;
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
        let mut first = 0;
        // The resumed iteration was evaluated, logged and reported before the stop.
        let mut reported = false;
        if let Some(RoundResume { cursor, optimizer }) = from {
            paths = Paths::new(cursor.free, paths.free.val().dims(), self.device);
            (lr, best_value, best_free) = (cursor.lr, cursor.best_value, cursor.best_free);
            (best_history, since_best) = (cursor.best_history, cursor.since_best);
            match s.optimizer {
                PathOptimizer::Gd => sgd = sgd.load_record(optimizer),
                PathOptimizer::Adam => adam = adam.load_record(optimizer),
                PathOptimizer::Lbfgs => lbfgs = lbfgs.load_record(optimizer),
            }
            (first, reported) = (cursor.it, true);
        }
        let mut run = first;
        for it in first..iterations {
            let (parts, grads) = self.value_and_grads(&paths);
            if !std::mem::take(&mut reported) {
                let value = part(&parts, "objective").unwrap_or(f64::NAN);
                if !value.is_finite() {
                    return StageOutcome {
                        iterations: it,
                        lr,
                        best_value,
                        best_free,
                        stopped: Some(StopReason::NonFinite(format!(
                            "the objective is {value} at iteration {}; the best trajectories so far are kept",
                            offset + it
                        ))),
                        resume: None,
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
                observer.progress((step + 1).min(total), total);
                // A stop between logged iterations logs nothing more, so that its resume logs
                // exactly what the uninterrupted run does.
                if let Some(why) = observer.stop_requested() {
                    let optimizer = match s.optimizer {
                        PathOptimizer::Gd => sgd.to_record(),
                        PathOptimizer::Adam => adam.to_record(),
                        PathOptimizer::Lbfgs => lbfgs.to_record(),
                    };
                    let cursor = RoundCursor {
                        it,
                        free: host_vec(paths.free.val().without_autodiff()),
                        lr,
                        best_value,
                        best_free: best_free.clone(),
                        best_history,
                        since_best,
                    };
                    return StageOutcome {
                        iterations: it + 1,
                        lr,
                        best_value,
                        best_free,
                        stopped: Some(StopReason::Interrupted(format!(
                            "stopped at iteration {step} of {total}: {why}; the best trajectories so far are kept"
                        ))),
                        resume: Some(RoundResume { cursor, optimizer }),
                    };
                }
            }
            if s.stop_window > 0 && it >= s.stop_window {
                let then = best_history[it - s.stop_window];
                let now = best_history[it];
                if then - now < rule.stop_tol * now.abs().max(1e-300) {
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
                    // burn's step evaluates its start first: that is this iteration's
                    // evaluation, so it is handed over instead of made twice.
                    let value = part(&parts, "objective").unwrap_or(f64::NAN);
                    let mut at_start = Some((value, grads));
                    let closure = |p: Paths| {
                        if let Some(start) = at_start.take() {
                            return start;
                        }
                        let (parts, grads) = self.value_and_grads(&p);
                        (part(&parts, "objective").unwrap_or(f64::NAN), grads)
                    };
                    lbfgs.step(lr, paths, closure).0
                }
            };
            run = it + 1;
        }
        StageOutcome {
            iterations: run,
            lr,
            best_value,
            best_free,
            stopped: None,
            resume: None,
        }
    }

    /// The objective's parts and gradient: on the host when the stage is fused, else by
    /// autodiff through the tensor expression.
    pub(super) fn value_and_grads(&self, paths: &Paths) -> (Vec<(String, f64)>, GradientsParams) {
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
