//! The distribution of the final particles of every variant, overlaid: a histogram density of
//! one coordinate or of the radius, read from each run's `particles_final.csv`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use meanfield_core::Points;
use meanfield_log::plot::{Series, line_plot};
use serde_json::Value;

use crate::config::{Marginal, MarginalOf};

/// Draws `marginal` for `runs` into `dir`; returns the figure's file name.
///
/// # Errors
/// A bin count out of range, unreadable particles.
pub(super) fn draw(
    experiment: &str,
    runs: &[(String, PathBuf, Value)],
    marginal: &Marginal,
    dir: &Path,
) -> anyhow::Result<String> {
    if !(2..=1000).contains(&marginal.bins) {
        bail!(
            "reproduce.marginals.bins: must be in 2..=1000, found {}",
            marginal.bins
        );
    }
    let values: Vec<(String, Vec<f64>)> = runs
        .iter()
        .map(|(label, folder, _)| {
            let path = folder.join("particles_final.csv");
            let points = Points::read_csv(&path).with_context(|| path.display().to_string())?;
            let v = points
                .iter()
                .map(|p| match marginal.of {
                    MarginalOf::X0 => p[0],
                    MarginalOf::Radius => p.iter().map(|x| x * x).sum::<f64>().sqrt(),
                })
                .collect();
            Ok((label.clone(), v))
        })
        .collect::<anyhow::Result<_>>()?;
    let (lo, hi) = values
        .iter()
        .flat_map(|(_, v)| v)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        });
    let width = ((hi - lo) / marginal.bins as f64).max(f64::MIN_POSITIVE);
    let series: Vec<Series> = values
        .iter()
        .map(|(label, v)| Series::new(label.clone(), density(v, lo, width, marginal.bins)))
        .collect();
    let what = match marginal.of {
        MarginalOf::X0 => "x0",
        MarginalOf::Radius => "radius",
    };
    let name = format!("marginal_{what}.png");
    line_plot(
        &format!("{experiment}: final particles' {what} (histogram density)"),
        what,
        "density",
        &series,
        false,
    )?
    .save_png(&dir.join(&name))?;
    Ok(name)
}

/// `(bin centre, density)` of `v` over `bins` bins of `width` from `lo`.
fn density(v: &[f64], lo: f64, width: f64, bins: usize) -> Vec<(f64, f64)> {
    let mut counts = vec![0usize; bins];
    for x in v {
        let b = (((x - lo) / width) as usize).min(bins - 1);
        counts[b] += 1;
    }
    let scale = 1.0 / (v.len().max(1) as f64 * width);
    counts
        .iter()
        .enumerate()
        .map(|(b, c)| (lo + (b as f64 + 0.5) * width, *c as f64 * scale))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The histogram density integrates to one and puts each value in its bin.
    #[test]
    fn density_integrates_to_one() {
        let v = [0.0, 0.1, 0.5, 0.99, 1.0];
        let d = density(&v, 0.0, 0.25, 4);
        let total: f64 = d.iter().map(|(_, p)| p * 0.25).sum();
        assert!((total - 1.0).abs() < 1e-12);
        assert_eq!(d[0].1, 2.0 / (5.0 * 0.25));
        assert_eq!(d[3].1, 2.0 / (5.0 * 0.25));
    }
}
