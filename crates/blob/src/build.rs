//! From a [`MethodSpec`] (the settings of `method`, `[blob]`, `[energy]` and `[target]`) to
//! the particle method it names.

use std::sync::Arc;

use meanfield_core::energy::EnergyConfig;
use meanfield_core::flow::padded_box;
use meanfield_core::target::{PiecewiseConstant, Target, TargetConfig};
use meanfield_core::{CoreError, Grid, MollifierKind, ParticleMethod, Points, Result};
use rand::SeedableRng;
use serde_json::{Value, json};

use crate::baselines::{FreeEnergy, Langevin, LinearBlob, Svgd};
use crate::blob::{BlobMethod, Diffusion};
use crate::config::{BlobConfig, FlowMethod, OverlapKind, PairEvaluation};
use crate::engine::{
    AUTO_MESH_MIN_N, JGrid, MAX_ENGINE_DIM, MAX_MESH_BYTES, MAX_TABLE_BYTES, Mesh, MeshWeight,
    PairEngine, PairStrategy, TargetFactor, check_table_size, cutoff_radius, pair_cost,
    table_bytes,
};
use crate::factorised::FactorisedBlob;
use crate::overlap::{Cell, CellsOverlap, FlatOverlap, GaussianOverlap, Overlap};
use crate::pairwise::PairwiseBlob;
use crate::quadrature::QuadratureBlob;

/// More cells than this make the piecewise closed form slower than quadrature (`auto`).
const MAX_CLOSED_FORM_CELLS: usize = 64;

/// Quadrature is for d <= 3.
const MAX_QUADRATURE_DIM: usize = 3;

/// A closed-form overlap and, for the pair engine, its factor `J`.
type ClosedForm = (Box<dyn Overlap>, Option<TargetFactor>);

/// What a particle method is built from: the method and its config sections.
#[derive(Debug, Clone, Default)]
pub struct MethodSpec {
    /// Which method.
    pub method: FlowMethod,
    /// `[blob]`: mollifier, overlap evaluation, random batches, quadrature.
    pub blob: BlobConfig,
    /// `[energy]`: interaction and drift added to the method's own term.
    pub energy: EnergyConfig,
    /// `[target]`: closed forms of the overlap are chosen by its kind.
    pub target: Option<TargetConfig>,
    /// Seed of the random batches.
    pub seed: u64,
}

/// A built particle method with the settings its run's summary reports (`eps`, `batch`).
#[derive(Debug)]
pub struct BuiltMethod {
    /// The method.
    pub method: Box<dyn ParticleMethod>,
    /// Summary entries describing it.
    pub summary: Vec<(String, Value)>,
}

impl MethodSpec {
    /// The blob method with mollifier width `eps` sampling `target` (a closed-form overlap when
    /// the target has one, else quadrature).
    pub fn blob(eps: f64, target: TargetConfig) -> Self {
        Self {
            method: FlowMethod::Blob,
            blob: BlobConfig::with_eps(eps),
            target: Some(target),
            ..Self::default()
        }
    }

    /// Checks the sections against each other for `n` particles in dimension `d` (when known).
    ///
    /// # Errors
    /// [`CoreError::Config`] naming the first bad key.
    pub fn validate(&self, n: usize, d: Option<usize>) -> Result<()> {
        let has_target = self.target.is_some();
        match self.method {
            FlowMethod::Aggregation if self.energy.is_empty() => {
                return Err(CoreError::config(
                    "energy",
                    "needs a `kernel`, a `drift`, or both",
                ));
            }
            FlowMethod::Langevin if self.energy.drift.is_none() => {
                return Err(CoreError::config(
                    "energy.drift",
                    "method `langevin` needs a drift (e.g. { kind = \"neg_log_target\" })",
                ));
            }
            FlowMethod::Svgd if !has_target => {
                return Err(CoreError::config("target", "method `svgd` needs a target"));
            }
            _ => {}
        }
        self.blob.validate(self.method, n)?;
        self.energy.validate(d, has_target)
    }

