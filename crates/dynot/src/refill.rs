//! Filling the holes of the terminal measure. A local optimiser leaves an end point where the
//! mollified penalty has a local minimum: two end points sharing one part of the target while
//! another part, farther than a few `delta`, is uncovered and does not pull. The residual
//! `r(u) = (phi * (rho^N - rhobar))(u)` (with `phi` of variance `2 delta^2`) is most negative
//! at such a hole and most positive at a surplus; moving end points from surpluses to holes
//! and re-matching ([`reassign`](crate::reassign())) is the discrete move that does what a
//! gradient step cannot. It is kept only when it lowers the objective.

use meanfield_core::RunRng;
use meanfield_core::{Points, Result, squared_distance};
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};

use crate::{Endpoint, Penalty};

/// Target points scanned for holes at most (a larger empirical target is strided).
const MAX_HOLE_POINTS: usize = 4096;

/// One end point moved from a surplus to a hole.
#[derive(Debug, Clone, PartialEq)]
pub struct Move {
    /// The particle whose end point moves.
    pub particle: usize,
    /// Where it goes.
    pub to: Vec<f64>,
    /// The residual there before the move (negative: a hole).
    pub residual_to: f64,
    /// The residual where it was before the move (positive: a surplus).
    pub residual_from: f64,
}

/// Moves that fill the holes of the terminal measure from its surpluses, greedily: each takes
/// the end point of largest residual to the candidate point of smallest residual, then updates
/// the residuals for it, while the two differ by at least `min_contrast`. Candidate points are
/// the target's points (an empirical target, strided to [`MAX_HOLE_POINTS`]) or `4 N` (at
/// most [`MAX_HOLE_POINTS`]) stratified samples of it (a mixture, seeded by `seed`). Each end point moves at most once.
pub fn hole_filling_moves(
    endpoint: &Endpoint,
    penalty: &Penalty,
    ends: &Points,
    min_contrast: f64,
    seed: u64,
) -> Result<Vec<Move>> {
    let s2 = 2.0 * penalty.delta * penalty.delta;
    let d = ends.d();
    let norm = (2.0 * std::f64::consts::PI * s2).powf(-(d as f64) / 2.0);
    let m = 1.0 / ends.n() as f64;
    let kernel = |a: &[f64], b: &[f64]| m * norm * (-squared_distance(a, b) / (2.0 * s2)).exp();
    let residual = |u: &[f64]| -> f64 {
        ends.iter().map(|y| kernel(u, y)).sum::<f64>() - cross(endpoint, u, s2, norm)
    };
    let holes = hole_candidates(endpoint, ends.n(), seed)?;
    let mut at_holes: Vec<f64> = holes.iter().map(residual).collect();
    let mut at_ends: Vec<f64> = ends.iter().map(residual).collect();
    let mut moved = vec![false; ends.n()];
    let mut moves = Vec::new();
    while moves.len() < ends.n() {
        let Some((h, &r_to)) = at_holes
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
        else {
            break;
        };
        let Some((j, &r_from)) = at_ends
            .iter()
            .enumerate()
            .filter(|(j, _)| !moved[*j])
            .max_by(|a, b| a.1.total_cmp(b.1))
        else {
            break;
        };
        if r_from - r_to < min_contrast {
            break;
        }
        let (to, from) = (holes.point(h), ends.point(j));
        for (r, v) in at_holes.iter_mut().zip(holes.iter()) {
            *r += kernel(v, to) - kernel(v, from);
        }
        for (r, v) in at_ends.iter_mut().zip(ends.iter()) {
            *r += kernel(v, to) - kernel(v, from);
        }
        moved[j] = true;
        moves.push(Move {
            particle: j,
            to: to.to_vec(),
            residual_to: r_to,
            residual_from: r_from,
        });
    }
    Ok(moves)
}

/// `int phi(u - z) drhobar(z)`.
fn cross(endpoint: &Endpoint, u: &[f64], s2: f64, norm: f64) -> f64 {
    match endpoint {
        Endpoint::Empirical { points, weights } => {
            norm * points
                .iter()
                .zip(weights)
                .map(|(z, w)| w * (-squared_distance(u, z) / (2.0 * s2)).exp())
                .sum::<f64>()
        }
        Endpoint::Mixture { components } => components
            .iter()
            .map(|(p, mu, s)| {
                let mut density = *p;
                for c in 0..u.len() {
                    let var = s[c] * s[c] + s2;
                    let v = u[c] - mu[c];
                    density *=
                        (-v * v / (2.0 * var)).exp() / (2.0 * std::f64::consts::PI * var).sqrt();
                }
                density
            })
            .sum(),
    }
}

/// Where holes may be: the target's own points, or samples of a mixture.
fn hole_candidates(endpoint: &Endpoint, n: usize, seed: u64) -> Result<Points> {
    match endpoint {
        Endpoint::Empirical { points, .. } => {
            let stride = points.n().div_ceil(MAX_HOLE_POINTS);
            let kept: Vec<f64> = points
                .iter()
                .step_by(stride)
                .flat_map(|z| z.to_vec())
                .collect();
            Points::new(points.d(), kept)
        }
        Endpoint::Mixture { components } => {
            let mut rng = RunRng::seed_from_u64(seed ^ 0x4f1e);
            let unit = Normal::new(0.0, 1.0).expect("unit normal");
            let total: f64 = components.iter().map(|c| c.0).sum();
            let d = endpoint.dim();
            let count = (4 * n).min(MAX_HOLE_POINTS);
            let mut data = Vec::with_capacity(count * d);
            for k in 0..count {
                // Stratified over the components by weight, so that each is represented.
                let at = (k as f64 + 0.5) / count as f64 * total;
                let mut acc = 0.0;
                let (_, mu, s) = components
                    .iter()
                    .find(|c| {
                        acc += c.0;
                        acc >= at
                    })
                    .unwrap_or(&components[components.len() - 1]);
                data.extend((0..d).map(|c| mu[c] + s[c] * unit.sample(&mut rng)));
            }
            Points::new(d, data)
        }
    }
}

/// `ends` with the `moves` applied.
pub fn apply(ends: &Points, moves: &[Move]) -> Result<Points> {
    let mut data = ends.as_slice().to_vec();
    let d = ends.d();
    for mv in moves {
        data[mv.particle * d..(mv.particle + 1) * d].copy_from_slice(&mv.to);
    }
    Points::new(d, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two end points on one of two target points: the uncovered one is the hole, one of the
    /// doubled end points the donor, and one move levels the residuals.
    #[test]
    fn the_uncovered_target_point_is_the_first_hole() {
        let endpoint = Endpoint::Empirical {
            points: Points::new(1, vec![0.0, 5.0]).unwrap(),
            weights: vec![0.5, 0.5],
        };
        let penalty = Penalty::new(&endpoint, 0.1, 1.0);
        let ends = Points::new(1, vec![0.0, 0.01]).unwrap();
        let moves = hole_filling_moves(&endpoint, &penalty, &ends, 0.1, 1).unwrap();
        // One move fills the hole; after it the residuals are level.
        assert_eq!(moves.len(), 1, "{moves:?}");
        assert_eq!(moves[0].to, vec![5.0]);
        assert!(moves[0].residual_to < 0.0 && moves[0].residual_from > 0.0);
        let moved = apply(&ends, &moves).unwrap();
        assert!(moved.iter().any(|y| y[0] == 5.0));
    }
}
