//! Exact discrete optimal transport between two equal-size, equal-weight point clouds.
//!
//! With equal weights 1/n the optimal plan is a permutation (Birkhoff), so the problem is a
//! linear sum assignment, solved exactly by [`min_cost_matching_with_duals`].

use super::matching::{Matching, PairCost, min_cost_matching_with_duals};
use crate::{CoreError, Points, Result};

/// The optimal matching, its cost, and the dual potentials that certify it.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// `W2^2 = (1/n) sum_i |a_i - b_{matching[i]}|^2`.
    pub cost: f64,
    /// `matching[i]` is the index in `b` that `a_i` is sent to.
    pub matching: Vec<usize>,
    /// Dual potential `f` on `a`, and
    pub potential_a: Vec<f64>,
    /// dual potential `g` on `b`: `f_i + g_j <= c(a_i, b_j)` for every pair (up to 1e-10 of
    /// the largest candidate cost), with equality on the matching, so that
    /// `cost = mean(f) + mean(g)` (POT's `log["u"]`, `log["v"]` for weights 1/n).
    pub potential_b: Vec<f64>,
}

/// Exact squared-W2 optimal transport between `a` and `b` (n points each, weights 1/n).
///
/// # Errors
/// [`CoreError::Shape`] when the sizes or dimensions differ or a cloud is empty;
/// [`CoreError::NonFinite`] when a coordinate is NaN or infinite.
pub fn exact_ot(a: &Points, b: &Points) -> Result<Assignment> {
    if a.d() != b.d() {
        return Err(CoreError::Shape(format!(
            "`a` has dimension {}, `b` has {}",
            a.d(),
            b.d()
        )));
    }
    if a.n() != b.n() {
        return Err(CoreError::Shape(format!(
            "exact OT needs equal sizes: `a` has {} points, `b` has {}",
            a.n(),
            b.n()
        )));
    }
    if a.n() == 0 {
        return Err(CoreError::Shape("exact OT needs non-empty clouds".into()));
    }
    for (name, cloud) in [("a", a), ("b", b)] {
        if let Some(k) = cloud.first_non_finite() {
            return Err(CoreError::NonFinite(format!(
                "exact OT: coordinate {k} of `{name}` is {}",
                cloud.as_slice()[k]
            )));
        }
    }
    for (name, cloud) in [("a", a), ("b", b)] {
        if let Some(x) = cloud.as_slice().iter().find(|x| x.abs() > MAX_COORDINATE) {
            return Err(CoreError::NonFinite(format!(
                "`{name}` has the coordinate {x:e}, whose squared distances overflow \
                 (coordinates must stay within +-{MAX_COORDINATE:e})"
            )));
        }
    }
    let costs = SquaredDistances { a, b };
    Ok(priced(&costs, min_cost_matching_with_duals(&costs)))
}

/// The largest coordinate whose squared distances (and their sums over a plan) stay finite.
pub const MAX_COORDINATE: f64 = 1e150;

/// `|a_i - b_j|^2`, computed when asked (no n x n matrix).
struct SquaredDistances<'a> {
    a: &'a Points,
    b: &'a Points,
}

impl PairCost for SquaredDistances<'_> {
    fn n(&self) -> usize {
        self.a.n()
    }
    fn cost(&self, i: usize, j: usize) -> f64 {
        let (x, y) = (self.a.point(i), self.b.point(j));
        x.iter().zip(y).map(|(u, v)| (u - v) * (u - v)).sum()
    }
}

/// A row-major n x n matrix.
struct Matrix<'a> {
    n: usize,
    cost: &'a [f64],
}

impl PairCost for Matrix<'_> {
    fn n(&self) -> usize {
        self.n
    }
    fn cost(&self, i: usize, j: usize) -> f64 {
        self.cost[i * self.n + j]
    }
}

/// The matching with its mean cost and its potentials.
fn priced(costs: &impl PairCost, solved: Matching) -> Assignment {
    let matching = solved.matching;
    let total: f64 = matching
        .iter()
        .enumerate()
        .map(|(i, &j)| costs.cost(i, j))
        .sum();
    Assignment {
        cost: total / matching.len() as f64,
        matching,
        potential_a: solved.row_duals,
        potential_b: solved.column_duals,
    }
}

