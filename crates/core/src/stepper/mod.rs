//! Time steppers for `dx/dt = v(x)`, taking a velocity closure and knowing nothing of energies.
//!
//! Explicit Euler, Heun and classical RK4 take one step of `dt` per call; Dormand-Prince 5(4)
//! and Runge-Kutta-Chebyshev (for stiff gradient flows) integrate over the interval `dt` with
//! error-controlled internal steps.

mod dopri5;
mod rkc;
mod tableau;

pub use dopri5::DormandPrince;
pub use rkc::Chebyshev;
pub use tableau::{ButcherTableau, EULER, HEUN, RK4};

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use crate::validate::check_positive;
use crate::{CoreError, Result};

/// A velocity field evaluated on a state `[n, d]`.
pub type Velocity<'a> = dyn FnMut(&Tensor<2>) -> Result<Tensor<2>> + 'a;

/// The largest `|error| / (atol + rtol max(|x|, |next|))`: an adaptive step is accepted at
/// most 1.
fn error_ratio(x: &Tensor<2>, next: &Tensor<2>, error: Tensor<2>, rtol: f64, atol: f64) -> f64 {
    let scale = x
        .clone()
        .abs()
        .max_pair(next.clone().abs())
        .mul_scalar(rtol)
        .add_scalar(atol);
    (error.abs() / scale).max().into_scalar::<f64>()
}

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
    /// Adaptive Runge-Kutta-Chebyshev (order 2) for stiff gradient flows: the stages of each
    /// step grow with the square root of its stiffness.
    Rkc {
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
        }
        | Self::Rkc {
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
            Self::Rkc {
                rtol,
                atol,
                max_step,
                max_steps,
            } => Stepper::Chebyshev(Chebyshev::new(rtol, atol, max_step, max_steps)),
        }
    }

    /// The relative tolerance of an adaptive stepper.
    pub fn rtol(&self) -> Option<f64> {
        match *self {
            Self::Dopri5 { rtol, .. } | Self::Rkc { rtol, .. } => Some(rtol),
            _ => None,
        }
    }
}

/// The state a stepper carries between intervals: an adaptive stepper's internal step count
/// and its next trial step (as exact bits), and RKC's spectral radius estimate with its age;
/// nothing for fixed steppers.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StepperState {
    /// Internal steps taken.
    pub internal_steps: usize,
    /// The next trial step's bits.
    pub next_step: Option<u64>,
    /// RKC's spectral radius estimate's bits.
    #[serde(default)]
    pub spectral_radius: Option<u64>,
    /// RKC's accepted steps since that estimate.
    #[serde(default)]
    pub radius_age: usize,
}

