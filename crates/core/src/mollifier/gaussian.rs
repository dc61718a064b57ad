//! The Gaussian mollifier `phi_eps(x) = (2 pi eps^2)^(-d/2) exp(-|x|^2 / (2 eps^2))`.

use std::f64::consts::PI;

use burn::tensor::Tensor;

use super::Mollifier;

/// Gaussian mollifier of width `eps`. `phi_eps * phi_eps = phi_{sqrt(2) eps}`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GaussianMollifier {
    eps: f64,
}

impl GaussianMollifier {
    /// Creates the mollifier; `eps` must be finite and > 0 (validated by configs).
    pub fn new(eps: f64) -> Self {
        Self { eps }
    }

    fn norm(&self, d: usize) -> f64 {
        (2.0 * PI * self.eps * self.eps).powf(-(d as f64) / 2.0)
    }
}

impl Mollifier for GaussianMollifier {
    fn eps(&self) -> f64 {
        self.eps
    }

    fn value_and_slope(&self, r2: f64, d: usize) -> (f64, f64) {
        let inv = 1.0 / (2.0 * self.eps * self.eps);
        let v = self.norm(d) * (-r2 * inv).exp();
        (v, -inv * v)
    }

    fn value_tensor(&self, r2: Tensor<2>, d: usize) -> Tensor<2> {
        r2.mul_scalar(-1.0 / (2.0 * self.eps * self.eps))
            .exp()
            .mul_scalar(self.norm(d))
    }

    fn support_radius(&self) -> Option<f64> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unit mass and `phi_eps * phi_eps = phi_{sqrt 2 eps}` in d = 2, by a Riemann sum.
    #[test]
    fn unit_mass_and_self_convolution_match_quadrature() {
        let eps = 0.3;
        let phi = GaussianMollifier::new(eps);
        let h = 0.02;
        let nodes: Vec<f64> = (-150..=150).map(|i| i as f64 * h).collect();
        let mass: f64 = nodes
            .iter()
            .flat_map(|x| nodes.iter().map(move |y| phi.value(x * x + y * y, 2)))
            .sum::<f64>()
            * h
            * h;
        assert!((mass - 1.0).abs() < 1e-10, "{mass}");
        let a = [0.25, -0.4];
        let conv: f64 = nodes
            .iter()
            .flat_map(|x| {
                nodes.iter().map(move |y| {
                    phi.value(x * x + y * y, 2)
                        * phi.value((a[0] - x).powi(2) + (a[1] - y).powi(2), 2)
                })
            })
            .sum::<f64>()
            * h
            * h;
        let closed = GaussianMollifier::new(2f64.sqrt() * eps).value(a[0] * a[0] + a[1] * a[1], 2);
        assert!(
            (conv - closed).abs() < 1e-9 * closed.max(1.0),
            "{conv} vs {closed}"
        );
    }
}
