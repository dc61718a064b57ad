//! The target's factor of the overlap. For the Gaussian mollifier and any target,
//! `I(a, b) = phi_{sqrt2 eps}(a - b) J((a + b)/2)` with `J = phi_{eps/sqrt2} * (1/rhobar)`
//! (MATH.md section 6); each closed form is a `J` in closed form.

use crate::overlap::CellsOverlap;

use super::JGrid;

/// `J` (or `log J`) and its gradient at a midpoint, inlined into the pair loops.
pub(crate) trait Factor<const D: usize>: Sync {
    /// Whether [`Factor::eval`] returns `log J` and its gradient (folded into the pair's
    /// exponent) rather than `J`.
    const LOG: bool;
    /// `J(m)` and `grad J(m)`, or their logarithmic versions when [`Factor::LOG`].
    fn eval(&self, m: &[f64; D]) -> (f64, [f64; D]);

    /// [`Factor::eval`] at `L` midpoints stored by axis (`m[k][l]`), results by axis.
    #[inline(always)]
    fn eval_lanes<const L: usize>(&self, m: &[[f64; L]; D]) -> ([f64; L], [[f64; L]; D]) {
        let mut value = [0.0; L];
        let mut grad = [[0.0; L]; D];
        for l in 0..L {
            let (v, g) = self.eval(&std::array::from_fn(|k| m[k][l]));
            value[l] = v;
            for k in 0..D {
                grad[k][l] = g[k];
            }
        }
        (value, grad)
    }
}

/// `rhobar = 1`: `J = 1`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Unit;

impl<const D: usize> Factor<D> for Unit {
    const LOG: bool = true;
    #[inline(always)]
    fn eval(&self, _: &[f64; D]) -> (f64, [f64; D]) {
        (0.0, [0.0; D])
    }

    #[inline(always)]
    fn eval_lanes<const L: usize>(&self, _: &[[f64; L]; D]) -> ([f64; L], [[f64; L]; D]) {
        ([0.0; L], [[0.0; L]; D])
    }
}

/// `rhobar = N(mu, diag sigma^2)`: `log J(m) = log C + sum_k (m_k - mu_k)^2 / (2 (sigma_k^2 -
/// eps^2/2))`.
#[derive(Debug, Clone, PartialEq)]
pub struct GaussianFactor {
    mean: [f64; MAX_D],
    /// `1 / (2 (sigma_k^2 - eps^2/2))`.
    curvature: [f64; MAX_D],
    log_c: f64,
}

/// Axes held inline (the engine runs for d <= 3).
const MAX_D: usize = super::MAX_ENGINE_DIM;

impl GaussianFactor {
    /// For mollifier width `eps` and the target's per-axis standard deviations; `None` when
    /// `eps^2 >= 2 sigma_k^2` on some axis (the convolution diverges).
    /// `None` also for more than 3 axes.
    pub(crate) fn new(eps: f64, mean: &[f64], std: &[f64]) -> Option<Self> {
        if std.len() > MAX_D || mean.len() != std.len() {
            return None;
        }
        let s2 = 0.5 * eps * eps;
        let mut curvature = [0.0; MAX_D];
        let mut centre = [0.0; MAX_D];
        let mut log_c = 0.0;
        for (k, sigma) in std.iter().enumerate() {
            let v = sigma * sigma - s2;
            if v <= 0.0 {
                return None;
            }
            curvature[k] = 0.5 / v;
            centre[k] = mean[k];
            log_c += 0.5 * (2.0 * std::f64::consts::PI * sigma * sigma).ln()
                + 0.5 * (sigma * sigma / v).ln();
        }
        Some(Self {
            mean: centre,
            curvature,
            log_c,
        })
    }
}

impl<const D: usize> Factor<D> for GaussianFactor {
    const LOG: bool = true;
    #[inline(always)]
    fn eval(&self, m: &[f64; D]) -> (f64, [f64; D]) {
        let mut log = self.log_c;
        let mut grad = [0.0; D];
        for k in 0..D {
            let u = m[k] - self.mean[k];
            log += self.curvature[k] * u * u;
            grad[k] = 2.0 * self.curvature[k] * u;
        }
        (log, grad)
    }

    #[inline(always)]
    fn eval_lanes<const L: usize>(&self, m: &[[f64; L]; D]) -> ([f64; L], [[f64; L]; D]) {
        let mut log = [self.log_c; L];
        let mut grad = [[0.0; L]; D];
        for k in 0..D {
            let (mu, c) = (self.mean[k], self.curvature[k]);
            for l in 0..L {
                let u = m[k][l] - mu;
                log[l] += c * u * u;
                grad[k][l] = 2.0 * c * u;
            }
        }
        (log, grad)
    }
}

/// Piecewise-constant `rhobar` on boxes: the normal-CDF closed form.
impl<const D: usize> Factor<D> for CellsOverlap {
    const LOG: bool = false;
    #[inline(always)]
    fn eval(&self, m: &[f64; D]) -> (f64, [f64; D]) {
        let mut grad = [0.0; D];
        let value = self.weight(m, &mut grad);
        (value, grad)
    }
}

/// Any target: `J` tabulated on a grid, cubic Hermite interpolation.
impl<const D: usize> Factor<D> for JGrid {
    const LOG: bool = false;
    #[inline(always)]
    fn eval(&self, m: &[f64; D]) -> (f64, [f64; D]) {
        self.value_and_gradient(m)
    }
}
