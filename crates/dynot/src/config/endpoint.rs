//! `transport.target`: what the particles must reach at the final level.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// What the particles must reach at the final level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum EndpointTarget {
    /// The continuum `[target]`: closed-form cross terms for Gaussians and Gaussian mixtures,
    /// quadrature on `cells^d` nodes over the target's box otherwise.
    #[default]
    Continuum,
    /// `m` i.i.d. samples of `[target]` (drawn with the run's seed), equal weights.
    Samples {
        /// Number of target points M (>= 1).
        m: usize,
    },
    /// Target points read from a CSV (`x0,x1,...`), equal weights.
    Csv {
        /// The file.
        path: PathBuf,
    },
    /// The image of the source points under `x -> scale * x + shift` (per axis): an exact
    /// map is known, so the endpoint error can be measured.
    Affine {
        /// Per-axis scale.
        scale: Vec<f64>,
        /// Per-axis shift.
        shift: Vec<f64>,
    },
}
