//! `J = phi_{eps/sqrt2} * (1/rhobar)` tabulated once per run with its derivatives, and
//! interpolated by tensor-product cubic Hermite polynomials (C1, error O(h^4)).
//!
//! `1/rhobar` is the quadrature's: `w_q = |cell| / max(rhobar(z_q), floor max rhobar)` on the
//! cells of the quadrature grid, and the floor's `cap = 1 / (floor max rhobar)` outside it, so
//! that `J_h(y) = sum_q (w_q - cap |cell|) phi_s(y - z_q) + cap` (the midpoint rule of the
//! convolution) reproduces the quadrature energy exactly at the nodes, up to the pairs'
//! reach beyond the grid, where the floor's cap now holds the particles back. The Gaussian is a product over axes, so the
//! table and each derivative `d_S J` (`S` a set of axes) are built axis by axis from banded
//! 1-D matrices: O(nodes x band) per axis.

use std::f64::consts::{FRAC_1_SQRT_2, PI};

use meanfield_core::{Grid, Result};

/// Table nodes per `s = eps/sqrt2` in d <= 2 (relative interpolation error about 1e-7) and
/// in d = 3 (about 1e-5), where the table is `nodes^3`.
const NODES_PER_S: [f64; 3] = [32.0, 12.0, 4.0];
/// Reach of the Gaussian `phi_s` in units of s (`exp(-32)` is below round-off).
const REACH: f64 = 8.0;
/// The largest table built (bytes), estimated before allocating.
pub const MAX_TABLE_BYTES: f64 = 2.0 * (1u64 << 30) as f64;

/// `J` and its derivatives on a regular grid.
#[derive(Debug, Clone)]
pub struct JGrid {
    /// Per axis (inline, d <= 3): first node, `1 / spacing`, last cell index, stride.
    lo: [f64; 3],
    inv_h: [f64; 3],
    last: [f64; 3],
    strides: [usize; 3],
    /// Per node, `2^d` entries: `d_S J * prod_{k in S} h_k` for every subset `S` (bit k: axis k).
    data: Vec<f64>,
    cap: f64,
}

fn pdf(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * PI).sqrt()
}

/// The table's nodes on one axis of the quadrature box `[lo, hi]`, padded by the reach.
fn axis_nodes(lo: f64, hi: f64, s: f64, per_s: f64) -> (f64, f64, usize) {
    let (a, b) = (lo - REACH * s, hi + REACH * s);
    let count = ((b - a) / (s / per_s)).ceil() as usize + 1;
    (a, (b - a) / (count - 1) as f64, count)
}

/// The table size for `eps` over `grid`, in bytes (before anything is allocated).
pub fn table_bytes(grid: &Grid, eps: f64) -> f64 {
    let d = grid.d();
    let s = eps * FRAC_1_SQRT_2;
    let per_s = NODES_PER_S[d.clamp(1, 3) - 1];
    let nodes: f64 = (0..d)
        .map(|k| axis_nodes(grid.lo()[k], grid.hi()[k], s, per_s).2 as f64)
        .product();
    nodes * (1u64 << d) as f64 * 8.0
}

/// Refuses a table over [`MAX_TABLE_BYTES`] for `eps` over `grid`, with the estimate.
///
/// # Errors
/// [`meanfield_core::CoreError::Config`] naming `blob.eps`.
pub fn check_table_size(grid: &Grid, eps: f64) -> Result<()> {
    super::check_bytes(
        "blob.eps",
        "the factorised overlap's table of J",
        table_bytes(grid, eps),
        MAX_TABLE_BYTES,
        "raise eps, narrow blob.domain_lo/hi, or use blob.overlap = \"quadrature\"",
    )
}

/// One axis' banded matrix `out[p] = sum_q weight(p, q) in[q]`.
struct Band {
    start: Vec<usize>,
    weights: Vec<Vec<f64>>,
}

impl Band {
    /// `phi_s(y_p - z_q)` (or its derivative in y) for nodes `y_p = a + p h`, sources
    /// `z_q = lo + (q + 1/2) hq`.
    fn new(table: (f64, f64, usize), sources: (f64, f64, usize), s: f64, derivative: bool) -> Self {
        let (a, h, count) = table;
        let (lo, hq, q_len) = sources;
        let mut start = Vec::with_capacity(count);
        let mut weights = Vec::with_capacity(count);
        for p in 0..count {
            let y = a + p as f64 * h;
            let q0 = (((y - REACH * s - lo) / hq - 0.5).ceil().max(0.0) as usize).min(q_len);
            let q1 =
                (((y + REACH * s - lo) / hq - 0.5).floor() + 1.0).clamp(0.0, q_len as f64) as usize;
            let row = (q0..q1.max(q0))
                .map(|q| {
                    let u = (y - (lo + (q as f64 + 0.5) * hq)) / s;
                    let phi = pdf(u) / s;
                    if derivative { -u / s * phi } else { phi }
                })
                .collect();
            start.push(q0);
            weights.push(row);
        }
        Self { start, weights }
    }

