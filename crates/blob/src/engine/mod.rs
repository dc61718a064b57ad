//! The host engine of the blob energy `1/2 sum_ij m_i m_j I(x_i, x_j)` and its gradient for
//! d <= 3 and the Gaussian mollifier, through the factorisation
//! `I(a, b) = phi_{sqrt2 eps}(a - b) J((a + b)/2)` (MATH.md section 6): monomorphised over
//! the target's factor `J` and the dimension, vectorised over pairs, parallel over rows.
//!
//! Strategies: all pairs (each once, by symmetry) or a cut-off at
//! `r_c` ([`cutoff_radius`]), beyond which the pairs carry below `tol` of the sum.

mod cutoff;
mod factor;
mod jgrid;
mod mesh;
mod pairs;

pub use factor::GaussianFactor;
pub use jgrid::{JGrid, MAX_TABLE_BYTES, check_table_size, table_bytes};
pub use mesh::{MAX_MESH_BYTES, Mesh, MeshWeight};

use meanfield_core::{CoreError, Result};
use rayon::prelude::*;

use crate::overlap::CellsOverlap;
use cutoff::{CellList, cutoff_sum};
use factor::{Factor, Unit};
use pairs::{PairFactor, Row, Soa, diagonal, row};

/// The engine runs for d <= this.
pub const MAX_ENGINE_DIM: usize = 3;

/// The target's factor `J` of the overlap.
#[derive(Debug, Clone)]
pub enum TargetFactor {
    /// `rhobar = 1`.
    Unit,
    /// Gaussian target.
    Gaussian(GaussianFactor),
    /// Piecewise constant on boxes (uniform box: one box).
    Cells(Box<CellsOverlap>),
    /// Any target, tabulated.
    Grid(Box<JGrid>),
}

impl TargetFactor {
    /// `J` for `rhobar = N(mean, diag std^2)`; `None` when `eps^2 >= 2 std_k^2`.
    pub fn gaussian(eps: f64, mean: &[f64], std: &[f64]) -> Option<Self> {
        GaussianFactor::new(eps, mean, std).map(Self::Gaussian)
    }
}

/// Below this many particles `auto` sums all pairs without building a cell list.
pub const AUTO_CUTOFF_MIN_N: usize = 250;

/// Whether `auto` takes the cut-off for `n` particles whose cell list visits `visited` pairs:
/// below half of all pairs from N = 1000, below 15% from [`AUTO_CUTOFF_MIN_N`]. Measured with
/// `blob_step --crossover` (README, "Blob evaluation strategies"): a visited pair costs the
/// cut-off about 1.8 times what a pair costs the all-pairs loop, and more below N = 1000 (the
/// cell list's set-up).
pub fn cutoff_pays(n: usize, visited: usize) -> bool {
    let all = n * (n + 1) / 2;
    n >= AUTO_CUTOFF_MIN_N && (20 * visited < 3 * all || (n >= 1000 && 2 * visited < all))
}

/// Below this many particles `auto` never takes the mesh.
pub const AUTO_MESH_MIN_N: usize = 20_000;

/// Which pairs are summed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PairStrategy {
    /// All pairs.
    All,
    /// Pairs within `radius` (found by a cell list).
    Cutoff {
        /// `r_c`.
        radius: f64,
    },
    /// Per evaluation: the cut-off where [`cutoff_pays`] for the pairs its cell list visits,
    /// else all pairs.
    Auto {
        /// `r_c`.
        radius: f64,
    },
}

/// The cut-off radius for mollifier width `eps`, relative tolerance `tol`, dimension `d`:
/// `r_c = 2 eps sqrt(u)` with `u = ln(1/tol) + (d+1)/2 ln(ln(1/tol))`, so that the pairs left
/// out carry below `tol` of the gradient's weight `r phi_{sqrt2 eps}(r)` for locally uniform
/// particles (its tail is `Gamma((d+1)/2, u) / Gamma((d+1)/2)`), not only of the peak.
pub fn cutoff_radius(eps: f64, tol: f64, d: usize) -> f64 {
    let log = (1.0 / tol).ln();
    2.0 * eps * (log + 0.5 * (d as f64 + 1.0) * log.max(1.0).ln()).sqrt()
}

/// The pairs the engine would visit for particles `x` (row-major `[n, d]`, d <= 3) with
/// cut-off radius `radius`: the cell list's count when `auto` would take the cut-off, else
/// all N(N+1)/2.
pub fn pair_cost(x: &[f64], d: usize, radius: f64) -> f64 {
    let n = x.len() / d;
    let all = n * (n + 1) / 2;
    if n < AUTO_CUTOFF_MIN_N {
        return all as f64;
    }
    let visited = visited_pairs(x, d, radius);
    if cutoff_pays(n, visited as usize) {
        visited
    } else {
        all as f64
    }
}

/// The pairs a cell list of radius `radius` visits for particles `x` (row-major `[n, d]`,
/// d <= 3), whatever N.
pub fn visited_pairs(x: &[f64], d: usize, radius: f64) -> f64 {
    fn visited<const D: usize>(x: &[f64], radius: f64) -> f64 {
        let n = x.len() / D;
        let axes: [Vec<f64>; D] = std::array::from_fn(|k| (0..n).map(|i| x[i * D + k]).collect());
        CellList::<D>::new(&std::array::from_fn(|k| axes[k].as_slice()), radius).visited_pairs()
            as f64
    }
    match d {
        1 => visited::<1>(x, radius),
        2 => visited::<2>(x, radius),
        _ => visited::<3>(x, radius),
    }
}

