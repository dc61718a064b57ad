//! Baselines on the same targets and diagnostics as the blob method: the linear-diffusion blob
//! method, overdamped Langevin dynamics, and SVGD.

use std::sync::Arc;

use burn::tensor::Tensor;
use meanfield_core::energy::AggregationEnergy;
use meanfield_core::target::Target;
use meanfield_core::{CoreError, Mollifier, ParticleMethod, Points, Result, host_vec, tensor_from};
use rayon::prelude::*;

use crate::entropy::{entropy, entropy_gradient};

fn energy_terms(
    energy: Option<&AggregationEnergy>,
    x: &Tensor<2>,
    m: &Tensor<1>,
) -> Result<(f64, Tensor<2>)> {
    match energy {
        Some(e) => e.value_and_gradient(x, m),
        None => Ok((0.0, x.zeros_like())),
    }
}

fn per_mass(grad: Tensor<2>, m: &Tensor<1>) -> Tensor<2> {
    grad.neg() / m.clone().unsqueeze_dim::<2>(1)
}

/// `sum_i m_i log (phi * rho)(x_i)` plus the `[energy]` terms: the free energy the
/// linear-diffusion methods descend (for Langevin and SVGD, a KDE estimate of KL up to a
/// constant when the drift is `-log rhobar`).
#[derive(Debug)]
pub struct FreeEnergy {
    phi: Box<dyn Mollifier>,
    energy: Option<AggregationEnergy>,
}

impl FreeEnergy {
    /// Entropy through `phi` plus optional interaction/drift.
    pub fn new(phi: Box<dyn Mollifier>, energy: Option<AggregationEnergy>) -> Self {
        Self { phi, energy }
    }

    fn value(&self, x: &Tensor<2>, m: &Tensor<1>) -> Result<f64> {
        let points = Points::from_tensor(x);
        let e = entropy(&points, &host_vec(m.clone()), self.phi.as_ref())
            + energy_terms(self.energy.as_ref(), x, m)?.0;
        if e.is_finite() {
            Ok(e)
        } else {
            Err(CoreError::NonFinite(format!("free energy is {e}")))
        }
    }
}

/// The linear-diffusion blob method: deterministic particles descending [`FreeEnergy`].
#[derive(Debug)]
pub struct LinearBlob(pub FreeEnergy);

impl ParticleMethod for LinearBlob {
    fn name(&self) -> &'static str {
        "linear_blob"
    }

    fn energy(&self, x: &Tensor<2>, m: &Tensor<1>) -> Result<f64> {
        self.0.value(x, m)
    }

    fn velocity(&self, x: &Tensor<2>, m: &Tensor<1>) -> Result<Tensor<2>> {
        let points = Points::from_tensor(x);
        let g = entropy_gradient(&points, &host_vec(m.clone()), self.0.phi.as_ref());
        let g = tensor_from::<2>(g, x.dims(), &x.device());
        Ok(per_mass(
            g + energy_terms(self.0.energy.as_ref(), x, m)?.1,
            m,
        ))
    }
}

/// Overdamped Langevin dynamics `dX = -grad V dt + sqrt 2 dB`, judged by [`FreeEnergy`].
#[derive(Debug)]
pub struct Langevin(pub FreeEnergy);

impl ParticleMethod for Langevin {
    fn name(&self) -> &'static str {
        "langevin"
    }

    fn energy(&self, x: &Tensor<2>, m: &Tensor<1>) -> Result<f64> {
        self.0.value(x, m)
    }

    fn velocity(&self, x: &Tensor<2>, m: &Tensor<1>) -> Result<Tensor<2>> {
        Ok(per_mass(energy_terms(self.0.energy.as_ref(), x, m)?.1, m))
    }

    fn noise(&self) -> f64 {
        1.0
    }
}

/// Stein variational gradient descent (Liu & Wang 2016) with the RBF kernel
/// `k(x, y) = exp(-|x - y|^2 / h)`, `h = med^2 / log N` (median pairwise distance):
/// `v_i = (1/N) sum_j [k(x_j, x_i) grad log p(x_j) + grad_{x_j} k(x_j, x_i)]`.
#[derive(Debug)]
pub struct Svgd {
    target: Arc<dyn Target>,
    free_energy: FreeEnergy,
}

impl Svgd {
    /// SVGD towards a target with a differentiable log-density.
    ///
    /// # Errors
    /// [`CoreError::Config`] for a target without one (uniform, piecewise, image).
    pub fn new(target: Arc<dyn Target>, free_energy: FreeEnergy) -> Result<Self> {
        let probe = Tensor::<2>::zeros([1, target.dim()], &meanfield_core::cpu_device());
        if target.log_density_tensor(probe).is_none() {
            return Err(CoreError::config(
                "method",
                "`svgd` needs a smooth target with a score (gaussian or mixture)",
            ));
        }
        Ok(Self {
            target,
            free_energy,
        })
    }

    /// `grad log p` at every particle, by autodiff of the target's log-density.
    fn score(&self, x: &Tensor<2>) -> Vec<f64> {
        let xa = x.clone().autodiff().require_grad();
        let lp = self
            .target
            .log_density_tensor(xa.clone())
            .expect("checked in new")
            .sum();
        let g = lp.backward();
        host_vec(xa.grad(&g).expect("x requires grad"))
    }
}

/// Median of the pairwise distances (the SVGD bandwidth heuristic), over at most 1000 points.
pub fn median_distance(points: &Points) -> f64 {
    let n = points.n().min(1000);
    let mut dist: Vec<f64> = (0..n)
        .flat_map(|i| {
            (i + 1..n).map(move |j| {
                meanfield_core::squared_distance(points.point(i), points.point(j)).sqrt()
            })
        })
        .collect();
    if dist.is_empty() {
        return 1.0;
    }
    let mid = dist.len() / 2;
    *dist.select_nth_unstable_by(mid, f64::total_cmp).1
}

impl ParticleMethod for Svgd {
    fn name(&self) -> &'static str {
        "svgd"
    }

    fn energy(&self, x: &Tensor<2>, m: &Tensor<1>) -> Result<f64> {
        self.free_energy.value(x, m)
    }

    fn velocity(&self, x: &Tensor<2>, m: &Tensor<1>) -> Result<Tensor<2>> {
        let points = Points::from_tensor(x);
        let masses = host_vec(m.clone());
        let score = self.score(x);
        let (n, d) = (points.n(), points.d());
        let med = median_distance(&points);
        let h = (med * med / (n as f64).ln().max(1e-3)).max(1e-12);
        let v: Vec<f64> = (0..n)
            .into_par_iter()
            .flat_map_iter(|i| {
                let xi = points.point(i);
                let mut vi = vec![0.0; d];
                for (j, xj) in points.iter().enumerate() {
                    let r2 = meanfield_core::squared_distance(xi, xj);
                    let k = masses[j] * (-r2 / h).exp();
                    for c in 0..d {
                        vi[c] += k * (score[j * d + c] + 2.0 / h * (xi[c] - xj[c]));
                    }
                }
                vi
            })
            .collect();
        if v.iter().any(|x| !x.is_finite()) {
            return Err(CoreError::NonFinite("SVGD velocity".into()));
        }
        Ok(tensor_from(v, [n, d], &x.device()))
    }
}
