//! A particle flow: a [`ParticleMethod`] integrated in time from weighted particles, reporting
//! to an [`Observer`].

mod checkpoint;
mod config;
mod diagnostics;
mod method;
mod outcome;
mod summary;

pub use checkpoint::{FLOW_CHECKPOINT, FlowState};
pub use config::{FlowConfig, MAX_STEPS, RemovalConfig};
pub use diagnostics::{Diagnostics, padded_box};
pub use method::ParticleMethod;
pub use outcome::FlowOutcome;
use outcome::stop_reason;
pub use summary::{energy_summary, max_energy_increase};

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use crate::RunRng;
use burn::tensor::{Device, Distribution, Tensor};
use rand::SeedableRng;
use rand::seq::index::sample;
use serde_json::Value;

use crate::metrics::MetricsConfig;
use crate::run::{Method, RunOutcome, StopReason};
use crate::stepper::StepperConfig;
use crate::target::Target;
use crate::{CoreError, Observer, Points, Result};

/// A particle flow ready to integrate: the method, the particles and their masses, time
/// stepping, diagnostics and the seed of its random draws.
#[derive(Debug)]
pub struct ParticleFlow {
    method: Box<dyn ParticleMethod>,
    device: Device,
    x0: Points,
    m0: Vec<f64>,
    flow: FlowConfig,
    metrics: MetricsConfig,
    target: Option<Arc<dyn Target>>,
    seed: u64,
    summary: Vec<(String, Value)>,
    /// The state a resume continues from.
    resumed: Option<FlowState>,
}

/// The most points the exact W2 of a logged step may match (about 36 s at 20000 on the 2-core
/// test machine; the solver is cubic).
pub const MAX_W2_POINTS: usize = 20_000;

/// Wall seconds between the periodic checkpoints of a run (also written at its end and at a
/// stop), so a crash loses at most about this much.
pub const CHECKPOINT_SECONDS: f64 = 60.0;

impl ParticleFlow {
    /// `method` from `x0` with equal masses, `[flow]`'s and `[metrics]`' defaults, no target and
    /// seed 0, on `device`.
    pub fn new(method: Box<dyn ParticleMethod>, x0: Points, device: Device) -> Self {
        let n = x0.n();
        Self {
            method,
            device,
            x0,
            m0: vec![1.0 / n as f64; n],
            flow: FlowConfig::default(),
            metrics: MetricsConfig::default(),
            target: None,
            seed: 0,
            summary: Vec::new(),
            resumed: None,
        }
    }

    /// Masses of the particles (one per particle, finite and > 0).
    ///
    /// # Errors
    /// [`CoreError::Shape`] for another count, [`CoreError::Config`] for a bad mass.
    pub fn with_masses(mut self, masses: Vec<f64>) -> Result<Self> {
        if masses.len() != self.x0.n() {
            return Err(CoreError::Shape(format!(
                "masses have length {}, the particles number {}",
                masses.len(),
                self.x0.n()
            )));
        }
        if let Some(m) = masses.iter().find(|m| !(m.is_finite() && **m > 0.0)) {
            return Err(CoreError::config(
                "particles.weights",
                format!("masses must be finite and > 0, found {m}"),
            ));
        }
        self.m0 = masses;
        Ok(self)
    }

    /// Time stepping.
    ///
    /// # Errors
    /// [`FlowConfig::validate`]'s; a stochastic method with a stepper other than Euler; a
    /// removal that would leave fewer than two particles.
    pub fn with_flow(mut self, flow: FlowConfig) -> Result<Self> {
        flow.validate()?;
        if self.method.noise() > 0.0 && flow.stepper != StepperConfig::Euler {
            return Err(CoreError::config(
                "flow.stepper",
                format!(
                    "method `{}` is stochastic: use {{ kind = \"euler\" }} (Euler-Maruyama)",
                    self.method.name()
                ),
            ));
        }
        if flow.remove.is_some() && self.x0.n() < 3 {
            return Err(CoreError::config(
                "flow.remove",
                format!(
                    "needs at least 3 particles to keep two, found {}",
                    self.x0.n()
                ),
            ));
        }
        self.flow = flow;
        Ok(self)
    }

