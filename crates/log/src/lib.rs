//! meanfield-log: one folder per run with the resolved `config.toml`, `metrics.csv`,
//! `summary.json`, TensorBoard `events.out.tfevents.*` (scalars, histograms, images) and PNG
//! figures drawn with plotters and an embedded font. [`RunLogger`] is the
//! [`meanfield_core::Observer`] that trainers report to.

mod error;
mod events;
mod logger;
mod metrics_csv;
pub mod plot;
mod progress;
mod run_folder;

pub use error::{LogError, Result};
pub use events::{EventLog, Histogram};
pub use logger::RunLogger;
pub use metrics_csv::MetricsCsv;
pub use progress::Progress;
pub use run_folder::RunFolder;
