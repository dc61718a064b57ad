//! meanfield-log: one folder per run with the resolved `config.toml`, `metrics.csv`,
//! `summary.json`, TensorBoard `events.out.tfevents.*` (scalars in groups, histograms, images, the config as text, hparams) and PNG
//! figures drawn with plotters and an embedded font. [`RunLogger`] is the
//! [`meanfield_core::Observer`] that trainers report to.

mod error;
pub mod events;
pub mod interrupt;
mod logger;
mod metrics_csv;
pub mod plot;
mod progress;
mod run_folder;

pub use error::{LogError, Result};
pub use events::{EVENT_FILE_PREFIX, EventLog, HParam, Histogram};
pub use logger::RunLogger;
pub use metrics_csv::MetricsCsv;
pub use progress::Progress;
pub use run_folder::RunFolder;