    /// The method for particles starting at `x0`, `target` the built density of
    /// [`MethodSpec::target`] (built here when `None`).
    ///
    /// # Errors
    /// Config errors naming the key (a missing eps, `eps^2 >= 2 sigma^2` for the Gaussian
    /// closed form, no closed form for the asked combination, an under-resolved or oversized
    /// quadrature grid), and file errors of the target.
    pub fn build(&self, x0: &Points, target: Option<Arc<dyn Target>>) -> Result<BuiltMethod> {
        let d = x0.d();
        self.validate(x0.n(), Some(d))?;
        let target = match (target, &self.target) {
            (Some(t), _) => Some(t),
            (None, Some(config)) => Some(config.build_for("target", d)?),
            (None, None) => None,
        };
        let energy = self.energy.build(d, target.clone())?;
        let blob = &self.blob;
        // The KDE width of the free-energy estimate: eps, else Silverman's rule on the start.
        let kde_eps = blob
            .eps
            .unwrap_or_else(|| meanfield_core::metrics::Bandwidth::default().resolve(x0));
        let free_energy = |energy| FreeEnergy::new(blob.mollifier.build(kde_eps), energy);
        let mut summary = Vec::new();
        let method: Box<dyn ParticleMethod> = match self.method {
            FlowMethod::Aggregation => Box::new(energy.ok_or_else(|| {
                CoreError::config("energy", "needs a `kernel`, a `drift`, or both")
            })?),
            FlowMethod::Blob => {
                let eps = blob
                    .eps
                    .ok_or_else(|| CoreError::config("blob.eps", "method `blob` needs eps"))?;
                let diffusion = self.diffusion(x0, eps, target.clone())?;
                summary.push(("overlap".to_string(), json!(diffusion.overlap_name())));
                summary.push(("evaluation".to_string(), json!(blob.evaluation)));
                Box::new(BlobMethod::new(diffusion, energy))
            }
            FlowMethod::LinearBlob => Box::new(LinearBlob(free_energy(energy))),
            FlowMethod::Langevin => Box::new(Langevin(free_energy(energy))),
            FlowMethod::Svgd => {
                if energy.is_some() {
                    return Err(CoreError::config(
                        "energy",
                        "`svgd` follows the target's score only: remove the kernel and drift",
                    ));
                }
                let target = target
                    .ok_or_else(|| CoreError::config("target", "method `svgd` needs a target"))?;
                Box::new(Svgd::new(Arc::clone(&target), free_energy(None))?)
            }
        };
        if let Some(eps) = blob.eps {
            summary.push(("eps".to_string(), json!(eps)));
        }
        if blob.batch > 0 {
            summary.push(("batch".to_string(), json!(blob.batch)));
        }
        Ok(BuiltMethod { method, summary })
    }

