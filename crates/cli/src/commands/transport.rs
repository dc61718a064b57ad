//! `method = "dynamic_ot"` runs: minimise the trajectories and write the run folder.

use std::path::Path;
use std::time::Instant;

use anyhow::bail;
use meanfield_core::metrics::mmd_gaussian;
use meanfield_core::{Points, RunConfig};
use meanfield_dynot::{Problem, Region, SOURCES_FILE, Solution, TransportMap, solve};
use meanfield_log::plot::{Shape, paths_2d, trajectories_1d};
use meanfield_log::{RunFolder, RunLogger};
use rand::SeedableRng;
use serde_json::{Value, json};

use crate::run_summary::summary_head;

/// Solves the dynamic OT problem of `config` into `out`. The problem (and its exact
/// reference) is built before the folder is created; a run that stops early keeps its files.
pub fn execute_transport(config: &RunConfig, out: &Path) -> anyhow::Result<Value> {
    let device = config.device.device()?;
    device.seed(config.seed);
    let problem = Problem::from_config(config)?;
    let folder = RunFolder::create(out)?;
    let mut logger = RunLogger::new(folder.clone(), &config.name, &config.to_toml())?;
    let start = Instant::now();
    let monitor = |ends: &Points, parts: &[(String, f64)]| problem.monitor(ends, parts);
    let solution = solve(
        &problem.objective,
        &problem.init,
        &problem.settings,
        &device,
        &monitor,
        &mut logger,
    );
    let wall_seconds = start.elapsed().as_secs_f64();
    let ends = solution.level(solution.levels);
    problem
        .objective
        .sources
        .write_csv(&folder.path(SOURCES_FILE))?;
    ends.write_csv(&folder.path("particles_final.csv"))?;
    solution.write_csv(&folder.path("trajectories.csv"))?;
    let pushed = push_new_sources(config, &problem, &ends)?;
    if let Some(p) = &pushed {
        p.write_csv(&folder.path("pushed.csv"))?;
    }
    let summary = summary(
        config,
        &problem,
        &solution,
        &ends,
        pushed.as_ref(),
        wall_seconds,
    )?;
    folder.write_summary(&summary)?;
    let figures = logger.finish(problem.target.as_deref());
    paths_figure(&problem, &solution)?.save_png(&folder.path("paths.png"))?;
    figures?;
    if let Some(message) = &solution.stopped {
        bail!(
            "{}: {message}; everything up to then is in the folder",
            out.display()
        );
    }
    Ok(summary)
}

fn summary(
    config: &RunConfig,
    problem: &Problem,
    solution: &Solution,
    ends: &Points,
    pushed: Option<&Points>,
    wall_seconds: f64,
) -> anyhow::Result<Value> {
    let mut map = summary_head(&config.name, "dynamic_ot", solution.stopped.as_deref());
    map.insert("seed".into(), json!(config.seed));
    map.insert("n".into(), json!(solution.n));
    map.insert("d".into(), json!(solution.d));
    map.insert("levels".into(), json!(solution.levels));
    map.insert("steps".into(), json!(solution.iterations));
    map.insert("wall_seconds".into(), json!(wall_seconds));
    map.insert("delta".into(), json!(problem.settings.delta));
    map.insert("eps_pen".into(), json!(problem.settings.eps_pen));
    map.insert("best_start".into(), json!(solution.best_start));
    for (k, v) in &solution.parts {
        map.insert(k.clone(), json!(v));
    }
    for (k, v) in problem.monitor(ends, &solution.parts) {
        map.insert(k, json!(v));
    }
    if let Some(exact) = &problem.exact {
        map.insert("exact_cost".into(), json!(exact.cost));
    }
    if let Some(target) = &problem.target {
        // MMD of the end points and, for scale, of as many i.i.d. target samples, against one
        // large reference sample.
        let mut rng = rand::rngs::StdRng::seed_from_u64(config.seed ^ 0x3d3d);
        let reference = target.sample(config.metrics.mmd_samples, &mut rng);
        let iid = target.sample(ends.n(), &mut rng);
        let h = config.metrics.mmd_bandwidth;
        map.insert(
            "mmd_final".into(),
            json!(mmd_gaussian(ends, &reference, h)?),
        );
        map.insert("mmd_iid".into(), json!(mmd_gaussian(&iid, &reference, h)?));
        if let Some(pushed) = pushed {
            let iid = target.sample(pushed.n(), &mut rng);
            map.insert("pushed_n".into(), json!(pushed.n()));
            map.insert(
                "mmd_pushed".into(),
                json!(mmd_gaussian(pushed, &reference, h)?),
            );
            map.insert(
                "mmd_pushed_iid".into(),
                json!(mmd_gaussian(&iid, &reference, h)?),
            );
        }
    }
    Ok(Value::Object(map))
}

/// `push_multiple x N` new sources drawn from `[particles.init]` (another seed), pushed through
/// the map `x^0 -> x^L` of the solution.
fn push_new_sources(
    config: &RunConfig,
    problem: &Problem,
    ends: &Points,
) -> anyhow::Result<Option<Points>> {
    let multiple = config.transport.as_ref().map_or(0, |t| t.push_multiple);
    if multiple == 0 {
        return Ok(None);
    }
    let map = TransportMap::new(problem.objective.sources.clone(), ends.clone())?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(config.seed ^ 0x9e37);
    let fresh = config
        .particles()
        .init
        .sample(multiple * ends.n(), &mut rng)?;
    let pushed: Vec<f64> = fresh.iter().flat_map(|x| map.push(x)).collect();
    Ok(Some(Points::new(ends.d(), pushed)?))
}

/// Paths among the obstacles (grey) and quicksand (orange) in 2-D; paths against t in 1-D.
fn paths_figure(
    problem: &Problem,
    solution: &Solution,
) -> anyhow::Result<meanfield_log::plot::Figure> {
    let title = "trajectories";
    if solution.d == 1 {
        let times: Vec<f64> = (0..=solution.levels)
            .map(|l| l as f64 / solution.levels as f64)
            .collect();
        let paths: Vec<Vec<f64>> = (0..solution.n)
            .map(|i| solution.path(i).iter().map(|x| x[0]).collect())
            .collect();
        return Ok(trajectories_1d(title, &times, &paths, &[])?);
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
            .sample(solution.n, &mut rand::rngs::StdRng::seed_from_u64(11))
            .iter()
            .map(|p| (p[0], p[1]))
            .collect(),
        _ => Vec::new(),
    };
    Ok(paths_2d(title, &paths, &shapes, &targets)?)
}
