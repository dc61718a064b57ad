//! Re-matching the end points. The terminal penalty depends only on the *set* of end points,
//! not on which particle reaches which, and where straight lines are the cheapest paths (no
//! obstacles, quicksand or acceleration control) the kinetic energy of trajectories ending at
//! given points is at least `(1/N) sum_i |y_i - x_i^0|^2`. Handing the end points to the
//! particles by an exact assignment on squared distances from the sources, along straight lines,
//! therefore never raises the objective, and it undoes the crossed matchings that a local
//! optimiser cannot leave: the combinatorial part of the problem is solved exactly, the
//! optimiser only has to place the set of end points.

use meanfield_core::metrics::exact_ot;
use meanfield_core::{Points, Result, squared_distance};

/// End points handed to other particles.
#[derive(Debug, Clone, PartialEq)]
pub struct Reassignment {
    /// The new free levels `[n, L, d]`: straight lines to the re-matched end points.
    pub free: Vec<f64>,
    /// Particles that now end at another particle's end point.
    pub moved: usize,
    /// `(1/N) sum |y_i - x_i|^2` before (each particle to its own end point) and after.
    pub cost_before: f64,
    /// The same after the re-matching (the assignment's cost).
    pub cost_after: f64,
}

/// The exact re-matching of the end points of `free` (`[n, levels, d]` row-major, the last
/// level the end points) to `sources`, or `None` when every particle already ends at its
/// partner (no re-matching lowers the cost by more than a relative 1e-12).
///
/// # Errors
/// Non-finite coordinates.
pub fn reassign(sources: &Points, free: &[f64], levels: usize) -> Result<Option<Reassignment>> {
    let n = sources.n();
    let ends = end_points(free, n, levels, sources.d())?;
    let cost_before = sources
        .iter()
        .zip(ends.iter())
        .map(|(x, y)| squared_distance(x, y))
        .sum::<f64>()
        / n as f64;
    let matched = exact_ot(sources, &ends)?;
    let moved = matched
        .matching
        .iter()
        .enumerate()
        .filter(|(i, j)| i != *j)
        .count();
    if moved == 0 || cost_before - matched.cost <= 1e-12 * cost_before {
        return Ok(None);
    }
    Ok(Some(Reassignment {
        free: straight_lines(sources, &ends, &matched.matching, levels),
        moved,
        cost_before,
        cost_after: matched.cost,
    }))
}

/// The free levels `[n, levels, d]` of straight lines at constant speed from each source `i`
/// to the end point `matching[i]`.
pub fn straight_lines(
    sources: &Points,
    ends: &Points,
    matching: &[usize],
    levels: usize,
) -> Vec<f64> {
    (0..sources.n())
        .flat_map(|i| {
            let (x, y) = (sources.point(i), ends.point(matching[i]));
            (1..=levels).flat_map(move |l| {
                let s = l as f64 / levels as f64;
                x.iter().zip(y).map(move |(a, b)| a + s * (b - a))
            })
        })
        .collect()
}

/// The end points (last level) of the free levels `[n, levels, d]`.
pub fn end_points(free: &[f64], n: usize, levels: usize, d: usize) -> Result<Points> {
    let stride = levels * d;
    Points::new(
        d,
        (0..n)
            .flat_map(|i| free[i * stride + (levels - 1) * d..(i + 1) * stride].to_vec())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two particles whose end points are crossed swap them, along straight lines, and the
    /// cost falls to the assignment's.
    #[test]
    fn crossed_end_points_are_swapped() {
        let sources = Points::new(1, vec![0.0, 1.0]).unwrap();
        // Two levels; particle 0 ends at 3, particle 1 at 2 (crossed).
        let free = vec![1.0, 3.0, 1.5, 2.0];
        let r = reassign(&sources, &free, 2).unwrap().unwrap();
        assert_eq!(r.moved, 2);
        assert_eq!(r.free, vec![1.0, 2.0, 2.0, 3.0]);
        assert!((r.cost_before - (9.0 + 1.0) / 2.0).abs() < 1e-12);
        assert!((r.cost_after - (4.0 + 4.0) / 2.0).abs() < 1e-12);
        // Already matched: nothing to do.
        assert_eq!(reassign(&sources, &r.free, 2).unwrap(), None);
    }
}