    /// Applies the band along `axis` of `data` (row-major `shape`); returns the new array.
    fn apply(&self, data: &[f64], shape: &[usize], axis: usize) -> Vec<f64> {
        let outer: usize = shape[..axis].iter().product();
        let inner: usize = shape[axis + 1..].iter().product();
        let (q_len, p_len) = (shape[axis], self.start.len());
        let mut out = vec![0.0; outer * p_len * inner];
        for o in 0..outer {
            for p in 0..p_len {
                let dst = &mut out[(o * p_len + p) * inner..(o * p_len + p + 1) * inner];
                for (offset, w) in self.weights[p].iter().enumerate() {
                    let q = self.start[p] + offset;
                    let src = &data[(o * q_len + q) * inner..(o * q_len + q + 1) * inner];
                    dst.iter_mut().zip(src).for_each(|(a, b)| *a += w * b);
                }
            }
        }
        out
    }
}

impl JGrid {
    /// The table of `J` for mollifier width `eps`, from quadrature weights `weights` on the
    /// cells of `grid` (row-major, last axis fastest) and `cap`, the weight outside the grid.
    ///
    /// # Errors
    /// Config errors: d > 3; (key `blob.eps`) a table beyond [`MAX_TABLE_BYTES`], with the
    /// estimate, checked before allocating.
    pub(crate) fn new(grid: &Grid, weights: &[f64], cap: f64, eps: f64) -> Result<Self> {
        let d = grid.d();
        if d > super::MAX_ENGINE_DIM {
            return Err(meanfield_core::CoreError::config(
                "blob.overlap",
                format!("the factorised overlap is for d <= 3, found d = {d}"),
            ));
        }
        check_table_size(grid, eps)?;
        let s = eps * FRAC_1_SQRT_2;
        let per_s = NODES_PER_S[d.clamp(1, 3) - 1];
        let axes: Vec<(f64, f64, usize)> = (0..d)
            .map(|k| axis_nodes(grid.lo()[k], grid.hi()[k], s, per_s))
            .collect();
        let vol = grid.cell_volume();
        // The quadrature sum over the grid's cells, minus the cap there: the cap is added
        // everywhere in closed form below.
        let mut arrays: Vec<Vec<f64>> = vec![weights.iter().map(|w| w - cap * vol).collect()];
        let mut shape = grid.cells().to_vec();
        for k in 0..d {
            let sources = (grid.lo()[k], grid.spacing(k), grid.cells()[k]);
            let value = Band::new(axes[k], sources, s, false);
            let slope = Band::new(axes[k], sources, s, true);
            // Subset bit k set: differentiated along axis k.
            let mut next = vec![Vec::new(); arrays.len() * 2];
            for (subset, array) in arrays.iter().enumerate() {
                next[subset] = value.apply(array, &shape, k);
                next[subset | (1 << k)] = slope.apply(array, &shape, k);
            }
            arrays = next;
            shape[k] = axes[k].2;
        }
        let nodes: Vec<usize> = axes.iter().map(|a| a.2).collect();
        let mut strides = [1; 3];
        for k in (0..d.saturating_sub(1)).rev() {
            strides[k] = strides[k + 1] * nodes[k + 1];
        }
        let len: usize = nodes.iter().product();
        let width = 1 << d;
        let mut data = vec![0.0; len * width];
        for (node, row) in data.chunks_exact_mut(width).enumerate() {
            for (subset, entry) in row.iter_mut().enumerate() {
                let mut scale = 1.0;
                for k in (0..d).filter(|k| subset >> k & 1 == 1) {
                    scale *= axes[k].1;
                }
                *entry = (arrays[subset][node]) * scale;
            }
            // The cap everywhere: a constant, so no derivatives.
            row[0] += cap;
        }
        Ok(Self {
            lo: std::array::from_fn(|k| axes.get(k).map_or(0.0, |a| a.0)),
            inv_h: std::array::from_fn(|k| axes.get(k).map_or(1.0, |a| 1.0 / a.1)),
            last: std::array::from_fn(|k| nodes.get(k).map_or(0.0, |c| (c - 1) as f64)),
            strides,
            data,
            cap,
        })
    }

