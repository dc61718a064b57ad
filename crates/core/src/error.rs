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
    /// A config document is not valid TOML, or a value at a line has the wrong type.
    #[error("line {line} `{text}`: {message}")]
    Syntax {
        /// The line (1-based).
        line: usize,
        /// Its text.
        text: String,
        /// What the parser expected.
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
    /// The typed error of a crate built on this one (a trainer's checkpoint or figure
    /// error, say), kept whole with its sources; [`Method`](crate::Method) implementations
    /// return it through this variant.
    #[error(transparent)]
    Method(Box<dyn std::error::Error + Send + Sync>),
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
