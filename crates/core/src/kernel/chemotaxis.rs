//! Regularised chemotaxis (Keller-Segel) kernel in 2-D.
//!
//! `K(x) = (chi / 2 pi) log|x|` is regularised as `K_eps = phi_eps * K * phi_eps`. With the
//! Gaussian mollifier, `phi_eps * phi_eps` is a Gaussian of variance `s^2 = 2 eps^2` per axis,
//! and the convolution of `log|.|` with it is, with `u = |x|^2 / (2 s^2) = |x|^2 / (4 eps^2)`,
//!
//! `K_eps(x) = (chi / 4 pi) [ log|x|^2 + E1(u) ]`,  `grad K_eps(x) = (chi / 2 pi) (1 - e^-u) x / |x|^2`
//!
//! (E1 the exponential integral): smooth, with the exact Newtonian force outside a few `eps`.
//! For `u < 1`, `log|x|^2 + E1(u) = log(4 eps^2) - gamma + sum_k (-1)^(k+1) u^k / (k k!)`, which
//! has no singular term; for `u >= 1`, `E1(u) = e^-u / u * P(u) / Q(u)` (Abramowitz & Stegun
//! 5.1.56, relative error < 5e-8).

use std::f64::consts::PI;

use burn::tensor::Tensor;

use super::RadialKernel;

const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;
const SERIES_TERMS: i32 = 18;
/// Abramowitz & Stegun 5.1.56: `x e^x E1(x) = P(x) / Q(x)` for `x >= 1`.
const P: [f64; 5] = [
    1.0,
    8.573_328_740_1,
    18.059_016_973,
    8.634_760_892_5,
    0.267_773_734_3,
];
const Q: [f64; 5] = [
    1.0,
    9.573_322_345_4,
    25.632_956_148_6,
    21.099_653_082_7,
    3.958_496_922_8,
];

/// Keller-Segel attraction `(chi / 2 pi) log|x|` mollified at width `eps` (d = 2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Chemotaxis {
    chi: f64,
    eps: f64,
}

impl Chemotaxis {
    /// Creates the kernel (`chi, eps > 0`, validated by configs).
    pub fn new(chi: f64, eps: f64) -> Self {
        Self { chi, eps }
    }

    fn scale(&self) -> f64 {
        self.chi / (4.0 * PI)
    }

    fn u_of(&self, r2: f64) -> f64 {
        r2 / (4.0 * self.eps * self.eps)
    }

    /// Series coefficient `(-1)^(k+1) / (k k!)`.
    fn coefficient(k: i32) -> f64 {
        let factorial: f64 = (1..=k).map(f64::from).product();
        let sign = if k % 2 == 1 { 1.0 } else { -1.0 };
        sign / (f64::from(k) * factorial)
    }

    fn near_constant(&self) -> f64 {
        (4.0 * self.eps * self.eps).ln() - EULER_GAMMA
    }
}

fn horner(coeffs: &[f64; 5], x: f64) -> f64 {
    coeffs.iter().fold(0.0, |acc, c| acc * x + c)
}

fn horner_tensor(coeffs: &[f64; 5], x: &Tensor<2>) -> Tensor<2> {
    let mut acc = x.clone().mul_scalar(coeffs[0]).add_scalar(coeffs[1]);
    for c in &coeffs[2..] {
        acc = (acc * x.clone()).add_scalar(*c);
    }
    acc
}

impl RadialKernel for Chemotaxis {
    fn value(&self, r2: Tensor<2>) -> Tensor<2> {
        let u = r2.clone().mul_scalar(1.0 / (4.0 * self.eps * self.eps));
        let near_mask = u.clone().lower_elem(1.0);
        // u < 1: constant + series (inputs clamped so the unused branch stays finite).
        let us = u.clone().clamp_max(1.0);
        let mut series = us.clone().mul_scalar(Self::coefficient(SERIES_TERMS));
        for k in (1..SERIES_TERMS).rev() {
            series = (series.add_scalar(Self::coefficient(k))) * us.clone();
        }
        let near = series.add_scalar(self.near_constant());
        // u >= 1: log r2 + e^-u / u * P(u) / Q(u).
        let ul = u.clamp_min(1.0);
        let rl = r2.clamp_min(4.0 * self.eps * self.eps);
        let e1 =
            (ul.clone().neg().exp() / ul.clone()) * horner_tensor(&P, &ul) / horner_tensor(&Q, &ul);
        let far = rl.log() + e1;
        far.mask_where(near_mask, near).mul_scalar(self.scale())
    }

    fn value_and_slope(&self, r2: f64) -> (f64, f64) {
        let u = self.u_of(r2);
        let value = if u < 1.0 {
            let series = (1..=SERIES_TERMS)
                .rev()
                .fold(0.0, |acc, k| (acc + Self::coefficient(k)) * u);
            self.near_constant() + series
        } else {
            r2.ln() + (-u).exp() / u * horner(&P, u) / horner(&Q, u)
        };
        let slope = if r2 > 0.0 {
            -(-u).exp_m1() / r2
        } else {
            1.0 / (4.0 * self.eps * self.eps)
        };
        (self.scale() * value, self.scale() * slope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{GaussianMollifier, Mollifier};

    /// `K_eps(x)` against a polar quadrature of `(chi/2pi) log|x - y| phi_{sqrt2 eps}(y)` around x.
    #[test]
    fn closed_form_matches_quadrature() {
        let (chi, eps) = (1.5, 0.2);
        let kernel = Chemotaxis::new(chi, eps);
        let phi = GaussianMollifier::new(2f64.sqrt() * eps);
        for r in [0.0, 0.05, 0.3, 0.5, 1.2] {
            let (nr, nt, rmax) = (4000, 256, 12.0 * eps + r);
            let (hr, ht) = (rmax / nr as f64, 2.0 * PI / nt as f64);
            let mut sum = 0.0;
            for i in 0..nr {
                let rho = (i as f64 + 0.5) * hr;
                for j in 0..nt {
                    let theta = (j as f64 + 0.5) * ht;
                    let y = (r + rho * theta.cos(), rho * theta.sin());
                    sum += rho.ln() * phi.value(y.0 * y.0 + y.1 * y.1, 2) * rho;
                }
            }
            let quadrature = chi / (2.0 * PI) * sum * hr * ht;
            let (closed, _) = kernel.value_and_slope(r * r);
            assert!(
                (quadrature - closed).abs() < 2e-5,
                "r={r}: {quadrature} vs {closed}"
            );
        }
    }

    /// The slope is the Newtonian one far away and continuous across u = 1.
    #[test]
    fn far_field_is_newtonian_and_branches_join() {
        let kernel = Chemotaxis::new(2.0 * PI, 0.01);
        let (k, s) = kernel.value_and_slope(1.0);
        assert!(k.abs() < 1e-12 && (s - 0.5).abs() < 1e-12, "{k} {s}");
        let u1 = 4.0 * 0.01 * 0.01;
        let below = kernel.value_and_slope(u1 * (1.0 - 1e-9)).0;
        let above = kernel.value_and_slope(u1 * (1.0 + 1e-9)).0;
        assert!((below - above).abs() < 1e-7, "{below} vs {above}");
    }
}