/// A time stepper.
#[derive(Debug, Clone)]
pub enum Stepper {
    /// One explicit Runge-Kutta step per interval.
    Fixed(&'static ButcherTableau),
    /// Error-controlled Dormand-Prince steps inside each interval.
    Adaptive(DormandPrince),
    /// Error-controlled Runge-Kutta-Chebyshev steps inside each interval.
    Chebyshev(Chebyshev),
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
            Self::Chebyshev(rkc) => rkc.advance(x, dt, v),
        }
    }

    /// What the stepper carries from one interval to the next (for a checkpoint).
    pub fn state(&self) -> StepperState {
        match self {
            Self::Fixed(_) => StepperState::default(),
            Self::Adaptive(dp) => dp.state(),
            Self::Chebyshev(rkc) => rkc.state(),
        }
    }

    /// Continues from a checkpoint's [`Stepper::state`].
    pub fn restore(&mut self, state: &StepperState) {
        match self {
            Self::Fixed(_) => {}
            Self::Adaptive(dp) => dp.restore(state),
            Self::Chebyshev(rkc) => rkc.restore(state),
        }
    }

    /// Internal steps taken so far (one per call for fixed steppers is not counted).
    pub fn internal_steps(&self) -> Option<usize> {
        match self {
            Self::Fixed(_) => None,
            Self::Adaptive(dp) => Some(dp.steps_taken()),
            Self::Chebyshev(rkc) => Some(rkc.steps_taken()),
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

    /// The discrete heat equation on 64 interior nodes of [0, 1] (stiffness 4 / h^2, about
    /// 17000) from two sine modes, whose exact decay is known: integrated to t = 0.3 by RKC
    /// and dopri5 at the same tolerance, evaluations counted.
    fn heat(config: &StepperConfig) -> (f64, usize) {
        const N: usize = 64;
        let device = cpu_device();
        let h = 1.0 / (N + 1) as f64;
        let node = |i: usize| (i + 1) as f64 * h;
        let modes = [(1.0, 1.0), (8.0, 0.5)];
        let decay = |k: f64| -4.0 / (h * h) * (k * std::f64::consts::PI * h / 2.0).sin().powi(2);
        let exact = |t: f64| -> Vec<f64> {
            (0..N)
                .map(|i| {
                    modes
                        .iter()
                        .map(|(k, a)| {
                            a * (decay(*k) * t).exp() * (k * std::f64::consts::PI * node(i)).sin()
                        })
                        .sum()
                })
                .collect()
        };
        let mut evaluations = 0;
        let mut v = |s: &Tensor<2>| -> Result<Tensor<2>> {
            evaluations += 1;
            let x = crate::host_vec(s.clone());
            let at = |i: isize| {
                if i < 0 || i >= N as isize {
                    0.0
                } else {
                    x[i as usize]
                }
            };
            let f: Vec<f64> = (0..N as isize)
                .map(|i| (at(i - 1) - 2.0 * at(i) + at(i + 1)) / (h * h))
                .collect();
            Ok(crate::tensor_from(f, [N, 1], &device))
        };
        let mut stepper = config.build();
        let mut x = crate::tensor_from(exact(0.0), [N, 1], &device);
        for _ in 0..3 {
            x = stepper.advance(x, 0.1, &mut v).unwrap();
        }
        let got = crate::host_vec(x);
        let error = got
            .iter()
            .zip(exact(0.3))
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        (error, evaluations)
    }

    /// RKC's error falls with its tolerance, and at rtol 1e-5 it is within 1e-3 of the
    /// solution's size (per-step control: the global error sums the steps' local errors),
    /// for a fifth of dopri5's evaluations or fewer.
    #[test]
    fn chebyshev_meets_its_tolerance_on_a_stiff_flow_in_fewer_evaluations() {
        let adaptive = |rtol: f64, chebyshev: bool| {
            let (atol, max_step, max_steps) = (rtol * 1e-3, 0.01, 100_000);
            heat(&if chebyshev {
                StepperConfig::Rkc {
                    rtol,
                    atol,
                    max_step,
                    max_steps,
                }
            } else {
                StepperConfig::Dopri5 {
                    rtol,
                    atol,
                    max_step,
                    max_steps,
                }
            })
        };
        let (coarse, evaluations) = adaptive(1e-5, true);
        let (fine, _) = adaptive(1e-7, true);
        let (dopri_error, dopri_evaluations) = adaptive(1e-5, false);
        // The solution's largest entry is about 0.05 at t = 0.3.
        assert!(coarse < 5e-5, "rkc error {coarse}");
        assert!(fine < coarse / 10.0, "rkc error {fine} at rtol 1e-7");
        assert!(dopri_error < 5e-5, "dopri5 error {dopri_error}");
        assert!(
            5 * evaluations < dopri_evaluations,
            "rkc {evaluations} evaluations, dopri5 {dopri_evaluations}"
        );
    }

    /// Second order: on the scalar flow x' = -x^2 with fixed steps (tolerances loose, steps
    /// capped), halving the step quarters the error.
    #[test]
    fn chebyshev_converges_at_second_order() {
        let error = |max_step: f64| {
            let mut stepper = StepperConfig::Rkc {
                rtol: 1.0,
                atol: 1.0,
                max_step,
                max_steps: 100_000,
            }
            .build();
            let device = cpu_device();
            let mut x = Tensor::<2>::ones([1, 1], &device);
            let mut v = |s: &Tensor<2>| -> Result<Tensor<2>> { Ok(s.clone().square().neg()) };
            x = stepper.advance(x, 1.0, &mut v).unwrap();
            (crate::host_vec(x)[0] - 0.5).abs()
        };
        let observed = (error(0.1) / error(0.05)).log2();
        assert!((observed - 2.0).abs() < 0.2, "order {observed}");
    }

    /// An interval integrated after a restore of the state continues exactly as without the
    /// interruption.
    #[test]
    fn chebyshev_resumes_exactly() {
        let config = StepperConfig::Rkc {
            rtol: 1e-6,
            atol: 1e-9,
            max_step: 0.3,
            max_steps: 100_000,
        };
        let device = cpu_device();
        let mut v = |s: &Tensor<2>| -> Result<Tensor<2>> {
            Ok(s.clone().powf_scalar(3.0).neg().mul_scalar(50.0) - s.clone())
        };
        let start = crate::tensor_from(vec![1.0, -0.5, 0.25], [3, 1], &device);
        let mut whole = config.build();
        let mut x = start.clone();
        for _ in 0..4 {
            x = whole.advance(x, 0.5, &mut v).unwrap();
        }
        let mut first = config.build();
        let mut y = start;
        for _ in 0..2 {
            y = first.advance(y, 0.5, &mut v).unwrap();
        }
        let mut second = config.build();
        second.restore(&first.state());
        for _ in 0..2 {
            y = second.advance(y, 0.5, &mut v).unwrap();
        }
        assert_eq!(crate::host_vec(x), crate::host_vec(y));
        assert_eq!(whole.state(), second.state());
    }
}
