//! Drift potentials `sum_i m_i V(x_i)`: quadratic confinement and `-log rhobar`.

use std::sync::Arc;

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use crate::target::Target;
use crate::validate::{check_len, check_positive};
use crate::{CoreError, Result};

/// A drift potential in a config (TOML `drift = { kind = ..., ... }`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum DriftConfig {
    /// `V(x) = strength / 2 |x - center|^2`.
    Quadratic {
        /// Centre of the well.
        center: Vec<f64>,
        /// Stiffness lambda (> 0).
        strength: f64,
    },
    /// `V(x) = -log rhobar(x)` for the run's `[target]` (Gaussian or mixture).
    NegLogTarget,
}

impl DriftConfig {
    /// Checks the parameters against `d` (when known) and the presence of a target.
    ///
    /// # Errors
    /// [`CoreError::Config`] under `key`.
    pub fn validate(&self, key: &str, d: Option<usize>, has_target: bool) -> Result<()> {
        match self {
            Self::Quadratic { center, strength } => {
                check_len(&format!("{key}.center"), center, d)?;
                check_positive(&format!("{key}.strength"), *strength)
            }
            Self::NegLogTarget if !has_target => Err(CoreError::config(
                format!("{key}.kind"),
                "`neg_log_target` needs a [target] table",
            )),
            Self::NegLogTarget => Ok(()),
        }
    }

    /// Builds the drift.
    ///
    /// # Errors
    /// [`CoreError::Config`] when `neg_log_target` has no smooth target.
    pub fn build(&self, key: &str, target: Option<Arc<dyn Target>>) -> Result<Drift> {
        match (self, target) {
            (Self::Quadratic { center, strength }, _) => Ok(Drift::Quadratic {
                center: center.clone(),
                strength: *strength,
            }),
            (Self::NegLogTarget, Some(t)) => {
                let probe = Tensor::<2>::zeros([1, t.dim()], &crate::cpu_device());
                if t.log_density_tensor(probe).is_none() {
                    return Err(CoreError::config(
                        format!("{key}.kind"),
                        "`neg_log_target` needs a smooth target (gaussian or mixture)",
                    ));
                }
                Ok(Drift::NegLogTarget(t))
            }
            (Self::NegLogTarget, None) => Err(CoreError::config(
                format!("{key}.kind"),
                "`neg_log_target` needs a [target] table",
            )),
        }
    }
}

/// A drift potential V.
#[derive(Debug, Clone)]
pub enum Drift {
    /// `strength / 2 |x - center|^2`.
    Quadratic {
        /// Centre.
        center: Vec<f64>,
        /// Stiffness.
        strength: f64,
    },
    /// `-log rhobar(x)`.
    NegLogTarget(Arc<dyn Target>),
}

impl Drift {
    /// `V(x_i)` per particle as a tensor expression.
    ///
    /// # Shapes
    /// `x: [n, d]` -> `[n]`.
    pub fn potential(&self, x: Tensor<2>) -> Tensor<1> {
        match self {
            Self::Quadratic { center, strength } => {
                let c = crate::tensor_from::<2>(center.clone(), [1, center.len()], &x.device());
                (x - c)
                    .square()
                    .sum_dim(1)
                    .squeeze_dim::<1>(1)
                    .mul_scalar(0.5 * strength)
            }
            Self::NegLogTarget(t) => t
                .log_density_tensor(x)
                .expect("checked smooth at build")
                .neg(),
        }
    }

    /// `sum_i m_i V(x_i)` and its gradient, by autodiff.
    pub fn value_and_gradient(&self, x: &Tensor<2>, m: &Tensor<1>) -> (f64, Tensor<2>) {
        let xa = x.clone().autodiff().require_grad();
        let e = (self.potential(xa.clone()) * m.clone().autodiff()).sum();
        let grads = e.backward();
        let g = xa.grad(&grads).expect("x requires grad");
        (e.into_scalar::<f64>(), g)
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::TensorData;

    use super::*;
    use crate::cpu_device;
    use crate::target::TargetConfig;

    /// Autodiff of `-log rhobar` for a Gaussian mixture against its analytic score.
    #[test]
    fn neg_log_target_gradient_is_minus_the_score() {
        let text = "kind = 'mixture'\ncomponents = [{ weight = 1, mean = [0, 0], std = [0.5] }, { weight = 2, mean = [1, -1], std = [0.3, 0.6] }]";
        let target: Arc<dyn Target> = toml::from_str::<TargetConfig>(text)
            .unwrap()
            .build("t")
            .unwrap()
            .into();
        let drift = DriftConfig::NegLogTarget
            .build("d", Some(target.clone()))
            .unwrap();
        let device = cpu_device();
        let pts = [[0.2, 0.1], [0.8, -0.7], [-1.0, 2.0]];
        let x = Tensor::<2>::from_data(TensorData::new(pts.concat(), [3, 2]), &device);
        let m = Tensor::<1>::ones([3], &device);
        let (_, g) = drift.value_and_gradient(&x, &m);
        let g = crate::host_vec(g);
        let h = 1e-6;
        for (i, p) in pts.iter().enumerate() {
            for k in 0..2 {
                let (mut a, mut b) = (*p, *p);
                a[k] += h;
                b[k] -= h;
                let fd = -(target.log_density(&a) - target.log_density(&b)) / (2.0 * h);
                assert!((fd - g[i * 2 + k]).abs() < 1e-6, "{fd} vs {}", g[i * 2 + k]);
            }
        }
    }
}
