//! `[particles]`: how many particles, where they start, and their masses.

use crate::RunRng;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use crate::target::TargetConfig;
use crate::{CoreError, InitConfig, Points, Result};

/// `[particles]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParticlesConfig {
    /// Number of particles N (>= 2), each of mass 1/N.
    pub n: usize,
    /// Initial positions: required by every method but `rbf_network`, whose centres start on
    /// a data subsample without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init: Option<InitConfig>,
    /// Masses proportional to this density at the initial positions (default: equal masses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<TargetConfig>,
}

impl ParticlesConfig {
    /// Checks `n` and the initialiser (its files are read later, by [`Self::initial_state`]).
    ///
    /// # Errors
    /// [`CoreError::Config`] naming the key.
    pub fn validate(&self) -> Result<()> {
        if self.n < 2 {
            return Err(CoreError::config(
                "particles.n",
                format!("must be >= 2, found {}", self.n),
            ));
        }
        // Positions, masses, stepper stages and their tensors: about 32 copies of n x d.
        let d = self.dim().unwrap_or(1) as f64;
        crate::bounds::check_bytes(
            "particles.n",
            "the particles",
            32.0 * 8.0 * d * self.n as f64,
        )?;
        match &self.init {
            Some(init) => init.validate("particles.init", self.n),
            None => Ok(()),
        }
    }

    /// The initialiser.
    ///
    /// # Errors
    /// [`CoreError::Config`] when `[particles.init]` is missing.
    pub fn init(&self) -> Result<&InitConfig> {
        self.init.as_ref().ok_or_else(|| {
            CoreError::config("particles.init", "missing: say how the particles start")
        })
    }

    /// Dimension of the particles, if it can be known before reading files.
    pub fn dim(&self) -> Option<usize> {
        self.init.as_ref().and_then(InitConfig::dim)
    }

    /// The initial positions, seeded by `seed`.
    ///
    /// # Errors
    /// Initialiser errors (CSV files, sizes).
    pub fn initial_positions(&self, seed: u64) -> Result<Points> {
        let mut rng = RunRng::seed_from_u64(seed);
        self.init()?.sample(self.n, &mut rng)
    }

    /// Initial positions and masses: equal masses, or masses proportional to `weights` at the
    /// positions, particles where that density vanishes left out (a grid over a box holding a
    /// round support).
    ///
    /// # Errors
    /// Initialiser errors; [`CoreError::Config`] when fewer than two particles carry weight.
    pub fn initial_state(&self, seed: u64) -> Result<(Points, Vec<f64>)> {
        self.weighted(self.initial_positions(seed)?)
    }

    /// The positions `x0` with their masses (see [`Self::initial_state`]).
    ///
    /// # Errors
    /// [`CoreError::Config`] when fewer than two particles carry weight.
    pub fn weighted(&self, x0: Points) -> Result<(Points, Vec<f64>)> {
        let n = x0.n();
        let Some(weights) = &self.weights else {
            return Ok((x0, vec![1.0 / n as f64; n]));
        };
        let density = weights.build_for("particles.weights", x0.d())?;
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
}
