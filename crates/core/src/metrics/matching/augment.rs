//! Shortest augmenting paths on a sparse candidate graph, with Hungarian duals: the inner
//! solver of the multiscale matching.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rayon::prelude::*;

use super::{CANDIDATES, NONE, PairCost, Solved, smallest};

/// A heap entry: the tentative distance of a column, smallest first.
#[derive(Clone, Copy, PartialEq)]
struct Entry(f64, usize);

impl Eq for Entry {}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.total_cmp(&self.0).then(other.1.cmp(&self.1))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Shortest augmenting paths on a sparse graph with duals `u` (rows) and `v` (columns):
/// every edge has `c_ij - u_i - v_j >= 0`, matched edges are tight.
pub(super) struct Matcher<'a, C> {
    costs: &'a C,
    /// Row i's candidate columns with their costs.
    edges: Vec<Vec<(usize, f64)>>,
    u: Vec<f64>,
    v: Vec<f64>,
    col_of: Vec<usize>,
    row_of: Vec<usize>,
    free: Vec<usize>,
    /// Reduced costs below `-tol` count as violated.
    tol: f64,
    search: Search,
}

/// Dijkstra's scratch space; an entry is valid when its stamp equals `round`.
struct Search {
    round: u32,
    seen: Vec<u32>,
    scanned: Vec<u32>,
    dist: Vec<f64>,
    pred: Vec<usize>,
    /// Matched columns scanned in this search, in order.
    order: Vec<usize>,
    heap: BinaryHeap<Entry>,
}

impl<'a, C: PairCost> Matcher<'a, C> {
    pub(super) fn new(costs: &'a C, candidates: Vec<Vec<usize>>, v: Vec<f64>) -> Self {
        let n = costs.n();
        let edges: Vec<Vec<(usize, f64)>> = candidates
            .into_par_iter()
            .enumerate()
            .map(|(i, mut cols)| {
                cols.sort_unstable();
                cols.dedup();
                cols.into_iter().map(|j| (j, costs.cost(i, j))).collect()
            })
            .collect();
        let scale = edges
            .iter()
            .flatten()
            .fold(0.0_f64, |m, &(_, c)| m.max(c.abs()));
        let mut matcher = Self {
            costs,
            edges,
            u: vec![0.0; n],
            v,
            col_of: vec![NONE; n],
            row_of: vec![NONE; n],
            free: Vec::new(),
            tol: 1e-10 * scale,
            search: Search {
                round: 0,
                seen: vec![0; n],
                scanned: vec![0; n],
                dist: vec![0.0; n],
                pred: vec![NONE; n],
                order: Vec::new(),
                heap: BinaryHeap::new(),
            },
        };
        matcher.greedy_start();
        matcher
    }

    /// u_i = the row's least reduced cost; each row takes that column while it is free.
    fn greedy_start(&mut self) {
        for i in 0..self.u.len() {
            let (j, reduced) = self.edges[i]
                .iter()
                .map(|&(j, c)| (j, c - self.v[j]))
                .min_by(|x, y| x.1.total_cmp(&y.1))
                .expect("every row has candidates");
            self.u[i] = reduced;
            if self.row_of[j] == NONE {
                self.row_of[j] = i;
                self.col_of[i] = j;
            } else {
                self.free.push(i);
            }
        }
    }

    pub(super) fn run(mut self) -> Solved {
        loop {
            while let Some(r) = self.free.pop() {
                if let Err(stuck) = self.augment(r) {
                    // No free column is reachable: the rows of the search tree get more columns.
                    self.free.push(r);
                    for i in stuck {
                        self.widen(i);
                    }
                }
            }
            if !self.add_violated_pairs() {
                return Solved {
                    col_of: self.col_of,
                    u: self.u,
                    v: self.v,
                };
            }
        }
    }

    /// Row `i` gains as many columns again as it has (at least CANDIDATES), the cheapest by
    /// reduced cost among those it lacks.
    fn widen(&mut self, i: usize) {
        let n = self.costs.n();
        let extra = self.edges[i].len().max(CANDIDATES);
        let mut have = vec![false; n];
        for &(j, _) in &self.edges[i] {
            have[j] = true;
        }
        let mut rest: Vec<(f64, usize)> = (0..n)
            .filter(|&j| !have[j])
            .map(|j| (self.costs.cost(i, j) - self.v[j], j))
            .collect();
        for j in smallest(&mut rest, extra, i) {
            self.edges[i].push((j, self.costs.cost(i, j)));
        }
        self.lower_row_dual(i);
    }

