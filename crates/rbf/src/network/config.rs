//! `[network]` (with `method = "rbf_network"`): data, parametrisation and optimiser of the RBF
//! network trainer of meanfield-rbf. Only `data` is required: the centres start on a data
//! subsample (or at `[particles.init]` when given), the width from their spacing, the output
//! weights and bias from a least-squares fit, and the optimiser follows the data's size.

use std::path::PathBuf;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

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
    /// `varpro` for up to [`AUTO_LBFGS_ROWS`] training rows and [`AUTO_VARPRO_NEURONS`]
    /// neurons with trained output weights, `lbfgs` for more neurons, `adam` for more rows.
    #[default]
    Auto,
    /// Full-batch gradient descent (burn's SGD on all the data): the mean-field particle flow.
    Gd,
    /// Minibatch SGD.
    Sgd,
    /// Minibatch Adam.
    Adam,
    /// Full-batch L-BFGS with a strong-Wolfe line search (burn's), for small problems.
    Lbfgs,
    /// Variable projection (Golub-Pereyra): L-BFGS on the centres and widths of the loss with
    /// the output weights and bias solved by least squares at every evaluation.
    Varpro,
}

/// Above this many training rows `optimizer = "auto"` picks minibatch Adam over full-batch
/// L-BFGS.
pub const AUTO_LBFGS_ROWS: usize = 20_000;
/// Above this many neurons `optimizer = "auto"` picks plain L-BFGS over `varpro`, whose every
/// evaluation costs a `K x N^2` Gram matrix.
pub const AUTO_VARPRO_NEURONS: usize = 256;

impl OptimizerKind {
    /// The optimiser `auto` stands for with `rows` training rows and `n` neurons.
    pub fn resolve(self, rows: usize, n: usize, train_weights: bool) -> Self {
        match self {
            Self::Auto if rows > AUTO_LBFGS_ROWS => Self::Adam,
            Self::Auto if n <= AUTO_VARPRO_NEURONS && train_weights => Self::Varpro,
            Self::Auto => Self::Lbfgs,
            other => other,
        }
    }

    /// The name in the config.
    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Gd => "gd",
            Self::Sgd => "sgd",
            Self::Adam => "adam",
            Self::Lbfgs => "lbfgs",
            Self::Varpro => "varpro",
        }
    }

    /// True for the optimisers that take a gradient step proportional to the gradient, which
    /// the mean-field time scaling multiplies by N.
    pub fn is_gradient_step(self) -> bool {
        matches!(self, Self::Gd | Self::Sgd)
    }

    /// True when every step sees all the training data.
    pub fn is_full_batch(self) -> bool {
        matches!(self, Self::Gd | Self::Lbfgs | Self::Varpro)
    }

    /// The default learning rate (mean-field time per step for `gd`/`sgd`; the step size for
    /// `adam`; the initial step of the line search for `lbfgs`).
    pub fn default_lr(self) -> f64 {
        match self {
            Self::Gd | Self::Sgd => 0.1,
            Self::Adam => 0.005,
            Self::Auto | Self::Lbfgs | Self::Varpro => 1.0,
        }
    }

    /// The default evaluation interval.
    pub fn default_log_every(self) -> usize {
        if self.is_full_batch() { 10 } else { 100 }
    }

    /// The default number of steps (early stopping usually ends sooner).
    pub fn default_steps(self) -> usize {
        match self {
            Self::Auto | Self::Lbfgs | Self::Varpro => 2000,
            Self::Gd | Self::Sgd => 2000,
            Self::Adam => 20_000,
        }
    }
}

/// How the learning rate relates to the optimiser's step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LrScaling {
    /// The mean-field time scaling: `gd` and `sgd` step by `lr * N` times the gradient, so
    /// that a step advances the mean-field flow `dx_i/dt = -N grad_{x_i} L` by `dt = lr`
    /// whatever N (MATH.md section 3). `adam` and `lbfgs` do not depend on the gradient's
    /// scale, so nothing changes for them.
    #[default]
    MeanField,
    /// The step is `lr` times the gradient (a step is the time `lr / N` of the flow).
    None,
}

/// Which widths the network has and trains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Widths {
    /// One width for every neuron, not trained.
    Fixed,
    /// One width for every neuron, trained.
    Shared,
    /// A width per neuron, each trained.
    #[default]
    PerNeuron,
}

/// How the output weights `a_i` (and the bias) start.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum WeightInit {
    /// The weighted least-squares fit of `a` and `b` to the training data with the centres and
    /// widths held at their start (a small ridge keeps it well posed).
    #[default]
    LeastSquares,
    /// Every `a_i` equal to this value, the bias 0.
    Constant(f64),
}

impl Serialize for WeightInit {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Self::LeastSquares => s.serialize_str("least_squares"),
            Self::Constant(v) => s.serialize_f64(*v),
        }
    }
}