    /// Diagnostics, measured against `target` (the density the KL/L1/MMD/W2 metrics compare
    /// with) when one is given.
    ///
    /// # Errors
    /// [`MetricsConfig::validate`]'s; a target of another dimension.
    pub fn with_metrics(
        mut self,
        metrics: MetricsConfig,
        target: Option<Arc<dyn Target>>,
    ) -> Result<Self> {
        metrics.validate()?;
        if let Some(t) = &target
            && t.dim() != self.x0.d()
        {
            return Err(CoreError::config(
                "target",
                format!(
                    "has dimension {}, the particles have {}",
                    t.dim(),
                    self.x0.d()
                ),
            ));
        }
        let w2_points = metrics.w2_multiple.saturating_mul(self.x0.n());
        if target.is_some() && w2_points > MAX_W2_POINTS {
            return Err(CoreError::config(
                "metrics.w2_multiple",
                format!(
                    "the exact W2 of every logged step would match {w2_points} points \
                     (w2_multiple x n), at most {MAX_W2_POINTS} allowed (its cost grows as the cube)"
                ),
            ));
        }
        self.metrics = metrics;
        self.target = target;
        Ok(self)
    }

    /// The seed of the flow's random draws (noise, removal, metric samples).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Entries the summary carries besides the flow's own (e.g. the method's eps).
    pub fn with_summary(mut self, entries: Vec<(String, Value)>) -> Self {
        self.summary = entries;
        self
    }

    /// Initial positions.
    pub fn initial_positions(&self) -> &Points {
        &self.x0
    }

    /// The density the metrics compare against (`metrics.reference`, else the target).
    pub fn target(&self) -> Option<&Arc<dyn Target>> {
        self.target.as_ref()
    }

