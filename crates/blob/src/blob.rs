//! The weighted porous-medium blob method: `E_eps(rho) = 1/2 int (phi_eps * rho)^2 / rhobar`
//! plus the `[energy]` terms; `dx_i/dt = -(1/m_i) grad_{x_i} E`.

use burn::tensor::Tensor;
use meanfield_core::energy::AggregationEnergy;
use meanfield_core::{CoreError, ParticleMethod, Points, Result, host_vec, tensor_from};

use crate::engine::Mesh;

use crate::factorised::FactorisedBlob;
use crate::pairwise::PairwiseBlob;
use crate::quadrature::QuadratureBlob;

/// How the porous-medium term is evaluated.
#[derive(Debug)]
pub enum Diffusion {
    /// Pairwise over a closed-form overlap (optionally with random batches).
    Pairwise(Box<PairwiseBlob>),
    /// The factorised overlap of any target (J tabulated), the quadrature as reference.
    Factorised(Box<FactorisedBlob>),
    /// Quadrature over a grid.
    Quadrature(QuadratureBlob),
    /// Particle-mesh evaluation (Gaussian gridding) on the host.
    Mesh(Mesh),
}

impl Diffusion {
    /// How the overlap is computed: `closed_form`, `factorised` or `quadrature`.
    pub fn overlap_name(&self) -> &'static str {
        match self {
            Self::Pairwise(_) => "closed_form",
            Self::Factorised(_) => "factorised",
            Self::Quadrature(_) => "quadrature",
            Self::Mesh(_) => "mesh",
        }
    }
}

/// The blob method.
#[derive(Debug)]
pub struct BlobMethod {
    diffusion: Diffusion,
    energy: Option<AggregationEnergy>,
}

impl BlobMethod {
    /// The porous-medium term plus optional interaction/drift.
    pub fn new(diffusion: Diffusion, energy: Option<AggregationEnergy>) -> Self {
        Self { diffusion, energy }
    }

    /// The porous-medium term alone: value and gradient.
    ///
    /// # Errors
    /// The mesh's, when the particles have spread beyond the memory it may take.
    pub fn diffusion_value_and_gradient(
        &self,
        x: &Tensor<2>,
        m: &Tensor<1>,
    ) -> Result<(f64, Tensor<2>)> {
        Ok(match &self.diffusion {
            Diffusion::Pairwise(p) => p.value_and_gradient(x, m),
            Diffusion::Factorised(f) => f.value_and_gradient(x, m),
            Diffusion::Quadrature(q) => q.value_and_gradient(x, m),
            Diffusion::Mesh(mesh) => {
                let [n, d] = x.dims();
                let points = Points::from_tensor(x);
                let (e, g) = mesh.value_and_gradient(points.as_slice(), &host_vec(m.clone()), d)?;
                (e, tensor_from(g, [n, d], &x.device()))
            }
        })
    }
}

fn finite(value: f64) -> Result<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(CoreError::NonFinite(format!("blob energy is {value}")))
    }
}

impl ParticleMethod for BlobMethod {
    fn name(&self) -> &'static str {
        "blob"
    }

    fn energy(&self, x: &Tensor<2>, m: &Tensor<1>) -> Result<f64> {
        let mut e = self.diffusion_value_and_gradient(x, m)?.0;
        if let Some(energy) = &self.energy {
            e += energy.value_and_gradient(x, m)?.0;
        }
        finite(e)
    }

    fn velocity(&self, x: &Tensor<2>, m: &Tensor<1>) -> Result<Tensor<2>> {
        let mut grad = match &self.diffusion {
            Diffusion::Pairwise(p) => p.gradient(x, m),
            _ => self.diffusion_value_and_gradient(x, m)?.1,
        };
        if let Some(energy) = &self.energy {
            grad = grad + energy.value_and_gradient(x, m)?.1;
        }
        Ok(grad.neg() / m.clone().unsqueeze_dim::<2>(1))
    }
}
