//! A particle flow: from a [`RunConfig`] and a [`ParticleMethod`] to a trajectory, reporting to
//! an [`Observer`].

mod diagnostics;
mod method;

pub use diagnostics::{Diagnostics, padded_box};
pub use method::ParticleMethod;

use std::sync::Arc;
use std::time::Instant;

use burn::tensor::{Device, Distribution, Tensor};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::index::sample;

use crate::energy::{AggregationEnergy, Interaction};
use crate::stepper::StepperConfig;
use crate::target::Target;
use crate::{CoreError, MethodKind, Observer, Points, Result, RunConfig};

/// A built particle-flow problem.
#[derive(Debug)]
pub struct ParticleFlow {
    config: RunConfig,
    device: Device,
    x0: Points,
    m0: Vec<f64>,
    method: Box<dyn ParticleMethod>,
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

/// The target of a config, built and checked against the particles' dimension.
///
/// # Errors
/// Target config and file errors; a dimension mismatch.
pub fn build_target(config: &RunConfig, d: usize) -> Result<Option<Arc<dyn Target>>> {
    let Some(t) = &config.target else {
        return Ok(None);
    };
    let target: Arc<dyn Target> = t.build("target")?.into();
    if target.dim() != d {
        return Err(CoreError::config(
            "target",
            format!("has dimension {}, the particles have {d}", target.dim()),
        ));
    }
    Ok(Some(target))
}

/// The `[energy]` table (interaction and drift) of a config; `None` when it is empty.
///
/// # Errors
/// Kernel and drift config errors.
pub fn build_energy(
    config: &RunConfig,
    d: usize,
    target: Option<Arc<dyn Target>>,
) -> Result<Option<AggregationEnergy>> {
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
            Some(drift.build("energy.drift", target)?)
        }
        None => None,
    };
    Ok((interaction.is_some() || drift.is_some())
        .then(|| AggregationEnergy::new(interaction, drift)))
}

/// The initial positions of a config (seeded by `config.seed`).
///
/// # Errors
/// Initialiser errors (CSV files, sizes).
pub fn initial_positions(config: &RunConfig) -> Result<Points> {
    let mut rng = StdRng::seed_from_u64(config.seed);
    config
        .particles()
        .init
        .sample(config.particles().n, &mut rng)
}

impl ParticleFlow {
    /// The aggregation-drift flow of a validated config (`method = "aggregation"`), on `device`.
    ///
    /// # Errors
    /// Config and file errors (CSV initialisers, PNG targets), dimension mismatches, and a
    /// config that asks for another method (build those with [`ParticleFlow::with_method`]).
    pub fn new(config: &RunConfig, device: Device) -> Result<Self> {
        if config.method != MethodKind::Aggregation {
            return Err(CoreError::config(
                "method",
                format!(
                    "`{}` is built by the meanfield-rbf crate",
                    config.method.name()
                ),
            ));
        }
        let x0 = initial_positions(config)?;
        let target = build_target(config, x0.d())?;
        let energy = build_energy(config, x0.d(), target.clone())?
            .ok_or_else(|| CoreError::config("energy", "needs a `kernel`, a `drift`, or both"))?;
        Self::with_method(config, device, Box::new(energy))
    }

