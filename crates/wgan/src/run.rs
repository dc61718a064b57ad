//! [`WganRun`]: the WGAN trainer as a [`Method`] of the run driver. It trains (fresh or from
//! a resumed checkpoint), writes the checkpoint, the final samples and its own figures into
//! the run folder, and returns the summary entries of a WGAN run.

use std::path::Path;
use std::time::Instant;

use burn::tensor::Device;
use meanfield_core::{GeneratedSamples, Method, Observer, Points, Result, RunOutcome};
use serde_json::json;

use crate::checkpoint::Models;
use crate::config::{GanData, GanLoss, WganConfig};
use crate::figures::{critic_histogram, dynamics_figure, phase_portrait};
use crate::toy::{ToySystem, oscillation_period};
use crate::train::Trainer;

/// A WGAN run for the driver: the [`Trainer`] and the models it continues from (those of a
/// resumed checkpoint, else freshly initialised ones).
///
/// In the run folder it writes `checkpoint/`, `samples_final.csv`, `critic_histogram.png`,
/// in 1-D `mean_and_critic.png` and for `data.kind = "dirac"` `phase_portrait.png`. Its
/// summary entries: `loss`, `d`, `resumed_from`, `steps_per_second`, `<metric>_final` for
/// every final metric (and `modes_covered`, `high_quality_share` as they are), in 1-D
/// `mean_period` when the generated mean oscillates, and for the Dirac toy the first integral
/// `first_integral_initial` / `_final` / `_drift` and, when the clipping box is reached,
/// `limit_orbit`.
pub struct WganRun {
    trainer: Trainer,
    /// The models and step [`Method::resume`] loaded; `None`: a fresh start.
    resumed: Option<(Models, usize)>,
    /// What the figures of the last run draw.
    drawn: Option<Drawn>,
}

/// The figures' data of a finished run.
struct Drawn {
    critic_parameters: Vec<f64>,
    mean: Vec<(f64, f64)>,
    slope: Vec<(f64, f64)>,
    /// The Dirac toy's system and the trainer's `(theta, omega)` path.
    toy: Option<(ToySystem, Vec<(f64, f64)>)>,
}

impl WganRun {
    /// Builds the trainer of `config` on `device` (see [`Trainer::new`]).
    ///
    /// # Errors
    /// Config and data errors.
    pub fn new(config: WganConfig, seed: u64, device: Device) -> Result<Self> {
        Ok(Self {
            trainer: Trainer::new(config, seed, device)?,
            resumed: None,
            drawn: None,
        })
    }

    /// The trainer.
    pub fn trainer(&self) -> &Trainer {
        &self.trainer
    }

    /// The config.
    pub fn config(&self) -> &WganConfig {
        self.trainer.config()
    }
}

