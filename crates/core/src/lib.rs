//! meanfield-core: what every mean-field method shares. Empirical measures of weighted
//! particles ([`Points`]), initialisers, target densities, mollifiers, interaction kernels and
//! drift energies written as burn tensor expressions (velocities by autodiff), time steppers,
//! metrics (KDE, KL, L1, MMD, W2, exact discrete OT), the shared config sections
//! (`[particles]`, `[energy]`, `[flow]`, `[metrics]`, targets) with their validation, the
//! [`ParticleFlow`] that integrates any [`ParticleMethod`], and the [`Method`] contract of the
//! run driver. It knows none of the trainers built on it.
//!
//! ```
//! use meanfield_core::energy::{AggregationEnergy, Evaluation, Interaction};
//! use meanfield_core::flow::FlowConfig;
//! use meanfield_core::kernel::KernelConfig;
//! use meanfield_core::{InitConfig, ParticleFlow, Recorder, cpu_device};
//! use rand::SeedableRng;
//!
//! // 64 particles under the swarming kernel |x|^4/4 - |x|^2/2: they settle on a ring.
//! let init = InitConfig::Gaussian { mean: vec![0.0, 0.0], std: vec![0.2, 0.2] };
//! let x0 = init.sample(64, &mut meanfield_core::RunRng::seed_from_u64(0)).unwrap();
//! let kernel = KernelConfig::Swarming { a: 4.0, b: 2.0 }.build();
//! let energy = AggregationEnergy::new(Some(Interaction::new(kernel, 256, Evaluation::Auto)), None);
//! let flow = ParticleFlow::new(Box::new(energy), x0, cpu_device())
//!     .with_flow(FlowConfig { dt: 0.05, t_final: 1.0, ..FlowConfig::default() })
//!     .unwrap();
//! let mut recorder = Recorder::default();
//! let outcome = flow.integrate(&mut recorder).unwrap();
//! let energy = recorder.series("energy");
//! assert!(energy.last().unwrap().1 < energy[0].1);
//! assert!(outcome.stopped.is_none());
//! ```

pub mod atomic;
pub mod bounds;
mod device;
pub mod energy;
mod error;
pub mod fast_exp;
pub mod flow;
mod grid;
pub mod gridding;
mod init;
pub mod kernel;
pub mod metrics;
mod mollifier;
mod observer;
mod particles;
mod points;
mod rng;
pub mod run;
pub mod stepper;
pub mod target;
pub mod validate;

pub use device::{DeviceChoice, compiled_backends, cpu_device, is_cpu};
pub use error::{CoreError, Result};
pub use flow::{FlowOutcome, ParticleFlow, ParticleMethod};
pub use grid::{Grid, MAX_GRID_CELLS};
pub use init::InitConfig;
pub use mollifier::{GaussianMollifier, Mollifier, MollifierKind, TriweightMollifier};
pub use observer::{GeneratedSamples, LoggedRow, Observer, Recorder};
pub use particles::ParticlesConfig;
pub use points::{CsvChunks, Points, host_vec, squared_distance, tensor_from};
pub use rng::RunRng;
pub use run::{Method, RunOutcome, StopReason};
pub use target::Target;
