//! Exact minimum-cost perfect matching of an n x n cost, fast on geometric costs.
//!
//! Multiscale shortest augmenting paths: a random half of the rows and columns is matched
//! first (recursively); the c-transform of its row duals prices every column; each row and
//! each column keeps its cheapest pairs under those prices; the sparse problem is solved by
//! Dijkstra-based shortest augmenting paths (Hungarian duals); then every one of the n^2
//! pairs is checked against the duals and the violated ones join the graph until none is
//! left. The final duals certify optimality over all pairs, so the result is exact (up to a
//! relative 1e-10 on reduced costs) whatever the candidates were.

mod augment;

use crate::RunRng;
use augment::Matcher;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rayon::prelude::*;

/// Problems up to this size are solved with every pair as a candidate.
const DENSE_UP_TO: usize = 100;
/// Each level is first solved on 1/SHRINK of its rows and columns.
const SHRINK: usize = 2;
/// Cheapest pairs kept per row and per column, and the least a stuck row is widened by.
const CANDIDATES: usize = 32;
/// Seed of the subsampling (the result does not depend on it, only the path to it).
const SEED: u64 = 0x5eed;
const NONE: usize = usize::MAX;

/// A dense n x n cost read entry by entry: a stored matrix or a formula.
pub trait PairCost: Sync {
    /// Number of rows (= columns).
    fn n(&self) -> usize;
    /// Cost of matching row `i` to column `j`; finite.
    fn cost(&self, i: usize, j: usize) -> f64;
}

/// The minimum-cost perfect matching: `matching[i]` is row i's column.
pub fn min_cost_matching(costs: &impl PairCost) -> Vec<usize> {
    min_cost_matching_with_duals(costs).matching
}

/// A minimum-cost perfect matching with the dual potentials that certify it.
#[derive(Debug, Clone, PartialEq)]
pub struct Matching {
    /// `matching[i]` is row i's column.
    pub matching: Vec<usize>,
    /// Row potentials `u`.
    pub row_duals: Vec<f64>,
    /// Column potentials `v`: `u_i + v_j <= c_ij` for every pair (up to 1e-10 of the largest
    /// cost), with equality on the matching, so `sum_i c_{i, matching[i]} = sum u + sum v`.
    pub column_duals: Vec<f64>,
}

/// The minimum-cost perfect matching and its certificate, the dual potentials (the duals of
/// the linear program, as POT's `emd(.., log=True)` returns them).
pub fn min_cost_matching_with_duals(costs: &impl PairCost) -> Matching {
    let all: Vec<usize> = (0..costs.n()).collect();
    let solved = solve_part(costs, &all, &all, SEED);
    Matching {
        matching: solved.col_of,
        row_duals: solved.u,
        column_duals: solved.v,
    }
}

/// A solved (sub)problem: the matching and the duals.
struct Solved {
    col_of: Vec<usize>,
    u: Vec<f64>,
    v: Vec<f64>,
}

/// The rows `rows` and columns `cols` (indices of the full problem) of a cost.
struct Part<'a, C> {
    costs: &'a C,
    rows: &'a [usize],
    cols: &'a [usize],
}

impl<C: PairCost> PairCost for Part<'_, C> {
    fn n(&self) -> usize {
        self.rows.len()
    }
    fn cost(&self, i: usize, j: usize) -> f64 {
        self.costs.cost(self.rows[i], self.cols[j])
    }
}

