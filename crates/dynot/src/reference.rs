//! Exact references the minimiser is judged against: the assignment for obstacle-free
//! empirical targets, and for obstacles in 2-D the assignment on squared geodesic distances,
//! computed independently by shortest paths on a visibility graph.

use meanfield_core::metrics::{Assignment, assignment, exact_ot};
use meanfield_core::{Points, Result};

use crate::Region;

/// Sides of the polygon circumscribing a disk in the visibility graph (its perimeter exceeds
/// the circle's by 0.03%, an upper bound on the reference's excess).
const DISK_SIDES: usize = 128;

/// Exact squared-W2 assignment from `sources` to `targets`, around `obstacles` (2-D) when
/// there are any.
///
/// # Errors
/// Unequal sizes or dimensions; obstacles outside 2-D.
pub fn exact_reference(
    sources: &Points,
    targets: &Points,
    obstacles: &[Region],
) -> Result<Assignment> {
    if obstacles.is_empty() {
        return exact_ot(sources, targets);
    }
    if sources.d() != 2 {
        return Err(meanfield_core::CoreError::Shape(
            "the obstacle-aware reference is 2-D only".into(),
        ));
    }
    let graph = VisibilityGraph::new(obstacles);
    let n = sources.n();
    let cost: Vec<f64> = (0..n)
        .flat_map(|i| {
            let d = graph.distances(sources.point(i), targets);
            d.into_iter().map(|v| v * v).collect::<Vec<_>>()
        })
        .collect();
    assignment(n, &cost)
}

/// Obstacles as convex polygons and their corners: a shortest path around convex polygons
/// bends only at their corners.
struct VisibilityGraph {
    blockers: Vec<Blocker>,
    corners: Vec<[f64; 2]>,
    /// Corner-to-corner distances, `inf` when the segment is blocked.
    between: Vec<f64>,
}

/// A convex polygon as half-planes `n . x <= b`.
struct Blocker {
    faces: Vec<([f64; 2], f64)>,
}

impl Blocker {
    fn new(region: &Region) -> Self {
        let outline = region.outline(DISK_SIDES);
        let k = outline.len();
        let faces = (0..k)
            .map(|i| {
                let (p, q) = (outline[i], outline[(i + 1) % k]);
                let (ex, ey) = (q[0] - p[0], q[1] - p[1]);
                let len = (ex * ex + ey * ey).sqrt();
                let n = [ey / len, -ex / len];
                (n, n[0] * p[0] + n[1] * p[1])
            })
            .collect();
        Self { faces }
    }

    /// Whether the open segment `(a, b)` passes through the interior (Cyrus-Beck clipping).
    fn blocks(&self, a: [f64; 2], b: [f64; 2]) -> bool {
        let tol = 1e-9;
        let (mut enter, mut exit) = (0.0f64, 1.0f64);
        let dir = [b[0] - a[0], b[1] - a[1]];
        for (n, off) in &self.faces {
            let start = off - (n[0] * a[0] + n[1] * a[1]);
            let rate = n[0] * dir[0] + n[1] * dir[1];
            if rate.abs() < 1e-15 {
                if start <= tol {
                    return false;
                }
            } else {
                let t = start / rate;
                if rate > 0.0 {
                    exit = exit.min(t);
                } else {
                    enter = enter.max(t);
                }
            }
        }
        // Crossing the interior, not grazing a face or a corner.
        let len = (dir[0] * dir[0] + dir[1] * dir[1]).sqrt();
        (exit - enter) * len > tol
    }
}

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

