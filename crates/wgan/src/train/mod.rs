//! The training loop: `n_critic` critic steps (clipped after each for `wgan_clip`), then one
//! generator step, with metrics, histograms, sample figures and checkpoints.
//!
//! Every random draw of step `k` comes from a stream seeded by `(seed, k, slot)`, so a run
//! resumed from a checkpoint at step `k` draws exactly what the uninterrupted run drew.

use std::path::Path;

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use meanfield_core::RunRng;
use meanfield_core::{CoreError, Observer, Points, StopReason, tensor_from};
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;

mod evaluate;

use crate::checkpoint::{self, Architecture, Models};
use crate::config::{GanLoss, GanOptimizer, NetworkKind, NetworkShape, WganConfig};
use crate::data::RealData;
use crate::error::Result;
use crate::losses::{CriticBatch, critic_loss, generator_loss};
use crate::network::{Network, float_dtype};
use crate::optimizer::Optimizer;
use crate::parameters::{gradient_norm, values};

/// Slot of the random stream of a step that the metrics' latent noise uses.
const EVAL_SLOT: u64 = u64::MAX;

/// How training ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Generator steps done (including those before a resume).
    pub steps: usize,
    /// The last logged metrics.
    pub metrics: Vec<(String, f64)>,
    /// Generated samples of the final generator (the metrics' latent draw).
    pub samples: Points,
    /// The final critic's parameters (for the histogram of the clipping box).
    pub critic_parameters: Vec<f64>,
    /// `Some` when training stopped early: [`StopReason::NonFinite`] for a non-finite critic
    /// or generator loss, [`StopReason::Diverged`] for samples not finite or beyond 1e150.
    pub stopped: Option<StopReason>,
}

/// A built training problem: config, data, device.
#[derive(Debug)]
pub struct Trainer {
    config: WganConfig,
    seed: u64,
    device: Device,
    data: RealData,
    eval_real: Vec<f64>,
    eval_latent: Vec<f64>,
}

/// The random stream of `slot` in step `step`.
fn stream(seed: u64, step: usize, slot: u64) -> RunRng {
    let mix = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (step as u64)
            .wrapping_add(1)
            .wrapping_mul(0xBF58_476D_1CE4_E5B9)
        ^ slot.wrapping_add(1).wrapping_mul(0x94D0_49BB_1331_11EB);
    RunRng::seed_from_u64(mix)
}

/// Samples so large (or non-finite) that distances between them overflow.
fn diverged(points: &Points) -> bool {
    points
        .as_slice()
        .iter()
        .any(|v| !v.is_finite() || v.abs() >= 1e150)
}

pub(crate) fn normals(n: usize, rng: &mut RunRng) -> Vec<f64> {
    (0..n).map(|_| rng.sample(StandardNormal)).collect()
}

impl Trainer {
    /// Checks `config` ([`WganConfig::validate`]), reads or generates the data and checks the
    /// networks against it; `seed` seeds every random draw of the run.
    ///
    /// # Errors
    /// Config and data errors.
    pub fn new(config: WganConfig, seed: u64, device: Device) -> Result<Self> {
        config.validate()?;
        let data = RealData::from_config(&config.data)?;
        if config.generator.kind == NetworkKind::Gaussian && config.latent_dim != data.dim() {
            return Err(CoreError::config(
                "wgan.latent_dim",
                format!(
                    "a `gaussian` generator needs latent_dim = the data dimension {}",
                    data.dim()
                ),
            )
            .into());
        }
        let n = config.eval_samples;
        let eval_real = data.sample(n, &mut stream(seed, 0, EVAL_SLOT - 1));
        let eval_latent = normals(n * config.latent_dim, &mut stream(seed, 0, EVAL_SLOT));
        Ok(Self {
            config,
            seed,
            device: device.autodiff(),
            data,
            eval_real,
            eval_latent,
        })
    }

    /// The config it trains.
    pub fn config(&self) -> &WganConfig {
        &self.config
    }

    /// The real data.
    pub fn data(&self) -> &RealData {
        &self.data
    }

