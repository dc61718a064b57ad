//! Adaptive Runge-Kutta-Chebyshev of order 2 (van der Houwen & Sommeijer 1980; Verwer,
//! Hundsdorfer & Sommeijer 1990; Sommeijer, Shampine & Verwer 1997, "RKC: an explicit solver
//! for parabolic PDEs").
//!
//! A stabilised explicit method for the stiffness of gradient flows, whose Jacobian's
//! eigenvalues lie near the negative real axis: `s` stages reach `h rho <= 0.65 s^2` along it
//! (dopri5 reaches 3.3), so a flow whose stiffness `rho` grows as `1/eps^2` costs
//! `sqrt(h rho)` evaluations per step of `h` instead of `h rho`. The spectral radius `rho` is
//! estimated by a nonlinear power method on finite differences of the velocity, the local error
//! by the published estimator, and the step is controlled as dopri5's (max norm, scaled by
//! `atol + rtol |x|`).

use burn::tensor::Tensor;

use super::{StepperState, Velocity};
use crate::{CoreError, Result};

/// Damping of the Chebyshev polynomials (the published value).
const DAMPING: f64 = 2.0 / 13.0;
/// Accepted steps between two estimates of the spectral radius.
const RADIUS_AGE: usize = 25;
/// Power iterations at most per estimate.
const POWER_ITERATIONS: usize = 20;
/// Safety factor on the estimated spectral radius.
const RADIUS_SAFETY: f64 = 1.2;
/// Stages at most; a step that would need more is shortened.
const MAX_STAGES: usize = 250;

/// Error-controlled Runge-Kutta-Chebyshev integration with a step-size cap and a step-count cap.
#[derive(Debug, Clone)]
pub struct Chebyshev {
    rtol: f64,
    atol: f64,
    max_step: f64,
    max_steps: usize,
    steps: usize,
    h: Option<f64>,
    radius: Option<f64>,
    radius_age: usize,
}

/// The coefficients of one `s`-stage step (`mu[j], nu[j], mu_tilde[j], gamma_tilde[j]` for
/// stage `j >= 1`; entry 0 unused).
struct Coefficients {
    mu: Vec<f64>,
    nu: Vec<f64>,
    mu_tilde: Vec<f64>,
    gamma_tilde: Vec<f64>,
}

impl Coefficients {
    /// The damped Chebyshev coefficients of `s >= 2` stages.
    fn new(s: usize) -> Self {
        let w0 = 1.0 + DAMPING / (s * s) as f64;
        // T_j(w0) and its first two derivatives.
        let (mut t, mut t1, mut t2) = (vec![1.0, w0], vec![0.0, 1.0], vec![0.0, 0.0]);
        for j in 2..=s {
            t.push(2.0 * w0 * t[j - 1] - t[j - 2]);
            t1.push(2.0 * t[j - 1] + 2.0 * w0 * t1[j - 1] - t1[j - 2]);
            t2.push(4.0 * t1[j - 1] + 2.0 * w0 * t2[j - 1] - t2[j - 2]);
        }
        let w1 = t1[s] / t2[s];
        let mut b: Vec<f64> = (0..=s)
            .map(|j| t2[j.max(2)] / (t1[j.max(2)] * t1[j.max(2)]))
            .collect();
        b[0] = b[2];
        b[1] = b[2];
        let a = |j: usize| 1.0 - b[j] * t[j];
        let mut c = Self {
            mu: vec![0.0; s + 1],
            nu: vec![0.0; s + 1],
            mu_tilde: vec![0.0; s + 1],
            gamma_tilde: vec![0.0; s + 1],
        };
        c.mu_tilde[1] = b[1] * w1;
        for j in 2..=s {
            c.mu[j] = 2.0 * w0 * b[j] / b[j - 1];
            c.nu[j] = -b[j] / b[j - 2];
            c.mu_tilde[j] = 2.0 * w1 * b[j] / b[j - 1];
            c.gamma_tilde[j] = -a(j - 1) * c.mu_tilde[j];
        }
        c
    }
}

/// The stages a step of `h` needs for a spectral radius `radius` (at least 2).
fn stages(h: f64, radius: f64) -> usize {
    // 1 + sqrt(1 + 1.54 h rho): the published choice, whose stability bound exceeds h rho.
    (1.0 + (1.0 + 1.54 * h * radius).sqrt()).floor().max(2.0) as usize
}