fn solve_part<C: PairCost>(costs: &C, rows: &[usize], cols: &[usize], seed: u64) -> Solved {
    let part = Part { costs, rows, cols };
    let n = rows.len();
    if n <= DENSE_UP_TO {
        return Matcher::new(&part, vec![(0..n).collect(); n], vec![0.0; n]).run();
    }
    let mut rng = RunRng::seed_from_u64(seed);
    let sample = |rng: &mut RunRng| {
        let mut picked: Vec<usize> = (0..n).collect();
        picked.shuffle(rng);
        picked.truncate(n / SHRINK);
        picked
    };
    let (sub_rows, sub_cols) = (sample(&mut rng), sample(&mut rng));
    let full = |picked: &[usize], of: &[usize]| picked.iter().map(|&p| of[p]).collect::<Vec<_>>();
    let coarse = solve_part(
        costs,
        &full(&sub_rows, rows),
        &full(&sub_cols, cols),
        seed.wrapping_mul(0x9e37_79b9_7f4a_7c15).wrapping_add(1),
    );
    // Column prices for every column: the c-transform of the coarse row duals.
    let v: Vec<f64> = (0..n)
        .into_par_iter()
        .map(|j| {
            sub_rows
                .iter()
                .zip(&coarse.u)
                .map(|(&i, &ui)| part.cost(i, j) - ui)
                .fold(f64::INFINITY, f64::min)
        })
        .collect();
    let candidates = cheapest_pairs(&part, &v);
    Matcher::new(&part, candidates, v).run()
}

/// Indices of the `k` smallest keys in `buf` (reordered in place). Equal keys are taken in
/// the order of their index counted from `from` (cyclically): rows (columns) that see the
/// same costs, as repeated points do, then keep different candidates, and the sparse graph
/// keeps a perfect matching instead of every row competing for the same `k` columns.
fn smallest(buf: &mut [(f64, usize)], k: usize, from: usize) -> Vec<usize> {
    if k < buf.len() {
        let rank = |j: usize| j.wrapping_sub(from);
        buf.select_nth_unstable_by(k, |x, y| {
            x.0.total_cmp(&y.0).then_with(|| rank(x.1).cmp(&rank(y.1)))
        });
    }
    buf[..k.min(buf.len())].iter().map(|&(_, j)| j).collect()
}

