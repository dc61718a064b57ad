//! meanfield-rbf: blob methods for diffusion (deterministic sampling, robot coverage) and the
//! RBF two-layer network trainer that is the same particle flow; sampling baselines.
//!
//! - [`BlobMethod`]: `E_eps(rho) = 1/2 int (phi_eps * rho)^2 / rhobar` (+ drift, interaction),
//!   velocities by autodiff through the overlap `I(a, b)` ([`overlap`]), in closed form for
//!   the Gaussian mollifier and rhobar = 1, uniform, piecewise constant or Gaussian, and by
//!   quadrature for any other target ([`QuadratureBlob`]); optional random batches.
//! - Baselines: [`LinearBlob`], [`Langevin`], [`Svgd`].
//! - [`build_method`]: the method a [`meanfield_core::RunConfig`] names.

mod baselines;
mod blob;
mod build;
mod entropy;
pub mod network;
pub mod overlap;
mod pairwise;
mod quadrature;

pub use baselines::{FreeEnergy, Langevin, LinearBlob, Svgd, median_distance};
pub use blob::{BlobMethod, Diffusion};
pub use build::build_method;
pub use entropy::{entropy, entropy_gradient, mollified_density};
pub use pairwise::PairwiseBlob;
pub use quadrature::QuadratureBlob;
