//! `[wgan]` (with `method = "wgan"`): data, networks, loss and optimiser of the WGAN trainer.
//! This crate owns the section: it parses with serde (`toml::from_str::<WganConfig>` of the
//! table's body) and checks itself with [`WganConfig::validate`], or with
//! [`WganConfig::validate_for`] when the compute device is known.

use serde::{Deserialize, Serialize};

use meanfield_core::validate::{check_len, check_positive};
use meanfield_core::{CoreError, DeviceChoice, Result};

/// The adversarial loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GanLoss {
    /// WGAN with weight clipping (Arjovsky, Chintala, Bottou 2017): the critic ascends
    /// `E_real D - E_fake D` and is clipped to `[-clip, clip]` after each step.
    #[default]
    WganClip,
    /// WGAN-GP (Gulrajani et al. 2017): no clipping, `gp_lambda E (|grad D(xhat)| - 1)^2`.
    WganGp,
    /// The original GAN: a discriminator with the logistic loss, the non-saturating generator
    /// loss `-E log sigmoid D(G(z))`.
    Gan,
}

impl GanLoss {
    /// The name written into summaries.
    pub fn name(self) -> &'static str {
        match self {
            Self::WganClip => "wgan_clip",
            Self::WganGp => "wgan_gp",
            Self::Gan => "gan",
        }
    }
}

/// An optimiser of both networks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GanOptimizer {
    /// RMSProp (alpha 0.99, eps 1e-8, as PyTorch's defaults used by the reference code).
    Rmsprop,
    /// Adam with `betas`.
    Adam,
    /// Plain stochastic gradient descent (the mean-field particle dynamics).
    Sgd,
}
mod data;
mod network;

pub use data::{GanData, Toy};
pub use network::{Activation, NetworkKind, NetworkShape, Precision};

/// `[wgan]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WganConfig {
    /// The loss.
    #[serde(default)]
    pub loss: GanLoss,
    /// The real data.
    pub data: GanData,
    /// Dimension of the latent noise `z ~ N(0, I)`.
    #[serde(default = "default_latent")]
    pub latent_dim: usize,
    /// The generator.
    #[serde(default)]
    pub generator: NetworkShape,
    /// The critic (the discriminator of `gan`).
    #[serde(default)]
    pub critic: NetworkShape,
    /// Optimiser of both networks (default: `rmsprop` for `wgan_clip`, `adam` otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimizer: Option<GanOptimizer>,
    /// Generator learning rate (default: 5e-5 for `wgan_clip`, 1e-4 otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lr: Option<f64>,
    /// Adam's betas (default: (0.5, 0.9) for `wgan_gp`, (0.5, 0.999) otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub betas: Option<[f64; 2]>,
    /// Critic speed-up: the critic's learning rate is `gamma * lr`.
    #[serde(default = "one")]
    pub gamma: f64,
    /// Clipping box half-width `c` (`wgan_clip`).
    #[serde(default = "default_clip")]
    pub clip: f64,
    /// Critic steps per generator step.
    #[serde(default = "default_n_critic")]
    pub n_critic: usize,
    /// Arjovsky et al.'s schedule: 100 critic steps for the first 25 generator steps and every
    /// 500th, `n_critic` otherwise.
    #[serde(default)]
    pub reference_schedule: bool,
    /// Samples per batch (real and fake).
    #[serde(default = "default_batch")]
    pub batch: usize,
    /// Gradient-penalty weight (`wgan_gp`).
    #[serde(default = "default_gp_lambda")]
    pub gp_lambda: f64,
    /// Generator steps.
    pub steps: usize,
    /// Log scalars every this many generator steps.
    #[serde(default = "default_log_every")]
    pub log_every: usize,
    /// Write a checkpoint (and histograms and sample figures) every this many steps.
    #[serde(default = "default_checkpoint_every")]
    pub checkpoint_every: usize,
    /// Precision of the networks and the training arithmetic.
    #[serde(default)]
    pub precision: Precision,
    /// Generated and real samples in the exact W1/W2 (an assignment of this size).
    #[serde(default = "default_eval_samples")]
    pub eval_samples: usize,
}