/// The Euclidean norm of a state.
fn norm(x: &Tensor<2>) -> f64 {
    x.clone().square().sum().into_scalar::<f64>().sqrt()
}

impl Chebyshev {
    /// Creates the integrator (parameters validated by configs).
    pub fn new(rtol: f64, atol: f64, max_step: f64, max_steps: usize) -> Self {
        Self {
            rtol,
            atol,
            max_step,
            max_steps,
            steps: 0,
            h: None,
            radius: None,
            radius_age: 0,
        }
    }

    /// The step count, the next trial step and the spectral radius estimate with its age.
    pub fn state(&self) -> StepperState {
        StepperState {
            internal_steps: self.steps,
            next_step: self.h.map(f64::to_bits),
            spectral_radius: self.radius.map(f64::to_bits),
            radius_age: self.radius_age,
        }
    }

    /// Continues from [`Chebyshev::state`].
    pub fn restore(&mut self, state: &StepperState) {
        self.steps = state.internal_steps;
        self.h = state.next_step.map(f64::from_bits);
        self.radius = state.spectral_radius.map(f64::from_bits);
        self.radius_age = state.radius_age;
    }

    /// Accepted plus rejected internal steps so far.
    pub fn steps_taken(&self) -> usize {
        self.steps
    }

    /// The spectral radius of the velocity's Jacobian at `x` (where the velocity is `f0`),
    /// times a safety factor, by power iterations on finite differences started along `f0`.
    fn estimate_radius(&self, x: &Tensor<2>, f0: &Tensor<2>, v: &mut Velocity<'_>) -> Result<f64> {
        let delta = f64::EPSILON.sqrt() * norm(x).max(1.0);
        let mut direction = f0.clone();
        let mut length = norm(&direction);
        if length == 0.0 || !length.is_finite() {
            direction = x.ones_like();
            length = norm(&direction);
        }
        let mut sigma = 0.0;
        for iteration in 0..POWER_ITERATIONS {
            let probe = x.clone() + direction.mul_scalar(delta / length);
            let difference = v(&probe)? - f0.clone();
            let change = norm(&difference);
            if !change.is_finite() {
                return Err(CoreError::Solver(
                    "rkc: the velocity is not finite near the state".into(),
                ));
            }
            let previous = std::mem::replace(&mut sigma, change / delta);
            if change == 0.0 || (iteration > 0 && (sigma - previous).abs() <= 0.01 * sigma) {
                break;
            }
            direction = difference;
            length = change;
        }
        Ok(RADIUS_SAFETY * sigma)
    }

    /// One step of `h` with `s` stages from `x` (velocity `f0`).
    fn step(
        x: &Tensor<2>,
        f0: &Tensor<2>,
        h: f64,
        s: usize,
        v: &mut Velocity<'_>,
    ) -> Result<Tensor<2>> {
        let c = Coefficients::new(s);
        let mut before = x.clone();
        let mut last = x.clone() + f0.clone().mul_scalar(c.mu_tilde[1] * h);
        for j in 2..=s {
            let f = v(&last)?;
            let next = x.clone().mul_scalar(1.0 - c.mu[j] - c.nu[j])
                + last.clone().mul_scalar(c.mu[j])
                + before.mul_scalar(c.nu[j])
                + f.mul_scalar(c.mu_tilde[j] * h)
                + f0.clone().mul_scalar(c.gamma_tilde[j] * h);
            before = std::mem::replace(&mut last, next);
        }
        Ok(last)
    }

