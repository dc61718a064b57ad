//! The typed error of the log crate.

use std::path::PathBuf;

/// What can go wrong while writing a run folder.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    /// A file or folder could not be written (the cause follows in the error's chain).
    #[error("{path}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The output folder already holds a run.
    #[error("{0}: already holds a run (summary.json exists); choose another --out")]
    Occupied(PathBuf),
    /// A figure could not be drawn.
    #[error("figure {name}: {message}")]
    Plot {
        /// The figure.
        name: String,
        /// What failed.
        message: String,
    },
}

impl LogError {
    /// Wraps an I/O error with its path.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result with [`LogError`].
pub type Result<T> = std::result::Result<T, LogError>;
