//! A dynamic OT problem built from `[transport]`, the sources and the target: terminal measure,
//! running costs, initial trajectories, solver settings and the exact reference when one
//! exists.

use std::sync::Arc;

use crate::config::{EndpointTarget, PathInit, TransportConfig};
use meanfield_core::RunRng;
use meanfield_core::metrics::Assignment;
use meanfield_core::target::TargetConfig;
use meanfield_core::{CoreError, Grid, Points, Result, Target, squared_distance};
use rand::SeedableRng;

use crate::objective::Acceleration;
use crate::{Endpoint, Objective, Region, SolveSettings, exact_reference, part};

/// Everything a run needs.
#[derive(Debug)]
pub struct Problem {
    /// The objective.
    pub objective: Objective,
    /// Solver settings.
    pub settings: SolveSettings,
    /// Initial free levels `[n, L, d]`.
    pub init: Vec<f64>,
    /// The target points of an empirical target.
    pub target_points: Option<Points>,
    /// The exact assignment (around obstacles in 2-D) when the target is empirical with
    /// M = N.
    pub exact: Option<Assignment>,
    /// The exact images of the sources (affine targets).
    pub exact_images: Option<Points>,
    /// The continuum target, when there is one.
    pub target: Option<Arc<dyn Target>>,
}

