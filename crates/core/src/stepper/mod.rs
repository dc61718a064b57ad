//! Time steppers for `dx/dt = v(x)`, taking a velocity closure and knowing nothing of energies.
//!
//! Explicit Euler, Heun and classical RK4 take one step of `dt` per call; Dormand-Prince 5(4)
//! integrates over the interval `dt` with error-controlled internal steps.

mod dopri5;
mod tableau;

pub use dopri5::DormandPrince;
pub use tableau::{ButcherTableau, EULER, HEUN, RK4};

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use crate::validate::check_positive;
use crate::{CoreError, Result};

/// A velocity field evaluated on a state `[n, d]`.
pub type Velocity<'a> = dyn FnMut(&Tensor<2>) -> Result<Tensor<2>> + 'a;

/// A stepper in a config (TOML `stepper = { kind = ... }`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum StepperConfig {
    /// Explicit Euler (order 1).
    Euler,
    /// Heun / explicit trapezoid (order 2).
    Heun,
    /// Classical Runge-Kutta (order 4).
    #[default]
    Rk4,
    /// Adaptive Dormand-Prince 5(4).
    Dopri5 {
        /// Relative tolerance.
        #[serde(default = "default_rtol")]
        rtol: f64,
        /// Absolute tolerance.
        #[serde(default = "default_atol")]
        atol: f64,
        /// Largest internal step.
        #[serde(default = "default_max_step")]
        max_step: f64,
        /// Cap on the total number of internal steps of the run.
        #[serde(default = "default_max_steps")]
        max_steps: usize,
    },
}

fn default_rtol() -> f64 {
    1e-6
}
fn default_atol() -> f64 {
    1e-9
}
fn default_max_step() -> f64 {
    f64::INFINITY
}
fn default_max_steps() -> usize {
    1_000_000
}

impl StepperConfig {
    /// Checks tolerances and caps.
    ///
    /// # Errors
    /// [`CoreError::Config`] under `key`.
    pub fn validate(&self, key: &str) -> Result<()> {
        if let Self::Dopri5 {
            rtol,
            atol,
            max_step,
            max_steps,
        } = self
        {
            check_positive(&format!("{key}.rtol"), *rtol)?;
            check_positive(&format!("{key}.atol"), *atol)?;
            if max_step.is_nan() || *max_step <= 0.0 {
                return Err(CoreError::config(format!("{key}.max_step"), "must be > 0"));
            }
            if *max_steps == 0 {
                return Err(CoreError::config(
                    format!("{key}.max_steps"),
                    "must be >= 1",
                ));
            }
        }
        Ok(())
    }

    /// Builds the stepper.
    pub fn build(&self) -> Stepper {
        match *self {
            Self::Euler => Stepper::Fixed(&EULER),
            Self::Heun => Stepper::Fixed(&HEUN),
            Self::Rk4 => Stepper::Fixed(&RK4),
            Self::Dopri5 {
                rtol,
                atol,
                max_step,
                max_steps,
            } => Stepper::Adaptive(DormandPrince::new(rtol, atol, max_step, max_steps)),
        }
    }
}

/// The state a stepper carries between intervals: the adaptive stepper's internal step count
/// and its next trial step (as exact bits); nothing for fixed steppers.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StepperState {
    /// Internal steps taken.
    pub internal_steps: usize,
    /// The next trial step's bits.
    pub next_step: Option<u64>,
}

/// A time stepper.
#[derive(Debug, Clone)]
pub enum Stepper {
    /// One explicit Runge-Kutta step per interval.
    Fixed(&'static ButcherTableau),
    /// Error-controlled steps inside each interval.
    Adaptive(DormandPrince),
}

impl Stepper {
    /// Advances `x` over an interval of length `dt`.
    ///
    /// # Errors
    /// Errors of the velocity closure, or [`CoreError::Solver`] when the adaptive step-count
    /// cap is reached or the step size underflows.
    pub fn advance(&mut self, x: Tensor<2>, dt: f64, v: &mut Velocity<'_>) -> Result<Tensor<2>> {
        match self {
            Self::Fixed(tableau) => Ok(tableau.step(x, dt, v)?.0),
            Self::Adaptive(dp) => dp.advance(x, dt, v),
        }
    }

    /// What the stepper carries from one interval to the next (for a checkpoint).
    pub fn state(&self) -> StepperState {
        match self {
            Self::Fixed(_) => StepperState::default(),
            Self::Adaptive(dp) => dp.state(),
        }
    }

    /// Continues from a checkpoint's [`Stepper::state`].
    pub fn restore(&mut self, state: &StepperState) {
        if let Self::Adaptive(dp) = self {
            dp.restore(state);
        }
    }

    /// Internal steps taken so far (one per call for fixed steppers is not counted).
    pub fn internal_steps(&self) -> Option<usize> {
        match self {
            Self::Fixed(_) => None,
            Self::Adaptive(dp) => Some(dp.steps_taken()),
        }
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::TensorData;

    use super::*;
    use crate::cpu_device;

    /// Integrates the rotation `x' = (-y, x)` from (1, 0) to t = 1 and returns the error.
    fn rotation_error(stepper: &mut Stepper, steps: usize) -> f64 {
        let device = cpu_device();
        let mut x = Tensor::<2>::from_data(TensorData::new(vec![1.0, 0.0], [1, 2]), &device);
        let mut v = |s: &Tensor<2>| -> Result<Tensor<2>> {
            let [a, b] = [s.clone().narrow(1, 0, 1), s.clone().narrow(1, 1, 1)];
            Ok(Tensor::cat(vec![b.neg(), a], 1))
        };
        let dt = 1.0 / steps as f64;
        for _ in 0..steps {
            x = stepper.advance(x, dt, &mut v).unwrap();
        }
        let got = crate::host_vec(x);
        ((got[0] - 1f64.cos()).powi(2) + (got[1] - 1f64.sin()).powi(2)).sqrt()
    }

    #[test]
    fn fixed_steppers_converge_at_their_order() {
        for (config, order) in [
            (StepperConfig::Euler, 1.0),
            (StepperConfig::Heun, 2.0),
            (StepperConfig::Rk4, 4.0),
        ] {
            let e1 = rotation_error(&mut config.build(), 20);
            let e2 = rotation_error(&mut config.build(), 40);
            let observed = (e1 / e2).log2();
            assert!(
                (observed - order).abs() < 0.15,
                "{config:?}: order {observed}"
            );
        }
    }

    #[test]
    fn dormand_prince_meets_its_tolerance_and_its_cap() {
        for rtol in [1e-4, 1e-8] {
            let mut dp = StepperConfig::Dopri5 {
                rtol,
                atol: rtol * 1e-2,
                max_step: 0.5,
                max_steps: 10_000,
            }
            .build();
            let err = rotation_error(&mut dp, 1);
            assert!(err < 10.0 * rtol, "rtol {rtol}: error {err}");
            assert!(dp.internal_steps().unwrap() >= 2);
        }
        let mut capped = StepperConfig::Dopri5 {
            rtol: 1e-12,
            atol: 1e-14,
            max_step: 1.0,
            max_steps: 3,
        }
        .build();
        let device = cpu_device();
        let x = Tensor::<2>::ones([1, 1], &device);
        let err = capped
            .advance(x, 10.0, &mut |s: &Tensor<2>| Ok(s.clone()))
            .unwrap_err();
        assert!(err.to_string().contains("max_steps"), "{err}");
    }
}