    /// Lowers u_i until every edge of row i has a non-negative reduced cost; the row's
    /// matched edge is then no longer tight, so the row is set free.
    fn lower_row_dual(&mut self, i: usize) {
        let lowest = self.edges[i]
            .iter()
            .map(|&(j, c)| c - self.v[j])
            .fold(f64::INFINITY, f64::min);
        if lowest < self.u[i] {
            self.u[i] = lowest;
            let j = self.col_of[i];
            if j != NONE {
                self.col_of[i] = NONE;
                self.row_of[j] = NONE;
                self.free.push(i);
            }
        }
    }

    /// Dijkstra on reduced costs from free row `r` to the nearest free column, the dual
    /// update that keeps every edge feasible and makes the path tight, and the augmentation.
    /// When no free column is reachable, returns the rows the search reached.
    fn augment(&mut self, r: usize) -> Result<(), Vec<usize>> {
        self.search.round += 1;
        let round = self.search.round;
        self.search.heap.clear();
        self.search.order.clear();
        let first = self.scan_row(r, 0.0);
        let (sink, reach) = loop {
            if let Some(sink) = first {
                break (sink, 0.0);
            }
            let Some(Entry(d, j)) = self.search.heap.pop() else {
                let mut rows = vec![r];
                rows.extend(self.search.order.iter().map(|&j| self.row_of[j]));
                return Err(rows);
            };
            if self.search.scanned[j] == round || d > self.search.dist[j] {
                continue;
            }
            self.search.scanned[j] = round;
            let i = self.row_of[j];
            if i == NONE {
                break (j, d);
            }
            self.search.order.push(j);
            if let Some(sink) = self.scan_row(i, d) {
                break (sink, d);
            }
        };
        for &j in &self.search.order {
            let lift = reach - self.search.dist[j];
            self.v[j] -= lift;
            self.u[self.row_of[j]] += lift;
        }
        self.u[r] += reach;
        let mut j = sink;
        loop {
            let i = self.search.pred[j];
            let next = self.col_of[i];
            self.col_of[i] = j;
            self.row_of[j] = i;
            if i == r {
                return Ok(());
            }
            j = next;
        }
    }

    /// Relaxes the edges of row `i`, reached at distance `d`. Returns a free column reached
    /// at distance `d` itself (a tight edge), if there is one: no path can be shorter, since
    /// `d` is the least distance left, so the search ends there. On problems with many equal
    /// costs (repeated points) this ends searches that would otherwise scan whole plateaus.
    fn scan_row(&mut self, i: usize, d: f64) -> Option<usize> {
        let s = &mut self.search;
        let ui = self.u[i];
        for &(j, c) in &self.edges[i] {
            if s.scanned[j] == s.round {
                continue;
            }
            let through = d + (c - ui - self.v[j]).max(0.0);
            if s.seen[j] != s.round || through < s.dist[j] {
                s.seen[j] = s.round;
                s.dist[j] = through;
                s.pred[j] = i;
                if through <= d && self.row_of[j] == NONE {
                    s.scanned[j] = s.round;
                    return Some(j);
                }
                s.heap.push(Entry(through, j));
            }
        }
        None
    }

    /// Checks all n^2 pairs against the duals; violated pairs join their rows' edges (and
    /// those rows are set free). Returns whether there were any.
    fn add_violated_pairs(&mut self) -> bool {
        let n = self.costs.n();
        let (costs, u, v, tol) = (self.costs, &self.u, &self.v, self.tol);
        let violated: Vec<(usize, Vec<(usize, f64)>)> = (0..n)
            .into_par_iter()
            .filter_map(|i| {
                let pairs: Vec<(usize, f64)> = (0..n)
                    .filter_map(|j| {
                        let c = costs.cost(i, j);
                        (c - u[i] - v[j] < -tol).then_some((j, c))
                    })
                    .collect();
                (!pairs.is_empty()).then_some((i, pairs))
            })
            .collect();
        let any = !violated.is_empty();
        for (i, pairs) in violated {
            for pair in pairs {
                if !self.edges[i].iter().any(|&(j, _)| j == pair.0) {
                    self.edges[i].push(pair);
                }
            }
            self.lower_row_dual(i);
        }
        any
    }
}
