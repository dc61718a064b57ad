//! Density that is constant on the cells of a grid (zero outside the grid's box).

use rand::{Rng, RngExt};

use super::Target;
use crate::{CoreError, Grid, Points, Result};

/// Piecewise-constant density on a grid, normalised to mass 1.
#[derive(Debug, Clone, PartialEq)]
pub struct PiecewiseConstant {
    grid: Grid,
    heights: Vec<f64>,
    cumulative: Vec<f64>,
}

impl PiecewiseConstant {
    /// Creates the density from one non-negative value per cell (row-major).
    ///
    /// # Errors
    /// [`CoreError::Config`] under `key` for a wrong count, a negative or non-finite value,
    /// or zero total mass.
    pub fn new(grid: Grid, values: Vec<f64>, key: &str) -> Result<Self> {
        if values.len() != grid.len() {
            return Err(CoreError::config(
                key,
                format!(
                    "has {} values, the grid has {} cells",
                    values.len(),
                    grid.len()
                ),
            ));
        }
        if let Some(v) = values.iter().find(|v| !v.is_finite() || **v < 0.0) {
            return Err(CoreError::config(
                key,
                format!("values must be finite and >= 0, found {v}"),
            ));
        }
        let mass: f64 = values.iter().sum::<f64>() * grid.cell_volume();
        if mass <= 0.0 {
            return Err(CoreError::config(key, "total mass is zero"));
        }
        let heights: Vec<f64> = values.iter().map(|v| v / mass).collect();
        let mut acc = 0.0;
        let cumulative = heights
            .iter()
            .map(|h| {
                acc += h * grid.cell_volume();
                acc
            })
            .collect();
        Ok(Self {
            grid,
            heights,
            cumulative,
        })
    }

    /// The grid of cells.
    pub fn grid(&self) -> &Grid {
        &self.grid
    }

    /// Density value per cell (row-major).
    pub fn heights(&self) -> &[f64] {
        &self.heights
    }
}

impl Target for PiecewiseConstant {
    fn dim(&self) -> usize {
        self.grid.d()
    }

    fn density(&self, x: &[f64]) -> f64 {
        self.grid.cell_of(x).map_or(0.0, |c| self.heights[c])
    }

    fn sample(&self, n: usize, rng: &mut dyn Rng) -> Points {
        let d = self.dim();
        let total = *self.cumulative.last().expect("non-empty grid");
        let mut data = Vec::with_capacity(n * d);
        for _ in 0..n {
            let u = rng.random::<f64>() * total;
            let cell = self
                .cumulative
                .partition_point(|c| *c <= u)
                .min(self.heights.len() - 1);
            // Unravel the row-major index, last axis fastest.
            let mut rest = cell;
            let mut index = vec![0; d];
            for k in (0..d).rev() {
                index[k] = rest % self.grid.cells()[k];
                rest /= self.grid.cells()[k];
            }
            for (k, j) in index.iter().enumerate() {
                let h = self.grid.spacing(k);
                data.push(self.grid.lo()[k] + (*j as f64 + rng.random::<f64>()) * h);
            }
        }
        Points::new(d, data).expect("d > 0")
    }
}
