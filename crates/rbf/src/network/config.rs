//! `[network]` (with `method = "rbf_network"`): data, widths and optimiser of the RBF network
//! trainer of meanfield-rbf.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use meanfield_core::target::TargetConfig;
use meanfield_core::validate::check_positive;
use meanfield_core::{CoreError, Result};

/// A function to learn, `y = f0(z) (+ noise)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Function {
    /// `exp(-|z|^2 / 0.5)`: one bump.
    Bump,
    /// `sin(pi z_0) cos(pi z_1 / 2)` (d >= 2; `sin(pi z_0)` in 1-D).
    Waves,
    /// `1 - |z|^2`, concave (the Javanmard-Mondelli-Montanari setting on a convex domain).
    Concave,
    /// `0`: the loss is then the blob energy of the data measure.
    Zero,
}

impl Function {
    /// `f0(z)`.
    pub fn eval(self, z: &[f64]) -> f64 {
        use std::f64::consts::PI;
        let r2: f64 = z.iter().map(|v| v * v).sum();
        match self {
            Self::Bump => (-r2 / 0.5).exp(),
            Self::Waves => (PI * z[0]).sin() * z.get(1).map_or(1.0, |y| (PI * y / 2.0).cos()),
            Self::Concave => 1.0 - r2,
            Self::Zero => 0.0,
        }
    }
}

/// Where the training data come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum DataConfig {
    /// A CSV with columns `z0..z{d-1}, y` and optionally `w` (sample weights).
    Csv {
        /// The file.
        path: PathBuf,
    },
    /// `samples` points `z ~ nu`, `y = f0(z) + noise N(0, noise^2)`.
    Function {
        /// The function.
        f0: Function,
        /// The data distribution.
        nu: TargetConfig,
        /// Number of points.
        samples: usize,
        /// Standard deviation of the label noise.
        #[serde(default)]
        noise: f64,
    },
}

/// The optimiser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    /// Full-batch gradient descent (burn's SGD on all the data): the mean-field particle flow.
    #[default]
    Gd,
    /// Minibatch SGD.
    Sgd,
    /// Minibatch Adam.
    Adam,
}

/// `[network]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// Training data.
    pub data: DataConfig,
    /// Initial width eps of the Gaussian neurons (> 0).
    pub eps: f64,
    /// Train the output weights `a_i` (initialised to `weight_init`).
    #[serde(default)]
    pub train_weights: bool,
    /// Initial output weight of every neuron.
    #[serde(default = "one")]
    pub weight_init: f64,
    /// Train the width.
    #[serde(default)]
    pub train_width: bool,
    /// Optimiser.
    #[serde(default)]
    pub optimizer: OptimizerKind,
    /// Learning rate (> 0).
    pub lr: f64,
    /// Optimiser steps.
    pub steps: usize,
    /// Minibatch size for `sgd` and `adam`.
    #[serde(default = "default_batch")]
    pub batch_size: usize,
    /// Fraction of the data held out for validation, in [0, 0.9].
    #[serde(default = "default_validation")]
    pub validation_fraction: f64,
    /// Log every this many steps.
    #[serde(default = "default_log_every")]
    pub log_every: usize,
}

fn one() -> f64 {
    1.0
}
fn default_batch() -> usize {
    64
}
fn default_validation() -> f64 {
    0.2
}
fn default_log_every() -> usize {
    10
}

impl NetworkConfig {
    /// `[network]` with the given data, width, learning rate and steps and every other default
    /// (full-batch gradient descent, output weights fixed at 1, 20% held out).
    pub fn new(data: DataConfig, eps: f64, lr: f64, steps: usize) -> Self {
        Self {
            data,
            eps,
            train_weights: false,
            weight_init: one(),
            train_width: false,
            optimizer: OptimizerKind::default(),
            lr,
            steps,
            batch_size: default_batch(),
            validation_fraction: default_validation(),
            log_every: default_log_every(),
        }
    }

    /// Checks ranges.
    ///
    /// # Errors
    /// [`CoreError::Config`] naming the key.
    pub fn validate(&self) -> Result<()> {
        check_positive("network.eps", self.eps)?;
        check_positive("network.lr", self.lr)?;
        if !self.weight_init.is_finite() {
            return Err(CoreError::config("network.weight_init", "must be finite"));
        }
        if self.steps == 0 || self.log_every == 0 || self.batch_size == 0 {
            return Err(CoreError::config(
                "network.steps",
                "steps, log_every and batch_size must be >= 1",
            ));
        }
        if !(0.0..=0.9).contains(&self.validation_fraction) {
            return Err(CoreError::config(
                "network.validation_fraction",
                format!("must be in [0, 0.9], found {}", self.validation_fraction),
            ));
        }
        if let DataConfig::Function {
            samples, noise, nu, ..
        } = &self.data
        {
            if *samples < 2 {
                return Err(CoreError::config("network.data.samples", "must be >= 2"));
            }
            if !(noise.is_finite() && *noise >= 0.0) {
                return Err(CoreError::config(
                    "network.data.noise",
                    "must be finite and >= 0",
                ));
            }
            nu.build("network.data.nu")?;
        }
        Ok(())
    }
}