impl Method for WganRun {
    fn name(&self) -> &'static str {
        "wgan"
    }

    /// Loads the checkpoint of the run folder `dir` (or of the checkpoint folder `dir`).
    fn resume(&mut self, dir: &Path) -> Result<usize> {
        let (models, step) = self.trainer.start(Some(dir))?;
        let steps = self.trainer.config().steps;
        if steps < step {
            return Err(meanfield_core::CoreError::config(
                "wgan.steps",
                format!(
                    "{steps} is below the {step} steps the run in {} has done",
                    dir.display()
                ),
            ));
        }
        self.resumed = Some((models, step));
        Ok(step)
    }

    fn run(&mut self, observer: &mut dyn Observer, dir: Option<&Path>) -> Result<RunOutcome> {
        let (models, start) = match self.resumed.take() {
            Some(resumed) => resumed,
            None => self.trainer.start(None)?,
        };
        let mut tee = Dynamics::new(observer);
        let clock = Instant::now();
        let outcome = self.trainer.train(models, start, &mut tee, dir)?;
        let wall_seconds = clock.elapsed().as_secs_f64();
        if let Some(dir) = dir {
            outcome.samples.write_csv(&dir.join("samples_final.csv"))?;
        }
        let Dynamics { mean, slope, .. } = tee;
        let config = self.trainer.config();
        let mut run = RunOutcome {
            steps: outcome.steps,
            stopped: outcome.stopped,
            summary: Vec::new(),
            density: None,
            warnings: Vec::new(),
        };
        run.insert("loss", config.loss.name());
        run.insert("d", self.trainer.data().dim());
        run.insert("resumed_from", start);
        run.insert(
            "steps_per_second",
            json!((outcome.steps - start) as f64 / wall_seconds.max(1e-9)),
        );
        for (name, value) in &outcome.metrics {
            run.insert(format!("{name}_final"), json!(value));
            if matches!(name.as_str(), "modes_covered" | "high_quality_share") {
                run.insert(name.clone(), json!(value));
            }
        }
        if let Some(period) = oscillation_period(&mean) {
            run.insert("mean_period", json!(period));
        }
        run.insert("wall_seconds", wall_seconds);
        let toy = match &config.data {
            GanData::Dirac { at } => {
                let trainer_path: Vec<(f64, f64)> =
                    mean.iter().zip(&slope).map(|(a, b)| (a.1, b.1)).collect();
                let toy = toy_dynamics(config, at[0], &trainer_path, &mut run);
                Some((toy, trainer_path))
            }
            _ => None,
        };
        self.drawn = Some(Drawn {
            critic_parameters: outcome.critic_parameters,
            mean,
            slope,
            toy,
        });
        Ok(run)
    }

    /// `critic_histogram.png`, in 1-D `mean_and_critic.png`, for the Dirac toy
    /// `phase_portrait.png`.
    fn figures(&mut self, dir: &Path) -> Result<()> {
        let Some(drawn) = &self.drawn else {
            return Ok(());
        };
        let config = self.trainer.config();
        critic_histogram(
            config,
            &drawn.critic_parameters,
            &dir.join("critic_histogram.png"),
        )?;
        if !drawn.mean.is_empty() {
            dynamics_figure(&drawn.mean, &drawn.slope, &dir.join("mean_and_critic.png"))?;
        }
        if let Some((toy, trainer_path)) = &drawn.toy {
            phase_portrait(toy, config, trainer_path, &dir.join("phase_portrait.png"))?;
        }
        Ok(())
    }

    fn kept_on_stop(&self, dir: &Path) -> String {
        match crate::checkpoint::architecture(dir) {
            Ok(architecture) => format!(
                "the last good checkpoint (step {}) is in the folder",
                architecture.step
            ),
            Err(_) => format!(
                "no checkpoint was written before the stop (the first is due at step {})",
                self.config().checkpoint_every
            ),
        }
    }
}

/// The toy system of the Dirac data at `m`, with the first integral along the trainer's
/// `(theta, omega)` path added to `run` (and the limiting orbit when the box is reached).
fn toy_dynamics(
    config: &WganConfig,
    m: f64,
    trainer_path: &[(f64, f64)],
    run: &mut RunOutcome,
) -> ToySystem {
    let mut toy = ToySystem {
        gamma: config.gamma,
        m,
        clip: (config.loss == GanLoss::WganClip).then_some(config.clip),
    };
    if let (Some(first), Some(last)) = (trainer_path.first(), trainer_path.last()) {
        let h0 = toy.first_integral(first.0, first.1);
        // A box the orbit never reaches (c^2 >= H) leaves the free dynamics.
        toy.clip = toy.clip.filter(|c| c * c < h0);
        run.insert("first_integral_initial", json!(h0));
        let h1 = toy.first_integral(last.0, last.1);
        run.insert("first_integral_final", json!(h1));
        run.insert("first_integral_drift", json!(h1 / h0 - 1.0));
        // The limiting orbit H = c^2 attracts the orbits that reach the box.
        if let Some(c) = toy.clip {
            run.insert("limit_orbit", json!(c * c));
        }
    }
    toy
}

/// Passes everything on to the driver's observer and keeps the series the dynamics figures
/// and the toy's first integral need: `(t, generated_mean)` and `(t, critic_slope)`.
struct Dynamics<'a> {
    inner: &'a mut dyn Observer,
    mean: Vec<(f64, f64)>,
    slope: Vec<(f64, f64)>,
}

impl<'a> Dynamics<'a> {
    fn new(inner: &'a mut dyn Observer) -> Self {
        Self {
            inner,
            mean: Vec::new(),
            slope: Vec::new(),
        }
    }
}

impl Observer for Dynamics<'_> {
    fn scalars(&mut self, step: usize, t: f64, values: &[(String, f64)]) {
        for (name, v) in values {
            match name.as_str() {
                "generated_mean" => self.mean.push((t, *v)),
                "critic_slope" => self.slope.push((t, *v)),
                _ => {}
            }
        }
        self.inner.scalars(step, t, values);
    }

    fn snapshot(&mut self, step: usize, t: f64, positions: &Points) {
        self.inner.snapshot(step, t, positions);
    }

    fn histogram(&mut self, step: usize, tag: &str, values: &[f64]) {
        self.inner.histogram(step, tag, values);
    }

    fn samples(&mut self, step: usize, t: f64, samples: &GeneratedSamples) {
        self.inner.samples(step, t, samples);
    }

    fn progress(&mut self, done: usize, total: usize) {
        self.inner.progress(done, total);
    }

    fn stop_requested(&mut self) -> Option<String> {
        self.inner.stop_requested()
    }
}

