//! The RBF two-layer network `f(z) = (1/N) sum_i a_i phi_eps(|x_i - z|)` with trainable centres
//! (and optionally output weights and width), trained on a quadratic loss. Full-batch gradient
//! descent on the centres is the blob particle flow (MATH.md section 3): with `a_i = 1`,
//! `f0 = 0` and data weights `w_k = |cell| / rhobar(z_k)` on a grid, the loss is the
//! quadrature blob energy `E(rho^N)` with masses `1/N`, so a step of size `lr` moves
//! `x_i -= lr grad_{x_i} E`, which is the flow `dx_i/dt = -N grad_{x_i} E` over a time
//! `dt = lr / N`.

mod config;
mod data;
mod model;
mod train;

pub use config::{DataConfig, Function, NetworkConfig, OptimizerKind};
pub use data::Dataset;
pub use model::RbfNetwork;
pub use train::{Trainer, predict_file};
