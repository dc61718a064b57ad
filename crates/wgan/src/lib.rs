//! meanfield-wgan: a WGAN trainer (weight clipping, gradient penalty, or the original GAN
//! loss) whose networks may take the mean-field form `(1/N) sum_i f(x; theta_i)`, and the toy
//! dynamics of one generator parameter against one critic parameter.
//!
//! The critic ascends `E_real D - E_fake D`; with clipping, every critic step is followed by
//! the projection onto the box `[-c, c]^p` (the "window" of the mean-field picture, onto whose
//! faces the critic's parameter distribution flattens). Metrics: exact W1/W2 between generated
//! and real samples, modes covered and high-quality share for mixtures, gradient norms, the
//! share of clipped parameters; checkpoints resume bit for bit on the CPU.
//!
//! The crate owns its config section, `[wgan]` ([`WganConfig`] in [`config`], checked by
//! [`WganConfig::validate`] and, against a device, [`WganConfig::validate_for`]). [`Trainer`]
//! is the training loop; [`WganRun`] wraps it as the [`meanfield_core::Method`] `"wgan"` of
//! the run driver, which resumes from checkpoints and writes the final samples, the figures
//! and the summary entries of a WGAN run.
//!
//! ```no_run
//! use meanfield_core::{Method, Recorder, cpu_device};
//! use meanfield_wgan::{GanData, GanLoss, Toy, WganConfig, WganRun};
//!
//! let config: WganConfig = toml::from_str(
//!     "loss = 'wgan_gp'\ndata = { kind = 'toy', name = '8gaussians' }\nsteps = 100\n",
//! )
//! .unwrap();
//! assert_eq!(config.data, GanData::Toy { name: Toy::EightGaussians });
//! assert_eq!(config.loss, GanLoss::WganGp);
//! let mut run = WganRun::new(config, 0, cpu_device()).unwrap();
//! let outcome = run.run(&mut Recorder::default(), None).unwrap();
//! assert_eq!(outcome.steps, 100);
//! ```

pub mod activation;
pub mod checkpoint;
pub mod config;
pub mod data;
mod error;
mod figures;
pub mod losses;
pub mod network;
pub mod optimizer;
pub mod parameters;
mod record;
mod run;
pub mod sample_metrics;
pub mod sampling;
pub mod toy;
mod train;

pub use checkpoint::{Architecture, Models};
pub use config::{
    Activation, GanData, GanLoss, GanOptimizer, NetworkKind, NetworkShape, Precision, Toy,
    WganConfig,
};
pub use data::RealData;
pub use error::{Result, WganError};
pub use network::Network;
pub use run::WganRun;
pub use train::{Outcome, Trainer};