    /// The method's name.
    pub fn method_name(&self) -> &'static str {
        self.method.name()
    }

    /// Energy of a configuration of particles with masses `masses`.
    ///
    /// # Errors
    /// [`CoreError::NonFinite`] for a NaN energy.
    pub fn energy_of(&self, positions: &Points, masses: &[f64]) -> Result<f64> {
        let x = positions.to_tensor(&self.device);
        self.method.energy(&x, &self.mass_tensor(masses))
    }

    fn mass_tensor(&self, masses: &[f64]) -> Tensor<1> {
        crate::tensor_from(masses.to_vec(), [masses.len()], &self.device)
    }

    /// Integrates the flow to `flow.t_final`, reporting to `observer`.
    ///
    /// A NaN or a solver failure stops the run early: the outcome then carries the message and
    /// the last good positions, and everything already reported stays reported. So does a
    /// stop the observer requests ([`Observer::stop_requested`], asked once per step).
    ///
    /// # Errors
    /// Only for failures before the first step (the initial energy is not finite).
    pub fn integrate(&self, observer: &mut dyn Observer) -> Result<FlowOutcome> {
        self.integrate_in(observer, None)
    }

    /// [`ParticleFlow::integrate`], continuing from the loaded checkpoint if there is one and,
    /// with `dir`, writing `checkpoint.json` there at the end, at a stop, and at a logged step
    /// when [`CHECKPOINT_SECONDS`] have passed since the last.
    fn integrate_in(&self, observer: &mut dyn Observer, dir: Option<&Path>) -> Result<FlowOutcome> {
        let flow = &self.flow;
        let (steps, dt) = flow.steps();
        let snapshots = self.metrics.snapshots;
        let snapshot_steps: Vec<usize> = (0..snapshots)
            .map(|k| (k * steps + (snapshots - 1) / 2) / (snapshots - 1))
            .collect();
        let removal_step = flow
            .remove
            .as_ref()
            .map(|r| ((r.at / dt).ceil() as usize).clamp(1, steps));
        let diagnostics =
            Diagnostics::new(&self.metrics, self.target.clone(), &self.x0, self.seed)?;
        let mut noise_rng = RunRng::seed_from_u64(self.seed ^ 0xb10b);
        let noise = self.method.noise();
        let mut stepper = flow.stepper.build();
        let start = Instant::now();
        let report = |step: usize,
                      t: f64,
                      positions: &Points,
                      masses: &[f64],
                      observer: &mut dyn Observer|
         -> Result<Vec<(String, f64)>> {
            let energy = self.energy_of(positions, masses)?;
            let mut values = vec![("energy".to_string(), energy)];
            values.extend(diagnostics.evaluate(positions, masses)?);
            values.push(("wall_seconds".into(), start.elapsed().as_secs_f64()));
            observer.scalars(step, t, &values);
            if snapshot_steps.contains(&step) {
                observer.snapshot(step, t, positions);
            }
            Ok(values)
        };
        let mut state = match &self.resumed {
            Some(state) => {
                for (step, t, positions) in &state.snapshots {
                    observer.restore_snapshot(*step, *t, positions);
                }
                stepper.restore(&state.stepper);
                if noise > 0.0 {
                    // One draw per step: the stream continues where it stopped.
                    for _ in 0..state.step {
                        rand::RngExt::random::<u64>(&mut noise_rng);
                    }
                }
                state.clone()
            }
            None => {
                let metrics = report(0, 0.0, &self.x0, &self.m0, observer)?;
                FlowState {
                    step: 0,
                    t: 0.0,
                    dt,
                    positions: self.x0.clone(),
                    masses: self.m0.clone(),
                    stepper: stepper.state(),
                    energy: vec![(0.0, metrics[0].1)],
                    extra: Vec::new(),
                    snapshots: snapshot_steps
                        .contains(&0)
                        .then(|| (0, 0.0, self.x0.clone()))
                        .into_iter()
                        .collect(),
                    metrics,
                }
            }
        };
        let mut m = self.mass_tensor(&state.masses);
        let mut x = state.positions.to_tensor(&self.device);
        let mut stopped = None;
        let mut saved_at = Instant::now();
        for step in state.step + 1..=steps {
            let t = state.t;
            let mut velocity = |s: &Tensor<2>| self.method.velocity(s, &m);
            let mut next = match stepper.advance(x.clone(), dt, &mut velocity) {
                Ok(next) => next,
                Err(e) => {
                    stopped = Some(stop_reason(step, t, &e));
                    break;
                }
            };
            if noise > 0.0 {
                let seed = rand::RngExt::random::<u64>(&mut noise_rng);
                next = next + brownian_increment(&x, seed, (2.0 * noise * dt).sqrt());
            }
            let mut positions = Points::from_tensor(&next);
            if let Some(i) = positions.first_non_finite() {
                stopped = Some(StopReason::NonFinite(format!(
                    "stopped at step {step} (t = {t:.6}): particle {} has a non-finite coordinate; \
                     lower flow.dt or use an adaptive stepper",
                    i / positions.d()
                )));
                break;
            }
            let t = step as f64 * dt;
            if Some(step) == removal_step {
                let before = report(step, t, &positions, &state.masses, observer)?;
                state.energy.push((t, before[0].1));
                state.extra.extend(
                    before
                        .into_iter()
                        .filter(|(k, _)| k == "kl" || k == "energy")
                        .map(|(k, v)| (format!("{k}_before_removal"), v)),
                );
                let fraction = flow.remove.as_ref().map_or(0.0, |r| r.fraction);
                (positions, state.masses) =
                    remove_fraction(&positions, &state.masses, fraction, self.seed)?;
                m = self.mass_tensor(&state.masses);
                next = positions.to_tensor(&self.device);
                stepper = flow.stepper.build();
            }
            x = next;
            state.step = step;
            state.t = t;
            state.positions = positions;
            observer.progress(step, steps);
            let stop = observer.stop_requested();
            let log_now = step % flow.log_every == 0
                || step == steps
                || snapshot_steps.contains(&step)
                || Some(step) == removal_step;
            // A stop between logged steps logs nothing more: the resumed run then logs exactly
            // what the uninterrupted one does.
            if log_now {
                match report(step, t, &state.positions, &state.masses, observer) {
                    Ok(values) => {
                        state.energy.push((t, values[0].1));
                        state.metrics = values;
                    }
                    Err(e) => {
                        stopped = Some(stop_reason(step, t, &e));
                        break;
                    }
                }
                if snapshot_steps.contains(&step) {
                    state.snapshots.push((step, t, state.positions.clone()));
                }
            }
            if let Some(why) = stop {
                stopped = Some(StopReason::Interrupted(format!(
                    "stopped after step {step} of {steps} (t = {t:.6}): {why}"
                )));
                break;
            }
            if let Some(dir) = dir
                && log_now
                && step < steps
                && saved_at.elapsed().as_secs_f64() >= CHECKPOINT_SECONDS
            {
                state.stepper = stepper.state();
                state.save(dir, self.method.name())?;
                saved_at = Instant::now();
            }
        }
        if let Some(dir) = dir
            && !matches!(
                stopped,
                Some(StopReason::NonFinite(_) | StopReason::SolverFailure(_))
            )
        {
            state.stepper = stepper.state();
            state.save(dir, self.method.name())?;
        }
        let mut metrics = state.metrics;
        metrics.retain(|(k, _)| k != "wall_seconds");
        if let Some(internal) = stepper.internal_steps() {
            metrics.push(("internal_steps".into(), internal as f64));
        }
        metrics.extend(state.extra);
        metrics.extend(diagnostics.final_only(&state.positions)?);
        Ok(FlowOutcome {
            steps: state.step,
            t: state.t,
            positions: state.positions,
            metrics,
            energy: state.energy,
            stopped,
        })
    }
}

