//! meanfield-rbf: the RBF two-layer network `f(z) = (1/N) sum_i a_i phi_eps(|x_i - z|)`
//! trained by gradient descent on a quadratic loss. Full-batch gradient descent on the
//! centres is the blob particle flow of meanfield-blob (MATH.md section 3); minibatch SGD and
//! Adam train it as a regression model, with validation, checkpoints and prediction.
//!
//! ```
//! use meanfield_core::target::TargetConfig;
//! use meanfield_core::{InitConfig, Recorder, cpu_device};
//! use meanfield_rbf::network::{DataConfig, Function, NetworkConfig, OptimizerKind, Trainer};
//! use rand::SeedableRng;
//!
//! // 16 Gaussian neurons fitted by Adam to a bump sampled on [-1, 1]^2.
//! let config = NetworkConfig {
//!     optimizer: OptimizerKind::Adam,
//!     train_weights: true,
//!     ..NetworkConfig::new(
//!         DataConfig::Function {
//!             f0: Function::Bump,
//!             nu: TargetConfig::UniformBox { lo: vec![-1.0, -1.0], hi: vec![1.0, 1.0] },
//!             samples: 200,
//!             noise: 0.0,
//!         },
//!         0.4,
//!         0.02,
//!         100,
//!     )
//! };
//! let init = InitConfig::UniformBox { lo: vec![-1.0, -1.0], hi: vec![1.0, 1.0] };
//! let centres = init.sample(16, &mut rand::rngs::StdRng::seed_from_u64(0)).unwrap();
//! let trainer = Trainer::new(config, centres, 0, cpu_device()).unwrap();
//! let mut recorder = Recorder::default();
//! trainer.train(&mut recorder, None).unwrap();
//! let mse = recorder.series("train_mse");
//! assert!(mse.last().unwrap().1 < mse[0].1);
//! ```

mod error;
pub mod network;

pub use error::{RbfError, Result};