fn one() -> f64 {
    1.0
}
fn default_latent() -> usize {
    2
}
fn default_clip() -> f64 {
    0.01
}
fn default_n_critic() -> usize {
    5
}
fn default_batch() -> usize {
    64
}
fn default_gp_lambda() -> f64 {
    10.0
}
fn default_log_every() -> usize {
    50
}
fn default_checkpoint_every() -> usize {
    500
}
fn default_eval_samples() -> usize {
    512
}

impl WganConfig {
    /// Critic steps before generator step `step` (0-based).
    pub fn critic_steps(&self, step: usize) -> usize {
        if self.reference_schedule && (step < 25 || step.is_multiple_of(500)) {
            100
        } else {
            self.n_critic
        }
    }

    /// The optimiser, with the loss's reference default.
    pub fn optimizer(&self) -> GanOptimizer {
        self.optimizer.unwrap_or(match self.loss {
            GanLoss::WganClip => GanOptimizer::Rmsprop,
            GanLoss::WganGp | GanLoss::Gan => GanOptimizer::Adam,
        })
    }

    /// The generator learning rate, with the loss's reference default.
    pub fn lr(&self) -> f64 {
        self.lr.unwrap_or(match self.loss {
            GanLoss::WganClip => 5e-5,
            GanLoss::WganGp | GanLoss::Gan => 1e-4,
        })
    }

    /// Adam's betas, with the loss's reference default.
    pub fn betas(&self) -> [f64; 2] {
        self.betas.unwrap_or(match self.loss {
            GanLoss::WganGp => [0.5, 0.9],
            GanLoss::WganClip | GanLoss::Gan => [0.5, 0.999],
        })
    }

    /// Checks ranges and the networks against each other and the data.
    ///
    /// # Errors
    /// [`CoreError::Config`] naming the key.
    pub fn validate(&self) -> Result<()> {
        check_positive("wgan.lr", self.lr())?;
        check_positive("wgan.gamma", self.gamma)?;
        check_positive("wgan.clip", self.clip)?;
        check_positive("wgan.gp_lambda", self.gp_lambda)?;
        for (k, b) in self.betas().iter().enumerate() {
            if !(0.0..1.0).contains(b) {
                return Err(CoreError::config(
                    "wgan.betas",
                    format!("entry {k} must be in [0, 1), found {b}"),
                ));
            }
        }
        for (key, v) in [
            ("wgan.steps", self.steps),
            ("wgan.n_critic", self.n_critic),
            ("wgan.log_every", self.log_every),
            ("wgan.checkpoint_every", self.checkpoint_every),
            ("wgan.latent_dim", self.latent_dim),
        ] {
            if v == 0 {
                return Err(CoreError::config(key, "must be >= 1, found 0"));
            }
        }
        for (key, v) in [
            ("wgan.batch", self.batch),
            ("wgan.eval_samples", self.eval_samples),
        ] {
            if v < 2 {
                return Err(CoreError::config(key, format!("must be >= 2, found {v}")));
            }
        }
        match &self.data {
            GanData::Mixture1d { spread, std } => {
                check_positive("wgan.data.std", *std)?;
                if !spread.is_finite() {
                    return Err(CoreError::config("wgan.data.spread", "must be finite"));
                }
            }
            GanData::Dirac { at } => check_len("wgan.data.at", at, None)?,
            _ => {}
        }
        self.generator.validate("wgan.generator")?;
        self.critic.validate("wgan.critic")?;
        if self.critic.kind == NetworkKind::Gaussian {
            return Err(CoreError::config(
                "wgan.critic.kind",
                "`gaussian` is a generator; the critic is `mlp` or `mean_field`",
            ));
        }
        if self.generator.kind == NetworkKind::Gaussian {
            if let Some(d) = self.data.dim().filter(|d| *d != self.latent_dim) {
                return Err(CoreError::config(
                    "wgan.latent_dim",
                    format!(
                        "a `gaussian` generator needs latent_dim = the data dimension {d}, found {}",
                        self.latent_dim
                    ),
                ));
            }
            if let Some(mu) = &self.generator.mean_init {
                check_len("wgan.generator.mean_init", mu, Some(self.latent_dim))?;
            }
        }
        Ok(())
    }

