//! The run folder and its atomically written files.

use std::fs;
use std::path::{Path, PathBuf};

use crate::{LogError, Result};

/// A folder holding one run.
#[derive(Debug, Clone)]
pub struct RunFolder {
    dir: PathBuf,
}

impl RunFolder {
    /// Creates `dir` (and parents). Refuses a folder that already holds a finished run, so
    /// nothing written before is lost.
    ///
    /// # Errors
    /// [`LogError::Occupied`] or [`LogError::Io`].
    pub fn create(dir: &Path) -> Result<Self> {
        if dir.join("summary.json").exists() {
            return Err(LogError::Occupied(dir.to_path_buf()));
        }
        fs::create_dir_all(dir).map_err(|e| LogError::io(dir, e))?;
        Ok(Self {
            dir: dir.to_path_buf(),
        })
    }

    /// An existing run folder, to continue a run in it.
    ///
    /// # Errors
    /// [`LogError::Io`] when `dir` is not a folder.
    pub fn reopen(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            return Err(LogError::io(
                dir,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no run folder here"),
            ));
        }
        Ok(Self {
            dir: dir.to_path_buf(),
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
        let tmp = self.path(&format!(".{name}.tmp"));
        fs::write(&tmp, bytes).map_err(|e| LogError::io(&tmp, e))?;
        fs::rename(&tmp, &path).map_err(|e| LogError::io(&path, e))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_overwrite_a_finished_run() {
        let dir = tempfile::tempdir().unwrap();
        let run = RunFolder::create(&dir.path().join("a/b")).unwrap();
        run.write_summary(&serde_json::json!({"x": 1})).unwrap();
        let err = RunFolder::create(run.dir()).unwrap_err();
        assert!(err.to_string().contains("already holds a run"));
        let text = fs::read_to_string(run.path("summary.json")).unwrap();
        assert!(text.contains("\"x\": 1"));
    }
}
