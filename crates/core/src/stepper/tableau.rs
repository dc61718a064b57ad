//! Explicit Runge-Kutta methods given by their Butcher tableaus.

use burn::tensor::Tensor;

use super::Velocity;
use crate::Result;

/// An explicit Runge-Kutta tableau, with an optional embedded lower-order solution.
#[derive(Debug)]
pub struct ButcherTableau {
    /// Strictly lower-triangular stage coefficients, row by row.
    pub a: &'static [&'static [f64]],
    /// Weights of the solution.
    pub b: &'static [f64],
    /// `b - b_hat` of an embedded method, for an error estimate.
    pub error: Option<&'static [f64]>,
}

/// Explicit Euler.
pub static EULER: ButcherTableau = ButcherTableau {
    a: &[&[]],
    b: &[1.0],
    error: None,
};

/// Heun's method (explicit trapezoid).
pub static HEUN: ButcherTableau = ButcherTableau {
    a: &[&[], &[1.0]],
    b: &[0.5, 0.5],
    error: None,
};

/// Classical fourth-order Runge-Kutta.
pub static RK4: ButcherTableau = ButcherTableau {
    a: &[&[], &[0.5], &[0.0, 0.5], &[0.0, 0.0, 1.0]],
    b: &[1.0 / 6.0, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 6.0],
    error: None,
};

impl ButcherTableau {
    /// One step of size `dt`; returns the new state and, for embedded pairs, `dt * sum e_i k_i`.
    ///
    /// # Errors
    /// Errors of the velocity closure.
    pub fn step(
        &self,
        x: Tensor<2>,
        dt: f64,
        v: &mut Velocity<'_>,
    ) -> Result<(Tensor<2>, Option<Tensor<2>>)> {
        let mut stages: Vec<Tensor<2>> = Vec::with_capacity(self.b.len());
        for row in self.a {
            let mut xs = x.clone();
            for (aij, kj) in row.iter().zip(&stages) {
                if *aij != 0.0 {
                    xs = xs + kj.clone().mul_scalar(dt * aij);
                }
            }
            stages.push(v(&xs)?);
        }
        let combine = |weights: &[f64]| {
            weights
                .iter()
                .zip(&stages)
                .filter(|(w, _)| **w != 0.0)
                .map(|(w, k)| k.clone().mul_scalar(dt * w))
                .reduce(|a, b| a + b)
                .expect("a tableau has a non-zero weight")
        };
        let next = x + combine(self.b);
        Ok((next, self.error.map(combine)))
    }
}
