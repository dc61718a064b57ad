//! A dynamic OT run for the run driver: solve, write the paths and end points, and report the
//! cost against the exact reference and the MMD of the end points (and of new sources pushed
//! through the learned map) against the target.

use std::path::Path;
use std::time::Instant;

use burn::tensor::Device;
use meanfield_core::RunRng;
use meanfield_core::metrics::{MetricsConfig, mmd_gaussian};
use meanfield_core::target::TargetConfig;
use meanfield_core::{InitConfig, Method, Observer, ParticlesConfig, Points, Result, RunOutcome};
use rand::SeedableRng;
use serde_json::json;

use crate::config::TransportConfig;
use crate::figure::paths_figure;
use crate::solve::{SolveResume, fingerprint, solve_from};
use crate::{DynotError, Problem, SOURCES_FILE, Solution, TransportMap};

/// A dynamic OT problem with what its run reports: the MMD settings, and the sources to push
/// through the learned map.
#[derive(Debug)]
pub struct TransportRun {
    problem: Problem,
    device: Device,
    seed: u64,
    mmd_samples: usize,
    mmd_bandwidth: f64,
    /// Where new sources are drawn from, and how many per particle (`push_multiple`).
    push: Option<(InitConfig, usize)>,
    /// The solution of the last run, for its figure.
    last: Option<Solution>,
    /// The interrupted solve to continue (`--resume`).
    resumed: Option<SolveResume>,
}

impl TransportRun {
    /// The run of `[transport]` from the sources `particles` (seeded by `seed`) to `target`;
    /// the MMD of the end points uses `metrics.mmd_samples` and `metrics.mmd_bandwidth`.
    ///
    /// # Errors
    /// [`Problem::new`]'s; `push_multiple` without a random initialiser or a target.
    pub fn new(
        transport: &TransportConfig,
        particles: &ParticlesConfig,
        target: Option<&TargetConfig>,
        metrics: &MetricsConfig,
        seed: u64,
        device: Device,
    ) -> Result<Self> {
        let init = particles.init()?.clone();
        transport.validate_sources(&init, target.is_some())?;
        // The trajectories, their gradient and the optimiser's history (L-BFGS keeps 20 pairs).
        let d = particles.dim().unwrap_or(1) as f64;
        let paths = particles.n as f64 * transport.levels as f64 * d * 8.0;
        meanfield_core::bounds::check_bytes("transport.levels", "the trajectories", 48.0 * paths)?;
        let sources = particles.initial_positions(seed)?;
        let problem = Problem::new(transport, sources, target, seed)?;
        Ok(Self {
            problem,
            device,
            seed,
            mmd_samples: metrics.mmd_samples,
            mmd_bandwidth: metrics.mmd_bandwidth,
            push: (transport.push_multiple > 0).then_some((init, transport.push_multiple)),
            last: None,
            resumed: None,
        })
    }

    /// The problem.
    pub fn problem(&self) -> &Problem {
        &self.problem
    }

    /// Solves, reporting to `observer`.
    pub fn solve(&self, observer: &mut dyn Observer) -> Solution {
        self.solve_from(observer, None).0
    }

    /// Solves, or continues the interrupted solve `from`; at an interrupt, also how to
    /// continue.
    fn solve_from(
        &self,
        observer: &mut dyn Observer,
        from: Option<SolveResume>,
    ) -> (Solution, Option<SolveResume>) {
        let problem = &self.problem;
        let monitor = |ends: &Points, parts: &[(String, f64)]| problem.monitor(ends, parts);
        solve_from(
            &problem.objective,
            &problem.init,
            &problem.settings,
            &self.device,
            &monitor,
            observer,
            from,
        )
    }

    /// The fingerprint of what is solved (objective, settings, start, and whether the host's
    /// fused f64 path evaluates it), which a resume point must match.
    fn problem_fingerprint(&self) -> u64 {
        let p = &self.problem;
        let fused = p.settings.evaluation.is_fused_on(&self.device) && p.objective.has_fused_path();
        fingerprint(&format!(
            "{:?}|{:?}|{:?}|fused {fused}",
            p.objective, p.settings, p.init
        ))
    }

