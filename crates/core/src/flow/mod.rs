//! The aggregation-drift particle flow: from a [`RunConfig`] to a trajectory, reporting to an
//! [`Observer`].

mod diagnostics;

pub use diagnostics::{Diagnostics, padded_box};

use std::sync::Arc;

use burn::tensor::{Device, Tensor};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::energy::{AggregationEnergy, Interaction};
use crate::target::Target;
use crate::{CoreError, Observer, Points, Result, RunConfig};

/// A built particle-flow problem.
#[derive(Debug)]
pub struct ParticleFlow {
    config: RunConfig,
    device: Device,
    x0: Points,
    masses: Vec<f64>,
    energy: AggregationEnergy,
    target: Option<Arc<dyn Target>>,
}

/// How a run ended.
#[derive(Debug, Clone)]
pub struct FlowOutcome {
    /// Steps completed.
    pub steps: usize,
    /// Time reached.
    pub t: f64,
    /// Last good positions.
    pub positions: Points,
    /// Final diagnostics (energy, moments, KL/L1/MMD where a target is known).
    pub metrics: Vec<(String, f64)>,
    /// `Some(message)` when the run stopped early (NaN, solver failure).
    pub stopped: Option<String>,
}

impl ParticleFlow {
    /// Builds particles, energy and target from a validated config, on `device`.
    ///
    /// # Errors
    /// Config and file errors (CSV initialisers, PNG targets), dimension mismatches.
    pub fn new(config: &RunConfig, device: Device) -> Result<Self> {
        config.validate()?;
        let mut rng = StdRng::seed_from_u64(config.seed);
        let x0 = config.particles.init.sample(config.particles.n, &mut rng)?;
        let d = x0.d();
        let target: Option<Arc<dyn Target>> = match &config.target {
            Some(t) => Some(t.build("target")?.into()),
            None => None,
        };
        if let Some(t) = target.as_ref().filter(|t| t.dim() != d) {
            return Err(CoreError::config(
                "target",
                format!("has dimension {}, the particles have {d}", t.dim()),
            ));
        }
        let e = &config.energy;
        if let Some(kernel) = &e.kernel {
            kernel.validate("energy.kernel", Some(d))?;
        }
        let interaction = e
            .kernel
            .as_ref()
            .map(|k| Interaction::new(k.build(), e.tile, e.evaluation));
        let drift = match &e.drift {
            Some(drift) => {
                drift.validate("energy.drift", Some(d), target.is_some())?;
                Some(drift.build("energy.drift", target.clone())?)
            }
            None => None,
        };
        let n = x0.n();
        Ok(Self {
            config: config.clone(),
            device,
            x0,
            masses: vec![1.0 / n as f64; n],
            energy: AggregationEnergy::new(interaction, drift),
            target,
        })
    }

    /// Initial positions.
    pub fn initial_positions(&self) -> &Points {
        &self.x0
    }

    /// The target, if the config has one.
    pub fn target(&self) -> Option<&Arc<dyn Target>> {
        self.target.as_ref()
    }

    /// Energy of a configuration of the particles.
    ///
    /// # Errors
    /// [`CoreError::NonFinite`] for a NaN energy.
    pub fn energy_of(&self, positions: &Points) -> Result<f64> {
        let x = positions.to_tensor(&self.device);
        Ok(self.energy.value_and_gradient(&x, &self.mass_tensor())?.0)
    }

    fn mass_tensor(&self) -> Tensor<1> {
        crate::tensor_from(self.masses.clone(), [self.masses.len()], &self.device)
    }

    /// Integrates the flow to `flow.t_final`, reporting to `observer`.
    ///
    /// A NaN or a solver failure stops the run early: the outcome then carries the message and
    /// the last good positions, and everything already reported stays reported.
    ///
    /// # Errors
    /// Only for failures before the first step (the initial energy is not finite).
    pub fn run(&self, observer: &mut dyn Observer) -> Result<FlowOutcome> {
        let flow = &self.config.flow;
        let steps = ((flow.t_final / flow.dt).round() as usize).max(1);
        let dt = flow.t_final / steps as f64;
        let snapshots = self.config.metrics.snapshots;
        let snapshot_steps: Vec<usize> = (0..snapshots)
            .map(|k| (k * steps + (snapshots - 1) / 2) / (snapshots - 1))
            .collect();
        let diagnostics = Diagnostics::new(&self.config.metrics, self.target.clone(), &self.x0)?;
        let m = self.mass_tensor();
        let mut stepper = flow.stepper.build();
        let mut x = self.x0.to_tensor(&self.device);
        let mut last_good = self.x0.clone();
        let mut t = 0.0;
        let mut done = 0;
        let mut stopped = None;
        let report = |step: usize,
                      t: f64,
                      positions: &Points,
                      observer: &mut dyn Observer|
         -> Result<Vec<(String, f64)>> {
            let energy = self.energy_of(positions)?;
            let mut values = vec![("energy".to_string(), energy)];
            values.extend(diagnostics.evaluate(positions)?);
            observer.scalars(step, t, &values);
            if snapshot_steps.contains(&step) {
                observer.snapshot(step, t, positions);
            }
            Ok(values)
        };
        let mut metrics = report(0, 0.0, &self.x0, observer)?;
        let mut velocity =
            |s: &Tensor<2>| -> Result<Tensor<2>> { Ok(self.energy.velocity(s, &m)?.1) };
        for step in 1..=steps {
            let next = match stepper.advance(x.clone(), dt, &mut velocity) {
                Ok(next) => next,
                Err(e) => {
                    stopped = Some(format!("stopped at step {step} (t = {t:.6}): {e}"));
                    break;
                }
            };
            let positions = Points::from_tensor(&next);
            if let Some(i) = positions.first_non_finite() {
                stopped = Some(format!(
                    "stopped at step {step} (t = {t:.6}): particle {} has a non-finite coordinate; \
                     lower flow.dt or use an adaptive stepper",
                    i / positions.d()
                ));
                break;
            }
            x = next;
            t = step as f64 * dt;
            done = step;
            last_good = positions;
            observer.progress(step, steps);
            if step % flow.log_every == 0 || step == steps || snapshot_steps.contains(&step) {
                match report(step, t, &last_good, observer) {
                    Ok(values) => metrics = values,
                    Err(e) => {
                        stopped = Some(format!("stopped at step {step} (t = {t:.6}): {e}"));
                        break;
                    }
                }
            }
        }
        if let Some(internal) = stepper.internal_steps() {
            metrics.push(("internal_steps".into(), internal as f64));
        }
        metrics.extend(diagnostics.final_only(&last_good, self.config.seed)?);
        Ok(FlowOutcome {
            steps: done,
            t,
            positions: last_good,
            metrics,
            stopped,
        })
    }
}
