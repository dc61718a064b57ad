//! The typed error of meanfield-rbf: the shared layer's errors, and checkpoint and prediction
//! file errors with the underlying error (burn's record error, the file system's, TOML's) kept
//! as their source.

use std::path::PathBuf;

use meanfield_core::CoreError;

/// Everything that can go wrong in meanfield-rbf.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RbfError {
    /// A config, data, shape or numeric error of the shared layer.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// A checkpoint or prediction file could not be written, read or decoded.
    #[error("{path}: {what}")]
    File {
        /// The file.
        path: PathBuf,
        /// What was being done.
        what: &'static str,
        /// The record, file-system or TOML error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl RbfError {
    /// A [`RbfError::File`] error.
    pub(crate) fn file(
        path: impl Into<PathBuf>,
        what: &'static str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::File {
            path: path.into(),
            what,
            source: source.into(),
        }
    }
}

/// Result with [`RbfError`].
pub type Result<T> = std::result::Result<T, RbfError>;

impl From<RbfError> for CoreError {
    /// The shared layer's errors come back as they were; the crate's own are kept whole.
    fn from(e: RbfError) -> Self {
        match e {
            RbfError::Core(core) => core,
            own => CoreError::Method(Box::new(own)),
        }
    }
}