impl Problem {
    /// Builds the problem of transporting `sources` to the terminal measure of `t` (over the
    /// continuum `target` when one is given), seeded by `seed`.
    ///
    /// # Errors
    /// Config and file errors; an obstacle covering a source or target point.
    pub fn new(
        t: &TransportConfig,
        sources: Points,
        target: Option<&TargetConfig>,
        seed: u64,
    ) -> Result<Self> {
        let (n, d) = (sources.n(), sources.d());
        t.validate(Some(d), n)?;
        let target_config = target;
        let target = match target {
            Some(config) => Some(config.build_for("target", d)?),
            None => None,
        };
        let mut rng = RunRng::seed_from_u64(seed ^ 0x7a29);
        let target_points = match &t.target {
            EndpointTarget::Continuum => None,
            EndpointTarget::Samples { m } => Some(
                target
                    .as_ref()
                    .ok_or_else(|| CoreError::config("target", "`samples` needs a [target]"))?
                    .sample(*m, &mut rng),
            ),
            EndpointTarget::Csv { path } => Some(Points::read_csv(path)?),
            EndpointTarget::Affine { scale, shift } => Some(Points::new(
                d,
                sources
                    .iter()
                    .flat_map(|x| {
                        (0..d)
                            .map(|k| scale[k] * x[k] + shift[k])
                            .collect::<Vec<_>>()
                    })
                    .collect(),
            )?),
        };
        if let Some(z) = &target_points
            && z.d() != d
        {
            return Err(CoreError::config(
                "transport.target",
                format!(
                    "the target points have dimension {}, the particles {d}",
                    z.d()
                ),
            ));
        }
        let endpoint = match &target_points {
            Some(z) => Endpoint::Empirical {
                points: z.clone(),
                weights: vec![1.0 / z.n() as f64; z.n()],
            },
            None => continuum_endpoint(target_config, t, target.as_deref(), &mut rng)?,
        };
        let obstacles = regions(t.obstacles.iter(), "transport.obstacles")?;
        check_clear(&obstacles, &sources, "source")?;
        if let Some(z) = &target_points {
            check_clear(&obstacles, z, "target")?;
        }
        let quicksand = t
            .quicksand
            .iter()
            .enumerate()
            .map(|(i, q)| {
                Ok((
                    Region::from_config(&q.region, &format!("transport.quicksand[{i}].region"))?,
                    q.factor,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        let delta = t.delta.unwrap_or((n as f64).powf(-0.99 / d as f64));
        let exact = match &target_points {
            Some(z) if z.n() == n && (obstacles.is_empty() || d == 2) => {
                Some(exact_reference(&sources, z, &obstacles)?)
            }
            _ => None,
        };
        let levels = t.levels;
        let init = match (t.init, &exact, &target_points) {
            (PathInit::Assignment, Some(a), Some(z)) => {
                crate::straight_lines(&sources, z, &a.matching, levels)
            }
            _ => {
                let centre = Points::new(d, endpoint.mean())?;
                crate::straight_lines(&sources, &centre, &vec![0; n], levels)
            }
        };
        let exact_images = match &t.target {
            EndpointTarget::Affine { .. } => target_points.clone(),
            _ => None,
        };
        Ok(Self {
            objective: Objective {
                sources,
                levels,
                endpoint,
                obstacles,
                obstacle_weight: t.obstacle_weight,
                quicksand,
                quicksand_edge: t.quicksand_edge,
                kinetic_weight: t.kinetic_weight,
                acceleration: t.acceleration.as_ref().map(|a| Acceleration {
                    weight: a.weight,
                    initial_velocity: a.initial_velocity.clone(),
                    terminal_velocity: a.terminal_velocity.clone(),
                }),
            },
            settings: SolveSettings {
                optimizer: t.optimizer,
                lr: t.lr,
                iterations: t.iterations,
                plateau_patience: t.plateau_patience,
                stop_tol: t.stop_tol,
                stop_window: t.stop_window,
                delta,
                eps_pen: t.eps_pen,
                anneal: t
                    .anneal
                    .as_ref()
                    .map(|a| (a.stages, a.delta_factor, a.eps_pen_factor)),
                restarts: t.restarts,
                perturbation: t.perturbation,
                log_every: t.log_every,
                seed,
                evaluation: t.evaluation,
                reassign: t.reassign,
            },
            init,
            target_points,
            exact,
            exact_images,
            target,
        })
    }

    /// Numbers logged beside the objective: `target_coverage` (share of the target points that
    /// are the nearest target point of some end point) for empirical targets; `cost_ratio`
    /// (kinetic / exact cost) and `matching_agreement` (share of particles whose nearest target
    /// point is their exact partner) with an exact reference; `endpoint_error` (mean distance
    /// to the exact image) for affine targets.
    pub fn monitor(&self, ends: &Points, parts: &[(String, f64)]) -> Vec<(String, f64)> {
        let mut out = Vec::new();
        let claimed: Vec<usize> = match &self.target_points {
            Some(z) => ends.iter().map(|y| nearest(z, y)).collect(),
            None => Vec::new(),
        };
        if let Some(z) = &self.target_points {
            let mut hit = vec![false; z.n()];
            for &k in &claimed {
                hit[k] = true;
            }
            let covered = hit.iter().filter(|h| **h).count();
            out.push(("target_coverage".to_string(), covered as f64 / z.n() as f64));
        }
        if let Some(exact) = &self.exact {
            let kinetic = part(parts, "kinetic").unwrap_or(0.0);
            out.push(("cost_ratio".to_string(), kinetic / exact.cost));
            let agree = claimed
                .iter()
                .zip(&exact.matching)
                .filter(|(k, m)| k == m)
                .count();
            out.push((
                "matching_agreement".to_string(),
                agree as f64 / ends.n() as f64,
            ));
        }
        if let Some(images) = &self.exact_images {
            let err = ends
                .iter()
                .zip(images.iter())
                .map(|(y, e)| squared_distance(y, e).sqrt())
                .sum::<f64>()
                / ends.n() as f64;
            out.push(("endpoint_error".to_string(), err));
        }
        out
    }
}

fn nearest(z: &Points, y: &[f64]) -> usize {
    z.iter()
        .enumerate()
        .min_by(|a, b| squared_distance(a.1, y).total_cmp(&squared_distance(b.1, y)))
        .map_or(0, |p| p.0)
}

fn regions<'a>(
    configs: impl Iterator<Item = &'a crate::config::RegionConfig>,
    key: &str,
) -> Result<Vec<Region>> {
    configs
        .enumerate()
        .map(|(i, c)| Region::from_config(c, &format!("{key}[{i}]")))
        .collect()
}

/// An obstacle must not cover a point that has to be left or reached.
fn check_clear(obstacles: &[Region], points: &Points, what: &str) -> Result<()> {
    for (k, region) in obstacles.iter().enumerate() {
        if let Some((i, p)) = points
            .iter()
            .enumerate()
            .find(|(_, p)| region.depth(p) > 0.0)
        {
            return Err(CoreError::config(
                format!("transport.obstacles[{k}]"),
                format!("covers {what} point {i} at {p:?}; move the obstacle or the point"),
            ));
        }
    }
    Ok(())
}

/// The continuum `[target]` as a closed-form mixture, or as weighted quadrature nodes.
fn continuum_endpoint(
    config: Option<&TargetConfig>,
    t: &TransportConfig,
    target: Option<&dyn Target>,
    rng: &mut RunRng,
) -> Result<Endpoint> {
    let Some(target) = target else {
        return Err(CoreError::config(
            "transport.target",
            "a continuum target needs a [target] table (or use samples, csv or affine)",
        ));
    };
    let d = target.dim();
    let full = |std: &[f64]| -> Vec<f64> {
        if std.len() == 1 {
            vec![std[0]; d]
        } else {
            std.to_vec()
        }
    };
    match config {
        Some(TargetConfig::Gaussian { mean, std }) => Ok(Endpoint::Mixture {
            components: vec![(1.0, mean.clone(), full(std))],
        }),
        Some(TargetConfig::Mixture { components }) => {
            let total: f64 = components.iter().map(|c| c.weight).sum();
            Ok(Endpoint::Mixture {
                components: components
                    .iter()
                    .map(|c| (c.weight / total, c.mean.clone(), full(&c.std)))
                    .collect(),
            })
        }
        _ => {
            let samples = target.sample(20_000, rng);
            let (lo, hi) = meanfield_core::flow::padded_box(&samples, 0.05);
            let grid = Grid::new(lo, hi, vec![t.quadrature_cells; d])
                .map_err(|e| CoreError::config("transport.quadrature_cells", e.to_string()))?;
            let density = target.density_on_grid(&grid);
            let mass: f64 = density.iter().sum();
            if !(mass > 0.0 && mass.is_finite()) {
                return Err(CoreError::config(
                    "target",
                    "the target has no finite positive mass on its quadrature grid",
                ));
            }
            let (points, weights): (Vec<Vec<f64>>, Vec<f64>) = grid
                .centres()
                .chunks_exact(d)
                .zip(&density)
                .filter(|(_, w)| **w > 0.0)
                .map(|(c, w)| (c.to_vec(), w / mass))
                .unzip();
            Ok(Endpoint::Empirical {
                points: Points::new(d, points.concat())?,
                weights,
            })
        }
    }
}