impl<'de> Deserialize<'de> for WeightInit {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = WeightInit;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("\"least_squares\" or a number")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<WeightInit, E> {
                match v {
                    "least_squares" => Ok(WeightInit::LeastSquares),
                    _ => Err(E::invalid_value(serde::de::Unexpected::Str(v), &self)),
                }
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> std::result::Result<WeightInit, E> {
                Ok(WeightInit::Constant(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<WeightInit, E> {
                Ok(WeightInit::Constant(v as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<WeightInit, E> {
                Ok(WeightInit::Constant(v as f64))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// `[network]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// Training data.
    pub data: DataConfig,
    /// Initial width eps of the Gaussian neurons (> 0); default: twice the median distance
    /// from a centre to its nearest other centre.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eps: Option<f64>,
    /// Which widths there are and which are trained.
    #[serde(default)]
    pub widths: Widths,
    /// Train the output weights `a_i`.
    #[serde(default = "yes")]
    pub train_weights: bool,
    /// How the output weights start.
    #[serde(default)]
    pub weight_init: WeightInit,
    /// An output bias `b` (trained with the weights).
    #[serde(default = "yes")]
    pub bias: bool,
    /// Optimiser.
    #[serde(default)]
    pub optimizer: OptimizerKind,
    /// Learning rate (> 0); default [`OptimizerKind::default_lr`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lr: Option<f64>,
    /// How `lr` relates to the step of `gd` and `sgd`.
    #[serde(default)]
    pub lr_scaling: LrScaling,
    /// Optimiser steps; default [`OptimizerKind::default_steps`] (`lbfgs` rounds them up to a
    /// multiple of `log_every`: it runs in blocks of `log_every` iterations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<usize>,
    /// Minibatch size for `sgd` and `adam`.
    #[serde(default = "default_batch")]
    pub batch_size: usize,
    /// Fraction of the data held out for validation, in [0, 0.9].
    #[serde(default = "default_validation")]
    pub validation_fraction: f64,
    /// Evaluate (log, check the validation loss, checkpoint) every this many steps; default
    /// 10 for the full-batch optimisers, 100 for the minibatch ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_every: Option<usize>,
    /// Stop when the validation MSE has not improved for this many evaluations, keeping the
    /// best model; 0 never stops early and keeps the last model (the end of the flow); without
    /// validation data the run never stops early and keeps the lowest training loss.
    #[serde(default = "default_patience")]
    pub patience: usize,
    /// A decrease of the validation MSE by less than this fraction of the best counts as no
    /// improvement for `patience` (the best model is kept all the same).
    #[serde(default = "default_min_improvement")]
    pub min_improvement: f64,
}

fn yes() -> bool {
    true
}
fn default_batch() -> usize {
    128
}
fn default_validation() -> f64 {
    0.2
}
fn default_patience() -> usize {
    5
}
fn default_min_improvement() -> f64 {
    1e-2
}

impl NetworkConfig {
    /// `[network]` with the given data and every default.
    pub fn new(data: DataConfig) -> Self {
        Self {
            data,
            eps: None,
            widths: Widths::default(),
            train_weights: true,
            weight_init: WeightInit::default(),
            bias: true,
            optimizer: OptimizerKind::default(),
            lr: None,
            lr_scaling: LrScaling::default(),
            steps: None,
            batch_size: default_batch(),
            validation_fraction: default_validation(),
            log_every: None,
            patience: default_patience(),
            min_improvement: default_min_improvement(),
        }
    }

    /// The plain mean-field configuration of MATH.md section 3: full-batch gradient descent on
    /// the centres only, output weights fixed at 1, no bias, one fixed width, no early stop.
    pub fn mean_field(data: DataConfig, eps: f64, lr: f64, steps: usize) -> Self {
        Self {
            eps: Some(eps),
            widths: Widths::Fixed,
            train_weights: false,
            weight_init: WeightInit::Constant(1.0),
            bias: false,
            optimizer: OptimizerKind::Gd,
            lr: Some(lr),
            steps: Some(steps),
            patience: 0,
            ..Self::new(data)
        }
    }

    /// Checks ranges.
    ///
    /// # Errors
    /// [`CoreError::Config`] naming the key.
    pub fn validate(&self) -> Result<()> {
        if let Some(eps) = self.eps {
            check_positive("network.eps", eps)?;
        }
        if let Some(lr) = self.lr {
            check_positive("network.lr", lr)?;
        }
        if let WeightInit::Constant(v) = self.weight_init
            && !v.is_finite()
        {
            return Err(CoreError::config("network.weight_init", "must be finite"));
        }
        if self.steps == Some(0) || self.log_every == Some(0) || self.batch_size == 0 {
            return Err(CoreError::config(
                "network.steps",
                "steps, log_every and batch_size must be >= 1",
            ));
        }
        if self.optimizer == OptimizerKind::Varpro && !self.train_weights {
            return Err(CoreError::config(
                "network.optimizer",
                "varpro solves the output weights, so it needs train_weights = true; use lbfgs",
            ));
        }
        if !(0.0..1.0).contains(&self.min_improvement) {
            return Err(CoreError::config(
                "network.min_improvement",
                format!("must be in [0, 1), found {}", self.min_improvement),
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
            let d = nu.build("network.data.nu")?.dim();
            // Inputs, labels and weights, the split copy and the subsamples of the evaluations.
            meanfield_core::bounds::check_bytes(
                "network.data.samples",
                "the training data",
                3.0 * 8.0 * (d + 2) as f64 * *samples as f64,
            )?;
        }
        Ok(())
    }
}
