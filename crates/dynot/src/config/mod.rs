//! `[transport]` (with `method = "dynamic_ot"`): the dynamic optimal transport problem of
//! meanfield-dynot (trajectories, terminal penalty, obstacles, optimiser).

use serde::{Deserialize, Serialize};

use meanfield_core::validate::{check_len, check_positive};
use meanfield_core::{CoreError, InitConfig, Result};
mod endpoint;
mod regions;

pub use endpoint::EndpointTarget;
pub use regions::{AccelerationConfig, QuicksandConfig, RegionConfig};

/// How the trajectories start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathInit {
    /// Straight lines from each source point to the target's centre of mass.
    #[default]
    CenterOfMass,
    /// Straight lines along the exact assignment (empirical targets with M = N, no
    /// obstacles).
    Assignment,
}

/// The optimiser of the trajectories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathOptimizer {
    /// Full-batch gradient descent with plateau learning-rate reduction (the reference method).
    #[default]
    Gd,
    /// burn's Adam.
    Adam,
    /// burn's L-BFGS with a strong-Wolfe line search.
    Lbfgs,
}

impl PathOptimizer {
    /// The name in the config (`gd`, `adam`, `lbfgs`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Gd => "gd",
            Self::Adam => "adam",
            Self::Lbfgs => "lbfgs",
        }
    }
}

/// Anneal `delta` and `eps_pen` geometrically from `start_factor` times their final values
/// down to them, over `stages` equal shares of the iterations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnealConfig {
    /// Number of stages (>= 2).
    pub stages: usize,
    /// Initial multiple of delta (>= 1).
    #[serde(default = "ten")]
    pub delta_factor: f64,
    /// Initial multiple of eps_pen (>= 1).
    #[serde(default = "ten")]
    pub eps_pen_factor: f64,
}

/// `[transport]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransportConfig {
    /// Number of time steps L (>= 1): levels `x^0..x^L`, `dt = 1/L`.
    pub levels: usize,
    /// The terminal target.
    #[serde(default)]
    pub target: EndpointTarget,
    /// Mollifier width of the terminal penalty (omit for `N^(-0.99/d)`, the
    /// paper's choice for unit-scale data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta: Option<f64>,
    /// Penalty parameter (> 0): the terminal term is `(1/eps_pen) ||phi * (rho(1) - rhobar)||^2`.
    pub eps_pen: f64,
    /// Quadrature cells per axis for a continuum target without a closed form.
    #[serde(default = "default_cells")]
    pub quadrature_cells: usize,
    /// Optimiser.
    #[serde(default)]
    pub optimizer: PathOptimizer,
    /// Learning rate (> 0); for L-BFGS the initial step.
    pub lr: f64,
    /// Optimiser iterations (>= 1).
    pub iterations: usize,
    /// GD only: divide the learning rate by 2 after this many iterations without a new best
    /// objective (0: never).
    #[serde(default = "default_patience")]
    pub plateau_patience: usize,
    /// Stop when the best objective improved by less than this relative amount over
    /// `stop_window` iterations.
    #[serde(default = "default_stop_tol")]
    pub stop_tol: f64,
    /// Window of the early-stopping test (0: never stop early).
    #[serde(default = "default_stop_window")]
    pub stop_window: usize,
    /// Initial trajectories.
    #[serde(default)]
    pub init: PathInit,
    /// Annealing of delta and eps_pen (omit for none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anneal: Option<AnnealConfig>,
    /// Between optimiser rounds, make discrete moves no gradient step makes: re-match the end
    /// points exactly (straight lines to them), fill holes of the terminal measure, and around
    /// 2-D obstacles re-route the paths along geodesics. Not with quicksand or acceleration
    /// control.
    #[serde(default = "yes")]
    pub reassign: bool,
    /// Extra starts from seeded perturbations of the initial paths; the best is kept.
    #[serde(default)]
    pub restarts: usize,
    /// Standard deviation of the restart perturbation of the interior levels.
    #[serde(default = "default_perturbation")]
    pub perturbation: f64,
    /// Obstacles (penalised on every segment between levels, so no path tunnels through).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub obstacles: Vec<RegionConfig>,
    /// Penalty weight `1/eps_obs` on the squared penetration depth (> 0).
    #[serde(default = "default_obstacle_weight")]
    pub obstacle_weight: f64,
    /// Quicksand patches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quicksand: Vec<QuicksandConfig>,
    /// Width of the smoothed edge of a quicksand patch (> 0).
    #[serde(default = "default_edge")]
    pub quicksand_edge: f64,
    /// Weight of the kinetic energy (>= 0; 0 with acceleration control alone).
    #[serde(default = "one")]
    pub kinetic_weight: f64,
    /// Acceleration control (omit for none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acceleration: Option<AccelerationConfig>,
    /// After the solve, push `push_multiple x N` new source points (drawn from
    /// `[particles.init]`, which must be random) through the learned map and compare their MMD
    /// to the target with that of as many i.i.d. target samples (0: off).
    #[serde(default)]
    pub push_multiple: usize,
    /// How the objective and its gradient are evaluated: `auto` takes the fused host path on
    /// the CPU when there are no obstacles, quicksand or acceleration; `tensor` always uses
    /// the autodiff expression (the reference).
    #[serde(default)]
    pub evaluation: meanfield_core::energy::Evaluation,
    /// Log every this many iterations.
    #[serde(default = "default_log_every")]
    pub log_every: usize,
}

