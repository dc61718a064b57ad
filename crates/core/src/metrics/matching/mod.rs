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
    let rows = Classes::new(n, |i, j| costs.cost(i, j));
    let columns = Classes::new(n, |j, i| costs.cost(i, j));
    let (mut near, u) = nearest(n, |i, j| costs.cost(i, j), v, &rows, &columns);
    let (by_column, _) = nearest(n, |j, i| costs.cost(i, j), &u, &columns, &rows);
    for (j, close) in by_column.into_iter().enumerate() {
        for i in close {
            near[i].push(j);
        }
    }
    near
}

/// Lines (rows, or columns) with the same costs: repeated points. Found by a fingerprint of
/// each line's costs to up to FINGERPRINT lines of the other side; a wrong class only changes
/// the candidates, never the result, which the duals certify over all pairs.
struct Classes {
    /// The members of each class, in index order.
    members: Vec<Vec<usize>>,
    /// Each line's class.
    class_of: Vec<usize>,
    /// Each line's place among its class's members.
    rank: Vec<usize>,
}

/// Lines of the other side a fingerprint reads.
const FINGERPRINT: usize = 32;

impl Classes {
    fn new(n: usize, cost: impl Fn(usize, usize) -> f64 + Sync) -> Self {
        let stride = n.div_ceil(FINGERPRINT).max(1);
        let mut prints: Vec<(u64, usize)> = (0..n)
            .into_par_iter()
            .map(|line| {
                let print = (0..n)
                    .step_by(stride)
                    .fold(0x9e37_79b9_7f4a_7c15_u64, |h, o| {
                        (h ^ cost(line, o).to_bits())
                            .wrapping_mul(0x0100_0000_01b3)
                            .rotate_left(29)
                    });
                (print, line)
            })
            .collect();
        prints.sort_unstable();
        let members: Vec<Vec<usize>> = prints
            .chunk_by(|a, b| a.0 == b.0)
            .map(|class| class.iter().map(|&(_, line)| line).collect())
            .collect();
        let (mut class_of, mut rank) = (vec![0; n], vec![0; n]);
        for (c, class) in members.iter().enumerate() {
            for (r, &line) in class.iter().enumerate() {
                (class_of[line], rank[line]) = (c, r);
            }
        }
        Self {
            members,
            class_of,
            rank,
        }
    }

    /// Whether `line` stands for its class beside the line `from` of the other side: the copy
    /// of place `from mod m`, so that different lines reach different copies.
    fn stands_for(&self, line: usize, from: usize) -> bool {
        let m = self.members[self.class_of[line]].len();
        m == 1 || self.rank[line] == from % m
    }
}

/// For each of the `n` lines of `cost(line, other)`: its CANDIDATES others of least
/// `cost - price[other]`, and the least value (the c-transform of `price`).
///
/// Repeated points would make every copy keep the same candidates: a line chooses among one
/// copy of each class of `others` (so that its candidates reach several classes), and the
/// copies of a class of `own` lines share out its `m + CANDIDATES` cheapest others, its r-th
/// copy taking the ranks `r .. r + CANDIDATES` (so that the m copies reach m others).
fn nearest(
    n: usize,
    cost: impl Fn(usize, usize) -> f64 + Sync,
    price: &[f64],
    own: &Classes,
    others: &Classes,
) -> (Vec<Vec<usize>>, Vec<f64>) {
    let value = |line: usize, o: usize| cost(line, o) - price[o];
    let (mut near, transform): (Vec<Vec<usize>>, Vec<f64>) = (0..n)
        .into_par_iter()
        .map_init(Vec::new, |buf: &mut Vec<(f64, usize)>, line| {
            buf.clear();
            let mut least = f64::INFINITY;
            for o in 0..n {
                let x = value(line, o);
                least = least.min(x);
                if others.stands_for(o, line) {
                    buf.push((x, o));
                }
            }
            (smallest(buf, CANDIDATES, line), least)
        })
        .unzip();
    let shared: Vec<(usize, Vec<usize>)> = own
        .members
        .par_iter()
        .filter(|class| class.len() > 1)
        .flat_map_iter(|class| {
            let first = class[0];
            let mut buf: Vec<(f64, usize)> = (0..n).map(|o| (value(first, o), o)).collect();
            let mut ranked = smallest(&mut buf, class.len() + CANDIDATES, first);
            ranked.sort_unstable_by(|&a, &b| {
                value(first, a).total_cmp(&value(first, b)).then(a.cmp(&b))
            });
            let last = ranked.len();
            class
                .iter()
                .enumerate()
                .map(move |(r, &line)| {
                    (
                        line,
                        ranked[r.min(last - 1)..(r + CANDIDATES).min(last)].to_vec(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    for (line, band) in shared {
        near[line].extend(band);
    }
    (near, transform)
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

    /// Squared distances that count how often a cost is read.
    struct Counted<'a> {
        a: &'a [[f64; 2]],
        b: &'a [[f64; 2]],
        reads: std::sync::atomic::AtomicUsize,
    }

    impl PairCost for Counted<'_> {
        fn n(&self) -> usize {
            self.a.len()
        }
        fn cost(&self, i: usize, j: usize) -> f64 {
            self.reads
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let (x, y) = (self.a[i], self.b[j]);
            (x[0] - y[0]).powi(2) + (x[1] - y[1]).powi(2)
        }
    }

    /// Cost reads of the matching of `a` to `b`, with its total checked against lsap's.
    fn reads(a: &[[f64; 2]], b: &[[f64; 2]], what: &str) -> usize {
        assert_optimal(&matrix(a, b, 2), what);
        let counted = Counted {
            a,
            b,
            reads: Default::default(),
        };
        min_cost_matching(&counted);
        counted.reads.into_inner()
    }

    /// Clustered repeats (16 positions, each 125 times) cost no more work than as many
    /// distinct points, counted in cost reads (a machine-independent measure of time), on
    /// either side and on both: the copies of a point share out their candidates. (Before,
    /// every copy kept the same candidates, the sparse graph lacked a perfect matching and
    /// stuck rows were widened by full scans: 2.5-4x the time of distinct points.)
    #[test]
    fn repeated_points_cost_no_more_than_distinct_ones() {
        let n = 2000;
        for seed in [1, 2] {
            let mut rng = RunRng::seed_from_u64(seed);
            let mut uniform =
                || -> Vec<[f64; 2]> { (0..n).map(|_| [rng.random(), rng.random()]).collect() };
            let (sources, targets, positions) = (uniform(), uniform(), uniform());
            let repeated: Vec<[f64; 2]> = (0..n).map(|k| positions[k * 7 % 16]).collect();
            let others: Vec<[f64; 2]> = (0..n).map(|k| targets[k * 11 % 25]).collect();
            let distinct = reads(&sources, &targets, "distinct");
            for (what, a, b) in [
                ("repeated sources", &repeated, &targets),
                ("repeated targets", &sources, &repeated),
                ("both repeated", &repeated, &others),
            ] {
                let work = reads(a, b, what);
                assert!(
                    work as f64 <= 1.25 * distinct as f64,
                    "seed {seed}, {what}: {work} cost reads against {distinct} for distinct points"
                );
            }
        }
    }
}
