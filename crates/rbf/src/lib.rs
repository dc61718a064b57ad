//! meanfield-rbf: the RBF two-layer network `f(z) = b + (1/N) sum_i a_i phi_{eps_i}(|x_i - z|)`
//! trained on a quadratic loss. Its plain mean-field configuration (centres only, full-batch
//! gradient descent) is the blob particle flow of meanfield-blob (MATH.md section 3); by
//! default it trains as a regression model: centres on a data subsample, least-squares output
//! weights and bias, per-neuron widths, variable projection (or L-BFGS, or Adam) with early
//! stopping on the validation error, checkpoints and prediction.
//!
//! ```
//! use meanfield_core::target::TargetConfig;
//! use meanfield_core::{Recorder, cpu_device};
//! use meanfield_rbf::network::{DataConfig, Function, NetworkConfig, Trainer};
//!
//! // 16 Gaussian neurons fitted with every default to a bump sampled on [-1, 1]^2.
//! let config = NetworkConfig::new(DataConfig::Function {
//!     f0: Function::Bump,
//!     nu: TargetConfig::UniformBox { lo: vec![-1.0, -1.0], hi: vec![1.0, 1.0] },
//!     samples: 200,
//!     noise: 0.0,
//! });
//! let trainer = Trainer::new(config, 16, None, 0, cpu_device()).unwrap();
//! let mut recorder = Recorder::default();
//! trainer.train(&mut recorder, None).unwrap();
//! let mse = recorder.series("val_mse");
//! assert!(mse.last().unwrap().1 < 1e-3);
//! ```

mod error;
pub mod network;

pub use error::{RbfError, Result};
