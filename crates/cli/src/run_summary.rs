//! The `summary.json` of a particle-flow run.

use meanfield_core::stepper::StepperConfig;
use meanfield_core::{FlowOutcome, RunConfig};
use serde_json::{Map, Value, json};

/// Largest relative increase of the energy between consecutive logged steps (0 when it never
/// increases). Two rows at the same time (before and after particles are removed) are not a
/// step of the flow and are skipped.
pub fn max_energy_increase(energy: &[(f64, f64)]) -> f64 {
    energy
        .windows(2)
        .filter(|w| w[1].0 > w[0].0)
        .map(|w| (w[1].1 - w[0].1) / w[0].1.abs().max(1e-300))
        .fold(0.0, f64::max)
}

/// The first keys of every summary: `name`, `method`, `status` ("ok" or "stopped") and the
/// stop `message`.
pub fn summary_head(name: &str, method: &str, stopped: Option<&str>) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("name".into(), json!(name));
    map.insert("method".into(), json!(method));
    map.insert(
        "status".into(),
        json!(if stopped.is_some() { "stopped" } else { "ok" }),
    );
    if let Some(m) = stopped {
        map.insert("message".into(), json!(m));
    }
    map
}

/// Builds the summary: identity of the run, its cost, and its final metrics.
pub fn summary_json(
    config: &RunConfig,
    method: &str,
    outcome: &FlowOutcome,
    energy: &[(f64, f64)],
    wall_seconds: f64,
) -> Value {
    let increase = max_energy_increase(energy);
    let mut map = summary_head(&config.name, method, outcome.stopped.as_deref());
    if let Some(eps) = config.blob.eps {
        map.insert("eps".into(), json!(eps));
    }
    if config.blob.batch > 0 {
        map.insert("batch".into(), json!(config.blob.batch));
    }
    map.insert("seed".into(), json!(config.seed));
    map.insert("device".into(), json!(config.device));
    map.insert("n".into(), json!(outcome.positions.n()));
    map.insert("d".into(), json!(outcome.positions.d()));
    map.insert("steps".into(), json!(outcome.steps));
    map.insert("t_final".into(), json!(outcome.t));
    map.insert("wall_seconds".into(), json!(wall_seconds));
    map.insert("energy_initial".into(), json!(energy.first().map(|e| e.1)));
    map.insert("energy_final".into(), json!(energy.last().map(|e| e.1)));
    // Allowance per logged step: round-off (1e-12 relative), or the adaptive stepper's rtol.
    let allowance = match config.flow.stepper {
        StepperConfig::Dopri5 { rtol, .. } => rtol.max(1e-12),
        _ => 1e-12,
    };
    map.insert("energy_monotone".into(), json!(increase <= allowance));
    map.insert("energy_max_relative_increase".into(), json!(increase));
    for (name, value) in &outcome.metrics {
        if name != "energy" {
            map.insert(format!("{name}_final"), json!(value));
        }
    }
    Value::Object(map)
}
