//! Rates fitted over the variants of an experiment: power laws in a summary key, power laws of
//! the gap to a reference variant, and exponential rates of a logged series.

use std::path::Path;

use anyhow::{Context, bail};
use meanfield_log::plot::{Series, line_plot};
use serde_json::Value;

use super::{ExperimentResult, read_column};
use crate::config::{Fit, FitKind};

/// Least-squares slope of `y` against `x`.
fn slope(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let (mx, my) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
    let sxx: f64 = points.iter().map(|(x, _)| (x - mx) * (x - mx)).sum();
    let sxy: f64 = points.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// Computes `fit` over the runs of `result`, adding its numbers and its figure.
///
/// # Errors
/// Too few usable runs or points, unreadable metrics.
pub(super) fn fit_into(result: &mut ExperimentResult, fit: &Fit, dir: &Path) -> anyhow::Result<()> {
    match fit.kind {
        FitKind::Power | FitKind::PowerGap => {
            let x_key = fit.x.as_deref().context("a power fit needs `x`")?;
            let value = |s: &Value, key: &str| s.get(key).and_then(Value::as_f64);
            let limit = match (fit.kind, &fit.reference) {
                (FitKind::PowerGap, Some(label)) => Some(
                    result
                        .runs
                        .iter()
                        .find(|(l, _, _)| l == label)
                        .and_then(|(_, _, s)| value(s, &fit.y))
                        .with_context(|| {
                            format!("fit {}: no variant `{label}` with {}", fit.name, fit.y)
                        })?,
                ),
                (FitKind::PowerGap, None) => bail!("fit {}: power_gap needs `reference`", fit.name),
                _ => None,
            };
            let points: Vec<(f64, f64)> = result
                .runs
                .iter()
                .filter(|(label, _, _)| {
                    selected(fit, label) && Some(label) != fit.reference.as_ref()
                })
                .filter_map(|(_, _, s)| {
                    let x = value(s, x_key)?;
                    let y = value(s, &fit.y)?;
                    let y = limit.map_or(y, |l| (y - l).abs());
                    (x > 0.0 && y > 0.0).then(|| (x.log10(), y.log10()))
                })
                .collect();
            let Some(rate) = slope(&points) else {
                bail!(
                    "fit {}: fewer than two runs with positive {x_key}, {}",
                    fit.name,
                    fit.y
                );
            };
            result.fits.insert(fit.name.clone(), rate);
            let (mx, my) = points.iter().fold((0.0, 0.0), |(a, b), (x, y)| {
                (a + x / points.len() as f64, b + y / points.len() as f64)
            });
            let line = points
                .iter()
                .map(|(x, _)| (*x, my + rate * (x - mx)))
                .collect();
            let y_label = match &fit.reference {
                Some(r) if limit.is_some() => format!("log10 |{} - {} at {r}|", fit.y, fit.y),
                _ => format!("log10 {}", fit.y),
            };
            let name = format!("fit_{}.png", fit.name);
            line_plot(
                &format!("{}: slope {rate:.3}", fit.name),
                &format!("log10 {x_key}"),
                &y_label,
                &[
                    Series::new("measured", points),
                    Series::reference("least squares", line),
                ],
                false,
            )?
            .save_png(&dir.join(&name))?;
            result.figures.push(name);
        }
        FitKind::ExpRate => {
            let (t0, t1) = (fit.t_min.unwrap_or(0.0), fit.t_max.unwrap_or(f64::INFINITY));
            let mut rates = Vec::new();
            for (label, folder, _) in result.runs.iter().filter(|r| selected(fit, &r.0)) {
                let t = read_column(folder, "t")?;
                let y = read_column(folder, &fit.y)?;
                let points: Vec<(f64, f64)> = t
                    .into_iter()
                    .zip(y)
                    .filter(|(t, y)| *t >= t0 && *t <= t1 && *y > 0.0)
                    .map(|(t, y)| (t, y.ln()))
                    .collect();
                let rate = -slope(&points).with_context(|| {
                    format!("fit {}: fewer than two points in [{t0}, {t1}]", fit.name)
                })?;
                rates.push((label.clone(), rate));
            }
            for (label, rate) in rates {
                result.fits.insert(format!("{label}:{}", fit.name), rate);
            }
        }
    }
    Ok(())
}

fn selected(fit: &Fit, label: &str) -> bool {
    fit.labels.as_deref().is_none_or(|p| label.starts_with(p))
}
