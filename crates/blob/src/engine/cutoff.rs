//! The cut-off sum: pairs closer than `r_c` only, found by a cell list (cells of width at
//! least `r_c`, particles sorted by cell so that each cell is a contiguous range for the pair
//! loop), each pair once through a half stencil of neighbouring cells. O(N k) for k
//! neighbours within reach.

use super::factor::Factor;
use super::pairs::{PairFactor, Row, Soa, diagonal, row};
use super::parallel_sum;

/// Particles sorted by the cell they fall in.
#[derive(Debug)]
pub(crate) struct CellList<const D: usize> {
    /// `order[s]`: the particle at sorted position `s`.
    order: Vec<usize>,
    /// Cell `c` holds sorted positions `starts[c]..starts[c + 1]`.
    starts: Vec<usize>,
    dims: [usize; D],
}

impl<const D: usize> CellList<D> {
    /// Cells of width >= `radius` over the particles' bounding box, widened until there are
    /// at most about 4 cells per particle.
    pub(crate) fn new(x: &[&[f64]; D], radius: f64) -> Self {
        let n = x[0].len();
        let mut lo = [0.0; D];
        let mut len = [0.0; D];
        for k in 0..D {
            let (a, b) = x[k]
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                    (a.min(*v), b.max(*v))
                });
            lo[k] = a;
            len[k] = (b - a).max(0.0);
        }
        let count = |width: f64| -> [usize; D] {
            std::array::from_fn(|k| ((len[k] / width).floor() as usize).max(1))
        };
        let mut width = radius;
        while count(width).iter().product::<usize>() > 4 * n + 16 {
            width *= 1.5;
        }
        let dims = count(width);
        let cell_of = |p: usize| {
            let mut c = 0;
            for k in 0..D {
                let i = (((x[k][p] - lo[k]) / width) as usize).min(dims[k] - 1);
                c = c * dims[k] + i;
            }
            c
        };
        let cells: Vec<usize> = (0..n).map(cell_of).collect();
        let total: usize = dims.iter().product();
        let mut starts = vec![0; total + 1];
        for c in &cells {
            starts[c + 1] += 1;
        }
        for c in 0..total {
            starts[c + 1] += starts[c];
        }
        let mut next = starts.clone();
        let mut order = vec![0; n];
        for (p, c) in cells.iter().enumerate() {
            order[next[*c]] = p;
            next[*c] += 1;
        }
        Self {
            order,
            starts,
            dims,
        }
    }

    /// The pairs the cut-off sum visits (each once).
    pub(crate) fn visited_pairs(&self) -> usize {
        let size = |c: usize| self.starts[c + 1] - self.starts[c];
        (0..self.starts.len() - 1)
            .map(|c| {
                let own = size(c);
                own * (own + 1) / 2 + own * self.forward_neighbours(c).map(size).sum::<usize>()
            })
            .sum()
    }

    /// The neighbouring cells of `c` that come after it (half of the 3^D stencil).
    fn forward_neighbours(&self, c: usize) -> impl Iterator<Item = usize> + '_ {
        let mut index = [0usize; D];
        let mut rest = c;
        for k in (0..D).rev() {
            index[k] = rest % self.dims[k];
            rest /= self.dims[k];
        }
        (0..3usize.pow(D as u32)).filter_map(move |code| {
            let mut offset = [0i64; D];
            let mut rest = code;
            for k in (0..D).rev() {
                offset[k] = (rest % 3) as i64 - 1;
                rest /= 3;
            }
            // Lexicographically positive offsets: each pair of cells once.
            if offset.iter().find(|o| **o != 0).is_none_or(|o| *o < 0) {
                return None;
            }
            let mut neighbour = 0;
            for k in 0..D {
                let i = index[k] as i64 + offset[k];
                if i < 0 || i >= self.dims[k] as i64 {
                    return None;
                }
                neighbour = neighbour * self.dims[k] + i as usize;
            }
            Some(neighbour)
        })
    }
}

/// `1/2 sum_{|x_i - x_j| < r_c} m_i m_j I(x_i, x_j)` (every pair within the cells' radius
/// and some beyond it) and its gradient by axis.
pub(crate) fn cutoff_sum<F: Factor<D>, const D: usize>(
    factor: &F,
    pair: PairFactor,
    soa: Soa<'_, D>,
    cells: &CellList<D>,
) -> (f64, [Vec<f64>; D]) {
    let n = soa.m.len();
    let sorted_x: [Vec<f64>; D] =
        std::array::from_fn(|k| cells.order.iter().map(|p| soa.x[k][*p]).collect());
    let sorted_m: Vec<f64> = cells.order.iter().map(|p| soa.m[*p]).collect();
    let sorted = Soa {
        x: std::array::from_fn(|k| sorted_x[k].as_slice()),
        m: &sorted_m,
    };
    let total = cells.starts.len() - 1;
    let (energy, grad) = parallel_sum::<D>(n, 0..total, |c, energy, g| {
        let own = cells.starts[c]..cells.starts[c + 1];
        for i in own.clone() {
            let me = Row {
                x: std::array::from_fn(|k| sorted.x[k][i]),
                m: sorted.m[i],
            };
            let mut gi = [0.0; D];
            *energy += diagonal(factor, pair, me, &mut gi);
            *energy += row(factor, pair, me, sorted, i + 1..own.end, &mut gi, g);
            for other in cells.forward_neighbours(c) {
                let range = cells.starts[other]..cells.starts[other + 1];
                if !range.is_empty() {
                    *energy += row(factor, pair, me, sorted, range, &mut gi, g);
                }
            }
            for k in 0..D {
                g[k][i] += gi[k];
            }
        }
    });
    let mut out: [Vec<f64>; D] = std::array::from_fn(|_| vec![0.0; n]);
    for (s, p) in cells.order.iter().enumerate() {
        for k in 0..D {
            out[k][*p] = grad[k][s];
        }
    }
    (energy, out)
}
