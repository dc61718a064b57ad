//! Regular cell-centred grids on a box, for densities, KDEs and quadrature.

use crate::{CoreError, Result};

/// A box `prod_k [lo_k, hi_k]` cut into `cells[k]` equal cells per axis.
/// Cells are indexed row-major: the last axis varies fastest.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    lo: Vec<f64>,
    hi: Vec<f64>,
    cells: Vec<usize>,
}

impl Grid {
    /// Creates a grid.
    ///
    /// # Errors
    /// [`CoreError::Shape`] for inconsistent lengths, an empty box or zero cells.
    pub fn new(lo: Vec<f64>, hi: Vec<f64>, cells: Vec<usize>) -> Result<Self> {
        if lo.is_empty() || lo.len() != hi.len() || lo.len() != cells.len() {
            return Err(CoreError::Shape(format!(
                "grid `lo` has {} entries, `hi` {}, `cells` {}: they must agree and be non-empty",
                lo.len(),
                hi.len(),
                cells.len()
            )));
        }
        for k in 0..lo.len() {
            if !(lo[k].is_finite() && hi[k].is_finite() && lo[k] < hi[k]) || cells[k] == 0 {
                return Err(CoreError::Shape(format!(
                    "grid axis {k}: need finite lo < hi and cells >= 1, found [{}, {}] with {} cells",
                    lo[k], hi[k], cells[k]
                )));
            }
        }
        Ok(Self { lo, hi, cells })
    }

    /// Dimension.
    pub fn d(&self) -> usize {
        self.lo.len()
    }

    /// Lower corner.
    pub fn lo(&self) -> &[f64] {
        &self.lo
    }

    /// Upper corner.
    pub fn hi(&self) -> &[f64] {
        &self.hi
    }

    /// Cells per axis.
    pub fn cells(&self) -> &[usize] {
        &self.cells
    }

    /// Total number of cells.
    pub fn len(&self) -> usize {
        self.cells.iter().product()
    }

    /// Always false: a grid has at least one cell.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Width of a cell along axis `k`.
    pub fn spacing(&self, k: usize) -> f64 {
        (self.hi[k] - self.lo[k]) / self.cells[k] as f64
    }

    /// Volume of one cell.
    pub fn cell_volume(&self) -> f64 {
        (0..self.d()).map(|k| self.spacing(k)).product()
    }

    /// Centre coordinate `j` along axis `k`.
    pub fn axis_centre(&self, k: usize, j: usize) -> f64 {
        self.lo[k] + (j as f64 + 0.5) * self.spacing(k)
    }

    /// Centres of all cells, row-major, flattened (`len() * d()` values).
    pub fn centres(&self) -> Vec<f64> {
        let d = self.d();
        let mut out = Vec::with_capacity(self.len() * d);
        let mut index = vec![0usize; d];
        for _ in 0..self.len() {
            out.extend((0..d).map(|k| self.axis_centre(k, index[k])));
            for k in (0..d).rev() {
                index[k] += 1;
                if index[k] < self.cells[k] {
                    break;
                }
                index[k] = 0;
            }
        }
        out
    }

    /// Row-major index of the cell containing `x`, or `None` outside the box.
    pub fn cell_of(&self, x: &[f64]) -> Option<usize> {
        let mut flat = 0usize;
        for (k, &v) in x.iter().enumerate().take(self.d()) {
            if v < self.lo[k] || v > self.hi[k] {
                return None;
            }
            let j = (((v - self.lo[k]) / self.spacing(k)) as usize).min(self.cells[k] - 1);
            flat = flat * self.cells[k] + j;
        }
        Some(flat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centres_and_cells_agree() {
        let g = Grid::new(vec![0.0, -1.0], vec![1.0, 1.0], vec![2, 4]).unwrap();
        let c = g.centres();
        assert_eq!(c.len(), 16);
        for (i, p) in c.chunks(2).enumerate() {
            assert_eq!(g.cell_of(p), Some(i));
        }
        assert_eq!(&c[0..4], &[0.25, -0.75, 0.25, -0.25]);
        assert!((g.cell_volume() - 0.25).abs() < 1e-15);
        assert!(Grid::new(vec![0.0], vec![0.0], vec![3]).is_err());
    }
}
