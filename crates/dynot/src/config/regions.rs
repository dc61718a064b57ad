//! Regions of `[transport]` (obstacles and quicksand patches) and acceleration control.

use serde::{Deserialize, Serialize};

use meanfield_core::validate::{check_box, check_len, check_positive};
use meanfield_core::{CoreError, Result};

/// A region of space: an obstacle or a quicksand patch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RegionConfig {
    /// The ball `|x - center| < radius` (a disk in 2-D).
    Disk {
        /// Centre.
        center: Vec<f64>,
        /// Radius (> 0).
        radius: f64,
    },
    /// The axis-aligned box `lo < x < hi`.
    Box {
        /// Lower corner.
        lo: Vec<f64>,
        /// Upper corner.
        hi: Vec<f64>,
    },
    /// A convex polygon in 2-D, its vertices in order (either orientation).
    Polygon {
        /// `[[x, y], ...]`, at least 3.
        vertices: Vec<Vec<f64>>,
    },
}

impl RegionConfig {
    pub(super) fn validate(&self, key: &str, d: usize) -> Result<()> {
        match self {
            Self::Disk { center, radius } => {
                check_len(&format!("{key}.center"), center, Some(d))?;
                check_positive(&format!("{key}.radius"), *radius)
            }
            Self::Box { lo, hi } => {
                check_len(&format!("{key}.lo"), lo, Some(d))?;
                check_box(key, lo, hi)
            }
            Self::Polygon { vertices } => {
                if d != 2 {
                    return Err(CoreError::config(
                        key,
                        format!("a polygon lives in 2-D, the particles have d = {d}"),
                    ));
                }
                if vertices.len() < 3 {
                    return Err(CoreError::config(
                        format!("{key}.vertices"),
                        "needs at least 3 vertices",
                    ));
                }
                for (i, v) in vertices.iter().enumerate() {
                    check_len(&format!("{key}.vertices[{i}]"), v, Some(2))?;
                }
                Ok(())
            }
        }
    }
}

/// A quicksand patch: moving inside costs `factor` times the kinetic energy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuicksandConfig {
    /// Where.
    pub region: RegionConfig,
    /// Kinetic cost multiplier inside (> 0).
    pub factor: f64,
}

/// Acceleration control: `sum_l |x^{l+1} - 2 x^l + x^{l-1}|^2 / dt^3` with prescribed initial
/// and terminal velocities (ghost levels `x^{-1} = x^0 - v0 dt`, `x^{L+1} = x^L + v1 dt`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccelerationConfig {
    /// Weight of the acceleration term (> 0).
    #[serde(default = "one")]
    pub weight: f64,
    /// Velocity at t = 0, the same for every particle.
    pub initial_velocity: Vec<f64>,
    /// Velocity at t = 1.
    pub terminal_velocity: Vec<f64>,
}

fn one() -> f64 {
    1.0
}
