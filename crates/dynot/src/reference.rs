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

    /// Shortest paths from `source` to every corner (Dijkstra over the corners).
    fn tree(&self, source: [f64; 2]) -> Tree {
        let k = self.corners.len();
        let mut to_corner: Vec<f64> = self
            .corners
            .iter()
            .map(|&c| {
                if self.visible(source, c) {
                    dist(source, c)
                } else {
                    f64::INFINITY
                }
            })
            .collect();
        let mut via = vec![None; k];
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
                    via[v] = Some(u);
                }
            }
        }
        Tree {
            source,
            to_corner,
            via,
        }
    }

    /// The corners visible from `target`.
    fn seen_from(&self, target: [f64; 2]) -> Vec<usize> {
        (0..self.corners.len())
            .filter(|&c| self.visible(self.corners[c], target))
            .collect()
    }

    /// The geodesic length from the tree's source to `target` (which sees the corners `seen`),
    /// and the last corner on the way (`None`: straight). A target inside an obstacle is
    /// reached through the nearest reachable corner, the last segment crossing the obstacle.
    fn reach(&self, tree: &Tree, target: [f64; 2], seen: &[usize]) -> (f64, Option<usize>) {
        let via = |c: usize| (tree.to_corner[c] + dist(self.corners[c], target), Some(c));
        let nearer =
            |a: (f64, Option<usize>), b: (f64, Option<usize>)| if b.0 < a.0 { b } else { a };
        let direct = if self.visible(tree.source, target) {
            dist(tree.source, target)
        } else {
            f64::INFINITY
        };
        let best = seen.iter().map(|&c| via(c)).fold((direct, None), nearer);
        if best.0.is_finite() {
            return best;
        }
        (0..self.corners.len()).map(via).fold(best, nearer)
    }

    /// The geodesic from the tree's source to `target` as a polyline (both ends included).
    fn polyline(&self, tree: &Tree, target: [f64; 2], seen: &[usize]) -> Vec<[f64; 2]> {
        let mut back = vec![target];
        let mut at = self.reach(tree, target, seen).1;
        while let Some(c) = at {
            back.push(self.corners[c]);
            at = tree.via[c];
        }
        back.push(tree.source);
        back.reverse();
        back
    }

    /// Geodesic distances from `source` to every target.
    fn distances(&self, source: &[f64], targets: &Points) -> Vec<f64> {
        let tree = self.tree([source[0], source[1]]);
        targets
            .iter()
            .map(|t| {
                let t = [t[0], t[1]];
                self.reach(&tree, t, &self.seen_from(t)).0
            })
            .collect()
    }
}

/// Shortest paths from one source to the corners of a [`VisibilityGraph`].
struct Tree {
    source: [f64; 2],
    to_corner: Vec<f64>,
    /// The corner before each corner on its shortest path (`None`: straight from the source).
    via: Vec<Option<usize>>,
}

/// Trajectories around `obstacles` (2-D): for each source `i`, the geodesic to `ends[matching[i]]`
/// sampled at constant speed at `levels` levels after the source (`[n, levels, 2]` row-major),
/// with the geodesic cost `(1/n) sum length^2`; `None` when a source is inside an obstacle.
pub(crate) fn geodesic_lines(
    obstacles: &[Region],
    sources: &Points,
    ends: &Points,
    levels: usize,
) -> Option<GeodesicPlan> {
    let graph = VisibilityGraph::new(obstacles);
    let n = sources.n();
    let trees: Vec<Tree> = sources.iter().map(|x| graph.tree([x[0], x[1]])).collect();
    let ends: Vec<[f64; 2]> = ends.iter().map(|y| [y[0], y[1]]).collect();
    let seen: Vec<Vec<usize>> = ends.iter().map(|&y| graph.seen_from(y)).collect();
    let cost: Vec<f64> = trees
        .iter()
        .flat_map(|tree| {
            ends.iter()
                .zip(&seen)
                .map(|(&y, seen)| graph.reach(tree, y, seen).0.powi(2))
                .collect::<Vec<_>>()
        })
        .collect();
    let matched = assignment(n, &cost).ok()?;
    let free = trees
        .iter()
        .zip(&matched.matching)
        .flat_map(|(tree, &j)| constant_speed(&graph.polyline(tree, ends[j], &seen[j]), levels))
        .collect();
    Some(GeodesicPlan {
        free,
        identity_cost: (0..n).map(|i| cost[i * n + i]).sum::<f64>() / n as f64,
        cost: matched.cost,
        moved: (0..n).filter(|&i| matched.matching[i] != i).count(),
    })
}

