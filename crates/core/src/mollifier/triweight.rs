//! The triweight mollifier `phi_eps(x) = c_d eps^-d (1 - |x|^2/eps^2)^3_+`, compactly supported
//! and twice continuously differentiable.

use std::f64::consts::PI;

use burn::tensor::Tensor;

use super::Mollifier;

/// Triweight mollifier of radius `eps`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TriweightMollifier {
    eps: f64,
}

impl TriweightMollifier {
    /// Creates the mollifier; `eps` must be finite and > 0 (validated by configs).
    pub fn new(eps: f64) -> Self {
        Self { eps }
    }

    /// `c_d eps^-d` with `c_d = Gamma(d/2 + 4) / (6 pi^(d/2))`, so the mass is 1.
    fn norm(&self, d: usize) -> f64 {
        gamma_half_integer(d + 8) / (6.0 * PI.powf(d as f64 / 2.0)) / self.eps.powi(d as i32)
    }
}

/// `Gamma(k / 2)` for an integer `k >= 1`.
fn gamma_half_integer(k: usize) -> f64 {
    let (mut x, mut g) = if k.is_multiple_of(2) {
        (1.0, 1.0)
    } else {
        (0.5, PI.sqrt())
    };
    while x < k as f64 / 2.0 {
        g *= x;
        x += 1.0;
    }
    g
}

impl Mollifier for TriweightMollifier {
    fn eps(&self) -> f64 {
        self.eps
    }

    fn value_and_slope(&self, r2: f64, d: usize) -> (f64, f64) {
        let inv = 1.0 / (self.eps * self.eps);
        let u = 1.0 - r2 * inv;
        if u <= 0.0 {
            return (0.0, 0.0);
        }
        let c = self.norm(d);
        (c * u * u * u, -3.0 * c * u * u * inv)
    }

    fn value_tensor(&self, r2: Tensor<2>, d: usize) -> Tensor<2> {
        let u = r2
            .mul_scalar(-1.0 / (self.eps * self.eps))
            .add_scalar(1.0)
            .clamp_min(0.0);
        (u.clone() * u.clone() * u).mul_scalar(self.norm(d))
    }

    fn support_radius(&self) -> Option<f64> {
        Some(self.eps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unit mass in d = 1, 2, 3 by Riemann sums in polar form, and the slope against
    /// finite differences.
    #[test]
    fn unit_mass_and_slope() {
        let eps = 0.7;
        let phi = TriweightMollifier::new(eps);
        let steps = 200_000;
        let h = eps / steps as f64;
        let surface = [2.0, 2.0 * PI, 4.0 * PI];
        for d in 1..=3 {
            let mass: f64 = (0..steps)
                .map(|i| {
                    let r = (i as f64 + 0.5) * h;
                    surface[d - 1] * r.powi(d as i32 - 1) * phi.value(r * r, d) * h
                })
                .sum();
            assert!((mass - 1.0).abs() < 1e-8, "d = {d}: {mass}");
        }
        let r2 = 0.2;
        let fd = (phi.value(r2 + 1e-7, 2) - phi.value(r2 - 1e-7, 2)) / 2e-7;
        let slope = phi.value_and_slope(r2, 2).1;
        assert!((fd - slope).abs() < 1e-6 * slope.abs(), "{fd} vs {slope}");
        assert_eq!(phi.value_and_slope(eps * eps * 1.01, 2), (0.0, 0.0));
    }
}
