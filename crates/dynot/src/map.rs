//! The learned transport map `x_i^0 -> x_i^L`, extended to new source points by local affine
//! least squares on the nearest sources (exact for affine maps).

use meanfield_core::{CoreError, Points, Result, squared_distance};

/// File name of the sources in a run folder.
pub const SOURCES_FILE: &str = "sources.csv";

/// Source points and their images.
#[derive(Debug, Clone, PartialEq)]
pub struct TransportMap {
    sources: Points,
    images: Points,
}

impl TransportMap {
    /// A map from matched clouds.
    ///
    /// # Errors
    /// [`CoreError::Shape`] when the clouds differ in size or dimension, or hold fewer than
    /// `d + 1` points.
    pub fn new(sources: Points, images: Points) -> Result<Self> {
        if sources.n() != images.n() || sources.d() != images.d() {
            return Err(CoreError::Shape(format!(
                "a transport map needs matched clouds, found {} x {} sources and {} x {} images",
                sources.n(),
                sources.d(),
                images.n(),
                images.d()
            )));
        }
        if sources.n() < sources.d() + 1 {
            return Err(CoreError::Shape(format!(
                "a transport map in {} dimensions needs at least {} points, found {}",
                sources.d(),
                sources.d() + 1,
                sources.n()
            )));
        }
        Ok(Self { sources, images })
    }

    /// The map of a run folder: `sources.csv` (level 0) and `particles_final.csv` (level L).
    ///
    /// # Errors
    /// File errors naming the file, line and field; mismatched clouds.
    pub fn from_run(dir: &std::path::Path) -> Result<Self> {
        Self::new(
            Points::read_csv(&dir.join(SOURCES_FILE))?,
            Points::read_csv(&dir.join("particles_final.csv"))?,
        )
    }

    /// Dimension.
    pub fn dim(&self) -> usize {
        self.sources.d()
    }

    /// The image of `x`: the affine fit `y = A x + c` on the `2 (d + 1)` nearest sources,
    /// weighted by inverse squared distance (so it interpolates: a source is sent to its
    /// image) and slightly regularised towards a translation. Exact for affine maps.
    ///
    /// # Errors
    /// [`CoreError::Shape`] when `x` does not have the map's dimension.
    pub fn push(&self, x: &[f64]) -> Result<Vec<f64>> {
        let d = self.dim();
        if x.len() != d {
            return Err(CoreError::Shape(format!(
                "a point to push has {} coordinates, the map takes {d}",
                x.len()
            )));
        }
        let k = (2 * (d + 1)).min(self.sources.n());
        let mut order: Vec<(f64, usize)> = self
            .sources
            .iter()
            .enumerate()
            .map(|(i, s)| (squared_distance(s, x), i))
            .collect();
        order.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0));
        let near = &order[..k];
        let scale = near.iter().map(|p| p.0).fold(0.0, f64::max).max(1e-300);
        // Weighted normal equations in u = x_i - x: [1, u] beta = y_i.
        let m = d + 1;
        let mut ata = vec![0.0; m * m];
        let mut aty = vec![0.0; m * d];
        for &(r2, i) in near {
            // Inverse squared distance: the fit passes through a source it sits on.
            let w = 1.0 / (r2 / scale + 1e-12);
            let mut row = vec![1.0];
            row.extend(self.sources.point(i).iter().zip(x).map(|(s, v)| s - v));
            let y = self.images.point(i);
            for a in 0..m {
                for b in 0..m {
                    ata[a * m + b] += w * row[a] * row[b];
                }
                for c in 0..d {
                    aty[a * d + c] += w * row[a] * y[c];
                }
            }
        }
        for a in 1..m {
            ata[a * m + a] += 1e-10 * scale;
        }
        Ok(solve_intercept(&mut ata, &mut aty, m, d))
    }
}

/// Solves `ata beta = aty` (Gaussian elimination with partial pivoting) and returns the
/// intercept row of beta, the image of the query point.
fn solve_intercept(a: &mut [f64], b: &mut [f64], m: usize, d: usize) -> Vec<f64> {
    for col in 0..m {
        let pivot = (col..m)
            .max_by(|&i, &j| a[i * m + col].abs().total_cmp(&a[j * m + col].abs()))
            .expect("non-empty");
        for k in 0..m {
            a.swap(col * m + k, pivot * m + k);
        }
        for k in 0..d {
            b.swap(col * d + k, pivot * d + k);
        }
        let p = a[col * m + col];
        for row in col + 1..m {
            let f = a[row * m + col] / p;
            for k in col..m {
                a[row * m + k] -= f * a[col * m + k];
            }
            for k in 0..d {
                b[row * d + k] -= f * b[col * d + k];
            }
        }
    }
    for col in (0..m).rev() {
        for k in 0..d {
            let mut v = b[col * d + k];
            for j in col + 1..m {
                v -= a[col * m + j] * b[j * d + k];
            }
            b[col * d + k] = v / a[col * m + col];
        }
    }
    b[..d].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_affine_map_is_pushed_exactly() {
        let xs: Vec<f64> = (0..25)
            .flat_map(|k| [(k % 5) as f64 * 0.25, (k / 5) as f64 * 0.25])
            .collect();
        let sources = Points::new(2, xs.clone()).unwrap();
        let f = |p: &[f64]| vec![2.0 * p[0] - 0.5 * p[1] + 1.0, 0.3 * p[0] + p[1] - 2.0];
        let images = Points::new(2, sources.iter().flat_map(f).collect()).unwrap();
        let map = TransportMap::new(sources, images).unwrap();
        for q in [[0.1, 0.7], [0.55, 0.05], [1.2, -0.1]] {
            let y = map.push(&q).unwrap();
            let e = f(&q);
            assert!(
                (y[0] - e[0]).abs() < 1e-8 && (y[1] - e[1]).abs() < 1e-8,
                "{y:?} vs {e:?}"
            );
        }
    }

    #[test]
    fn a_point_of_another_dimension_is_refused() {
        let sources = Points::new(2, vec![0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0]).unwrap();
        let map = TransportMap::new(sources.clone(), sources).unwrap();
        let err = map.push(&[0.5]).unwrap_err().to_string();
        assert!(err.contains("1 coordinates, the map takes 2"), "{err}");
        assert_eq!(map.push(&[1.0, 1.0]).unwrap().len(), 2);
    }
}