/// Each row's CANDIDATES columns of least `c_ij - v_j`, plus each column's CANDIDATES rows of
/// least `c_ij - u_i` where `u` is the c-transform of `v`.
fn cheapest_pairs(costs: &impl PairCost, v: &[f64]) -> Vec<Vec<usize>> {
    let n = costs.n();
    let (mut rows, u): (Vec<Vec<usize>>, Vec<f64>) = (0..n)
        .into_par_iter()
        .map_init(Vec::new, |buf: &mut Vec<(f64, usize)>, i| {
            buf.clear();
            buf.extend((0..n).map(|j| (costs.cost(i, j) - v[j], j)));
            let ui = buf.iter().fold(f64::INFINITY, |m, x| m.min(x.0));
            (smallest(buf, CANDIDATES, i), ui)
        })
        .unzip();
    let by_column: Vec<Vec<usize>> = (0..n)
        .into_par_iter()
        .map_init(Vec::new, |buf: &mut Vec<(f64, usize)>, j| {
            buf.clear();
            buf.extend((0..n).map(|i| (costs.cost(i, j) - u[i], i)));
            smallest(buf, CANDIDATES, j)
        })
        .collect();
    for (j, near) in by_column.into_iter().enumerate() {
        for i in near {
            rows[i].push(j);
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use crate::RunRng;
    use rand::{RngExt, SeedableRng};
    use rand_distr::StandardNormal;

    use super::*;

    struct Matrix {
        n: usize,
        cost: Vec<f64>,
    }

    impl PairCost for Matrix {
        fn n(&self) -> usize {
            self.n
        }
        fn cost(&self, i: usize, j: usize) -> f64 {
            self.cost[i * self.n + j]
        }
    }

    /// Half-normal sources; targets half-normal, a shifted narrow Gaussian, or four tight
    /// clusters.
    fn clouds(kind: usize, n: usize, rng: &mut RunRng) -> (Vec<[f64; 2]>, Vec<[f64; 2]>) {
        let mut normal = || rng.sample::<f64, _>(StandardNormal);
        let a: Vec<[f64; 2]> = (0..n).map(|_| [normal().abs(), normal().abs()]).collect();
        let b = (0..n)
            .map(|k| match kind {
                0 => [normal().abs(), normal().abs()],
                1 => [3.0 + 0.25 * normal(), 0.5 + 0.25 * normal()],
                _ => {
                    let c = (k % 4) as f64;
                    [c + 0.05 * normal(), (1.7 * c).sin() + 0.05 * normal()]
                }
            })
            .collect();
        (a, b)
    }

    fn matrix(a: &[[f64; 2]], b: &[[f64; 2]], power: i32) -> Matrix {
        let cost = a
            .iter()
            .flat_map(|x| {
                b.iter().map(move |y| {
                    let d2 = (x[0] - y[0]).powi(2) + (x[1] - y[1]).powi(2);
                    if power == 2 { d2 } else { d2.sqrt() }
                })
            })
            .collect();
        Matrix { n: a.len(), cost }
    }

    fn total(m: &Matrix, matching: &[usize]) -> f64 {
        matching
            .iter()
            .enumerate()
            .map(|(i, &j)| m.cost(i, j))
            .sum()
    }

    fn assert_optimal(m: &Matrix, what: &str) {
        let matching = min_cost_matching(m);
        let mut seen = matching.clone();
        seen.sort_unstable();
        assert_eq!(
            seen,
            (0..m.n).collect::<Vec<_>>(),
            "{what}: not a permutation"
        );
        let (rows, cols) = lsap::solve(m.n, m.n, &m.cost, false).unwrap();
        let reference: f64 = rows.iter().zip(&cols).map(|(&i, &j)| m.cost(i, j)).sum();
        let ours = total(m, &matching);
        assert!(
            (ours - reference).abs() <= 1e-11 * reference.abs().max(1.0),
            "{what}: {ours} vs lsap {reference}"
        );
    }

    /// Against an independent solver (lsap, SciPy's algorithm) on squared and plain Euclidean
    /// costs, on both sides of the dense threshold, for three shapes of target.
    #[test]
    fn agrees_with_lsap() {
        let mut rng = RunRng::seed_from_u64(5);
        for n in [57, DENSE_UP_TO + 1, 1100] {
            for kind in 0..3 {
                let (a, b) = clouds(kind, n, &mut rng);
                for power in [1, 2] {
                    assert_optimal(
                        &matrix(&a, &b, power),
                        &format!("n {n} kind {kind} p {power}"),
                    );
                }
            }
        }
    }

    /// Many equal costs: integer grid points and repeated points.
    #[test]
    fn ties() {
        let grid: Vec<[f64; 2]> = (0..900)
            .map(|k| [(k % 30) as f64, (k / 30) as f64])
            .collect();
        let mut shuffled = grid.clone();
        shuffled.shuffle(&mut RunRng::seed_from_u64(2));
        assert_optimal(&matrix(&grid, &shuffled, 2), "grid to itself");
        assert_eq!(
            total(
                &matrix(&grid, &shuffled, 2),
                &min_cost_matching(&matrix(&grid, &shuffled, 2))
            ),
            0.0
        );
        let same = vec![[0.5, 0.5]; 500];
        assert_optimal(&matrix(&same, &grid[..500], 2), "one point repeated");
        let lattice: Vec<[f64; 2]> = (0..700).map(|k| [(k % 7) as f64, 0.0]).collect();
        assert_optimal(&matrix(&grid[..700], &lattice, 1), "seven distinct targets");
        // Repeated points on both sides: every row sees the same costs as its copies (the case
        // that made every row compete for the same candidate columns).
        assert_optimal(&matrix(&same, &same, 2), "one point against itself");
        let few: Vec<[f64; 2]> = (0..640)
            .map(|k| [(k % 4) as f64, (k / 4 % 4) as f64])
            .collect();
        let mut others = few.clone();
        others.shuffle(&mut RunRng::seed_from_u64(3));
        let others: Vec<[f64; 2]> = others.iter().map(|p| [p[0] * 0.9, p[1] + 0.3]).collect();
        assert_optimal(
            &matrix(&few, &others, 2),
            "sixteen repeated points each side",
        );
    }
}
