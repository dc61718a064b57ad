//! The typed error of the core crate.

use std::path::PathBuf;

/// Everything that can go wrong in meanfield-core. Variants carry the offending value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CoreError {
    /// A configuration value is missing or out of its documented range.
    #[error("config key `{key}`: {message}")]
    Config {
        /// Dotted path of the key, e.g. `energy.kernel.a`.
        key: String,
        /// What was expected and what was found.
        message: String,
    },
    /// Two inputs disagree in shape.
    #[error("shape mismatch: {0}")]
    Shape(String),
    /// A file could not be read or written.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong, with line and field where known.
        message: String,
    },
    /// A file could not be read, written or decoded by a library whose error is kept as the
    /// source (burn's records, the figures, the file system).
    #[error("{path}: {what}")]
    FileSource {
        /// The file.
        path: PathBuf,
        /// What was being done.
        what: String,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A value that must be finite is NaN or infinite.
    #[error("non-finite value: {0}")]
    NonFinite(String),
    /// An adaptive integrator or a solver gave up.
    #[error("solver failure: {0}")]
    Solver(String),
    /// A device could not be created.
    #[error("device: {0}")]
    Device(String),
}

impl CoreError {
    /// Shorthand for a [`CoreError::Config`] error.
    pub fn config(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Config {
            key: key.into(),
            message: message.into(),
        }
    }

    /// Shorthand for a [`CoreError::FileSource`] error.
    pub fn file_source(
        path: impl Into<PathBuf>,
        what: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::FileSource {
            path: path.into(),
            what: what.into(),
            source: source.into(),
        }
    }

    /// Shorthand for a [`CoreError::File`] error.
    pub fn file(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::File {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Result with [`CoreError`].
pub type Result<T> = std::result::Result<T, CoreError>;
