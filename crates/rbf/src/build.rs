//! From a [`RunConfig`] to the particle method it names.

use std::sync::Arc;

use burn::tensor::Device;
use meanfield_core::flow::padded_box;
use meanfield_core::target::{PiecewiseConstant, Target, TargetConfig, image_density};
use meanfield_core::{
    CoreError, Grid, MethodKind, MollifierKind, OverlapKind, ParticleMethod, Result, RunConfig,
    build_energy, build_target, initial_positions,
};

use crate::baselines::{FreeEnergy, Langevin, LinearBlob, Svgd};
use crate::blob::{BlobMethod, Diffusion};
use crate::overlap::{Cell, CellsOverlap, FlatOverlap, GaussianOverlap, Overlap};
use crate::pairwise::PairwiseBlob;
use crate::quadrature::QuadratureBlob;

/// More cells than this make the piecewise closed form slower than quadrature (`auto`).
const MAX_CLOSED_FORM_CELLS: usize = 64;

/// The particle method of `config` (every `method = ...`), ready for
/// [`meanfield_core::ParticleFlow::with_method`].
///
/// # Errors
/// Config errors naming the key (a missing eps, `eps^2 >= 2 sigma^2` for the Gaussian closed
/// form, no closed form for the asked combination, an under-resolved quadrature grid), and file
/// errors of the target.
pub fn build_method(config: &RunConfig, _device: &Device) -> Result<Box<dyn ParticleMethod>> {
    config.validate()?;
    let x0 = initial_positions(config)?;
    let d = x0.d();
    let target = build_target(config, d)?;
    let energy = build_energy(config, d, target.clone())?;
    let blob = &config.blob;
    // The KDE width of the free-energy estimate: eps, else Silverman's rule on the start.
    let kde_eps = blob
        .eps
        .unwrap_or_else(|| meanfield_core::metrics::Bandwidth::default().resolve(&x0));
    let free_energy = |energy| FreeEnergy::new(blob.mollifier.build(kde_eps), energy);
    Ok(match config.method {
        MethodKind::Aggregation => {
            Box::new(energy.ok_or_else(|| {
                CoreError::config("energy", "needs a `kernel`, a `drift`, or both")
            })?)
        }
        MethodKind::Blob => Box::new(BlobMethod::new(
            diffusion(config, d, target.as_deref())?,
            energy,
        )),
        MethodKind::LinearBlob => Box::new(LinearBlob(free_energy(energy))),
        MethodKind::Langevin => Box::new(Langevin(free_energy(energy))),
        MethodKind::RbfNetwork | MethodKind::DynamicOt | MethodKind::Wgan => {
            return Err(CoreError::config(
                "method",
                format!(
                    "`{}` is solved by its own trainer, not integrated as a flow",
                    config.method.name()
                ),
            ));
        }
        MethodKind::Svgd => {
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
    })
}

/// The porous-medium term: a closed-form overlap when there is one, else quadrature.
fn diffusion(config: &RunConfig, d: usize, target: Option<&dyn Target>) -> Result<Diffusion> {
    let blob = &config.blob;
    let eps = blob.eps.expect("validated: blob needs eps");
    let closed = match blob.overlap {
        OverlapKind::Quadrature => None,
        OverlapKind::Auto | OverlapKind::ClosedForm => closed_form(config, d, eps)?,
    };
    if let Some(overlap) = closed {
        return Ok(Diffusion::Pairwise(Box::new(PairwiseBlob::new(
            overlap,
            config.energy.tile,
            config.energy.evaluation,
            blob.batch,
            config.seed ^ 0xba7c,
        ))));
    }
    if blob.overlap == OverlapKind::ClosedForm {
        return Err(CoreError::config(
            "blob.overlap",
            "no closed form for this target and mollifier (the Gaussian mollifier has them for no target, uniform_box, piecewise and gaussian); use \"quadrature\"",
        ));
    }
    if blob.batch > 0 {
        return Err(CoreError::config(
            "blob.batch",
            "random batches apply to the pairwise closed forms; quadrature is already O(N)",
        ));
    }
    let (lo, hi) = domain(config, d)?;
    let grid = Grid::new(lo, hi, vec![blob.quadrature_cells; d])?;
    let density = match target {
        Some(t) => t.density_on_grid(&grid),
        None => vec![1.0; grid.len()],
    };
    Ok(Diffusion::Quadrature(QuadratureBlob::new(
        blob.mollifier.build(eps),
        grid,
        density,
        blob.density_floor,
        config.energy.tile,
        config.energy.evaluation,
    )?))
}

/// The closed-form overlap of the config's target, if the Gaussian mollifier has one.
fn closed_form(config: &RunConfig, d: usize, eps: f64) -> Result<Option<Box<dyn Overlap>>> {
    if config.blob.mollifier != MollifierKind::Gaussian {
        return Ok(None);
    }
    Ok(match &config.target {
        None => Some(Box::new(FlatOverlap::new(eps, d))),
        Some(TargetConfig::UniformBox { lo, hi }) => Some(Box::new(CellsOverlap::uniform_box(
            eps,
            lo,
            hi,
            config.blob.density_floor,
        ))),
        Some(TargetConfig::Piecewise {
            lo,
            hi,
            cells,
            values,
        }) => {
            let grid = Grid::new(lo.clone(), hi.clone(), cells.clone())?;
            if grid.len() > MAX_CLOSED_FORM_CELLS && config.blob.overlap == OverlapKind::Auto {
                return Ok(None);
            }
            Some(Box::new(cells_of(
                &PiecewiseConstant::new(grid, values.clone(), "target.values")?,
                eps,
                config.blob.density_floor,
            )))
        }
        Some(TargetConfig::Gaussian { mean, std }) => {
            let std = if std.len() == 1 {
                vec![std[0]; d]
            } else {
                std.clone()
            };
            Some(Box::new(GaussianOverlap::new(eps, mean.clone(), &std)?))
        }
        Some(
            TargetConfig::Mixture { .. }
            | TargetConfig::Image { .. }
            | TargetConfig::Barenblatt { .. },
        ) => None,
    })
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

/// The quadrature domain: `blob.domain_lo/hi`, else the target's support box padded by
/// 10 eps (where the density floor holds mass back), else its components' `mean +- 5 std`.
fn domain(config: &RunConfig, d: usize) -> Result<(Vec<f64>, Vec<f64>)> {
    let blob = &config.blob;
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
    match &config.target {
        Some(TargetConfig::UniformBox { lo, hi } | TargetConfig::Piecewise { lo, hi, .. }) => {
            Ok(padded(lo, hi, pad))
        }
        Some(TargetConfig::Image {
            path,
            lo,
            hi,
            invert,
        }) => {
            image_density(path, lo, hi, *invert)?;
            Ok(padded(lo, hi, pad))
        }
        Some(TargetConfig::Gaussian { mean, std }) => Ok(gaussians(vec![(mean, std)])),
        Some(TargetConfig::Barenblatt { dim, time }) => {
            let r = meanfield_core::target::Barenblatt::new(*dim, *time).radius() * 1.1;
            Ok((vec![-r; d], vec![r; d]))
        }
        Some(TargetConfig::Mixture { components }) => Ok(gaussians(
            components.iter().map(|c| (&c.mean, &c.std)).collect(),
        )),
        None => {
            let x0 = initial_positions(config)?;
            let (lo, hi) = padded_box(&x0, 1.0);
            Ok((lo, hi))
        }
    }
}