    /// Integrates over an interval of length `dt`.
    ///
    /// # Errors
    /// Errors of the velocity closure; [`CoreError::Solver`] when `max_steps` is reached, the
    /// step size underflows or the velocity is not finite.
    pub fn advance(
        &mut self,
        mut x: Tensor<2>,
        dt: f64,
        v: &mut Velocity<'_>,
    ) -> Result<Tensor<2>> {
        let mut t = 0.0;
        let mut h = self.h.unwrap_or(dt).min(self.max_step).min(dt);
        let mut f0 = v(&x)?;
        let mut fresh = false;
        while t < dt {
            if self.steps >= self.max_steps {
                return Err(CoreError::Solver(format!(
                    "rkc reached max_steps = {} (raise max_steps or loosen rtol/atol)",
                    self.max_steps
                )));
            }
            let radius = match self.radius {
                Some(r) if self.radius_age < RADIUS_AGE => r,
                _ => {
                    let r = self.estimate_radius(&x, &f0, v)?;
                    (self.radius, self.radius_age, fresh) = (Some(r), 0, true);
                    r
                }
            };
            // Shorten a step that would need more than MAX_STAGES.
            let longest = ((MAX_STAGES - 1).pow(2) - 1) as f64 / (1.54 * radius.max(1e-300));
            h = h.min(longest);
            let last = t + h >= dt * (1.0 - 1e-12);
            let h_try = if last { dt - t } else { h };
            let next = Self::step(&x, &f0, h_try, stages(h_try, radius), v)?;
            let f1 = v(&next)?;
            self.steps += 1;
            // 0.8 (x_n - x_{n+1}) + 0.4 h (f_n + f_{n+1}): the published estimate of the
            // local error.
            let error = (x.clone() - next.clone()).mul_scalar(0.8)
                + (f0.clone() + f1.clone()).mul_scalar(0.4 * h_try);
            let ratio = super::error_ratio(&x, &next, error, self.rtol, self.atol);
            let factor = if !ratio.is_finite() {
                0.1
            } else if ratio == 0.0 {
                5.0
            } else {
                (0.8 * ratio.powf(-1.0 / 3.0)).clamp(0.1, 5.0)
            };
            if ratio <= 1.0 {
                (x, f0) = (next, f1);
                t += h_try;
                self.radius_age += 1;
                fresh = false;
                if !last {
                    h = (h_try * factor).min(self.max_step);
                }
            } else {
                h = h_try * factor;
                // A rejection may come from a stale radius: estimate it again, once.
                if !fresh {
                    self.radius_age = RADIUS_AGE;
                }
                if h < 1e-14 * dt.max(1.0) {
                    return Err(CoreError::Solver(format!(
                        "rkc step size underflow at t = {t}"
                    )));
                }
            }
        }
        self.h = Some(h);
        Ok(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stability bound `(w0 + 1) T_s''(w0) / T_s'(w0)` of the chosen stages covers
    /// `h rho`, and the stage coefficients reproduce `c_s = 1` (the step ends at `t + h`).
    #[test]
    fn the_stages_cover_the_spectrum_and_end_at_the_step() {
        for s in [2, 3, 5, 10, 40, 250] {
            let c = Coefficients::new(s);
            // Stage times: c_0 = 0, c_1 = mu~_1, c_j = mu_j c_{j-1} + nu_j c_{j-2} + mu~_j + gamma~_j.
            let mut times = vec![0.0, c.mu_tilde[1]];
            for j in 2..=s {
                times.push(
                    c.mu[j] * times[j - 1]
                        + c.nu[j] * times[j - 2]
                        + c.mu_tilde[j]
                        + c.gamma_tilde[j],
                );
            }
            assert!(
                (times[s] - 1.0).abs() < 1e-12,
                "s = {s}: c_s = {}",
                times[s]
            );
        }
        for hr in [0.5, 3.0, 50.0, 1e4] {
            let s = stages(1.0, hr);
            let c = Coefficients::new(s);
            // The stability polynomial along the real axis, applied to z = -h rho by the
            // recurrence with f = z y: |R(z)| <= 1.
            for k in 0..=400 {
                let z = -hr * f64::from(k) / 400.0;
                let (mut before, mut last) = (1.0, 1.0 + c.mu_tilde[1] * z);
                for j in 2..=s {
                    let next = (1.0 - c.mu[j] - c.nu[j])
                        + c.mu[j] * last
                        + c.nu[j] * before
                        + c.mu_tilde[j] * z * last
                        + c.gamma_tilde[j] * z;
                    (before, last) = (last, next);
                }
                assert!(
                    last.abs() <= 1.0 + 1e-12,
                    "z = {z}, s = {s}: |R| = {}",
                    last.abs()
                );
            }
        }
    }
}