    /// A flow of any particle method over the config's particles, target and time stepping.
    ///
    /// # Errors
    /// Config and file errors; a stochastic method with a stepper other than Euler.
    pub fn with_method(
        config: &RunConfig,
        device: Device,
        method: Box<dyn ParticleMethod>,
    ) -> Result<Self> {
        config.validate()?;
        if method.noise() > 0.0 && config.flow.stepper != StepperConfig::Euler {
            return Err(CoreError::config(
                "flow.stepper",
                format!(
                    "method `{}` is stochastic: use {{ kind = \"euler\" }} (Euler-Maruyama)",
                    method.name()
                ),
            ));
        }
        let (x0, m0) = initial_state(config)?;
        let target = match &config.metrics.reference {
            Some(reference) => {
                let r: Arc<dyn Target> = reference.build("metrics.reference")?.into();
                if r.dim() != x0.d() {
                    return Err(CoreError::config(
                        "metrics.reference",
                        format!("has dimension {}, the particles have {}", r.dim(), x0.d()),
                    ));
                }
                Some(r)
            }
            None => build_target(config, x0.d())?,
        };
        Ok(Self {
            config: config.clone(),
            device,
            x0,
            m0,
            method,
            target,
        })
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
        let removal_step = flow
            .remove
            .as_ref()
            .map(|r| ((r.at / dt).ceil() as usize).clamp(1, steps));
        let diagnostics = Diagnostics::new(
            &self.config.metrics,
            self.target.clone(),
            &self.x0,
            self.config.seed,
        )?;
        let mut noise_rng = StdRng::seed_from_u64(self.config.seed ^ 0xb10b);
        let noise = self.method.noise();
        let mut masses = self.m0.clone();
        let mut m = self.mass_tensor(&masses);
        let mut stepper = flow.stepper.build();
        let mut x = self.x0.to_tensor(&self.device);
        let mut last_good = self.x0.clone();
        let mut t = 0.0;
        let mut done = 0;
        let mut stopped = None;
        let mut extra = Vec::new();
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
        let mut metrics = report(0, 0.0, &self.x0, &masses, observer)?;
        for step in 1..=steps {
            let mut velocity = |s: &Tensor<2>| self.method.velocity(s, &m);
            let mut next = match stepper.advance(x.clone(), dt, &mut velocity) {
                Ok(next) => next,
                Err(e) => {
                    stopped = Some(format!("stopped at step {step} (t = {t:.6}): {e}"));
                    break;
                }
            };
            if noise > 0.0 {
                let seed = rand::Rng::random::<u64>(&mut noise_rng);
                next = next + brownian_increment(&x, seed, (2.0 * noise * dt).sqrt());
            }
            let mut positions = Points::from_tensor(&next);
            if let Some(i) = positions.first_non_finite() {
                stopped = Some(format!(
                    "stopped at step {step} (t = {t:.6}): particle {} has a non-finite coordinate; \
                     lower flow.dt or use an adaptive stepper",
                    i / positions.d()
                ));
                break;
            }
            t = step as f64 * dt;
            done = step;
            if Some(step) == removal_step {
                let before = report(step, t, &positions, &masses, observer)?;
                extra.extend(
                    before
                        .into_iter()
                        .filter(|(k, _)| k == "kl" || k == "energy")
                        .map(|(k, v)| (format!("{k}_before_removal"), v)),
                );
                let fraction = flow.remove.as_ref().map_or(0.0, |r| r.fraction);
                (positions, masses) =
                    remove_fraction(&positions, &masses, fraction, self.config.seed)?;
                m = self.mass_tensor(&masses);
                next = positions.to_tensor(&self.device);
                stepper = flow.stepper.build();
            }
            x = next;
            last_good = positions;
            observer.progress(step, steps);
            if step % flow.log_every == 0
                || step == steps
                || snapshot_steps.contains(&step)
                || Some(step) == removal_step
            {
                match report(step, t, &last_good, &masses, observer) {
                    Ok(values) => metrics = values,
                    Err(e) => {
                        stopped = Some(format!("stopped at step {step} (t = {t:.6}): {e}"));
                        break;
                    }
                }
            }
        }
        metrics.retain(|(k, _)| k != "wall_seconds");
        if let Some(internal) = stepper.internal_steps() {
            metrics.push(("internal_steps".into(), internal as f64));
        }
        metrics.extend(extra);
        metrics.extend(diagnostics.final_only(&last_good)?);
        Ok(FlowOutcome {
            steps: done,
            t,
            positions: last_good,
            metrics,
            stopped,
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
    let removed = ((fraction * n as f64).round() as usize).clamp(1, n - 2);
    let mut gone = sample(&mut StdRng::seed_from_u64(seed ^ 0x0dd), n, removed).into_vec();
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

/// Initial positions and masses: equal masses, or masses proportional to `particles.weights`
/// at the positions, particles where that density vanishes left out (a grid over a box holding
/// a round support).
///
/// # Errors
/// Initialiser errors; [`CoreError::Config`] when fewer than two particles carry weight.
pub fn initial_state(config: &RunConfig) -> Result<(Points, Vec<f64>)> {
    let x0 = initial_positions(config)?;
    let n = x0.n();
    let Some(weights) = &config.particles().weights else {
        return Ok((x0, vec![1.0 / n as f64; n]));
    };
    let density = weights.build("particles.weights")?;
    if density.dim() != x0.d() {
        return Err(CoreError::config(
            "particles.weights",
            format!(
                "has dimension {}, the particles have {}",
                density.dim(),
                x0.d()
            ),
        ));
    }
    let (kept, w): (Vec<&[f64]>, Vec<f64>) = x0
        .iter()
        .map(|x| (x, density.density(x)))
        .filter(|(_, w)| w.is_finite() && *w > 0.0)
        .unzip();
    if kept.len() < 2 {
        return Err(CoreError::config(
            "particles.weights",
            format!(
                "only {} particle(s) sit where the density is > 0",
                kept.len()
            ),
        ));
    }
    let total: f64 = w.iter().sum();
    let points = Points::new(x0.d(), kept.concat())?;
    Ok((points, w.iter().map(|v| v / total).collect()))
}
