//! The energy check every descent reports: a gradient flow's energy never increases.

use serde_json::{Value, json};

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

/// `energy_initial`, `energy_final`, `energy_monotone` (no increase beyond `allowance`
/// relative per logged step) and `energy_max_relative_increase` of an energy series `(t, E)`.
pub fn energy_summary(energy: &[(f64, f64)], allowance: f64) -> Vec<(String, Value)> {
    let increase = max_energy_increase(energy);
    vec![
        ("energy_initial".into(), json!(energy.first().map(|e| e.1))),
        ("energy_final".into(), json!(energy.last().map(|e| e.1))),
        ("energy_monotone".into(), json!(increase <= allowance)),
        ("energy_max_relative_increase".into(), json!(increase)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn increases_between_distinct_times_count_and_removal_rows_do_not() {
        let series = [(0.0, 1.0), (0.1, 0.5), (0.1, 0.8), (0.2, 0.4), (0.3, 0.44)];
        assert!((max_energy_increase(&series) - 0.1).abs() < 1e-12);
        let summary = energy_summary(&series, 1e-12);
        assert_eq!(summary[2], ("energy_monotone".to_string(), json!(false)));
        assert_eq!(max_energy_increase(&series[..4]), 0.0);
    }
}