    /// `J(m)` and `grad J(m)` (`cap` and 0 beyond the table, where J equals cap to
    /// round-off).
    #[inline(always)]
    pub(crate) fn value_and_gradient<const D: usize>(&self, m: &[f64; D]) -> (f64, [f64; D]) {
        let mut base = 0;
        let mut basis = [[0.0; 4]; D];
        let mut slope = [[0.0; 4]; D];
        for k in 0..D {
            let u = (m[k] - self.lo[k]) * self.inv_h[k];
            if !(u >= 0.0 && u < self.last[k]) {
                return (self.cap, [0.0; D]);
            }
            let i = u as usize;
            let t = u - i as f64;
            base += i * self.strides[k];
            let (t2, t3) = (t * t, t * t * t);
            // Hermite basis, indexed 2 * corner + derivative: h00, h10, h01, h11.
            basis[k] = [
                2.0 * t3 - 3.0 * t2 + 1.0,
                t3 - 2.0 * t2 + t,
                3.0 * t2 - 2.0 * t3,
                t3 - t2,
            ];
            let inv_h = self.inv_h[k];
            slope[k] = [
                (6.0 * t2 - 6.0 * t) * inv_h,
                (3.0 * t2 - 4.0 * t + 1.0) * inv_h,
                (6.0 * t - 6.0 * t2) * inv_h,
                (3.0 * t2 - 2.0 * t) * inv_h,
            ];
        }
        let width = 1 << D;
        let mut value = 0.0;
        let mut grad = [0.0; D];
        for corner in 0..width {
            let mut node = base;
            for k in 0..D {
                node += (corner >> k & 1) * self.strides[k];
            }
            let row = &self.data[node * width..(node + 1) * width];
            for (subset, entry) in row.iter().enumerate() {
                let mut index = [0; D];
                let mut product = *entry;
                for k in 0..D {
                    index[k] = 2 * (corner >> k & 1) + (subset >> k & 1);
                    product *= basis[k][index[k]];
                }
                value += product;
                for k in 0..D {
                    let mut partial = *entry * slope[k][index[k]];
                    for l in (0..D).filter(|l| *l != k) {
                        partial *= basis[l][index[l]];
                    }
                    grad[k] += partial;
                }
            }
        }
        (value, grad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `J_h(y) = sum_q (w_q - cap |cell|) phi_s(y - z_q) + cap` summed directly.
    fn direct(grid: &Grid, weights: &[f64], cap: f64, s: f64, y: &[f64]) -> f64 {
        let d = grid.d();
        let centres = grid.centres();
        let mut total = cap;
        for (q, w) in weights.iter().enumerate() {
            let mut p = 1.0;
            for k in 0..d {
                p *= pdf((y[k] - centres[q * d + k]) / s) / s;
            }
            total += (w - cap * grid.cell_volume()) * p;
        }
        total
    }

    /// The interpolated table against the direct sum (inside, near and beyond the grid's
    /// edge) in 1-D and 2-D, and its gradient against central differences of itself.
    #[test]
    fn matches_direct_sum_and_differences() {
        let eps = 0.2;
        let s = eps * FRAC_1_SQRT_2;
        for d in [1usize, 2] {
            let grid = Grid::new(vec![-1.0; d], vec![1.2; d], vec![40; d]).unwrap();
            let centres = grid.centres();
            let weights: Vec<f64> = (0..grid.len())
                .map(|q| {
                    let r2: f64 = centres[q * d..(q + 1) * d].iter().map(|x| x * x).sum();
                    grid.cell_volume() * (1.0 + 3.0 * r2).min(5.0)
                })
                .collect();
            let cap = 5.0;
            let table = JGrid::new(&grid, &weights, cap, eps).unwrap();
            for (i, y) in [[0.13, -0.41], [1.15, 0.3], [-1.3, 1.4], [3.0, 0.0]]
                .iter()
                .enumerate()
            {
                let y = &y[..d];
                let exact = direct(&grid, &weights, cap, s, y);
                let (value, grad) = match d {
                    1 => {
                        let (v, g) = table.value_and_gradient(&[y[0]]);
                        (v, vec![g[0]])
                    }
                    _ => {
                        let (v, g) = table.value_and_gradient(&[y[0], y[1]]);
                        (v, g.to_vec())
                    }
                };
                assert!(
                    (value - exact).abs() < 1e-7 * exact,
                    "d = {d}, point {i}: {value} vs {exact}"
                );
                for k in 0..d {
                    let shifted = |h: f64| {
                        let mut p = y.to_vec();
                        p[k] += h;
                        direct(&grid, &weights, cap, s, &p)
                    };
                    let fd = (shifted(1e-5) - shifted(-1e-5)) / 2e-5;
                    assert!(
                        (fd - grad[k]).abs() < 1e-5 * (1.0 + fd.abs()),
                        "d = {d}, point {i}, axis {k}: {fd} vs {}",
                        grad[k]
                    );
                }
            }
        }
    }

    /// A table beyond the byte limit is refused before it is allocated, with the estimate.
    #[test]
    fn refuses_oversized_tables() {
        let grid = Grid::new(vec![-5.0; 3], vec![5.0; 3], vec![8; 3]).unwrap();
        let err = JGrid::new(&grid, &vec![1.0; 512], 1.0, 1e-3)
            .unwrap_err()
            .to_string();
        assert!(err.contains("blob.eps") && err.contains("GiB"), "{err}");
    }
}