#[cfg(test)]
mod tests {
    use meanfield_core::{Recorder, cpu_device};
    use serde_json::Value;

    use super::*;

    /// The Dirac toy (as `experiments/wgan_toy_system.toml`): the generator is the point
    /// theta, the critic `D(x) = omega x`.
    fn dirac(steps: usize) -> WganConfig {
        toml::from_str(&format!(
            "loss = 'wgan_clip'\nclip = 0.3\noptimizer = 'sgd'\nlr = 0.02\nn_critic = 1\n\
             data = {{ kind = 'dirac', at = [0.0] }}\nlatent_dim = 1\n\
             generator = {{ kind = 'gaussian', scale_init = 0.0, train_scale = false, mean_init = [1.0] }}\n\
             critic = {{ hidden = [], bias = false }}\nbatch = 2\neval_samples = 2\nsteps = {steps}\n\
             log_every = 1\ncheckpoint_every = 2\n"
        ))
        .unwrap()
    }

    fn get<'a>(run: &'a RunOutcome, key: &str) -> Option<&'a Value> {
        run.summary.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// A stop names the checkpoint it keeps, or says that none was written yet.
    #[test]
    fn a_stop_says_which_checkpoint_it_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut run = WganRun::new(dirac(4), 1, cpu_device()).unwrap();
        let none = run.kept_on_stop(dir.path());
        assert!(none.contains("no checkpoint was written"), "{none}");
        run.run(&mut Recorder::default(), Some(dir.path())).unwrap();
        let kept = run.kept_on_stop(dir.path());
        assert!(kept.contains("checkpoint (step 4)"), "{kept}");
    }

    #[test]
    fn writes_its_files_and_summary() {
        let dir = tempfile::tempdir().unwrap();
        let mut run = WganRun::new(dirac(4), 1, cpu_device()).unwrap();
        assert_eq!(run.name(), "wgan");
        let out = run.run(&mut Recorder::default(), Some(dir.path())).unwrap();
        assert_eq!(out.steps, 4);
        assert!(out.stopped.is_none());
        assert!(
            !dir.path().join("critic_histogram.png").exists(),
            "figures come after"
        );
        run.figures(dir.path()).unwrap();
        for file in [
            "checkpoint/architecture.toml",
            "samples_final.csv",
            "critic_histogram.png",
            "mean_and_critic.png",
            "phase_portrait.png",
        ] {
            assert!(dir.path().join(file).exists(), "{file}");
        }
        assert_eq!(get(&out, "loss"), Some(&Value::from("wgan_clip")));
        assert_eq!(get(&out, "d"), Some(&Value::from(1)));
        assert_eq!(get(&out, "resumed_from"), Some(&Value::from(0)));
        for key in [
            "steps_per_second",
            "w1_exact_final",
            "generated_mean_final",
            "critic_slope_final",
            "first_integral_initial",
            "first_integral_final",
            "first_integral_drift",
            "limit_orbit",
        ] {
            assert!(get(&out, key).is_some_and(Value::is_f64), "{key}");
        }
        assert!(
            get(&out, "wall_seconds").is_some_and(Value::is_f64),
            "the training's own"
        );
        for key in ["name", "method", "status", "seed", "steps"] {
            assert!(get(&out, key).is_none(), "{key} is the driver's");
        }
    }

    #[test]
    fn resumes_from_the_checkpoint_and_writes_nothing_without_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        let mut first = WganRun::new(dirac(2), 1, cpu_device()).unwrap();
        first
            .run(&mut Recorder::default(), Some(dir.path()))
            .unwrap();
        let before = std::fs::read_dir(dir.path()).unwrap().count();
        let mut second = WganRun::new(dirac(4), 1, cpu_device()).unwrap();
        assert_eq!(second.resume(dir.path()).unwrap(), 2);
        let out = second.run(&mut Recorder::default(), None).unwrap();
        assert_eq!(out.steps, 4);
        assert_eq!(get(&out, "resumed_from"), Some(&Value::from(2)));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), before);

        let mut straight = WganRun::new(dirac(4), 1, cpu_device()).unwrap();
        let all = straight.run(&mut Recorder::default(), None).unwrap();
        assert_eq!(
            get(&all, "w1_exact_final"),
            get(&out, "w1_exact_final"),
            "a resumed run ends where the straight one does"
        );
    }
}