fn yes() -> bool {
    true
}
fn one() -> f64 {
    1.0
}
fn ten() -> f64 {
    10.0
}
fn default_cells() -> usize {
    64
}
fn default_patience() -> usize {
    50
}
fn default_stop_tol() -> f64 {
    1e-6
}
fn default_stop_window() -> usize {
    200
}
fn default_perturbation() -> f64 {
    0.05
}
fn default_obstacle_weight() -> f64 {
    1e3
}
fn default_edge() -> f64 {
    0.02
}
/// `v >= 1` and not NaN.
fn is_at_least_one(v: f64) -> bool {
    v >= 1.0
}

fn default_log_every() -> usize {
    10
}

impl TransportConfig {
    /// Checks what the sources must allow: `push_multiple` draws new sources from a random
    /// `[particles.init]` and compares them with a `[target]`.
    ///
    /// # Errors
    /// [`CoreError::Config`] under `transport.push_multiple`.
    pub fn validate_sources(&self, init: &InitConfig, has_target: bool) -> Result<()> {
        let fixed = matches!(init, InitConfig::Grid { .. } | InitConfig::Csv { .. });
        if self.push_multiple > 0 && (fixed || !has_target) {
            return Err(CoreError::config(
                "transport.push_multiple",
                "needs a random [particles.init] to draw new sources from and a [target] to compare with",
            ));
        }
        Ok(())
    }

    /// `[transport]` to `target` over `levels` time steps, with penalty `eps_pen` and plain
    /// gradient descent of step `lr` for `iterations`; every other field at its default.
    pub fn new(
        target: EndpointTarget,
        levels: usize,
        eps_pen: f64,
        lr: f64,
        iterations: usize,
    ) -> Self {
        Self {
            levels,
            target,
            delta: None,
            eps_pen,
            quadrature_cells: default_cells(),
            optimizer: PathOptimizer::default(),
            lr,
            iterations,
            plateau_patience: default_patience(),
            stop_tol: default_stop_tol(),
            stop_window: default_stop_window(),
            init: PathInit::default(),
            anneal: None,
            reassign: yes(),
            restarts: 0,
            perturbation: default_perturbation(),
            obstacles: Vec::new(),
            obstacle_weight: default_obstacle_weight(),
            quicksand: Vec::new(),
            quicksand_edge: default_edge(),
            kinetic_weight: one(),
            acceleration: None,
            push_multiple: 0,
            evaluation: meanfield_core::energy::Evaluation::default(),
            log_every: default_log_every(),
        }
    }