impl Method for ParticleFlow {
    fn name(&self) -> &'static str {
        self.method.name()
    }

    /// Loads `checkpoint.json`: the same method, dimension and time step, and a `t_final` no
    /// shorter than the time reached (a longer one extends the run).
    fn resume(&mut self, dir: &Path) -> Result<usize> {
        let state = FlowState::load(dir, self.method.name(), self.x0.d())?;
        let (steps, dt) = self.flow.steps();
        if dt.to_bits() != state.dt.to_bits() {
            return Err(CoreError::config(
                "flow.dt",
                format!(
                    "the checkpoint was taken with time step {} and this config steps by {dt}; \
                     a resume keeps the time step (change flow.t_final only)",
                    state.dt
                ),
            ));
        }
        if steps < state.step {
            return Err(CoreError::config(
                "flow.t_final",
                format!(
                    "{} is shorter than the {} steps (t = {}) the run has done",
                    self.flow.t_final, state.step, state.t
                ),
            ));
        }
        let step = state.step;
        self.resumed = Some(state);
        Ok(step)
    }

    /// Integrates (see [`ParticleFlow::integrate`]) and writes `particles_final.csv` into
    /// `dir`; the summary holds the run's size, its energy check and the final metrics.
    fn run(&mut self, observer: &mut dyn Observer, dir: Option<&Path>) -> Result<RunOutcome> {
        let clock = Instant::now();
        let outcome = self.integrate_in(observer, dir)?;
        let wall_seconds = clock.elapsed().as_secs_f64();
        if let Some(dir) = dir {
            outcome
                .positions
                .write_csv(&dir.join("particles_final.csv"))?;
        }
        // Allowance per logged step: round-off (1e-12 relative), or the adaptive stepper's rtol.
        let allowance = self.flow.stepper.rtol().unwrap_or(0.0).max(1e-12);
        let mut summary = self.summary.clone();
        summary.extend(outcome.summary(allowance));
        summary.push(("wall_seconds".into(), wall_seconds.into()));
        Ok(RunOutcome {
            steps: outcome.steps,
            stopped: outcome.stopped,
            summary,
            density: self.target.clone(),
            warnings: Vec::new(),
        })
    }
}

