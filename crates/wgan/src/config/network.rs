//! `wgan.generator` / `wgan.critic`: the form, widths and initialisation of a network.

use serde::{Deserialize, Serialize};

use meanfield_core::{CoreError, Result};

/// A pointwise nonlinearity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// `max(x, 0)`.
    #[default]
    Relu,
    /// `max(x, 0.2 x)`.
    LeakyRelu,
    /// `tanh x`.
    Tanh,
    /// `log(1 + e^x)`.
    Softplus,
    /// `1 / (1 + e^-x)`.
    Sigmoid,
}

/// Floating-point precision of the networks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// Single precision (what GAN code uses; about twice as fast on the CPU).
    #[default]
    F32,
    /// Double precision (the CPU device's default elsewhere in meanfield).
    F64,
}

/// The form of a network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkKind {
    /// A multilayer perceptron with the `hidden` widths (none: an affine map).
    #[default]
    Mlp,
    /// The mean-field single hidden layer `(1/N) sum_j a_j s(w_j . x + b_j)`, `N = hidden[0]`:
    /// the neurons `(a_j, w_j, b_j)` are the particles.
    MeanField,
    /// Generator only: `G(z) = mu + sigma * z` (a Gaussian), `latent_dim` = data dimension.
    Gaussian,
}

/// `wgan.generator` / `wgan.critic`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkShape {
    /// The form.
    #[serde(default)]
    pub kind: NetworkKind,
    /// Hidden widths (`mlp`), or the one width N (`mean_field`).
    #[serde(default)]
    pub hidden: Vec<usize>,
    /// Nonlinearity of the hidden layers.
    #[serde(default)]
    pub activation: Activation,
    /// Biases in the layers (the output layer of `mean_field` never has one).
    #[serde(default = "yes")]
    pub bias: bool,
    /// Nonlinearity applied to the output (e.g. `tanh` for images in [-1, 1]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Activation>,
    /// `mean_field` only: standard deviation of the neurons' normal initialisation (e.g. inside
    /// the clipping box, to watch the neurons reach its faces).
    #[serde(default = "one")]
    pub init_std: f64,
    /// `gaussian` only: initial `sigma` (the same on every axis).
    #[serde(default = "one")]
    pub scale_init: f64,
    /// `gaussian` only: train `sigma` (otherwise only `mu` moves).
    #[serde(default = "yes")]
    pub train_scale: bool,
    /// `gaussian` only: initial `mu` (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_init: Option<Vec<f64>>,
}

impl Default for NetworkShape {
    fn default() -> Self {
        Self {
            kind: NetworkKind::Mlp,
            hidden: vec![512, 512, 512],
            activation: Activation::Relu,
            bias: true,
            output: None,
            init_std: 1.0,
            scale_init: 1.0,
            train_scale: true,
            mean_init: None,
        }
    }
}

impl NetworkShape {
    pub(super) fn validate(&self, key: &str) -> Result<()> {
        if self.hidden.contains(&0) {
            return Err(CoreError::config(
                format!("{key}.hidden"),
                "widths must be >= 1",
            ));
        }
        match self.kind {
            NetworkKind::MeanField if self.hidden.len() != 1 => Err(CoreError::config(
                format!("{key}.hidden"),
                format!(
                    "`mean_field` has exactly one hidden width N, found {:?}",
                    self.hidden
                ),
            )),
            NetworkKind::MeanField if !(self.init_std.is_finite() && self.init_std > 0.0) => {
                Err(CoreError::config(
                    format!("{key}.init_std"),
                    format!("must be finite and > 0, found {}", self.init_std),
                ))
            }
            NetworkKind::Gaussian if !self.scale_init.is_finite() => Err(CoreError::config(
                format!("{key}.scale_init"),
                "must be finite",
            )),
            _ => Ok(()),
        }
    }
}

fn yes() -> bool {
    true
}
fn one() -> f64 {
    1.0
}