    /// The architecture of this config at `step`.
    pub fn architecture(&self, step: usize) -> Architecture {
        Architecture {
            step,
            latent_dim: self.config.latent_dim,
            data_dim: self.data.dim(),
            image_shape: self.data.image_shape(),
            generator: self.config.generator.clone(),
            critic: self.config.critic.clone(),
            precision: self.config.precision,
        }
    }

    /// Freshly initialised networks (seeded) and optimisers.
    pub fn fresh(&self) -> Models {
        let mut rng = RunRng::seed_from_u64(self.seed ^ 0x1417);
        let arch = self.architecture(0);
        let generator = arch.generator(&self.device, &mut rng);
        let critic = arch.critic(&self.device, &mut rng);
        let optimizer =
            |net: &Network| Optimizer::new(self.config.optimizer(), self.config.betas(), net);
        Models {
            generator_optimizer: optimizer(&generator),
            critic_optimizer: optimizer(&critic),
            generator,
            critic,
        }
    }

    /// Fresh models, or those of the checkpoint in `resume` with its step.
    ///
    /// # Errors
    /// A missing or corrupt checkpoint, or one of another architecture.
    pub fn start(&self, resume: Option<&Path>) -> Result<(Models, usize)> {
        match resume {
            None => Ok((self.fresh(), 0)),
            Some(dir) => checkpoint::load(dir, self.fresh(), &self.architecture(0)),
        }
    }

    /// Learning rate of a network: `lr` (times `gamma` for the critic), and for plain SGD on
    /// a mean-field network times N, so that each neuron moves at the speed of the
    /// mean-field particle flow (time = steps x lr).
    fn lr(&self, shape: &NetworkShape, speed: f64) -> f64 {
        let mean_field =
            shape.kind == NetworkKind::MeanField && self.config.optimizer() == GanOptimizer::Sgd;
        let n = if mean_field {
            shape.hidden[0] as f64
        } else {
            1.0
        };
        self.config.lr() * speed * n
    }

    /// Host values as a tensor of the networks' precision on the training device.
    fn input<const D: usize>(&self, values: Vec<f64>, shape: [usize; D]) -> Tensor<D> {
        tensor_from(values, shape, &self.device).cast(float_dtype(self.config.precision))
    }

    fn latent(&self, n: usize, rng: &mut RunRng) -> Tensor<2> {
        let d = self.config.latent_dim;
        self.input(normals(n * d, rng), [n, d])
    }

