//! Radial interaction kernels `K(x) = k(|x|^2)`: granular, swarming, Gaussian, chemotaxis.
//!
//! Each kernel is written once as a tensor expression (differentiated by autodiff) and once
//! as a host function returning `k` and `dk/dr2`, which serves the fused CPU path and is the
//! analytic oracle in tests.

mod chemotaxis;
mod gaussian;
mod granular;
mod swarming;

pub use chemotaxis::Chemotaxis;
pub use gaussian::GaussianKernel;
pub use granular::Granular;
pub use swarming::Swarming;

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use crate::validate::check_positive;
use crate::{CoreError, Result};

/// A radial kernel `K(x) = k(r2)` with `r2 = |x|^2`.
pub trait RadialKernel: Send + Sync + std::fmt::Debug {
    /// `k(r2)` element-wise, as a differentiable tensor expression. `r2 > 0` everywhere.
    fn value(&self, r2: Tensor<2>) -> Tensor<2>;
    /// `(k(r2), dk/dr2)` on the host; `grad K(x) = 2 x dk/dr2`.
    fn value_and_slope(&self, r2: f64) -> (f64, f64);
}

/// An interaction kernel in a config (TOML `kernel = { kind = ..., ... }`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum KernelConfig {
    /// Granular media `K(x) = |x|^3 / 3`.
    Granular,
    /// Swarming `K(x) = |x|^a / a - |x|^b / b`, `a > b >= 1`.
    Swarming {
        /// Attraction exponent.
        a: f64,
        /// Repulsion exponent.
        b: f64,
    },
    /// Gaussian `K(x) = strength * exp(-|x|^2 / (2 sigma^2))` (strength < 0 attracts).
    Gaussian {
        /// Width.
        sigma: f64,
        /// Amplitude.
        strength: f64,
    },
    /// Chemotaxis (Keller-Segel, d = 2) `K = (chi / 2 pi) log|x|`, regularised as
    /// `phi_eps * K * phi_eps` with the Gaussian mollifier of width `eps`.
    Chemotaxis {
        /// Attraction strength (> 0).
        chi: f64,
        /// Mollifier width (> 0).
        eps: f64,
    },
}

impl KernelConfig {
    /// Checks the parameters against `d` (when known).
    ///
    /// # Errors
    /// [`CoreError::Config`] under `key`.
    pub fn validate(&self, key: &str, d: Option<usize>) -> Result<()> {
        match self {
            Self::Granular => Ok(()),
            Self::Swarming { a, b } => {
                if !(a.is_finite() && b.is_finite() && *b >= 1.0 && a > b) {
                    return Err(CoreError::config(
                        format!("{key}.b"),
                        format!("need a > b >= 1, found a = {a}, b = {b}"),
                    ));
                }
                Ok(())
            }
            Self::Gaussian { sigma, strength } => {
                check_positive(&format!("{key}.sigma"), *sigma)?;
                if !strength.is_finite() {
                    return Err(CoreError::config(
                        format!("{key}.strength"),
                        "must be finite",
                    ));
                }
                Ok(())
            }
            Self::Chemotaxis { chi, eps } => {
                check_positive(&format!("{key}.chi"), *chi)?;
                check_positive(&format!("{key}.eps"), *eps)?;
                match d {
                    Some(d) if d != 2 => Err(CoreError::config(
                        format!("{key}.kind"),
                        format!("the chemotaxis kernel is 2-D, the particles are {d}-D"),
                    )),
                    _ => Ok(()),
                }
            }
        }
    }

    /// Builds the kernel (validate first).
    pub fn build(&self) -> Box<dyn RadialKernel> {
        match *self {
            Self::Granular => Box::new(Granular),
            Self::Swarming { a, b } => Box::new(Swarming::new(a, b)),
            Self::Gaussian { sigma, strength } => Box::new(GaussianKernel::new(sigma, strength)),
            Self::Chemotaxis { chi, eps } => Box::new(Chemotaxis::new(chi, eps)),
        }
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::TensorData;

    use super::*;
    use crate::cpu_device;

    /// For every kernel: autodiff of the tensor expression equals the analytic slope, and the
    /// tensor value equals the host value, on radii from 1e-3 to 5.
    #[test]
    fn autodiff_slope_matches_analytic_slope() {
        let kernels = [
            KernelConfig::Granular,
            KernelConfig::Swarming { a: 4.0, b: 2.0 },
            KernelConfig::Swarming { a: 3.0, b: 1.5 },
            KernelConfig::Gaussian {
                sigma: 0.7,
                strength: -1.3,
            },
            KernelConfig::Chemotaxis { chi: 1.0, eps: 0.1 },
        ];
        let r2: Vec<f64> = (0..60).map(|i| 1e-6 * 1.3f64.powi(i)).collect();
        let device = cpu_device().autodiff();
        for config in kernels {
            let kernel = config.build();
            let x = Tensor::<2>::from_data(TensorData::new(r2.clone(), [1, r2.len()]), &device)
                .require_grad();
            let value = kernel.value(x.clone());
            let grads = value.clone().sum().backward();
            let slope = crate::host_vec(x.grad(&grads).unwrap());
            let value = crate::host_vec(value);
            for (i, r) in r2.iter().enumerate() {
                let (k, s) = kernel.value_and_slope(*r);
                assert!(
                    (value[i] - k).abs() <= 1e-9 * (1.0 + k.abs()),
                    "{config:?} r2={r}: {} vs {k}",
                    value[i]
                );
                assert!(
                    (slope[i] - s).abs() <= 1e-6 * (1.0 + s.abs()),
                    "{config:?} r2={r}: {} vs {s}",
                    slope[i]
                );
            }
        }
    }
}
