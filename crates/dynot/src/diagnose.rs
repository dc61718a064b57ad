//! Whether the plan found is the optimal one, where a reference exists (an empirical target
//! with as many points as particles): the end points are matched to the target points exactly
//! (so that end points stopping short of their targets still name one), and the plan
//! "particle i -> the target point its end point is matched to" is compared with the exact
//! assignment, in agreement and, without obstacles, in cost.

use meanfield_core::metrics::exact_ot;
use meanfield_core::{Points, Result, squared_distance};

use crate::Problem;

/// Kinetic energy over the exact cost outside `1 +- COST_TOLERANCE` is warned about.
pub const COST_TOLERANCE: f64 = 0.01;
/// A plan priced above `1 + PLAN_TOLERANCE` times the exact cost is warned about.
pub const PLAN_TOLERANCE: f64 = 0.01;

/// The plan found against the exact one.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanCheck {
    /// Share of particles sent to their exact partner.
    pub agreement: f64,
    /// The plan's cost at exact (straight-line) costs over the exact cost (>= 1, 1 when the
    /// plan is optimal); `None` with obstacles, quicksand or acceleration control, where
    /// straight lines are not the reference.
    pub cost_ratio: Option<f64>,
}

impl Problem {
    /// The plan of the end points `ends` against the exact assignment; `None` without one.
    ///
    /// # Errors
    /// Shape errors of the assignment.
    pub fn check_plan(&self, ends: &Points) -> Result<Option<PlanCheck>> {
        let (Some(exact), Some(targets)) = (&self.exact, &self.target_points) else {
            return Ok(None);
        };
        let matched = exact_ot(ends, targets)?;
        let n = ends.n();
        let agree = (0..n)
            .filter(|&i| matched.matching[i] == exact.matching[i])
            .count();
        let sources = &self.objective.sources;
        let plain = self.objective.straight_lines_are_cheapest() && exact.cost > 0.0;
        let cost_ratio = plain.then(|| {
            (0..n)
                .map(|i| squared_distance(sources.point(i), targets.point(matched.matching[i])))
                .sum::<f64>()
                / n as f64
                / exact.cost
        });
        Ok(Some(PlanCheck {
            agreement: agree as f64 / n as f64,
            cost_ratio,
        }))
    }
}

/// The warnings a result deserves: a kinetic energy (`kinetic / exact cost` = `cost_ratio`,
/// `None` where the exact cost is not its reference) far from the exact cost, and a plan that
/// is not the optimal one (the advice depends on whether the discrete moves ran: `reassign`).
pub fn warnings(cost_ratio: Option<f64>, plan: Option<&PlanCheck>, reassign: bool) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(r) = cost_ratio
        && (r - 1.0).abs() > COST_TOLERANCE
    {
        out.push(format!(
            "the kinetic energy is {:+.2}% from the exact cost (cost_ratio {r:.4}): {}",
            100.0 * (r - 1.0),
            if r < 1.0 {
                "the end points stop short of the targets; lower transport.eps_pen or transport.delta"
            } else {
                "the paths are longer than the optimal ones"
            }
        ));
    }
    if let Some(p) = plan
        && let Some(r) = p.cost_ratio
        && r > 1.0 + PLAN_TOLERANCE
    {
        out.push(format!(
            "the plan found is not the optimal one: at exact costs it is {:.2}% above the exact W2^2 (plan_cost_ratio {r:.4}, {:.0}% of the particles go to their exact partner); {}",
            100.0 * (r - 1.0),
            100.0 * p.agreement,
            if reassign {
                "try more transport.iterations, restarts, or annealing of transport.delta"
            } else {
                "try transport.reassign = true"
            }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poor_results_are_warned_about() {
        assert!(warnings(Some(1.0005), None, true).is_empty());
        assert_eq!(warnings(Some(0.97), None, true).len(), 1);
        let optimal = PlanCheck {
            agreement: 1.0,
            cost_ratio: Some(1.0),
        };
        assert!(warnings(Some(1.0), Some(&optimal), true).is_empty());
        let crossed = PlanCheck {
            agreement: 0.4,
            cost_ratio: Some(1.2),
        };
        let w = warnings(Some(1.2), Some(&crossed), false);
        assert_eq!(w.len(), 2);
        assert!(w[1].contains("not the optimal one"), "{w:?}");
        assert!(w[1].contains("reassign = true"), "{w:?}");
    }
}