/// Refuses `bytes` beyond `limit` for `what`, naming `key` and the way out.
///
/// # Errors
/// [`CoreError::Config`] with the estimate in GiB.
pub(crate) fn check_bytes(key: &str, what: &str, bytes: f64, limit: f64, hint: &str) -> Result<()> {
    if bytes <= limit && bytes.is_finite() {
        return Ok(());
    }
    let gib = (1u64 << 30) as f64;
    Err(CoreError::config(
        key,
        format!(
            "{what} would take {:.1} GiB (limit {:.0} GiB): {hint}",
            bytes / gib,
            limit / gib
        ),
    ))
}

/// The blob energy's host engine.
#[derive(Debug, Clone)]
pub struct PairEngine {
    factor: TargetFactor,
    eps: f64,
    strategy: PairStrategy,
}

impl PairEngine {
    /// For the target's factor and mollifier width `eps`.
    pub fn new(factor: TargetFactor, eps: f64, strategy: PairStrategy) -> Self {
        Self {
            factor,
            eps,
            strategy,
        }
    }

    /// Energy and gradient (row-major `[n, d]`) of particles `x` (row-major `[n, d]`, d <= 3)
    /// with masses `m`.
    pub fn value_and_gradient(&self, x: &[f64], m: &[f64], d: usize) -> (f64, Vec<f64>) {
        match d {
            1 => self.by_factor::<1>(x, m),
            2 => self.by_factor::<2>(x, m),
            3 => self.by_factor::<3>(x, m),
            _ => panic!("the pair engine is for d <= {MAX_ENGINE_DIM}, found {d}"),
        }
    }

    fn by_factor<const D: usize>(&self, x: &[f64], m: &[f64]) -> (f64, Vec<f64>) {
        let n = m.len();
        let axes: [Vec<f64>; D] = std::array::from_fn(|k| (0..n).map(|i| x[i * D + k]).collect());
        let soa = Soa::<D> {
            x: std::array::from_fn(|k| axes[k].as_slice()),
            m,
        };
        let (energy, grad) = match &self.factor {
            TargetFactor::Unit => self.sum(&Unit, soa),
            TargetFactor::Gaussian(f) => self.sum(f, soa),
            TargetFactor::Cells(f) => self.sum(f.as_ref(), soa),
            TargetFactor::Grid(f) => self.sum(f.as_ref(), soa),
        };
        let mut out = vec![0.0; n * D];
        for i in 0..n {
            for k in 0..D {
                out[i * D + k] = grad[k][i];
            }
        }
        (energy, out)
    }

    fn sum<F: Factor<D>, const D: usize>(
        &self,
        factor: &F,
        soa: Soa<'_, D>,
    ) -> (f64, [Vec<f64>; D]) {
        let pair = PairFactor::new(self.eps, D);
        let n = soa.m.len();
        match self.strategy {
            PairStrategy::All => all_pairs(factor, pair, soa),
            PairStrategy::Cutoff { radius } => {
                cutoff_sum(factor, pair, soa, &CellList::new(&soa.x, radius))
            }
            PairStrategy::Auto { radius } if n >= AUTO_CUTOFF_MIN_N => {
                let cells = CellList::new(&soa.x, radius);
                if cutoff_pays(n, cells.visited_pairs()) {
                    cutoff_sum(factor, pair, soa, &cells)
                } else {
                    all_pairs(factor, pair, soa)
                }
            }
            PairStrategy::Auto { .. } => all_pairs(factor, pair, soa),
        }
    }
}

/// Every pair once (rows `i` against `j > i`), plus the diagonal.
fn all_pairs<F: Factor<D>, const D: usize>(
    factor: &F,
    pair: PairFactor,
    soa: Soa<'_, D>,
) -> (f64, [Vec<f64>; D]) {
    let n = soa.m.len();
    parallel_sum::<D>(n, 0..n, |i, energy, g| {
        let me = Row {
            x: std::array::from_fn(|k| soa.x[k][i]),
            m: soa.m[i],
        };
        let mut gi = [0.0; D];
        *energy += diagonal(factor, pair, me, &mut gi);
        *energy += row(factor, pair, me, soa, i + 1..n, &mut gi, g);
        for k in 0..D {
            g[k][i] += gi[k];
        }
    })
}

/// `work(item, energy, grad)` over `items` in parallel, one energy and gradient buffer (by
/// axis, `n` entries) per worker, summed at the end.
fn parallel_sum<const D: usize>(
    n: usize,
    items: std::ops::Range<usize>,
    work: impl Fn(usize, &mut f64, &mut [Vec<f64>; D]) + Sync,
) -> (f64, [Vec<f64>; D]) {
    let zero = || (0.0, std::array::from_fn(|_| vec![0.0; n]));
    items
        .into_par_iter()
        .with_min_len(8)
        .fold(zero, |(mut energy, mut g), item| {
            work(item, &mut energy, &mut g);
            (energy, g)
        })
        .reduce(zero, |(e1, mut g1), (e2, g2)| {
            for k in 0..D {
                g1[k].iter_mut().zip(&g2[k]).for_each(|(a, b)| *a += b);
            }
            (e1 + e2, g1)
        })
}
