//! The RBF two-layer network `f(z) = b + (1/N) sum_i a_i phi_{eps_i}(|x_i - z|)` with
//! trainable centres, output weights, widths and bias, trained on a quadratic loss.
//!
//! The plain mean-field configuration ([`NetworkConfig::mean_field`]: centres only, `a_i = 1`,
//! no bias, full-batch gradient descent) is the blob particle flow (MATH.md section 3): with
//! `f0 = 0` and data weights `w_k = |cell| / rhobar(z_k)` on a grid, the loss is the quadrature
//! blob energy `E(rho^N)` with masses `1/N`, and a step moves `x_i -= lr N grad_{x_i} E`,
//! which is the flow `dx_i/dt = -N grad_{x_i} E` over a time `dt = lr` (the mean-field time
//! scaling, [`LrScaling::MeanField`]).

mod checkpoint;
mod config;
mod data;
mod init;
mod kernel;
mod model;
mod predict;
mod resume;
mod train;

pub use checkpoint::{CHECKPOINT, SHAPE, load_checkpoint, save_checkpoint};
pub use config::{
    AUTO_LBFGS_ROWS, AUTO_VARPRO_NEURONS, DataConfig, Function, LrScaling, NetworkConfig,
    OptimizerKind, WeightInit, Widths,
};
pub use data::Dataset;
pub use init::MAX_LEAST_SQUARES_NEURONS;
pub use kernel::{Gradient, HostNetwork};
pub use model::{RbfNetwork, Trainable};
pub use predict::{PREDICT_CHUNK, predict_file};
pub use train::{EVAL_ROWS, Trained, Trainer};
