//! The resume point of an RBF training: the current network, the optimiser's state and the
//! training's bookkeeping, written into `resume/` of the run folder at a stop and at the end, so
//! that `meanfield run --resume` continues to exactly the uninterrupted run's numbers. (The best
//! network, the run's model, stays in the folder's own checkpoint.)

use std::path::Path;

use burn::module::Module;
use burn::optim::OptimizerRecord;
use serde::{Deserialize, Serialize};

use super::RbfNetwork;
use super::checkpoint::{CHECKPOINT, save_checkpoint};
use crate::error::{RbfError, Result};

/// The folder of the resume point inside a run folder.
const RESUME: &str = "resume";
const STATE: &str = "state.json";
const OPTIMIZER: &str = "optimizer.bpk";

/// Where a training stands after the evaluation of a step and before its optimiser step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct TrainState {
    /// Steps done.
    pub step: usize,
    /// The best evaluated error so far.
    pub best: Option<f64>,
    /// The step of the best network.
    pub best_step: usize,
    /// Evaluations since the last improvement by `min_improvement`.
    pub stale: usize,
    /// The loss history `(t, loss)`.
    pub energy: Vec<(f64, f64)>,
}

/// A loaded resume point.
pub(crate) struct ResumePoint {
    pub state: TrainState,
    /// The network the next step starts from.
    pub current: RbfNetwork,
    /// The best network so far.
    pub best: RbfNetwork,
    /// The optimiser's state (Adam's moments, L-BFGS's history).
    pub optimizer: OptimizerRecord,
}

impl std::fmt::Debug for ResumePoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResumePoint")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// Writes the resume point into `dir/resume`: first into a temporary folder, then renamed over
/// the last one, so that a crash leaves either the old point or the new one whole.
///
/// # Errors
/// [`RbfError::File`] naming what could not be written.
pub(crate) fn save(
    dir: &Path,
    state: &TrainState,
    current: &RbfNetwork,
    optimizer: OptimizerRecord,
) -> Result<()> {
    let tmp = dir.join(".resume.tmp");
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| RbfError::file(&tmp, "cannot remove", e))?;
    }
    std::fs::create_dir_all(&tmp).map_err(|e| RbfError::file(&tmp, "cannot create", e))?;
    save_checkpoint(current, &tmp)?;
    let path = tmp.join(OPTIMIZER);
    optimizer
        .save(&path)
        .map_err(|e| RbfError::file(&path, "cannot write the optimiser state", e))?;
    let path = tmp.join(STATE);
    let text = serde_json::to_vec_pretty(state).expect("a training state serialises");
    meanfield_core::atomic::write_atomic(&path, &text)
        .map_err(|e| RbfError::file(&path, "cannot write", e))?;
    let (path, old) = (dir.join(RESUME), dir.join(".resume.old"));
    if path.exists() {
        std::fs::rename(&path, &old).map_err(|e| RbfError::file(&path, "cannot replace", e))?;
    }
    std::fs::rename(&tmp, &path).map_err(|e| RbfError::file(&path, "cannot write", e))?;
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(|e| RbfError::file(&old, "cannot remove", e))?;
    }
    Ok(())
}

/// Loads the resume point of the run folder `dir`, each network into a `fresh` one (which sets
/// what is trained and the parameter ids the optimiser's state refers to).
///
/// # Errors
/// [`RbfError::File`] for a missing or corrupt file, naming it.
pub(crate) fn load(dir: &Path, fresh: impl Fn() -> RbfNetwork) -> Result<ResumePoint> {
    let folder = dir.join(RESUME);
    let path = folder.join(STATE);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        RbfError::file(
            &path,
            "cannot read the resume point (written at a stop and at the end)",
            e,
        )
    })?;
    let state: TrainState = serde_json::from_str(&text)
        .map_err(|e| RbfError::file(&path, "corrupt training state", e))?;
    let network = |path: &Path| {
        fresh()
            .try_load_file(path)
            .map_err(|e| RbfError::file(path, "cannot load checkpoint", e))
    };
    let current = network(&folder.join(CHECKPOINT))?;
    let best = network(&dir.join(CHECKPOINT))?;
    let path = folder.join(OPTIMIZER);
    let optimizer = OptimizerRecord::load(&path)
        .map_err(|e| RbfError::file(&path, "cannot load the optimiser state", e))?;
    Ok(ResumePoint {
        state,
        current,
        best,
        optimizer,
    })
}
