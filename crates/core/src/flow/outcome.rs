//! How a particle flow ended, and its summary entries.

use serde_json::{Value, json};

use super::energy_summary;
use crate::{CoreError, Points, StopReason};

/// How an integration (or a descent that is one, such as full-batch training) ended.
#[derive(Debug, Clone)]
pub struct FlowOutcome {
    /// Steps completed.
    pub steps: usize,
    /// Time reached.
    pub t: f64,
    /// Last good positions.
    pub positions: Points,
    /// Final diagnostics (energy, moments, KL/L1/MMD where a target is known).
    pub metrics: Vec<(String, f64)>,
    /// The energy at every logged step, `(t, E)`.
    pub energy: Vec<(f64, f64)>,
    /// `Some` when the run stopped early (NaN, solver failure).
    pub stopped: Option<StopReason>,
}

impl FlowOutcome {
    /// Summary entries: `n`, `d`, `t_final`, the energy check (no relative increase beyond
    /// `allowance` per logged step) and every final metric as `<name>_final`.
    pub fn summary(&self, allowance: f64) -> Vec<(String, Value)> {
        let mut summary = vec![
            ("n".to_string(), json!(self.positions.n())),
            ("d".to_string(), json!(self.positions.d())),
            ("t_final".to_string(), json!(self.t)),
        ];
        summary.extend(energy_summary(&self.energy, allowance));
        summary.extend(
            self.metrics
                .iter()
                .filter(|(name, _)| name != "energy")
                .map(|(name, value)| (format!("{name}_final"), json!(value))),
        );
        summary
    }
}

/// The stop of a step that failed with `e`.
pub(crate) fn stop_reason(step: usize, t: f64, e: &CoreError) -> StopReason {
    let message = format!("stopped at step {step} (t = {t:.6}): {e}");
    match e {
        CoreError::NonFinite(_) => StopReason::NonFinite(message),
        _ => StopReason::SolverFailure(message),
    }
}