    /// `push_multiple x N` new sources drawn from `[particles.init]` (another seed), pushed
    /// through the map `x^0 -> x^L` of the solution.
    ///
    /// # Errors
    /// Shape errors of the map.
    pub fn push_new_sources(&self, ends: &Points) -> Result<Option<Points>> {
        let Some((init, multiple)) = &self.push else {
            return Ok(None);
        };
        let map = TransportMap::new(self.problem.objective.sources.clone(), ends.clone())?;
        let mut rng = RunRng::seed_from_u64(self.seed ^ 0x9e37);
        let fresh = init.sample(multiple * ends.n(), &mut rng)?;
        let pushed = fresh
            .iter()
            .map(|x| map.push(x))
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(Points::new(ends.d(), pushed.concat())?))
    }

    /// The summary of a solution: size, penalty settings, objective parts, the monitor's
    /// numbers, the exact cost, and the MMDs of end points and pushed points (each beside as
    /// many i.i.d. target samples, against one large reference sample).
    fn summary(
        &self,
        solution: &Solution,
        ends: &Points,
        pushed: Option<&Points>,
        out: &mut RunOutcome,
    ) -> Result<()> {
        let problem = &self.problem;
        out.insert("n", solution.n);
        out.insert("d", solution.d);
        out.insert("levels", solution.levels);
        out.insert("delta", problem.settings.delta);
        out.insert("eps_pen", problem.settings.eps_pen);
        out.insert("best_start", solution.best_start);
        out.insert("optimizer", problem.settings.optimizer.name());
        out.insert("reassigned", solution.reassigned);
        out.insert("phases", json!(solution.phases));
        for (k, v) in &solution.parts {
            out.insert(k.clone(), json!(v));
        }
        for (k, v) in problem.monitor(ends, &solution.parts) {
            out.insert(k, json!(v));
        }
        if let Some(exact) = &problem.exact {
            out.insert("exact_cost", exact.cost);
        }
        let plan = problem.check_plan(ends)?;
        if let Some(p) = &plan {
            out.insert("plan_agreement", p.agreement);
            if let Some(r) = p.cost_ratio {
                out.insert("plan_cost_ratio", r);
            }
        }
        // The exact cost is the kinetic energy's reference only for the plain problem (no
        // quicksand or acceleration control).
        let o = &problem.objective;
        let comparable = o.straight_lines_are_cheapest() || o.geodesics_are_cheapest();
        let cost_ratio = problem
            .exact
            .as_ref()
            .filter(|e| comparable && o.kinetic_weight > 0.0 && e.cost > 0.0)
            .map(|e| solution.part("kinetic") / e.cost);
        out.warnings = crate::warnings(cost_ratio, plan.as_ref(), problem.settings.reassign);
        if let Some(target) = &problem.target {
            let mut rng = RunRng::seed_from_u64(self.seed ^ 0x3d3d);
            let reference = target.sample(self.mmd_samples, &mut rng);
            let iid = target.sample(ends.n(), &mut rng);
            let h = self.mmd_bandwidth;
            out.insert("mmd_final", json!(mmd_gaussian(ends, &reference, h)?));
            out.insert("mmd_iid", json!(mmd_gaussian(&iid, &reference, h)?));
            if let Some(pushed) = pushed {
                let iid = target.sample(pushed.n(), &mut rng);
                out.insert("pushed_n", pushed.n());
                out.insert("mmd_pushed", json!(mmd_gaussian(pushed, &reference, h)?));
                out.insert("mmd_pushed_iid", json!(mmd_gaussian(&iid, &reference, h)?));
            }
        }
        Ok(())
    }
}

impl Method for TransportRun {
    fn name(&self) -> &'static str {
        "dynamic_ot"
    }

    /// Loads `resume/` of an interrupted run: the solve continues after the iteration it was
    /// interrupted at. The problem and the `[transport]` settings must be the run's own.
    fn resume(&mut self, dir: &Path) -> Result<usize> {
        let point = SolveResume::load(dir, self.problem_fingerprint())?;
        let step = point.step();
        self.resumed = Some(point);
        Ok(step)
    }

    /// Solves and writes `sources.csv`, `particles_final.csv` (the end points),
    /// `trajectories.csv` and `pushed.csv` (with `push_multiple`) into `dir`.
    fn run(&mut self, observer: &mut dyn Observer, dir: Option<&Path>) -> Result<RunOutcome> {
        let clock = Instant::now();
        let from = self.resumed.take();
        let (solution, resume) = self.solve_from(observer, from);
        let wall_seconds = clock.elapsed().as_secs_f64();
        let ends = solution.level(solution.levels);
        if let Some(dir) = dir {
            self.problem
                .objective
                .sources
                .write_csv(&dir.join(SOURCES_FILE))?;
            ends.write_csv(&dir.join("particles_final.csv"))?;
            solution.write_csv(&dir.join("trajectories.csv"))?;
        }
        let pushed = self.push_new_sources(&ends)?;
        if let (Some(dir), Some(p)) = (dir, &pushed) {
            p.write_csv(&dir.join("pushed.csv"))?;
        }
        let mut out = RunOutcome {
            steps: solution.iterations,
            stopped: solution.stopped.clone(),
            summary: Vec::new(),
            warnings: Vec::new(),
            density: self.problem.target.clone(),
        };
        self.summary(&solution, &ends, pushed.as_ref(), &mut out)?;
        out.insert("wall_seconds", wall_seconds);
        // Last, so that a failed write of the resume point (a full disk, say) loses none of
        // the files above; the summary then says that this run cannot continue.
        let kept = match (dir, resume) {
            (Some(dir), Some(point)) => point.save(dir, self.problem_fingerprint()),
            (Some(dir), None) => SolveResume::remove(dir),
            (None, _) => Ok(()),
        };
        if let Err(e) = kept {
            out.warnings.push(format!("no resume point: {e}"));
        }
        self.last = Some(solution);
        Ok(out)
    }

    /// `paths.png`: the paths of the last run.
    fn figures(&mut self, dir: &Path) -> Result<()> {
        let Some(solution) = &self.last else {
            return Ok(());
        };
        let path = dir.join("paths.png");
        paths_figure(&self.problem, solution)
            .and_then(|figure| figure.save_png(&path))
            .map_err(|e| DynotError::Figure(e).into())
    }
}
