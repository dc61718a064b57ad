//! The rounds of one annealing stage: the optimiser until its early-stopping rule, a discrete
//! move ([`improve`](Stage::improve)), the optimiser again, and so on, keeping the stage's best
//! trajectories and undoing the rounds after a tentative move that do not end lower.

use meanfield_core::{Observer, StopReason};
use serde::{Deserialize, Serialize};

use super::Monitor;
use super::stage::{Paths, RoundResume, RoundRule, Stage};

/// Optimiser rounds of one stage at most (each but the last ends in a discrete move).
const MAX_ROUNDS: usize = 50;

/// The early-stopping tolerance of a round that a discrete move may follow, at least: such a
/// round only has to come near its minimum, and the move leaves it anyway. Once no move is
/// left, a last round polishes to the settings' `stop_tol`.
const ROUND_STOP_TOL: f64 = 1e-4;

/// Where the iterations of a solve stand, for logging and progress.
pub(super) struct Progress<'m, 'o> {
    /// Iterations done before, over all stages and starts.
    pub(super) done: usize,
    /// The iteration budget of the whole solve.
    pub(super) total: usize,
    /// Extra numbers logged beside the objective.
    pub(super) monitor: Monitor<'m>,
    /// Where the numbers go.
    pub(super) observer: &'o mut dyn Observer,
}

/// What a stage's rounds found.
pub(super) struct Rounds {
    /// The best objective and its free levels.
    pub(super) best: Option<(f64, Vec<f64>)>,
    /// What the stage's share did not use.
    pub(super) left_over: usize,
    /// Why the solve must stop (a non-finite objective, an interrupt), if it must.
    pub(super) stopped: Option<StopReason>,
    /// Each optimiser round and each move, for the summary.
    pub(super) phases: Vec<String>,
    /// Particles that changed end point by moves that were kept.
    pub(super) reassigned: usize,
    /// At an interrupt: how to continue the stage.
    pub(super) resume: Option<StageResume>,
}

/// Where a stage's rounds stood when the round that was interrupted began.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct RoundsCursor {
    round: usize,
    /// Iterations done before the round, over the whole solve.
    pub(super) done: usize,
    budget: usize,
    grace: usize,
    used: usize,
    rejected: usize,
    tentative: bool,
    pending: usize,
    /// Whether the round is the last one, to the settings' `stop_tol`.
    #[serde(default)]
    polish: bool,
    /// The learning rate the last round starts from: where the round before it ended.
    #[serde(default)]
    polish_lr: Option<f64>,
    best: Option<(f64, Vec<f64>)>,
    phases: Vec<String>,
    reassigned: usize,
}

/// A stage to continue: its rounds' bookkeeping and the interrupted round.
pub(super) struct StageResume {
    pub(super) cursor: RoundsCursor,
    pub(super) round: RoundResume,
}

