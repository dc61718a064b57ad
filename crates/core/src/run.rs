//! The contract between a method and the run driver: every method (the particle flows here,
//! and each trainer built on this crate) runs to an end or a stop, reports to an [`Observer`]
//! as it goes, writes its own files into the run folder, and returns one [`RunOutcome`].

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use crate::target::Target;
use crate::{CoreError, Observer, Result};

/// Why a run stopped before its end. The message says at which step and what was found.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum StopReason {
    /// A value that must be finite (a coordinate, an energy, a loss) is NaN or infinite.
    NonFinite(String),
    /// Values grew beyond any meaning (samples beyond 1e150).
    Diverged(String),
    /// A solver or an adaptive integrator gave up.
    SolverFailure(String),
    /// The run was interrupted from outside.
    Interrupted(String),
}

impl StopReason {
    /// The short name written into `summary.json` as `stop_reason`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::NonFinite(_) => "non_finite",
            Self::Diverged(_) => "diverged",
            Self::SolverFailure(_) => "solver_failure",
            Self::Interrupted(_) => "interrupted",
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        match self {
            Self::NonFinite(m)
            | Self::Diverged(m)
            | Self::SolverFailure(m)
            | Self::Interrupted(m) => m,
        }
    }
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

/// How a run ended, in the one shape the driver writes into `summary.json`.
#[derive(Debug, Clone, Default)]
pub struct RunOutcome {
    /// Steps (or iterations) completed, counting those before a resume.
    pub steps: usize,
    /// `Some` when the run stopped early; everything reported until then stays valid.
    pub stopped: Option<StopReason>,
    /// The method's own results, in order (final metrics, checks such as energy
    /// monotonicity or a first integral), each a `summary.json` entry.
    pub summary: Vec<(String, Value)>,
    /// The density the driver's figures draw under the particles, when there is one.
    pub density: Option<Arc<dyn Target>>,
    /// What the user should know about the result (a plan that is not optimal, a cost far
    /// from its reference): `summary.json`'s `warnings`, and one `warning:` line each on
    /// stderr.
    pub warnings: Vec<String>,
}

impl RunOutcome {
    /// Appends a summary entry.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) {
        self.summary.push((key.into(), value.into()));
    }
}

/// A method the run driver can run.
pub trait Method {
    /// The name written into summaries (`"blob"`, `"svgd"`, ...).
    fn name(&self) -> &'static str;

    /// Loads the checkpoint in `dir` so that [`Method::run`] continues from it; returns the
    /// step it continues at. Nothing in `dir` is changed.
    ///
    /// # Errors
    /// A missing, corrupt or incompatible checkpoint; by default, that the method cannot
    /// resume.
    fn resume(&mut self, dir: &Path) -> Result<usize> {
        Err(CoreError::config(
            "--resume",
            format!("{}: `{}` runs cannot resume", dir.display(), self.name()),
        ))
    }

    /// Runs to the end or to a stop, reporting to `observer`; with `dir`, writes checkpoints
    /// and the method's own files (final particles, method-specific figures) there.
    ///
    /// # Errors
    /// Failures before the first step and file errors; a stop during the run is not an error
    /// but [`RunOutcome::stopped`].
    fn run(&mut self, observer: &mut dyn Observer, dir: Option<&Path>) -> Result<RunOutcome>;

    /// Draws the method's own figures of the last run into `dir` (called after
    /// `summary.json` is written, so a drawing error loses nothing else).
    ///
    /// # Errors
    /// Drawing and write errors.
    fn figures(&mut self, _dir: &Path) -> Result<()> {
        Ok(())
    }

    /// What a stopped run leaves behind in `dir`, for the stop's error line.
    fn kept_on_stop(&self, _dir: &Path) -> String {
        "everything up to then is in the folder".into()
    }
}
