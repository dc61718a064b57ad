//! meanfield-core: empirical measures of weighted particles, target densities, mollifiers,
//! interaction kernels and drift energies written as burn tensor expressions (velocities by
//! autodiff), time steppers, metrics (KDE, KL, L1, MMD, W2, exact discrete OT) and the
//! validated TOML run configuration.
//!
//! ```
//! use meanfield_core::{ParticleFlow, Recorder, RunConfig, cpu_device};
//!
//! let config = RunConfig::from_toml(r#"
//!     name = "swarm"
//!     [particles]
//!     n = 64
//!     init = { kind = "gaussian", mean = [0, 0], std = [0.2, 0.2] }
//!     [energy]
//!     kernel = { kind = "swarming", a = 4, b = 2 }
//!     [flow]
//!     dt = 0.05
//!     t_final = 1.0
//! "#, &[]).unwrap();
//! let flow = ParticleFlow::new(&config, cpu_device()).unwrap();
//! let mut recorder = Recorder::default();
//! let outcome = flow.run(&mut recorder).unwrap();
//! let energy = recorder.series("energy");
//! assert!(energy.last().unwrap().1 < energy[0].1);
//! assert!(outcome.stopped.is_none());
//! ```

pub mod config;
mod device;
pub mod energy;
mod error;
pub mod flow;
mod grid;
mod init;
pub mod kernel;
mod method_config;
pub mod metrics;
mod mollifier;
pub mod network_config;
mod observer;
mod points;
pub mod stepper;
pub mod target;
pub mod transport_config;
pub mod wgan_config;

pub use config::{Check, Compare, Fit, FitKind, ReproduceConfig, RunConfig, Variant};
pub use device::{DeviceChoice, compiled_backends, cpu_device, is_cpu};
pub use error::{CoreError, Result};
pub use flow::{
    FlowOutcome, ParticleFlow, ParticleMethod, build_energy, build_target, initial_positions,
};
pub use grid::Grid;
pub use init::InitConfig;
pub use method_config::{BlobConfig, MethodKind, OverlapKind};
pub use mollifier::{GaussianMollifier, Mollifier, MollifierKind, TriweightMollifier};
pub use observer::{GeneratedSamples, Observer, Recorder};
pub use points::{Points, host_vec, squared_distance, tensor_from};
pub use target::Target;
