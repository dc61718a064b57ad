//! Diagnostics of particle measures: KDE, KL and L1 on a grid, moments, MMD, W2 in 1-D and
//! exact discrete optimal transport.

mod config;
mod divergence;
mod emd;
mod kde;
mod matching;
mod mmd;
mod moments;
mod w2_1d;

pub use config::MetricsConfig;
pub use divergence::{kl_on_grid, l1_on_grid};
pub use emd::{Assignment, assignment, exact_ot};
pub use kde::{Bandwidth, kde_on_grid, kde_on_grid_direct};
pub use matching::{Matching, PairCost, min_cost_matching, min_cost_matching_with_duals};
pub use mmd::mmd_gaussian;
pub use moments::{covariance, distances_to_mean, mean};
pub use w2_1d::w2_squared_1d;
