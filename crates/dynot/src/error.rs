//! The typed error of meanfield-dynot: the shared layer's errors, and write and figure errors
//! with the underlying error (the CSV writer's, the plot's) kept as their source.

use std::path::PathBuf;

use meanfield_core::CoreError;

/// Everything that can go wrong in meanfield-dynot.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DynotError {
    /// A config, shape, file or numeric error of the shared layer.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// A result file could not be written.
    #[error("{path}: cannot write")]
    Write {
        /// The file.
        path: PathBuf,
        /// The writer's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A figure could not be drawn or written (the error names the figure or the file).
    #[error(transparent)]
    Figure(#[from] meanfield_log::LogError),
}

/// Result with [`DynotError`].
pub type Result<T> = std::result::Result<T, DynotError>;

impl From<DynotError> for CoreError {
    /// The shared layer's errors come back as they were; the crate's own are kept whole.
    fn from(e: DynotError) -> Self {
        match e {
            DynotError::Core(core) => core,
            own => CoreError::Method(Box::new(own)),
        }
    }
}
