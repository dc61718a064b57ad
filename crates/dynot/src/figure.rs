//! The figure of a dynamic OT run: paths among the obstacles and quicksand in 2-D, paths
//! against time in 1-D.

use meanfield_log::plot::{Figure, Shape, paths_2d, trajectories_1d};
use rand::SeedableRng;

use crate::{Problem, Region, Solution};

/// Paths among the obstacles (grey) and quicksand (orange) in 2-D; paths against t in 1-D.
///
/// # Errors
/// Drawing errors.
pub fn paths_figure(problem: &Problem, solution: &Solution) -> meanfield_log::Result<Figure> {
    let title = "trajectories";
    if solution.d == 1 {
        let times: Vec<f64> = (0..=solution.levels)
            .map(|l| l as f64 / solution.levels as f64)
            .collect();
        let paths: Vec<Vec<f64>> = (0..solution.n)
            .map(|i| solution.path(i).iter().map(|x| x[0]).collect())
            .collect();
        return trajectories_1d(title, &times, &paths, &[]);
    }
    let outline = |r: &Region| r.outline(96).iter().map(|p| (p[0], p[1])).collect();
    let mut shapes: Vec<Shape> = problem
        .objective
        .quicksand
        .iter()
        .map(|(r, _)| Shape {
            outline: outline(r),
            rgb: (250, 200, 120),
        })
        .collect();
    shapes.extend(problem.objective.obstacles.iter().map(|r| Shape {
        outline: outline(r),
        rgb: (150, 150, 150),
    }));
    let paths: Vec<Vec<(f64, f64)>> = (0..solution.n)
        .map(|i| solution.path(i).iter().map(|x| (x[0], x[1])).collect())
        .collect();
    let targets: Vec<(f64, f64)> = match (&problem.target_points, &problem.target) {
        (Some(z), _) => z.iter().map(|p| (p[0], p[1])).collect(),
        (None, Some(t)) => t
            .sample(solution.n, &mut meanfield_core::RunRng::seed_from_u64(11))
            .iter()
            .map(|p| (p[0], p[1]))
            .collect(),
        _ => Vec::new(),
    };
    paths_2d(title, &paths, &shapes, &targets)
}