    /// Checks ranges against the particle dimension `d` and count `n`.
    ///
    /// # Errors
    /// [`CoreError::Config`] naming the key.
    pub fn validate(&self, d: Option<usize>, n: usize) -> Result<()> {
        if self.levels < 1 {
            return Err(CoreError::config(
                "transport.levels",
                "must be >= 1 (L time steps)",
            ));
        }
        check_positive("transport.eps_pen", self.eps_pen)?;
        check_positive("transport.lr", self.lr)?;
        check_positive("transport.obstacle_weight", self.obstacle_weight)?;
        check_positive("transport.quicksand_edge", self.quicksand_edge)?;
        if let Some(v) = self.delta {
            check_positive("transport.delta", v)?;
        }
        if !(self.kinetic_weight.is_finite() && self.kinetic_weight >= 0.0) {
            return Err(CoreError::config(
                "transport.kinetic_weight",
                "must be finite and >= 0",
            ));
        }
        if !(self.perturbation.is_finite() && self.perturbation >= 0.0) {
            return Err(CoreError::config(
                "transport.perturbation",
                "must be finite and >= 0",
            ));
        }
        if self.iterations == 0 || self.log_every == 0 || self.quadrature_cells < 2 {
            return Err(CoreError::config(
                "transport.iterations",
                "iterations and log_every must be >= 1, quadrature_cells >= 2",
            ));
        }
        if let Some(a) = &self.anneal
            && (a.stages < 2
                || !is_at_least_one(a.delta_factor)
                || !is_at_least_one(a.eps_pen_factor))
        {
            return Err(CoreError::config(
                "transport.anneal",
                "needs stages >= 2 and delta_factor, eps_pen_factor >= 1",
            ));
        }
        match &self.target {
            EndpointTarget::Samples { m } if *m == 0 => {
                return Err(CoreError::config("transport.target.m", "must be >= 1"));
            }
            EndpointTarget::Affine { scale, shift } => {
                check_len("transport.target.scale", scale, d)?;
                check_len("transport.target.shift", shift, d)?;
            }
            _ => {}
        }
        if self.init == PathInit::Assignment {
            let empirical_n = match &self.target {
                EndpointTarget::Samples { m } => Some(*m),
                EndpointTarget::Affine { .. } => Some(n),
                EndpointTarget::Csv { .. } => None,
                EndpointTarget::Continuum => {
                    return Err(CoreError::config(
                        "transport.init",
                        "`assignment` needs an empirical target (samples, csv or affine)",
                    ));
                }
            };
            if empirical_n.is_some_and(|m| m != n) {
                return Err(CoreError::config(
                    "transport.init",
                    format!("`assignment` needs as many target points as particles ({n})"),
                ));
            }
            if !self.obstacles.is_empty() {
                return Err(CoreError::config(
                    "transport.init",
                    "`assignment` ignores obstacles; use `center_of_mass`",
                ));
            }
        }
        let Some(d) = d else { return Ok(()) };
        for (i, r) in self.obstacles.iter().enumerate() {
            r.validate(&format!("transport.obstacles[{i}]"), d)?;
        }
        for (i, q) in self.quicksand.iter().enumerate() {
            q.region
                .validate(&format!("transport.quicksand[{i}].region"), d)?;
            check_positive(&format!("transport.quicksand[{i}].factor"), q.factor)?;
        }
        if let Some(a) = &self.acceleration {
            if self.levels < 2 {
                return Err(CoreError::config(
                    "transport.levels",
                    "acceleration control needs levels >= 2",
                ));
            }
            check_positive("transport.acceleration.weight", a.weight)?;
            check_len(
                "transport.acceleration.initial_velocity",
                &a.initial_velocity,
                Some(d),
            )?;
            check_len(
                "transport.acceleration.terminal_velocity",
                &a.terminal_velocity,
                Some(d),
            )?;
        }
        Ok(())
    }
}