    /// The porous-medium term: a closed-form overlap when there is one, else the factorised
    /// overlap (Gaussian mollifier, d <= 3) over the quadrature's grid, else quadrature.
    fn diffusion(
        &self,
        x0: &Points,
        eps: f64,
        shared: Option<Arc<dyn Target>>,
    ) -> Result<Diffusion> {
        let blob = &self.blob;
        let d = x0.d();
        if blob.evaluation == PairEvaluation::Mesh {
            return self.mesh(x0, eps, shared).map(Diffusion::Mesh);
        }
        // A mesh that `auto` would take but cannot build (no mass on the domain) leaves the
        // choice to the pair engine, which reports its own errors.
        if self.auto_takes_mesh(x0, eps)
            && let Ok(mesh) = self.mesh(x0, eps, shared.clone())
        {
            return Ok(Diffusion::Mesh(mesh));
        }
        let target = shared.as_deref();
        // A density given without its config (a target of the caller's own) has no closed form.
        let custom = target.is_some() && self.target.is_none();
        let closed = match blob.overlap {
            OverlapKind::Quadrature | OverlapKind::Factorised => None,
            _ if custom => None,
            OverlapKind::Auto | OverlapKind::ClosedForm => self.closed_form(d, eps)?,
        };
        if let Some((overlap, factor)) = closed {
            let mut pairwise = PairwiseBlob::new(
                overlap,
                self.energy.tile,
                self.energy.evaluation,
                blob.batch,
                self.seed ^ 0xba7c,
            );
            if let Some(factor) = factor.filter(|_| d <= MAX_ENGINE_DIM) {
                pairwise =
                    pairwise.with_engine(PairEngine::new(factor, eps, self.strategy(eps, d)));
            }
            return Ok(Diffusion::Pairwise(Box::new(pairwise)));
        }
        if blob.overlap == OverlapKind::ClosedForm {
            return Err(CoreError::config(
                "blob.overlap",
                "no closed form for this target and mollifier (the Gaussian mollifier has them for no target, uniform_box, piecewise and gaussian); use \"factorised\" or \"quadrature\"",
            ));
        }
        if blob.batch > 0 {
            return Err(CoreError::config(
                "blob.batch",
                "random batches apply to the pairwise closed forms; the factorised overlap and the quadrature are exact and fast",
            ));
        }
        if d > MAX_QUADRATURE_DIM {
            return Err(CoreError::config(
                "blob.overlap",
                format!(
                    "quadrature and the factorised overlap are for d <= {MAX_QUADRATURE_DIM}, found d = {d}"
                ),
            ));
        }
        let gaussian = blob.mollifier == MollifierKind::Gaussian;
        if blob.overlap == OverlapKind::Factorised && !gaussian {
            return Err(CoreError::config(
                "blob.overlap",
                "the factorised overlap needs the Gaussian mollifier (the factorisation phi(a - x) phi(b - x) = phi_{sqrt2 eps}(a - b) phi_{eps/sqrt2}(x - m) holds for it alone); use \"quadrature\"",
            ));
        }
        let (lo, hi) = match target {
            Some(t) if custom && blob.domain_lo.is_none() => {
                // The box of the target's samples, padded as a support box is.
                let samples = t.sample(4000, &mut meanfield_core::RunRng::seed_from_u64(0));
                let (lo, hi) = padded_box(&samples, 0.05);
                padded(&lo, &hi, 10.0 * eps)
            }
            _ => self.domain(x0)?,
        };
        let grid = Grid::new(lo, hi, vec![blob.quadrature_cells; d])
            .map_err(|e| CoreError::config("blob.quadrature_cells", e.to_string()))?;
        let factorised = match blob.overlap {
            OverlapKind::Factorised => true,
            OverlapKind::Auto => gaussian && table_bytes(&grid, eps) <= MAX_TABLE_BYTES,
            _ => false,
        };
        if factorised {
            check_table_size(&grid, eps)?;
        }
        if !factorised && blob.evaluation != PairEvaluation::Auto {
            return Err(CoreError::config(
                "blob.evaluation",
                "the quadrature is evaluated node by node, not over pairs: leave evaluation = \"auto\" or use the factorised overlap",
            ));
        }
        let density = match target {
            Some(t) => t.density_on_grid(&grid),
            None => vec![1.0; grid.len()],
        };
        let quadrature = QuadratureBlob::new(
            blob.mollifier.build(eps),
            grid,
            density,
            blob.density_floor,
            self.energy.tile,
            self.energy.evaluation,
        )?;
        if !factorised {
            return Ok(Diffusion::Quadrature(quadrature));
        }
        let (grid, weights, cap) = quadrature.grid_and_weights();
        let table = JGrid::new(grid, weights, cap, eps)?;
        let engine = PairEngine::new(
            TargetFactor::Grid(Box::new(table)),
            eps,
            self.strategy(eps, d),
        );
        Ok(Diffusion::Factorised(Box::new(FactorisedBlob::new(
            engine, quadrature,
        ))))
    }