    /// Trains from `models` at `start` to `wgan.steps` generator steps, reporting to
    /// `observer` and writing checkpoints into `run_dir` (when given).
    ///
    /// # Errors
    /// Checkpoint write errors and metric solver failures.
    pub fn train(
        &self,
        mut models: Models,
        start: usize,
        observer: &mut dyn Observer,
        run_dir: Option<&Path>,
    ) -> Result<Outcome> {
        let c = &self.config;
        let (b, d) = (c.batch, self.data.dim());
        let critic_lr = self.lr(&c.critic, c.gamma);
        let generator_lr = self.lr(&c.generator, 1.0);
        let clip = (c.loss == GanLoss::WganClip).then_some(c.clip);
        let mut train_scalars = Vec::new();
        let mut metrics = Vec::new();
        if start == 0 {
            let fake = self.generate_eval(&models.generator);
            metrics = self.evaluate(&models, &fake, &[])?;
            observer.scalars(0, 0.0, &metrics);
        }
        let mut stopped = None;
        let mut done = start;
        // The metric samples of the last logged step: the final samples when the run ends
        // normally (its last step is always logged).
        let mut latest = None;
        for step in start..c.steps {
            let log_now = (step + 1) % c.log_every == 0 || step + 1 == c.steps;
            let mut w1_estimate = 0.0;
            let mut loss_value = 0.0;
            let mut critic_norm = 0.0;
            let n_critic = c.critic_steps(step);
            for j in 0..n_critic {
                let mut rng = stream(self.seed, step, j as u64);
                let real = self.input(self.data.sample(b, &mut rng), [b, d]);
                let z = self.latent(b, &mut rng).without_autodiff();
                let fake = models.generator.valid().forward(z).autodiff();
                let alpha: Vec<f64> = (0..b).map(|_| rng.random::<f64>()).collect();
                let batch = CriticBatch {
                    real,
                    fake,
                    alpha: self.input(alpha, [b, 1]),
                };
                let out = critic_loss(c.loss, &models.critic, batch, c.gp_lambda);
                loss_value = out.loss.clone().into_scalar::<f64>();
                w1_estimate = out.w1_estimate.into_scalar::<f64>();
                if !loss_value.is_finite() {
                    stopped = Some(StopReason::NonFinite(format!(
                        "stopped at step {step}: the critic loss is {loss_value}"
                    )));
                    break;
                }
                let grads = out.loss.backward();
                if log_now && j + 1 == n_critic {
                    critic_norm = gradient_norm(&models.critic, &grads);
                }
                models.critic = models
                    .critic_optimizer
                    .step(critic_lr, models.critic, grads, clip);
            }
            if stopped.is_some() {
                break;
            }
            let mut rng = stream(self.seed, step, n_critic as u64);
            let fake = models.generator.forward(self.latent(b, &mut rng));
            // The critic's parameters need no gradient here: only its input gradient.
            let frozen = models.critic.clone().no_grad();
            let g_loss = generator_loss(c.loss, &frozen, fake);
            let g_value = g_loss.clone().into_scalar::<f64>();
            if !g_value.is_finite() {
                stopped = Some(StopReason::NonFinite(format!(
                    "stopped at step {step}: the generator loss is {g_value}"
                )));
                break;
            }
            let grads = g_loss.backward();
            let generator_norm = if log_now {
                gradient_norm(&models.generator, &grads)
            } else {
                0.0
            };
            models.generator =
                models
                    .generator_optimizer
                    .step(generator_lr, models.generator, grads, None);
            // A stop (asked once per step, after the step) checkpoints the step it stops at.
            observer.progress(step + 1, c.steps);
            let stop = observer.stop_requested();
            let checkpoint_now =
                (step + 1) % c.checkpoint_every == 0 || step + 1 == c.steps || stop.is_some();
            let fake = (log_now || checkpoint_now).then(|| self.generate_eval(&models.generator));
            if fake.as_ref().is_some_and(diverged) {
                stopped = Some(StopReason::Diverged(format!(
                    "stopped at step {step}: the generated samples are not finite (or beyond 1e150)"
                )));
                break;
            }
            done = step + 1;
            if let Some(fake) = fake {
                if log_now {
                    train_scalars = vec![
                        ("critic_loss".to_string(), loss_value),
                        ("w1_estimate".to_string(), w1_estimate),
                        ("generator_loss".to_string(), g_value),
                        ("grad_norm_critic".to_string(), critic_norm),
                        ("grad_norm_generator".to_string(), generator_norm),
                    ];
                    metrics = self.evaluate(&models, &fake, &train_scalars)?;
                    observer.scalars(done, done as f64 * c.lr(), &metrics);
                }
                if checkpoint_now {
                    self.report_state(&models, &fake, done, observer)?;
                    if let Some(dir) = run_dir {
                        checkpoint::save(dir, &models, &self.architecture(done))?;
                    }
                }
                latest = Some(fake);
            }
            if let Some(why) = stop {
                let kept = if run_dir.is_some() {
                    format!("; the checkpoint is at step {done}")
                } else {
                    String::new()
                };
                stopped = Some(StopReason::Interrupted(format!(
                    "stopped after step {done} of {}: {why}{kept}",
                    c.steps
                )));
                break;
            }
        }
        let samples = match latest {
            Some(fake) if matches!(stopped, None | Some(StopReason::Interrupted(_))) => fake,
            _ => self.generate_eval(&models.generator),
        };
        if metrics.is_empty() {
            metrics = self.evaluate(&models, &samples, &train_scalars)?;
        }
        Ok(Outcome {
            steps: done,
            metrics,
            samples,
            critic_parameters: values(&models.critic),
            stopped,
        })
    }
}

#[cfg(test)]
mod tests {
    use meanfield_core::{Recorder, cpu_device};

    use super::*;
    use crate::error::WganError;

    const SEED: u64 = 3;

