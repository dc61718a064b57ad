//! The Barenblatt profile of `d_t rho = 1/2 Lap(rho^2)` (the blob method's PDE for
//! `rhobar == 1`): `rho(x, t) = u(x, t/2)` with `u(x, s) = s^-a (C - k |x|^2 s^(-2a/d))_+`,
//! `a = d/(d+2)`, `k = 1/(4(d+2))`, and C fixed by unit mass.

use std::f64::consts::PI;

use rand::{Rng, RngExt};

use super::Target;
use crate::Points;

/// The mass-1 Barenblatt density at time `t > 0`.
#[derive(Debug, Clone, PartialEq)]
pub struct Barenblatt {
    d: usize,
    s: f64,
    c: f64,
}

impl Barenblatt {
    /// In dimension `d` at time `t` (validated by configs: d >= 1, t > 0).
    pub fn new(d: usize, t: f64) -> Self {
        let df = d as f64;
        let k = 1.0 / (4.0 * (df + 2.0));
        // mass = S_{d-1} 2/(d(d+2)) C^(1 + d/2) k^(-d/2), S_{d-1} = 2 pi^(d/2) / Gamma(d/2).
        let gamma_half_d = match d {
            1 => PI.sqrt(),
            2 => 1.0,
            3 => PI.sqrt() / 2.0,
            _ => stirling_gamma(df / 2.0),
        };
        let sphere = 2.0 * PI.powf(df / 2.0) / gamma_half_d;
        let c =
            (sphere * 2.0 / (df * (df + 2.0)) * k.powf(-df / 2.0)).powf(-1.0 / (1.0 + df / 2.0));
        Self { d, s: t / 2.0, c }
    }

    fn k(&self) -> f64 {
        1.0 / (4.0 * (self.d as f64 + 2.0))
    }

    fn alpha(&self) -> f64 {
        self.d as f64 / (self.d as f64 + 2.0)
    }

    /// The radius of the support.
    pub fn radius(&self) -> f64 {
        (self.c / self.k()).sqrt() * self.s.powf(self.alpha() / self.d as f64)
    }

    /// The mass constant C.
    pub fn constant(&self) -> f64 {
        self.c
    }
}

/// Gamma by Stirling's series (only reached for d > 3).
fn stirling_gamma(x: f64) -> f64 {
    (2.0 * PI / x).sqrt() * (x / std::f64::consts::E).powf(x) * (1.0 + 1.0 / (12.0 * x))
}

impl Target for Barenblatt {
    fn dim(&self) -> usize {
        self.d
    }

    fn density(&self, x: &[f64]) -> f64 {
        let r2: f64 = x.iter().map(|v| v * v).sum();
        let a = self.alpha();
        let inner = self.c - self.k() * r2 * self.s.powf(-2.0 * a / self.d as f64);
        self.s.powf(-a) * inner.max(0.0)
    }

    fn sample(&self, n: usize, rng: &mut dyn Rng) -> Points {
        let r = self.radius();
        let top = self.density(&vec![0.0; self.d]);
        let mut data = Vec::with_capacity(n * self.d);
        while data.len() < n * self.d {
            let x: Vec<f64> = (0..self.d).map(|_| rng.random_range(-r..r)).collect();
            if rng.random_range(0.0..top) < self.density(&x) {
                data.extend(x);
            }
        }
        Points::new(self.d, data).expect("d > 0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// C matches MATH.md's d = 1 value, and the profile solves `rho_t = 1/2 (rho^2)''` at an
    /// interior point (central differences).
    #[test]
    fn constant_and_pde_residual() {
        assert!((Barenblatt::new(1, 1.0).constant() - 0.360562).abs() < 1e-6);
        let (x, t, h) = (0.3, 1.3, 1e-4);
        let rho = |x: f64, t: f64| Barenblatt::new(1, t).density(&[x]);
        let dt = (rho(x, t + h) - rho(x, t - h)) / (2.0 * h);
        let sq = |x: f64| rho(x, t).powi(2);
        let lap = (sq(x + h) - 2.0 * sq(x) + sq(x - h)) / (h * h);
        assert!((dt - 0.5 * lap).abs() < 1e-5, "{dt} vs {}", 0.5 * lap);
    }
}