impl VisibilityGraph {
    fn new(obstacles: &[Region]) -> Self {
        let blockers: Vec<Blocker> = obstacles.iter().map(Blocker::new).collect();
        // Corners pushed out by a hair so that paths through them are not "inside".
        let corners: Vec<[f64; 2]> = obstacles
            .iter()
            .flat_map(|r| {
                let outline = r.outline(DISK_SIDES);
                let k = outline.len() as f64;
                let c = outline
                    .iter()
                    .fold([0.0, 0.0], |s, p| [s[0] + p[0] / k, s[1] + p[1] / k]);
                outline
                    .into_iter()
                    .map(move |p| [p[0] + 1e-7 * (p[0] - c[0]), p[1] + 1e-7 * (p[1] - c[1])])
            })
            .collect();
        let k = corners.len();
        let mut between = vec![f64::INFINITY; k * k];
        for i in 0..k {
            for j in i + 1..k {
                let (a, b) = (corners[i], corners[j]);
                if !blockers.iter().any(|o| o.blocks(a, b)) {
                    between[i * k + j] = dist(a, b);
                    between[j * k + i] = dist(a, b);
                }
            }
        }
        Self {
            blockers,
            corners,
            between,
        }
    }

    fn visible(&self, a: [f64; 2], b: [f64; 2]) -> bool {
        !self.blockers.iter().any(|o| o.blocks(a, b))
    }

    /// Geodesic distances from `source` to every target (Dijkstra over the corners).
    fn distances(&self, source: &[f64], targets: &Points) -> Vec<f64> {
        let s = [source[0], source[1]];
        let k = self.corners.len();
        let mut to_corner: Vec<f64> = self
            .corners
            .iter()
            .map(|&c| {
                if self.visible(s, c) {
                    dist(s, c)
                } else {
                    f64::INFINITY
                }
            })
            .collect();
        let mut settled = vec![false; k];
        for _ in 0..k {
            let Some(u) = (0..k)
                .filter(|&u| !settled[u] && to_corner[u].is_finite())
                .min_by(|&a, &b| to_corner[a].total_cmp(&to_corner[b]))
            else {
                break;
            };
            settled[u] = true;
            for v in 0..k {
                let w = self.between[u * k + v];
                if !settled[v] && to_corner[u] + w < to_corner[v] {
                    to_corner[v] = to_corner[u] + w;
                }
            }
        }
        targets
            .iter()
            .map(|t| {
                let t = [t[0], t[1]];
                let direct = if self.visible(s, t) {
                    dist(s, t)
                } else {
                    f64::INFINITY
                };
                (0..k)
                    .filter(|&c| to_corner[c].is_finite() && self.visible(self.corners[c], t))
                    .map(|c| to_corner[c] + dist(self.corners[c], t))
                    .fold(direct, f64::min)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Around a disk of radius r centred between two points 2a apart on a line through its
    /// centre: two tangents and an arc, `2 sqrt(a^2 - r^2) + 2 r (pi/2 - acos(r/a))`... here
    /// written as the tangent length plus the arc between the tangent points.
    #[test]
    fn geodesic_around_a_disk_matches_the_tangent_arc_formula() {
        let (a, r) = (1.0f64, 0.5f64);
        let disk = Region::Ball {
            center: vec![0.0, 0.0],
            radius: r,
        };
        let graph = VisibilityGraph::new(&[disk]);
        let target = Points::new(2, vec![a, 0.0]).unwrap();
        let d = graph.distances(&[-a, 0.0], &target)[0];
        let tangent = (a * a - r * r).sqrt();
        let arc = r * (std::f64::consts::PI - 2.0 * (r / a).acos());
        let exact = 2.0 * tangent + arc;
        assert!(d >= exact - 1e-9 && d < exact * 1.001, "{d} vs {exact}");
        // Unobstructed pairs keep the straight distance.
        let above = Points::new(2, vec![a, 2.0]).unwrap();
        let straight = graph.distances(&[-a, 2.0], &above)[0];
        assert!((straight - 2.0 * a).abs() < 1e-12);
    }

    #[test]
    fn no_obstacle_reference_is_the_plain_assignment() {
        let a = Points::new(1, vec![0.0, 1.0]).unwrap();
        let b = Points::new(1, vec![1.5, 0.2]).unwrap();
        let r = exact_reference(&a, &b, &[]).unwrap();
        assert_eq!(r.matching, vec![1, 0]);
        assert!((r.cost - (0.04 + 0.25) / 2.0).abs() < 1e-12);
    }
}
