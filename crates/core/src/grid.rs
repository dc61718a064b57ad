//! Regular cell-centred grids on a box, for densities, KDEs and quadrature.

use crate::{CoreError, Result};

/// The most cells a grid may have (2^26, 512 MiB of f64 values), checked before anything is
/// allocated over it.
pub const MAX_GRID_CELLS: usize = 1 << 26;

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
    /// [`CoreError::Shape`] for inconsistent lengths, an empty box, zero cells, or more than
    /// [`MAX_GRID_CELLS`] cells in all.
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
        let total = cells.iter().try_fold(1usize, |acc, c| acc.checked_mul(*c));
        if total.is_none_or(|t| t > MAX_GRID_CELLS) {
            return Err(CoreError::Shape(format!(
                "grid of {} cells ({}) is more than the {MAX_GRID_CELLS} allowed",
                cells
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(" x "),
                total.map_or("overflows usize".to_string(), |t| t.to_string()),
            )));
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

    /// Total number of cells (at most [`MAX_GRID_CELLS`], so the product cannot overflow).
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

    #[test]
    fn huge_grids_are_refused_before_allocation() {
        let big = |d: usize, c: usize| Grid::new(vec![0.0; d], vec![1.0; d], vec![c; d]);
        let err = big(3, 4096).unwrap_err().to_string();
        assert!(err.contains("4096 x 4096 x 4096"), "{err}");
        let err = big(10, 1 << 20).unwrap_err().to_string();
        assert!(err.contains("overflows"), "{err}");
        assert_eq!(big(2, 4096).unwrap().len(), 4096 * 4096);
    }
}
