//! `[flow]`: time stepping of a particle flow, and the removal of particles mid-run.

use serde::{Deserialize, Serialize};

use crate::stepper::StepperConfig;
use crate::validate::check_positive;
use crate::{CoreError, Result};

/// The most time steps a flow may take (`t_final / dt`), so that a typo in `dt` is refused
/// instead of running for days.
pub const MAX_STEPS: f64 = 1e8;

/// `[flow]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowConfig {
    /// Time stepper.
    #[serde(default)]
    pub stepper: StepperConfig,
    /// Step (or, for `dopri5`, output interval).
    pub dt: f64,
    /// Final time.
    pub t_final: f64,
    /// Log metrics every this many steps.
    #[serde(default = "default_log_every")]
    pub log_every: usize,
    /// Remove a random fraction of the particles at a given time (robot failures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove: Option<RemovalConfig>,
}

fn default_log_every() -> usize {
    10
}

impl Default for FlowConfig {
    fn default() -> Self {
        Self {
            stepper: StepperConfig::default(),
            dt: 0.01,
            t_final: 1.0,
            log_every: default_log_every(),
            remove: None,
        }
    }
}

/// `flow.remove = { at = T, fraction = f }`: at the first step with `t >= T`, a seeded random
/// fraction `f` of the particles is removed and the masses of the rest renormalised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemovalConfig {
    /// Time of the removal (in (0, t_final)).
    pub at: f64,
    /// Fraction removed (in (0, 1)).
    pub fraction: f64,
}

impl FlowConfig {
    /// Checks the step, the final time, the step count, the stepper and the removal.
    ///
    /// # Errors
    /// [`CoreError::Config`] naming the key.
    pub fn validate(&self) -> Result<()> {
        check_positive("flow.dt", self.dt)?;
        check_positive("flow.t_final", self.t_final)?;
        if self.dt > self.t_final {
            return Err(CoreError::config(
                "flow.dt",
                format!(
                    "must be <= flow.t_final = {}, found {}",
                    self.t_final, self.dt
                ),
            ));
        }
        let steps = self.t_final / self.dt;
        if steps > MAX_STEPS {
            return Err(CoreError::config(
                "flow.dt",
                format!(
                    "t_final / dt = {steps:.3e} steps, more than the {MAX_STEPS:e} allowed; raise dt"
                ),
            ));
        }
        if self.log_every == 0 {
            return Err(CoreError::config("flow.log_every", "must be >= 1, found 0"));
        }
        self.stepper.validate("flow.stepper")?;
        if let Some(r) = &self.remove {
            if !(r.at > 0.0 && r.at < self.t_final) {
                return Err(CoreError::config(
                    "flow.remove.at",
                    format!("must be in (0, t_final = {}), found {}", self.t_final, r.at),
                ));
            }
            if !(r.fraction > 0.0 && r.fraction < 1.0) {
                return Err(CoreError::config(
                    "flow.remove.fraction",
                    format!("must be in (0, 1), found {}", r.fraction),
                ));
            }
        }
        Ok(())
    }

    /// The number of steps and the step that divides `t_final` into them.
    pub fn steps(&self) -> (usize, f64) {
        let steps = ((self.t_final / self.dt).round() as usize).max(1);
        (steps, self.t_final / steps as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_count_beyond_the_cap_is_refused() {
        for (dt, t_final) in [(1e-300, 1.0), (1.0, 1e300), (1e-9, 1.0)] {
            let flow = FlowConfig {
                dt,
                t_final,
                ..FlowConfig::default()
            };
            let err = flow.validate().unwrap_err().to_string();
            assert!(err.contains("flow.dt") && err.contains("steps"), "{err}");
        }
        let flow = FlowConfig {
            dt: 1e-6,
            t_final: 10.0,
            ..FlowConfig::default()
        };
        assert!(flow.validate().is_ok());
        assert_eq!(flow.steps().0, 10_000_000);
    }
}