/// The minimum-cost perfect matching of an `n x n` cost matrix (row-major), its cost divided
/// by `n`: exact OT between equal-weight clouds for any ground cost (e.g. geodesic distances
/// around obstacles).
///
/// # Errors
/// [`CoreError::Shape`] when `cost` is not `n x n`; [`CoreError::NonFinite`] when a cost is
/// NaN or infinite.
pub fn assignment(n: usize, cost: &[f64]) -> Result<Assignment> {
    if cost.len() != n * n || n == 0 {
        return Err(CoreError::Shape(format!(
            "an assignment needs an n x n cost matrix with n >= 1, found {} entries for n = {n}",
            cost.len()
        )));
    }
    if let Some(k) = cost.iter().position(|c| !c.is_finite()) {
        return Err(CoreError::NonFinite(format!(
            "assignment: cost ({}, {}) is {}",
            k / n,
            k % n,
            cost[k]
        )));
    }
    let costs = Matrix { n, cost };
    Ok(priced(&costs, min_cost_matching_with_duals(&costs)))
}

#[cfg(test)]
mod tests {
    use crate::RunRng;
    use rand::SeedableRng;

    use super::*;
    use crate::InitConfig;

    fn permutations(n: usize) -> Vec<Vec<usize>> {
        if n == 0 {
            return vec![vec![]];
        }
        let mut out = Vec::new();
        for p in permutations(n - 1) {
            for k in 0..n {
                let mut q = p.clone();
                q.insert(k, n - 1);
                out.push(q);
            }
        }
        out
    }

    /// Against brute force over all permutations, on random instances of size 1..=7.
    #[test]
    fn matches_brute_force() {
        let mut rng = RunRng::seed_from_u64(11);
        for n in 1..=7 {
            for d in [1, 2, 3] {
                let init = InitConfig::UniformBox {
                    lo: vec![0.0; d],
                    hi: vec![1.0; d],
                };
                let a = init.sample(n, &mut rng).unwrap();
                let b = init.sample(n, &mut rng).unwrap();
                let ot = exact_ot(&a, &b).unwrap();
                let brute = permutations(n)
                    .iter()
                    .map(|p| {
                        (0..n)
                            .map(|i| {
                                a.point(i)
                                    .iter()
                                    .zip(b.point(p[i]))
                                    .map(|(u, v)| (u - v).powi(2))
                                    .sum::<f64>()
                            })
                            .sum::<f64>()
                            / n as f64
                    })
                    .fold(f64::INFINITY, f64::min);
                assert!(
                    (ot.cost - brute).abs() < 1e-12,
                    "n={n} d={d}: {} vs {brute}",
                    ot.cost
                );
                let mut seen = ot.matching.clone();
                seen.sort_unstable();
                assert_eq!(seen, (0..n).collect::<Vec<_>>());
            }
        }
        let one = Points::new(2, vec![0.0, 0.0]).unwrap();
        assert!(exact_ot(&one, &a_pair()).is_err());
    }

    fn a_pair() -> Points {
        Points::new(2, vec![0.0, 0.0, 1.0, 1.0]).unwrap()
    }

    /// The potentials certify the plan: `f_i + g_j <= c_ij` over all pairs, equality on the
    /// matching, and `mean(f) + mean(g)` is the cost; on sizes solved densely and by the
    /// multiscale path, and on a cloud with repeated points.
    #[test]
    fn potentials_certify_the_plan() {
        let mut rng = RunRng::seed_from_u64(5);
        let init = InitConfig::Gaussian {
            mean: vec![0.0, 0.0],
            std: vec![1.0, 0.5],
        };
        let repeated = Points::new(2, [0.5, 0.5].repeat(150)).unwrap();
        for (a, b) in [
            (
                init.sample(40, &mut rng).unwrap(),
                init.sample(40, &mut rng).unwrap(),
            ),
            (
                init.sample(400, &mut rng).unwrap(),
                init.sample(400, &mut rng).unwrap(),
            ),
            (repeated, init.sample(150, &mut rng).unwrap()),
        ] {
            let ot = exact_ot(&a, &b).unwrap();
            let n = a.n();
            let c = |i: usize, j: usize| crate::squared_distance(a.point(i), b.point(j));
            let scale = (0..n).map(|i| c(i, ot.matching[i])).fold(1.0, f64::max);
            for i in 0..n {
                for j in 0..n {
                    let slack = c(i, j) - ot.potential_a[i] - ot.potential_b[j];
                    assert!(slack > -1e-8 * scale, "pair ({i}, {j}) violated by {slack}");
                }
                let tight =
                    c(i, ot.matching[i]) - ot.potential_a[i] - ot.potential_b[ot.matching[i]];
                assert!(
                    tight.abs() < 1e-8 * scale,
                    "matched pair {i} has slack {tight}"
                );
            }
            let dual = (ot.potential_a.iter().sum::<f64>() + ot.potential_b.iter().sum::<f64>())
                / n as f64;
            assert!(
                (dual - ot.cost).abs() < 1e-9 * (1.0 + ot.cost),
                "{dual} vs {}",
                ot.cost
            );
        }
    }
}
