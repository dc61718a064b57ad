//! meanfield-wgan: a WGAN trainer (weight clipping, gradient penalty, or the original GAN
//! loss) whose networks may take the mean-field form `(1/N) sum_i f(x; theta_i)`, and the toy
//! dynamics of one generator parameter against one critic parameter.
//!
//! The critic ascends `E_real D - E_fake D`; with clipping, every critic step is followed by
//! the projection onto the box `[-c, c]^p` (the "window" of the mean-field picture, onto whose
//! faces the critic's parameter distribution flattens). Metrics: exact W1/W2 between generated
//! and real samples, modes covered and high-quality share for mixtures, gradient norms, the
//! share of clipped parameters; checkpoints resume bit for bit on the CPU.

pub mod activation;
pub mod checkpoint;
pub mod data;
pub mod losses;
pub mod network;
pub mod optimizer;
pub mod parameters;
pub mod sample_metrics;
pub mod sampling;
pub mod toy;
mod train;

pub use checkpoint::{Architecture, Models};
pub use data::RealData;
pub use network::Network;
pub use train::{Outcome, Trainer};
