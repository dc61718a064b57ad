//! meanfield-blob: blob methods for diffusion (deterministic sampling, robot coverage) and the
//! sampling baselines they are compared with.
//!
//! - [`BlobMethod`]: `E_eps(rho) = 1/2 int (phi_eps * rho)^2 / rhobar` (+ drift, interaction),
//!   velocities by autodiff through the overlap `I(a, b)` ([`overlap`]), in closed form for
//!   the Gaussian mollifier and rhobar = 1, uniform, piecewise constant or Gaussian, and by
//!   quadrature for any other target ([`QuadratureBlob`]); optional random batches.
//! - Baselines: [`LinearBlob`], [`Langevin`], [`Svgd`].
//! - [`MethodSpec`]: the method that `method`, `[blob]`, `[energy]` and `[target]` name, built
//!   for a [`meanfield_core::ParticleFlow`].
//!
//! ```
//! use meanfield_blob::MethodSpec;
//! use meanfield_core::flow::FlowConfig;
//! use meanfield_core::metrics::MetricsConfig;
//! use meanfield_core::target::TargetConfig;
//! use meanfield_core::{InitConfig, ParticleFlow, Recorder, cpu_device};
//! use rand::SeedableRng;
//!
//! // 100 particles from a tight start spread over N(0, 0.5^2 I) by the blob method.
//! let target = TargetConfig::Gaussian { mean: vec![0.0, 0.0], std: vec![0.5] };
//! let init = InitConfig::Gaussian { mean: vec![0.0, 0.0], std: vec![0.1, 0.1] };
//! let x0 = init.sample(100, &mut meanfield_core::RunRng::seed_from_u64(1)).unwrap();
//! let built = MethodSpec::blob(0.1, target.clone()).build(&x0, None).unwrap();
//! let density = target.build_for("target", 2).unwrap();
//! let flow = ParticleFlow::new(built.method, x0, cpu_device())
//!     .with_flow(FlowConfig { dt: 0.01, t_final: 0.2, ..FlowConfig::default() })
//!     .unwrap()
//!     .with_metrics(MetricsConfig::default(), Some(density))
//!     .unwrap();
//! let mut recorder = Recorder::default();
//! flow.integrate(&mut recorder).unwrap();
//! let kl = recorder.series("kl");
//! assert!(kl.last().unwrap().1 < kl[0].1);
//! ```

mod baselines;
mod blob;
mod build;
mod config;
pub mod engine;
mod entropy;
mod factorised;
pub mod overlap;
mod pairwise;
mod quadrature;

pub use baselines::{FreeEnergy, Langevin, LinearBlob, Svgd, median_distance};
pub use blob::{BlobMethod, Diffusion};
pub use build::{BuiltMethod, MethodSpec};
pub use config::{BlobConfig, FlowMethod, OverlapKind, PairEvaluation};
pub use entropy::{entropy, entropy_gradient, mollified_density};
pub use factorised::FactorisedBlob;
pub use pairwise::PairwiseBlob;
pub use quadrature::QuadratureBlob;
