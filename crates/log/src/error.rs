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
    /// The output folder is not empty: it may hold a run, finished or interrupted.
    #[error(
        "{}: not empty (holds {}); choose a new --out, or continue its run with --resume {}",
        dir.display(),
        list(holds),
        dir.display()
    )]
    Occupied {
        /// The folder.
        dir: PathBuf,
        /// What it holds (sorted names).
        holds: Vec<String>,
    },
    /// Another run holds the folder's lock.
    #[error("{0}: another run is writing into this folder (its lock is held)")]
    Locked(PathBuf),
    /// The output path names a file.
    #[error("{0}: is a file, not a folder; choose another --out")]
    NotAFolder(PathBuf),
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

/// The first few names of a folder's contents, for a message.
fn list(names: &[String]) -> String {
    let shown: Vec<&str> = names.iter().take(4).map(String::as_str).collect();
    match names.len() - shown.len() {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

/// Result with [`LogError`].
pub type Result<T> = std::result::Result<T, LogError>;
