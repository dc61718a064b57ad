//! Adaptive Dormand-Prince 5(4) (Dormand & Prince 1980; Hairer, Norsett, Wanner, Sec. II.4).

use burn::tensor::Tensor;

use super::Velocity;
use super::tableau::ButcherTableau;
use crate::{CoreError, Result};

/// The 5th-order weights, which are also the last stage's row (first same as last: the
/// last stage is the velocity at the new point).
const B5: [f64; 7] = [
    35.0 / 384.0,
    0.0,
    500.0 / 1113.0,
    125.0 / 192.0,
    -2187.0 / 6784.0,
    11.0 / 84.0,
    0.0,
];

/// The Dormand-Prince 5(4) pair (7 stages; the 5th-order solution is propagated).
pub static DOPRI5: ButcherTableau = ButcherTableau {
    a: &[
        &[],
        &[1.0 / 5.0],
        &[3.0 / 40.0, 9.0 / 40.0],
        &[44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0],
        &[
            19372.0 / 6561.0,
            -25360.0 / 2187.0,
            64448.0 / 6561.0,
            -212.0 / 729.0,
        ],
        &[
            9017.0 / 3168.0,
            -355.0 / 33.0,
            46732.0 / 5247.0,
            49.0 / 176.0,
            -5103.0 / 18656.0,
        ],
        B5.split_at(6).0,
    ],
    b: &B5,
    error: Some(&[
        71.0 / 57600.0,
        0.0,
        -71.0 / 16695.0,
        71.0 / 1920.0,
        -17253.0 / 339200.0,
        22.0 / 525.0,
        -1.0 / 40.0,
    ]),
};

/// Error-controlled Dormand-Prince integration with a step-size cap and a step-count cap.
#[derive(Debug, Clone)]
pub struct DormandPrince {
    rtol: f64,
    atol: f64,
    max_step: f64,
    max_steps: usize,
    steps: usize,
    h: Option<f64>,
}

impl DormandPrince {
    /// Creates the integrator (parameters validated by configs).
    pub fn new(rtol: f64, atol: f64, max_step: f64, max_steps: usize) -> Self {
        Self {
            rtol,
            atol,
            max_step,
            max_steps,
            steps: 0,
            h: None,
        }
    }

    /// The step count and the next trial step.
    pub fn state(&self) -> super::StepperState {
        super::StepperState {
            internal_steps: self.steps,
            next_step: self.h.map(f64::to_bits),
            ..super::StepperState::default()
        }
    }

    /// Continues from [`DormandPrince::state`].
    pub fn restore(&mut self, state: &super::StepperState) {
        self.steps = state.internal_steps;
        self.h = state.next_step.map(f64::from_bits);
    }

    /// Accepted plus rejected internal steps so far.
    pub fn steps_taken(&self) -> usize {
        self.steps
    }

    /// Integrates over an interval of length `dt`.
    ///
    /// # Errors
    /// [`CoreError::Solver`] when `max_steps` is reached or the step size underflows.
    pub fn advance(
        &mut self,
        mut x: Tensor<2>,
        dt: f64,
        v: &mut Velocity<'_>,
    ) -> Result<Tensor<2>> {
        let mut t = 0.0;
        let mut h = self.h.unwrap_or(dt).min(self.max_step).min(dt);
        while t < dt {
            if self.steps >= self.max_steps {
                return Err(CoreError::Solver(format!(
                    "dopri5 reached max_steps = {} (raise max_steps or loosen rtol/atol)",
                    self.max_steps
                )));
            }
            let last = t + h >= dt * (1.0 - 1e-12);
            let h_try = if last { dt - t } else { h };
            let (next, err) = DOPRI5.step(x.clone(), h_try, v)?;
            self.steps += 1;
            let error = err.expect("embedded pair");
            let ratio = super::error_ratio(&x, &next, error, self.rtol, self.atol);
            // A non-finite estimate (a step far beyond stability overflowed) is a rejection.
            let factor = if !ratio.is_finite() {
                0.1
            } else if ratio == 0.0 {
                5.0
            } else {
                (0.9 * ratio.powf(-0.2)).clamp(0.2, 5.0)
            };
            if ratio <= 1.0 && ratio.is_finite() {
                x = next;
                t += h_try;
                if !last {
                    h = (h_try * factor).min(self.max_step);
                }
            } else {
                h = h_try * factor;
                if h < 1e-14 * dt.max(1.0) {
                    return Err(CoreError::Solver(format!(
                        "dopri5 step size underflow at t = {t}"
                    )));
                }
            }
        }
        self.h = Some(h);
        Ok(x)
    }
}
