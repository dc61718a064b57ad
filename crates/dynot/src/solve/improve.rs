//! Discrete moves between optimiser rounds, the moves no gradient step makes: an exact
//! re-matching of the end points ([`reassign`](crate::reassign())), which never raises the
//! objective, and, once they are matched, moving end points from surpluses of the terminal
//! measure to its holes ([`hole_filling_moves`](crate::hole_filling_moves)), which is
//! tentative: the optimiser runs from it and the round is undone when it ends no lower; around
//! 2-D obstacles, re-routing every path along its geodesic to exactly re-matched end points
//! (tentative too).

use meanfield_core::tensor_from;

use super::stage::Stage;
use crate::part;

/// Tentative moves tried in a row from the same best trajectories before the stage ends.
pub(super) const MAX_REJECTED: usize = 3;

/// A move to start the next optimiser round from.
pub(super) struct Improvement {
    /// The free levels to start from.
    pub(super) free: Vec<f64>,
    /// What was done, for the summary's `phases`.
    pub(super) phase: String,
    /// Particles that changed end point.
    pub(super) moved: usize,
    /// Whether the move may raise the objective (a hole filled), so that the next round is
    /// kept only when it ends lower.
    pub(super) tentative: bool,
}

impl Stage<'_> {
    /// The objective at the free levels `free`.
    fn value(&self, free: &[f64]) -> f64 {
        let parts = if self.fused {
            self.objective.fused_value_and_grad(free, &self.penalty).0
        } else {
            let o = self.objective;
            let t = tensor_from::<3>(free.to_vec(), [o.n(), o.levels, o.dim()], self.device);
            o.evaluate(t, &self.penalty).parts
        };
        part(&parts, "objective").unwrap_or(f64::NAN)
    }

    /// The next start after the stage's best trajectories `free` (objective `value`): their
    /// exact re-matching when it lowers the cost; else, when `moves_allowed` and fewer than
    /// [`MAX_REJECTED`] tries failed from here (`rejected`), hole filling: the greedy moves
    /// while surplus and hole differ by at least half an end point's own peak `phi(0)/N`
    /// (smaller contrasts are the penalty's normal ripple), all of them at the first try and
    /// half as many after each failed one. `None`: nothing to try.
    pub(super) fn improve(
        &self,
        value: f64,
        free: &[f64],
        rejected: usize,
        moves_allowed: bool,
        seed: u64,
    ) -> Option<Improvement> {
        let o = self.objective;
        let (n, levels, d) = (o.n(), o.levels, o.dim());
        if !o.straight_lines_are_cheapest() {
            return (moves_allowed && rejected == 0)
                .then(|| self.reroute(value, free))
                .flatten();
        }
        if let Some(r) = crate::reassign(&o.sources, free, levels).ok()? {
            return Some(Improvement {
                phase: format!(
                    "re-matching: {} of {n} particles take another end point, (1/N) sum |y - x|^2 {:.6} -> {:.6}",
                    r.moved, r.cost_before, r.cost_after
                ),
                free: r.free,
                moved: r.moved,
                tentative: false,
            });
        }
        if !moves_allowed || rejected >= MAX_REJECTED {
            return None;
        }
        let ends = crate::end_points(free, n, levels, d).ok()?;
        let peak = (4.0 * std::f64::consts::PI * self.penalty.delta.powi(2))
            .powf(-(d as f64) / 2.0)
            / n as f64;
        let moves =
            crate::hole_filling_moves(&o.endpoint, &self.penalty, &ends, 0.5 * peak, seed).ok()?;
        // The first `k` moves, halved after each rejection.
        let k = moves.len() >> rejected;
        if k == 0 {
            return None;
        }
        let moved = crate::apply(&ends, &moves[..k]).ok()?;
        let matched = meanfield_core::metrics::exact_ot(&o.sources, &moved).ok()?;
        let rematched = (0..n).filter(|&i| matched.matching[i] != i).count();
        let free = crate::straight_lines(&o.sources, &moved, &matched.matching, levels);
        let after = self.value(&free);
        Some(Improvement {
            phase: format!(
                "holes filled (tentative): {k} end points moved from surpluses (largest residual {:.3e}) to holes (deepest {:.3e}), {rematched} re-matched, objective {value:.6} -> {after:.6}",
                moves[0].residual_from, moves[0].residual_to
            ),
            free,
            moved: k.max(rematched),
            tentative: true,
        })
    }

    /// Around obstacles: the end points re-matched exactly on squared geodesic lengths and
    /// every path re-routed along its geodesic at constant speed (tentative: the discretised
    /// path may cut a corner), when that is cheaper than the paths' kinetic energy by 0.1%.
    fn reroute(&self, value: f64, free: &[f64]) -> Option<Improvement> {
        let o = self.objective;
        let (n, levels, d) = (o.n(), o.levels, o.dim());
        let ends = crate::end_points(free, n, levels, d).ok()?;
        let plan = crate::reference::geodesic_lines(&o.obstacles, &o.sources, &ends, levels)?;
        let kinetic = o.kinetic_of(free);
        (plan.cost < kinetic * (1.0 - 1e-3)).then(|| {
            let after = self.value(&plan.free);
            Improvement {
                phase: format!(
                    "re-routing (tentative): {} of {n} particles take another end point, geodesic cost {:.6} (own end points {:.6}) against the paths' kinetic {kinetic:.6}, objective {value:.6} -> {after:.6}",
                    plan.moved, plan.cost, plan.identity_cost
                ),
                free: plan.free,
                moved: plan.moved,
                tentative: true,
            }
        })
    }
}