    /// [`WganConfig::validate`], then the checks against the compute `device`: the wgpu
    /// device computes in f32, so `precision = "f64"` is refused there.
    ///
    /// # Errors
    /// [`CoreError::Config`] naming the key.
    pub fn validate_for(&self, device: DeviceChoice) -> Result<()> {
        self.validate()?;
        if device == DeviceChoice::Wgpu && self.precision == Precision::F64 {
            return Err(CoreError::config(
                "wgan.precision",
                "the wgpu device computes in f32; use precision = \"f32\"",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> std::result::Result<WganConfig, String> {
        let c: WganConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        c.validate().map_err(|e| e.to_string())?;
        Ok(c)
    }

    #[test]
    fn defaults_follow_the_reference_code() {
        let c = parse("data = { kind = 'toy', name = '8gaussians' }\nsteps = 10\n").unwrap();
        assert_eq!(c.optimizer(), GanOptimizer::Rmsprop);
        assert_eq!((c.lr(), c.clip, c.n_critic, c.batch), (5e-5, 0.01, 5, 64));
        let gp =
            parse("loss = 'wgan_gp'\ndata = { kind = 'toy', name = '25gaussians' }\nsteps = 1\n")
                .unwrap();
        assert_eq!(
            (gp.optimizer(), gp.lr(), gp.betas()),
            (GanOptimizer::Adam, 1e-4, [0.5, 0.9])
        );
    }

    #[test]
    fn reference_schedule_front_loads_the_critic() {
        let mut c = parse("data = { kind = 'toy', name = '8gaussians' }\nsteps = 10\n").unwrap();
        assert_eq!((c.critic_steps(0), c.critic_steps(500)), (5, 5));
        c.reference_schedule = true;
        let steps: Vec<usize> = [0, 24, 25, 499, 500, 501, 1000]
            .map(|k| c.critic_steps(k))
            .to_vec();
        assert_eq!(steps, vec![100, 100, 5, 5, 100, 5, 100]);
    }

    #[test]
    fn bad_values_name_their_key() {
        let base = "data = { kind = 'mixture1d', std = 0.1 }\nsteps = 10\n";
        for (extra, key) in [
            ("clip = 0.0\n", "wgan.clip"),
            ("n_critic = 0\n", "wgan.n_critic"),
            ("batch = 1\n", "wgan.batch"),
            (
                "critic = { kind = 'mean_field', hidden = [4, 4] }\n",
                "wgan.critic.hidden",
            ),
            ("critic = { kind = 'gaussian' }\n", "wgan.critic.kind"),
            ("generator = { kind = 'gaussian' }\n", "wgan.latent_dim"),
            ("betas = [0.5, 1.0]\n", "wgan.betas"),
        ] {
            let err = parse(&format!("{base}{extra}")).unwrap_err();
            assert!(err.contains(key), "{extra}: {err}");
        }
    }

    #[test]
    fn wgpu_refuses_f64() {
        let c =
            parse("data = { kind = 'toy', name = '8gaussians' }\nsteps = 1\nprecision = 'f64'\n")
                .unwrap();
        c.validate_for(DeviceChoice::Cpu).unwrap();
        let err = c.validate_for(DeviceChoice::Wgpu).unwrap_err().to_string();
        assert!(err.contains("wgan.precision"), "{err}");
    }
}