impl Stage<'_> {
    /// Runs the rounds of this stage from `paths` with a share of `share` iterations; `moves`
    /// allows the discrete moves, `seed` seeds their candidates and `label` names the stage in
    /// the phases. A stage that spends its share still tries one tentative move, with one
    /// early-stopping window (at least 50) of iterations beyond it; a re-matching made with no
    /// iteration left is evaluated by one more. With `from`, the stage continues where an
    /// interrupt left it.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn rounds(
        &self,
        mut paths: Paths,
        share: usize,
        moves: bool,
        seed: u64,
        label: &str,
        progress: &mut Progress<'_, '_>,
        from: Option<StageResume>,
    ) -> Rounds {
        let mut out = Rounds {
            best: None,
            left_over: 0,
            stopped: None,
            phases: Vec::new(),
            reassigned: 0,
            resume: None,
        };
        let mut budget = share;
        let mut grace = self.settings.stop_window.max(50);
        let mut used = 0;
        let (mut rejected, mut tentative, mut pending, mut polish) = (0, false, 0, !moves);
        let mut polish_lr = None;
        let (mut first, mut continued) = (0, None);
        if let Some(StageResume { cursor: c, round }) = from {
            (first, progress.done, budget, grace, used) =
                (c.round, c.done, c.budget, c.grace, c.used);
            (rejected, tentative, pending, polish) = (c.rejected, c.tentative, c.pending, c.polish);
            polish_lr = c.polish_lr;
            (out.best, out.phases, out.reassigned) = (c.best, c.phases, c.reassigned);
            continued = Some(round);
        }
        let strict = self.settings.stop_tol;
        for round in first..MAX_ROUNDS {
            let round_budget = budget.max(1);
            let stop_tol = if polish {
                strict
            } else {
                strict.max(ROUND_STOP_TOL)
            };
            let rule = RoundRule {
                lr: polish_lr.unwrap_or(self.settings.lr),
                stop_tol,
            };
            let outcome = self.run(
                paths,
                round_budget,
                progress.done,
                progress.monitor,
                progress.observer,
                progress.total,
                rule,
                continued.take(),
            );
            if let Some(round_resume) = outcome.resume {
                // The bookkeeping as the round found it: the resumed round merges its outcome.
                let cursor = RoundsCursor {
                    round,
                    done: progress.done,
                    budget,
                    grace,
                    used,
                    rejected,
                    tentative,
                    pending,
                    polish,
                    polish_lr,
                    best: out.best.clone(),
                    phases: out.phases.clone(),
                    reassigned: out.reassigned,
                };
                out.resume = Some(StageResume {
                    cursor,
                    round: round_resume,
                });
            }
            budget = budget.saturating_sub(outcome.iterations);
            used += outcome.iterations;
            progress.done += outcome.iterations;
            out.phases.push(format!(
                "{label}: {}, {} iterations{}, best objective {}",
                self.settings.optimizer.name(),
                outcome.iterations,
                if polish && moves {
                    " (the last, to stop_tol)"
                } else {
                    ""
                },
                outcome
                    .best_value
                    .map_or("none".into(), |v| format!("{v:.6}")),
            ));
            // A re-matching never raises the objective, so a tie keeps it. A tentative move
            // is kept only when its round ends lower by more than the round's own tolerance:
            // below that, the round has only gone on polishing the minimum it came back to.
            let accepted = outcome.best_value.filter(|v| {
                out.best.as_ref().is_none_or(|b| {
                    if tentative {
                        *v < b.0 - stop_tol * b.0.abs()
                    } else {
                        *v <= b.0
                    }
                })
            });
            if let Some(value) = accepted {
                out.best = Some((value, outcome.best_free));
                out.reassigned += pending;
                rejected = 0;
            } else if tentative {
                rejected += 1;
                out.phases
                    .push("the move did not pay: back to the best trajectories".into());
            }
            if let Some(stop) = outcome.stopped {
                if !(tentative && matches!(stop, StopReason::NonFinite(_))) {
                    out.stopped = Some(stop);
                    break;
                }
                out.phases.push(
                    "the move led to a non-finite objective: back to the best trajectories".into(),
                );
            }
            let Some((value, free)) = &out.best else {
                break;
            };
            let next = (moves && round + 1 < MAX_ROUNDS)
                .then(|| self.improve(*value, free, rejected, budget > 0 || grace > 0, seed))
                .flatten();
            let Some(step) = next else {
                // No move is left: a round that stopped at the looser tolerance is followed by
                // one to the settings' own, from the best trajectories.
                let stopped_early = outcome.iterations < round_budget;
                if polish || !stopped_early || budget == 0 || stop_tol <= strict {
                    break;
                }
                polish = true;
                polish_lr = Some(outcome.lr);
                tentative = false;
                pending = 0;
                paths = self.paths(free.clone());
                continue;
            };
            (polish, polish_lr) = (false, None);
            tentative = step.tentative;
            if tentative && budget < grace {
                budget = std::mem::take(&mut grace);
            }
            out.phases.push(step.phase);
            pending = step.moved;
            paths = self.paths(step.free);
        }
        out.left_over = share.saturating_sub(used);
        out
    }

    /// The free levels `free` as trainable paths.
    fn paths(&self, free: Vec<f64>) -> Paths {
        let o = self.objective;
        Paths::new(free, [o.n(), o.levels, o.dim()], self.device)
    }
}