/// Geodesic trajectories to re-matched end points.
pub(crate) struct GeodesicPlan {
    /// Free levels `[n, L, 2]`.
    pub(crate) free: Vec<f64>,
    /// `(1/n) sum length^2` of the geodesics to each particle's own end point.
    pub(crate) identity_cost: f64,
    /// The same after the exact re-matching.
    pub(crate) cost: f64,
    /// Particles that take another end point.
    pub(crate) moved: usize,
}

/// `levels` points at arc lengths `l / levels` of the polyline, `l = 1..levels`, flattened.
fn constant_speed(line: &[[f64; 2]], levels: usize) -> Vec<f64> {
    let lengths: Vec<f64> = line.windows(2).map(|w| dist(w[0], w[1])).collect();
    let total: f64 = lengths.iter().sum();
    let mut out = Vec::with_capacity(2 * levels);
    let (mut seg, mut start) = (0, 0.0);
    for l in 1..=levels {
        let at = total * l as f64 / levels as f64;
        while seg + 1 < lengths.len() && start + lengths[seg] < at {
            start += lengths[seg];
            seg += 1;
        }
        let s = if lengths[seg] > 0.0 {
            ((at - start) / lengths[seg]).clamp(0.0, 1.0)
        } else {
            1.0
        };
        let (a, b) = (line[seg], line[seg + 1]);
        out.extend([a[0] + s * (b[0] - a[0]), a[1] + s * (b[1] - a[1])]);
    }
    out
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

    /// The re-routed path around a disk follows the geodesic at constant speed: its levels are
    /// equally spaced along it, and its kinetic energy tends to the squared geodesic length.
    #[test]
    fn geodesic_lines_go_around_at_constant_speed() {
        let disk = Region::Ball {
            center: vec![0.0, 0.0],
            radius: 0.5,
        };
        let sources = Points::new(2, vec![-1.0, 0.0]).unwrap();
        let ends = Points::new(2, vec![1.0, 0.0]).unwrap();
        let levels = 64;
        let plan = geodesic_lines(std::slice::from_ref(&disk), &sources, &ends, levels).unwrap();
        let length =
            VisibilityGraph::new(std::slice::from_ref(&disk)).distances(&[-1.0, 0.0], &ends)[0];
        assert!((plan.cost - length * length).abs() < 1e-12);
        let mut prev = [-1.0, 0.0];
        let mut steps = Vec::new();
        for l in 0..levels {
            let p = [plan.free[2 * l], plan.free[2 * l + 1]];
            assert!(disk.depth(&p) <= 1e-6, "level {l} inside: {p:?}");
            steps.push(dist(prev, p));
            prev = p;
        }
        assert_eq!(prev, [1.0, 0.0]);
        let (lo, hi) = steps
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(a, b), s| (a.min(*s), b.max(*s)));
        // Chords of a 128-gon's arc are shorter than the arc by under 1e-3.
        assert!(hi - lo < 1e-3 * length, "steps from {lo} to {hi}");
        let kinetic: f64 = steps.iter().map(|s| s * s).sum::<f64>() * levels as f64;
        assert!(
            (kinetic / (length * length) - 1.0).abs() < 2e-3,
            "{kinetic} vs {}",
            length * length
        );
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