    /// `auto`'s choice of the mesh, once per run (its lattice energy then stays the flow's):
    /// N >= [`AUTO_MESH_MIN_N`], the Gaussian mollifier, d <= 3, no random batches, and the
    /// mesh's estimated cost on the start below half the pair engine's.
    fn auto_takes_mesh(&self, x0: &Points, eps: f64) -> bool {
        let blob = &self.blob;
        let d = x0.d();
        if blob.evaluation != PairEvaluation::Auto
            || blob.overlap != OverlapKind::Auto
            || blob.batch > 0
            || blob.mollifier != MollifierKind::Gaussian
            || d > MAX_ENGINE_DIM
            || x0.n() < AUTO_MESH_MIN_N
        {
            return false;
        }
        let (lo, hi) = padded_box(x0, 0.0);
        let mesh = Mesh::new(eps, blob.mesh_cells_per_eps, MeshWeight::Flat);
        let radius = cutoff_radius(eps, blob.tolerance, d);
        mesh.bytes_for(&lo, &hi) <= MAX_MESH_BYTES
            && 2.0 * mesh.cost(x0.n(), &lo, &hi) < pair_cost(x0.as_slice(), d, radius)
    }

    /// The particle-mesh evaluation: `1/rhobar` floored as the quadrature's (its maximum taken
    /// on the quadrature grid over the domain); the start's box checked against the memory
    /// limit before anything is allocated.
    fn mesh(&self, x0: &Points, eps: f64, target: Option<Arc<dyn Target>>) -> Result<Mesh> {
        let d = x0.d();
        if d > MAX_ENGINE_DIM {
            return Err(CoreError::config(
                "blob.evaluation",
                format!("the mesh is for d <= {MAX_ENGINE_DIM}, found d = {d}"),
            ));
        }
        let weight = match target {
            None => MeshWeight::Flat,
            Some(target) => {
                let (lo, hi) = self.domain(x0)?;
                let grid = Grid::new(lo, hi, vec![self.blob.quadrature_cells; d])
                    .map_err(|e| CoreError::config("blob.quadrature_cells", e.to_string()))?;
                let top = target
                    .density_on_grid(&grid)
                    .into_iter()
                    .fold(0.0, f64::max);
                if !(top > 0.0 && top.is_finite()) {
                    return Err(CoreError::config(
                        "blob.domain_lo",
                        "the target has no (finite) mass on the domain",
                    ));
                }
                MeshWeight::Density {
                    target,
                    cap: 1.0 / (self.blob.density_floor * top),
                }
            }
        };
        let mesh = Mesh::new(eps, self.blob.mesh_cells_per_eps, weight);
        let (lo, hi) = padded_box(x0, 0.0);
        mesh.check_box(&lo, &hi)?;
        Ok(mesh)
    }

    /// The pair strategy that `blob.evaluation` names.
    fn strategy(&self, eps: f64, d: usize) -> PairStrategy {
        let radius = cutoff_radius(eps, self.blob.tolerance, d);
        match self.blob.evaluation {
            PairEvaluation::Pairwise | PairEvaluation::RandomBatch | PairEvaluation::Mesh => {
                PairStrategy::All
            }
            PairEvaluation::Cutoff => PairStrategy::Cutoff { radius },
            PairEvaluation::Auto => PairStrategy::Auto { radius },
        }
    }

