//! The typed error of meanfield-wgan: the shared layer's errors, and checkpoint and figure
//! errors with the underlying error (burn's record error, the file system's, the plot's) kept
//! as their source.

use std::path::PathBuf;

use meanfield_core::CoreError;

/// Everything that can go wrong in meanfield-wgan.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WganError {
    /// A config, data, shape or numeric error of the shared layer.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// A checkpoint file could not be written, read or decoded.
    #[error("{path}: {what}")]
    Checkpoint {
        /// The file.
        path: PathBuf,
        /// What was being done.
        what: &'static str,
        /// The record, file-system or TOML error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A figure could not be drawn or written (the error names the figure or the file).
    #[error(transparent)]
    Figure(#[from] meanfield_log::LogError),
}

/// Result with [`WganError`].
pub type Result<T> = std::result::Result<T, WganError>;

impl From<WganError> for CoreError {
    /// The shared layer's errors come back as they were; the crate's own are kept whole.
    fn from(e: WganError) -> Self {
        match e {
            WganError::Core(core) => core,
            own => CoreError::Method(Box::new(own)),
        }
    }
}