    /// The body of a `[wgan]` table.
    fn config(extra: &str) -> WganConfig {
        toml::from_str(&format!(
            "data = {{ kind = 'toy', name = '8gaussians' }}\n\
             generator = {{ hidden = [16, 16] }}\ncritic = {{ hidden = [16, 16] }}\nsteps = 6\nlog_every = 2\n\
             checkpoint_every = 3\neval_samples = 32\nbatch = 16\nn_critic = 2\nlr = 1e-3\n{extra}"
        ))
        .unwrap()
    }

    /// Six steps straight, or three, a checkpoint and three more: the same networks, bit for bit.
    #[test]
    fn resume_is_exact() {
        for loss in ["wgan_clip", "wgan_gp", "gan"] {
            let run = config(&format!("loss = '{loss}'\n"));
            let trainer = Trainer::new(run.clone(), SEED, cpu_device()).unwrap();
            let straight = trainer
                .train(trainer.fresh(), 0, &mut Recorder::default(), None)
                .unwrap();

            let dir = tempfile::tempdir().unwrap();
            let half = WganConfig { steps: 3, ..run };
            let first = Trainer::new(half, SEED, cpu_device()).unwrap();
            first
                .train(first.fresh(), 0, &mut Recorder::default(), Some(dir.path()))
                .unwrap();
            let (models, at) = trainer.start(Some(dir.path())).unwrap();
            assert_eq!(at, 3);
            let resumed = trainer
                .train(models, at, &mut Recorder::default(), None)
                .unwrap();
            assert_eq!(resumed.steps, 6);
            assert_eq!(straight.samples, resumed.samples, "{loss}");
            assert_eq!(straight.metrics, resumed.metrics, "{loss}");
        }
    }

    #[test]
    fn clipping_keeps_the_critic_in_the_box_and_metrics_are_logged() {
        let run = config("clip = 0.05\n");
        let trainer = Trainer::new(run, SEED, cpu_device()).unwrap();
        let mut rec = Recorder::default();
        let (models, _) = trainer.start(None).unwrap();
        let out = trainer.train(models, 0, &mut rec, None).unwrap();
        assert!(out.stopped.is_none());
        assert_eq!(
            rec.rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            vec![0, 2, 4, 6]
        );
        for key in [
            "w1_exact",
            "w2_exact",
            "modes_covered",
            "high_quality_share",
            "clip_fraction",
        ] {
            assert!(
                out.metrics.iter().any(|(k, v)| k == key && v.is_finite()),
                "{key}"
            );
        }
        let clip_share = rec.series("clip_fraction");
        assert!(clip_share.last().unwrap().1 > 0.05, "{clip_share:?}");
    }

    /// A trainer of `config("")` and a folder holding its checkpoint after a short run.
    fn checkpointed() -> (Trainer, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let trainer = Trainer::new(config(""), SEED, cpu_device()).unwrap();
        trainer
            .train(
                trainer.fresh(),
                0,
                &mut Recorder::default(),
                Some(dir.path()),
            )
            .unwrap();
        (trainer, dir)
    }

    #[test]
    fn other_architecture_checkpoints_are_refused() {
        let (_, dir) = checkpointed();
        let mut narrower = config("");
        narrower.critic.hidden = vec![8];
        let other = Trainer::new(narrower, SEED, cpu_device()).unwrap();
        let err = other.start(Some(dir.path())).err().unwrap().to_string();
        assert!(err.contains("another architecture"), "{err}");
    }

    /// A corrupt record is refused with burn's error kept as the source, not flattened.
    #[test]
    fn a_corrupt_checkpoint_keeps_its_source() {
        let (trainer, dir) = checkpointed();
        std::fs::write(dir.path().join("checkpoint/critic.bpk"), b"not a record").unwrap();
        let err = trainer.start(Some(dir.path())).err().unwrap();
        assert!(matches!(err, WganError::Checkpoint { .. }), "{err:?}");
        assert!(err.to_string().contains("critic.bpk: cannot load"), "{err}");
        assert!(
            std::error::Error::source(&err).is_some(),
            "the record error is kept"
        );
        let core: CoreError = err.into();
        assert!(
            std::error::Error::source(&core).is_some(),
            "and survives the driver"
        );
    }
}