    /// The closed-form overlap of the target (and its factor `J` for the pair engine), if the
    /// Gaussian mollifier has one.
    fn closed_form(&self, d: usize, eps: f64) -> Result<Option<ClosedForm>> {
        let floor = self.blob.density_floor;
        if self.blob.mollifier != MollifierKind::Gaussian {
            return Ok(None);
        }
        let cells = |overlap: CellsOverlap| -> ClosedForm {
            let factor = TargetFactor::Cells(Box::new(overlap.clone()));
            (Box::new(overlap), Some(factor))
        };
        Ok(match &self.target {
            None => Some((Box::new(FlatOverlap::new(eps, d)), Some(TargetFactor::Unit))),
            Some(TargetConfig::UniformBox { lo, hi }) => {
                Some(cells(CellsOverlap::uniform_box(eps, lo, hi, floor)))
            }
            Some(TargetConfig::Piecewise {
                lo,
                hi,
                cells: counts,
                values,
            }) => {
                let grid = Grid::new(lo.clone(), hi.clone(), counts.clone())?;
                if grid.len() > MAX_CLOSED_FORM_CELLS && self.blob.overlap == OverlapKind::Auto {
                    return Ok(None);
                }
                Some(cells(cells_of(
                    &PiecewiseConstant::new(grid, values.clone(), "target.values")?,
                    eps,
                    floor,
                )))
            }
            Some(TargetConfig::Gaussian { mean, std }) => {
                let std = if std.len() == 1 {
                    vec![std[0]; d]
                } else {
                    std.clone()
                };
                let overlap = GaussianOverlap::new(eps, mean.clone(), &std)?;
                Some((Box::new(overlap), TargetFactor::gaussian(eps, mean, &std)))
            }
            Some(
                TargetConfig::Mixture { .. }
                | TargetConfig::Image { .. }
                | TargetConfig::Barenblatt { .. },
            ) => None,
        })
    }

    /// The quadrature domain: `blob.domain_lo/hi`, else the target's support box padded by
    /// 10 eps (where the density floor holds mass back), else its components' `mean +- 5 std`,
    /// else the particles' box.
    fn domain(&self, x0: &Points) -> Result<(Vec<f64>, Vec<f64>)> {
        domain(&self.blob, self.target.as_ref(), x0)
    }
}

/// The cells of a piecewise-constant density as boxes.
fn cells_of(density: &PiecewiseConstant, eps: f64, floor: f64) -> CellsOverlap {
    let grid = density.grid();
    let d = grid.d();
    let centres = grid.centres();
    let cells = density
        .heights()
        .iter()
        .enumerate()
        .map(|(q, h)| {
            let c = &centres[q * d..(q + 1) * d];
            Cell {
                lo: (0..d).map(|k| c[k] - 0.5 * grid.spacing(k)).collect(),
                hi: (0..d).map(|k| c[k] + 0.5 * grid.spacing(k)).collect(),
                height: *h,
            }
        })
        .collect();
    CellsOverlap::new(eps, cells, floor)
}

/// `[lo - pad, hi + pad]`.
fn padded(lo: &[f64], hi: &[f64], pad: f64) -> (Vec<f64>, Vec<f64>) {
    (
        lo.iter().map(|v| v - pad).collect(),
        hi.iter().map(|v| v + pad).collect(),
    )
}

fn domain(
    blob: &BlobConfig,
    target: Option<&TargetConfig>,
    x0: &Points,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let d = x0.d();
    let pad = 10.0 * blob.eps.unwrap_or(0.0);
    if let (Some(lo), Some(hi)) = (&blob.domain_lo, &blob.domain_hi) {
        if lo.len() != d {
            return Err(CoreError::config(
                "blob.domain_lo",
                format!("has {} entries, the particles have dimension {d}", lo.len()),
            ));
        }
        return Ok((lo.clone(), hi.clone()));
    }
    let gaussians = |parts: Vec<(&Vec<f64>, &Vec<f64>)>| {
        let mut lo = vec![f64::INFINITY; d];
        let mut hi = vec![f64::NEG_INFINITY; d];
        for (mean, std) in parts {
            for k in 0..d {
                let s = if std.len() == 1 { std[0] } else { std[k] };
                lo[k] = lo[k].min(mean[k] - 5.0 * s);
                hi[k] = hi[k].max(mean[k] + 5.0 * s);
            }
        }
        (lo, hi)
    };
    match target {
        Some(TargetConfig::UniformBox { lo, hi } | TargetConfig::Piecewise { lo, hi, .. }) => {
            Ok(padded(lo, hi, pad))
        }
        Some(TargetConfig::Image { lo, hi, .. }) => Ok(padded(lo, hi, pad)),
        Some(TargetConfig::Gaussian { mean, std }) => Ok(gaussians(vec![(mean, std)])),
        Some(TargetConfig::Barenblatt { dim, time }) => {
            let r = meanfield_core::target::Barenblatt::new(*dim, *time).radius() * 1.1;
            Ok((vec![-r; d], vec![r; d]))
        }
        Some(TargetConfig::Mixture { components }) => Ok(gaussians(
            components.iter().map(|c| (&c.mean, &c.std)).collect(),
        )),
        None => Ok(padded_box(x0, 1.0)),
    }
}

