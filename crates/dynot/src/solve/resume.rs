//! The resume point of an interrupted dynamic OT solve, written into `resume/` of the run
//! folder: where the starts, the stage's rounds and the interrupted optimiser round stood
//! (`state.cbor`, f64 values exact), and the optimiser's state (`optimizer.bpk`: Adam's
//! moments, L-BFGS's history). `meanfield run --resume` continues from it to exactly the
//! uninterrupted run's trajectories and logs (but for the wall clock, which restarts).

use std::path::Path;

use burn::optim::OptimizerRecord;
use meanfield_core::CoreError;
use serde::{Deserialize, Serialize};

use super::rounds::{RoundsCursor, StageResume};
use super::stage::{RoundCursor, RoundResume};

/// The folder of the resume point inside a run folder, and the names it has while a new one
/// replaces it.
const RESUME: &str = "resume";
const NEW: &str = ".resume.tmp";
const OLD: &str = ".resume.old";
const STATE: &str = "state.cbor";
const OPTIMIZER: &str = "optimizer.bpk";
/// Format version; a resume point of another version is refused.
const VERSION: u32 = 1;

/// Where the starts stood when the interrupted stage began.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct SolveCursor {
    pub(super) start: usize,
    pub(super) stage: usize,
    /// Iterations left for the later stages, after this stage's share was taken.
    pub(super) left: usize,
    pub(super) share: usize,
    /// The best finished start: objective, free levels, start.
    pub(super) best: Option<(f64, Vec<f64>, usize)>,
    pub(super) phases: Vec<String>,
    pub(super) reassigned: usize,
}

/// An interrupted solve: enough to continue it.
pub(crate) struct SolveResume {
    pub(super) cursor: SolveCursor,
    pub(super) stage: StageResume,
}

impl std::fmt::Debug for SolveResume {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SolveResume")
            .field("cursor", &self.cursor)
            .finish_non_exhaustive()
    }
}

/// What `state.cbor` holds.
#[derive(Serialize, Deserialize)]
struct Stored {
    version: u32,
    /// [`fingerprint`] of the problem and settings the solve ran.
    problem: u64,
    /// The global iteration the interrupt came after.
    step: usize,
    solve: SolveCursor,
    rounds: RoundsCursor,
    round: RoundCursor,
}

/// FNV-1a of `text`: a fingerprint of a problem's description.
pub(crate) fn fingerprint(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn file_error(path: &Path, what: &str, e: impl std::fmt::Display) -> CoreError {
    CoreError::file(path, format!("{what}: {e}"))
}

impl SolveResume {
    /// The global iteration the interrupt came after (the last one evaluated and logged).
    pub(crate) fn step(&self) -> usize {
        self.stage.cursor.done + self.stage.round.cursor.it
    }

    /// Writes the point into `dir/resume`: first into a temporary folder, then renamed over
    /// the last one, so that a crash leaves either the old point or the new one whole.
    /// `problem` is the [`fingerprint`] of what was solved.
    ///
    /// # Errors
    /// A file that cannot be written, named.
    pub(crate) fn save(self, dir: &Path, problem: u64) -> meanfield_core::Result<()> {
        let step = self.step();
        let SolveResume { cursor, stage } = self;
        let StageResume {
            cursor: rounds,
            round,
        } = stage;
        let RoundResume {
            cursor: round,
            optimizer,
        } = round;
        let tmp = dir.join(NEW);
        let io = |path: &Path, what: &str, e: std::io::Error| file_error(path, what, e);
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(|e| io(&tmp, "cannot remove", e))?;
        }
        std::fs::create_dir_all(&tmp).map_err(|e| io(&tmp, "cannot create", e))?;
        let path = tmp.join(OPTIMIZER);
        optimizer
            .save(&path)
            .map_err(|e| file_error(&path, "cannot write the optimiser state", e))?;
        let stored = Stored {
            version: VERSION,
            problem,
            step,
            solve: cursor,
            rounds,
            round,
        };
        let mut bytes = Vec::new();
        ciborium::into_writer(&stored, &mut bytes).expect("a solve state serialises");
        let path = tmp.join(STATE);
        meanfield_core::atomic::write_atomic(&path, &bytes)
            .map_err(|e| io(&path, "cannot write", e))?;
        let (path, old) = (dir.join(RESUME), dir.join(OLD));
        if path.exists() {
            std::fs::rename(&path, &old).map_err(|e| io(&path, "cannot replace", e))?;
        }
        std::fs::rename(&tmp, &path).map_err(|e| io(&path, "cannot write", e))?;
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(|e| io(&old, "cannot remove", e))?;
        }
        Ok(())
    }

    /// Removes the resume point of `dir` (a finished solve has nothing to continue).
    ///
    /// # Errors
    /// A folder that cannot be removed, named.
    pub(crate) fn remove(dir: &Path) -> meanfield_core::Result<()> {
        for name in [RESUME, NEW, OLD] {
            let path = dir.join(name);
            if path.exists() {
                std::fs::remove_dir_all(&path)
                    .map_err(|e| file_error(&path, "cannot remove", e))?;
            }
        }
        Ok(())
    }

    /// Loads the resume point of the run folder `dir` (or, after a crash between the two
    /// renames of [`save`](Self::save), the one before it), refusing one of another problem
    /// (`problem`, its [`fingerprint`]) or another format.
    ///
    /// # Errors
    /// A missing or corrupt file, named; a changed problem or settings.
    pub(crate) fn load(dir: &Path, problem: u64) -> meanfield_core::Result<Self> {
        let mut folder = dir.join(RESUME);
        if !folder.exists() && dir.join(OLD).exists() {
            folder = dir.join(OLD);
        }
        let path = folder.join(STATE);
        let bytes = std::fs::read(&path).map_err(|e| {
            file_error(
                &path,
                "cannot read the resume point (written when a dynamic_ot run is interrupted, removed when it finishes)",
                e,
            )
        })?;
        let stored: Stored = ciborium::from_reader(bytes.as_slice())
            .map_err(|e| file_error(&path, "corrupt resume point", e))?;
        if stored.version != VERSION {
            return Err(file_error(
                &path,
                "cannot resume",
                format!(
                    "format version {} (this build reads {VERSION})",
                    stored.version
                ),
            ));
        }
        if stored.problem != problem {
            return Err(CoreError::config(
                "--set",
                format!(
                    "{}: the problem or its [transport] settings differ from those the run started with; a dynamic_ot run resumes only with its own",
                    dir.display()
                ),
            ));
        }
        let path = folder.join(OPTIMIZER);
        let optimizer = OptimizerRecord::load(&path)
            .map_err(|e| file_error(&path, "cannot load the optimiser state", e))?;
        let point = Self {
            cursor: stored.solve,
            stage: StageResume {
                cursor: stored.rounds,
                round: RoundResume {
                    cursor: stored.round,
                    optimizer,
                },
            },
        };
        debug_assert_eq!(point.step(), stored.step);
        Ok(point)
    }
}
