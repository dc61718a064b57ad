//! The observer that trainers report to. Trainers never print; a run folder writer, a test
//! recorder or nothing at all listens.

use crate::{Grid, Points};

/// Samples of a generative model at a step, with what draws them best.
#[derive(Debug, Clone)]
pub struct GeneratedSamples {
    /// The samples.
    pub points: Points,
    /// For 2-D data, a scalar field on a grid drawn under the points (the critic).
    pub field: Option<(Grid, Vec<f64>)>,
    /// For image data, `[channels, height, width]` of each sample (pixels in [-1, 1]).
    pub image_shape: Option<[usize; 3]>,
}

/// Receives what a run produces, as it happens.
pub trait Observer {
    /// Named scalar values at a logged step.
    fn scalars(&mut self, step: usize, t: f64, values: &[(String, f64)]);
    /// Positions at a snapshot step (for figures and histograms).
    fn snapshot(&mut self, _step: usize, _t: f64, _positions: &Points) {}
    /// Values to histogram under `tag` (e.g. a network's parameters).
    fn histogram(&mut self, _step: usize, _tag: &str, _values: &[f64]) {}
    /// Samples of a generative model.
    fn samples(&mut self, _step: usize, _t: f64, _samples: &GeneratedSamples) {}
    /// `done` of `total` steps are finished.
    fn progress(&mut self, _done: usize, _total: usize) {}
    /// A snapshot taken before the run was resumed, for the figures only (it was logged
    /// then).
    fn restore_snapshot(&mut self, _step: usize, _t: f64, _positions: &Points) {}
    /// Why the run should stop after its current step (an interrupt, a folder it cannot write),
    /// if it should. Methods ask once per step and end with [`crate::StopReason::Interrupted`].
    /// An observer that wraps another must forward this.
    fn stop_requested(&mut self) -> Option<String> {
        None
    }
}

/// One logged step: `(step, t, named values)`.
pub type LoggedRow = (usize, f64, Vec<(String, f64)>);

/// An observer that keeps everything in memory (for tests and callers that plot themselves).
#[derive(Debug, Default, Clone)]
pub struct Recorder {
    /// `(step, t, values)` per logged step.
    pub rows: Vec<LoggedRow>,
    /// `(step, t, positions)` per snapshot.
    pub snapshots: Vec<(usize, f64, Points)>,
}

impl Recorder {
    /// The time series of one scalar.
    pub fn series(&self, name: &str) -> Vec<(f64, f64)> {
        self.rows
            .iter()
            .filter_map(|(_, t, v)| v.iter().find(|(k, _)| k == name).map(|(_, x)| (*t, *x)))
            .collect()
    }
}

impl Observer for Recorder {
    fn scalars(&mut self, step: usize, t: f64, values: &[(String, f64)]) {
        self.rows.push((step, t, values.to_vec()));
    }

    fn snapshot(&mut self, step: usize, t: f64, positions: &Points) {
        self.snapshots.push((step, t, positions.clone()));
    }
}