#[cfg(test)]
mod tests {
    use meanfield_core::RunRng;
    use meanfield_core::target::ComponentConfig;
    use meanfield_core::{InitConfig, Points};

    use super::*;

    fn cloud(d: usize) -> Points {
        let init = InitConfig::Gaussian {
            mean: vec![0.0; d],
            std: vec![0.3; d],
        };
        init.sample(20, &mut RunRng::seed_from_u64(0)).unwrap()
    }

    fn mixture(d: usize) -> TargetConfig {
        TargetConfig::Mixture {
            components: vec![ComponentConfig {
                weight: 1.0,
                mean: vec![0.0; d],
                std: vec![0.5],
            }],
        }
    }

    fn quadrature(d: usize, cells: usize) -> MethodSpec {
        let mut spec = MethodSpec::blob(0.2, mixture(d));
        spec.blob.quadrature_cells = cells;
        spec
    }

    /// Quadrature in d = 10, the mesh in d = 4, or quadrature on 4096^3 nodes, are refused
    /// before any grid is allocated.
    #[test]
    fn oversized_quadrature_is_refused_before_allocation() {
        let err = quadrature(10, 200).build(&cloud(10), None).unwrap_err();
        assert!(err.to_string().contains("are for d <= 3"), "{err}");
        let mut mesh = quadrature(4, 200);
        mesh.blob.evaluation = PairEvaluation::Mesh;
        let err = mesh.build(&cloud(4), None).unwrap_err();
        assert!(err.to_string().contains("the mesh is for d <= 3"), "{err}");
        let err = quadrature(3, 4096).build(&cloud(3), None).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("blob.quadrature_cells") && text.contains("allowed"),
            "{text}"
        );
    }

    /// The summary names the overlap, the evaluation, the mollifier width and the batch; a
    /// closed form is chosen for a Gaussian target, the factorised overlap for a mixture
    /// (random batches refused there), the quadrature when asked.
    #[test]
    fn closed_forms_and_quadrature_are_chosen_by_the_target() {
        let gaussian = TargetConfig::Gaussian {
            mean: vec![0.0, 0.0],
            std: vec![0.5],
        };
        let mut spec = MethodSpec::blob(0.1, gaussian);
        spec.blob.batch = 4;
        let built = spec.build(&cloud(2), None).unwrap();
        assert_eq!(built.method.name(), "blob");
        assert_eq!(
            built.summary,
            vec![
                ("overlap".to_string(), json!("closed_form")),
                ("evaluation".to_string(), json!("auto")),
                ("eps".to_string(), json!(0.1)),
                ("batch".to_string(), json!(4))
            ]
        );
        let mut spec = quadrature(2, 100);
        let overlap = |spec: &MethodSpec| spec.build(&cloud(2), None).unwrap().summary[0].clone();
        assert_eq!(overlap(&spec), ("overlap".to_string(), json!("factorised")));
        spec.blob.overlap = OverlapKind::Quadrature;
        assert_eq!(overlap(&spec), ("overlap".to_string(), json!("quadrature")));
        spec.blob.batch = 4;
        let err = spec.build(&cloud(2), None).unwrap_err().to_string();
        assert!(err.contains("blob.batch"), "{err}");
    }
}