/// Standard normal increments of the shape of `x`, scaled by `scale`, drawn on `x`'s device
/// from a seed (reproducible for a seed on a device).
fn brownian_increment(x: &Tensor<2>, seed: u64, scale: f64) -> Tensor<2> {
    let device = x.device();
    device.seed(seed);
    Tensor::<2>::random(x.dims(), Distribution::Normal(0.0, 1.0), &device).mul_scalar(scale)
}

/// Keeps a seeded random `1 - fraction` of the points, in their original order, with their
/// masses renormalised to sum 1.
fn remove_fraction(
    points: &Points,
    masses: &[f64],
    fraction: f64,
    seed: u64,
) -> Result<(Points, Vec<f64>)> {
    let n = points.n();
    let removed = ((fraction * n as f64).round() as usize).clamp(1, n.saturating_sub(2).max(1));
    let mut gone = sample(&mut RunRng::seed_from_u64(seed ^ 0x0dd), n, removed).into_vec();
    gone.sort_unstable();
    let kept: Vec<f64> = points
        .iter()
        .enumerate()
        .filter(|(i, _)| gone.binary_search(i).is_err())
        .flat_map(|(_, x)| x.iter().copied())
        .collect();
    let kept_masses: Vec<f64> = masses
        .iter()
        .enumerate()
        .filter(|(i, _)| gone.binary_search(i).is_err())
        .map(|(_, m)| *m)
        .collect();
    let total: f64 = kept_masses.iter().sum();
    Ok((
        Points::new(points.d(), kept)?,
        kept_masses.iter().map(|m| m / total).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpu_device;
    use crate::energy::{AggregationEnergy, Evaluation, Interaction};
    use crate::kernel::KernelConfig;

    fn swarm(n: usize) -> ParticleFlow {
        let x0 = Points::new(1, (0..n).map(|i| i as f64 * 0.1).collect()).unwrap();
        let kernel = KernelConfig::Swarming { a: 4.0, b: 2.0 }.build();
        let energy =
            AggregationEnergy::new(Some(Interaction::new(kernel, 16, Evaluation::Auto)), None);
        ParticleFlow::new(Box::new(energy), x0, cpu_device())
    }

    fn removing(fraction: f64) -> FlowConfig {
        FlowConfig {
            dt: 0.1,
            t_final: 1.0,
            remove: Some(RemovalConfig { at: 0.5, fraction }),
            ..FlowConfig::default()
        }
    }

    /// Two particles cannot lose one and keep two: refused when the flow is built, not a panic
    /// at the removal step.
    #[test]
    fn a_removal_from_two_particles_is_refused() {
        let err = swarm(2).with_flow(removing(0.5)).unwrap_err().to_string();
        assert!(
            err.contains("flow.remove") && err.contains("at least 3"),
            "{err}"
        );
        let flow = swarm(3).with_flow(removing(0.9)).unwrap();
        let outcome = flow.integrate(&mut crate::Recorder::default()).unwrap();
        assert_eq!(outcome.positions.n(), 2);
        assert!(outcome.stopped.is_none());
    }

    #[test]
    fn masses_must_match_the_particles() {
        assert!(swarm(4).with_masses(vec![0.5; 3]).is_err());
        assert!(swarm(2).with_masses(vec![1.0, f64::NAN]).is_err());
        assert!(swarm(2).with_masses(vec![0.25, 0.75]).is_ok());
    }
}
