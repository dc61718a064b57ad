//! The run folder: created empty or reopened for a resume, locked for as long as its run
//! writes, and written only through atomic files.

use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::{LogError, Result};

/// The lock file of a run folder; the run holds an exclusive lock on it while it writes.
pub const LOCK_FILE: &str = ".meanfield.lock";

/// A folder holding one run, locked against a second run writing into it.
#[derive(Debug, Clone)]
pub struct RunFolder {
    dir: PathBuf,
    /// Held for the folder's lifetime (released when the last clone drops or the process ends).
    _lock: Arc<File>,
}

impl RunFolder {
    /// Creates `dir` (and parents), or takes an existing empty folder. Refuses a folder that
    /// holds anything (a finished run, an interrupted one, unrelated files), a path that is a
    /// file, and a folder another run holds, so nothing written before is lost.
    ///
    /// # Errors
    /// [`LogError::Occupied`], [`LogError::Locked`] or [`LogError::Io`].
    pub fn create(dir: &Path) -> Result<Self> {
        if dir.exists() && !dir.is_dir() {
            return Err(LogError::NotAFolder(dir.to_path_buf()));
        }
        check_empty(dir)?;
        fs::create_dir_all(dir).map_err(|e| LogError::io(dir, e))?;
        let lock = lock(dir)?;
        // Checked again under the lock: a run that started and finished between the first
        // check and the lock has left its files.
        check_empty(dir)?;
        Ok(Self {
            dir: dir.to_path_buf(),
            _lock: Arc::new(lock),
        })
    }

    /// An existing run folder, locked, to continue a run in it.
    ///
    /// # Errors
    /// [`LogError::Io`] when `dir` is not a folder, [`LogError::Locked`] when another run
    /// holds it.
    pub fn reopen(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            return Err(LogError::io(
                dir,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no run folder here"),
            ));
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            _lock: Arc::new(lock(dir)?),
        })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Path of a file in the folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Writes `name` atomically (temporary file, then rename).
    ///
    /// # Errors
    /// [`LogError::Io`].
    pub fn write_atomic(&self, name: &str, bytes: &[u8]) -> Result<()> {
        let path = self.path(name);
        meanfield_core::atomic::write_atomic(&path, bytes).map_err(|e| LogError::io(&path, e))
    }

    /// Writes `summary.json` (pretty-printed) atomically.
    ///
    /// # Errors
    /// [`LogError::Io`].
    pub fn write_summary(&self, summary: &serde_json::Value) -> Result<()> {
        let text = serde_json::to_string_pretty(summary).expect("JSON values serialise");
        self.write_atomic("summary.json", text.as_bytes())
    }
}

/// Refuses a folder holding anything but a lock file.
fn check_empty(dir: &Path) -> Result<()> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    let mut held: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != LOCK_FILE)
        .collect();
    if held.is_empty() {
        return Ok(());
    }
    // What says most about the folder first: a finished run, a checkpoint.
    let rank = |name: &str| match name {
        "summary.json" => 0,
        "checkpoint.json" | "checkpoint" => 1,
        _ => 2,
    };
    held.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
    Err(LogError::Occupied {
        dir: dir.to_path_buf(),
        holds: held,
    })
}

/// Takes the exclusive lock of `dir`, at once or not at all.
fn lock(dir: &Path) -> Result<File> {
    let path = dir.join(LOCK_FILE);
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| LogError::io(&path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(LogError::Locked(dir.to_path_buf())),
        Err(TryLockError::Error(e)) => Err(LogError::io(&path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_overwrite_a_finished_run() {
        let dir = tempfile::tempdir().unwrap();
        let run = RunFolder::create(&dir.path().join("a/b")).unwrap();
        run.write_summary(&serde_json::json!({"x": 1})).unwrap();
        drop(run);
        let err = RunFolder::create(&dir.path().join("a/b")).unwrap_err();
        assert!(err.to_string().contains("summary.json"), "{err}");
        let text = fs::read_to_string(dir.path().join("a/b/summary.json")).unwrap();
        assert!(text.contains("\"x\": 1"));
    }

    /// An interrupted run's checkpoint (no summary.json) is not overwritten either.
    #[test]
    fn refuses_any_non_empty_folder() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("checkpoint")).unwrap();
        let err = RunFolder::create(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("not empty") && err.contains("checkpoint"),
            "{err}"
        );
        let file = dir.path().join("checkpoint/x");
        fs::write(&file, "x").unwrap();
        let err = RunFolder::create(&file).unwrap_err().to_string();
        assert!(err.contains("is a file"), "{err}");
        assert!(RunFolder::create(&dir.path().join("empty")).is_ok());
    }

    #[test]
    fn a_second_run_into_a_held_folder_fails_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let first = RunFolder::create(dir.path()).unwrap();
        let err = RunFolder::reopen(dir.path()).unwrap_err().to_string();
        assert!(err.contains("another run"), "{err}");
        drop(first);
        assert!(RunFolder::reopen(dir.path()).is_ok());
    }
}
