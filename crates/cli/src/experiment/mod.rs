//! One experiment of `meanfield reproduce`: its variants (runs), fitted rates, comparison
//! figures and checks.

mod fit;
mod marginal;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::{Check, ReproduceConfig, RunConfig, Variant};
use anyhow::Context;
use meanfield_log::plot::{Series, line_plot};
use serde_json::Value;

use crate::driver::build_and_execute;

/// The runs and derived numbers of one experiment.
#[derive(Debug)]
pub struct ExperimentResult {
    /// `(label, folder, summary)` per variant, in order.
    pub runs: Vec<(String, PathBuf, Value)>,
    /// Fitted numbers by name (`"<name>"` or `"<label>:<name>"`).
    pub fits: BTreeMap<String, f64>,
    /// Figures written, relative to the experiment folder.
    pub figures: Vec<String>,
}

impl ExperimentResult {
    /// A number by check name: a fit, `"<label>:<summary key>"`, or a key of the only run.
    pub fn value(&self, key: &str) -> Option<f64> {
        if let Some(v) = self.fits.get(key) {
            return Some(*v);
        }
        let (label, metric) = key.split_once(':').unwrap_or(("", key));
        self.runs
            .iter()
            .find(|(l, _, _)| l == label || (label.is_empty() && self.runs.len() == 1))
            .and_then(|(_, _, s)| s.get(metric).and_then(Value::as_f64))
    }

    /// Whether the check passes with `tolerance`.
    pub fn passes(&self, check: &Check, tolerance: f64) -> bool {
        self.value(&check.metric)
            .is_some_and(|m| (m - check.reference).abs() <= tolerance)
    }
}

/// The config of one variant: base, then quick overrides, then the variant's own.
///
/// # Errors
/// Override and validation errors, naming the experiment file.
pub fn variant_config(
    base: &RunConfig,
    quick: bool,
    variant: &Variant,
    path: &Path,
) -> anyhow::Result<RunConfig> {
    let reproduce = base.reproduce.clone().unwrap_or_default();
    let mut table: toml::Table = toml::from_str(&toml::to_string(base)?)?;
    let quick_sets = if quick {
        reproduce.quick.iter().collect()
    } else {
        Vec::new()
    };
    for (key, value) in quick_sets.into_iter().chain(&variant.set) {
        crate::config::set_value(&mut table, key, value.clone())?;
    }
    let config: RunConfig = toml::Value::Table(table)
        .try_into()
        .with_context(|| format!("{}: variant `{}`", path.display(), variant.label))?;
    config
        .validate()
        .with_context(|| format!("{}: variant `{}`", path.display(), variant.label))?;
    Ok(config)
}

/// Runs every variant of `base` into `dir` and derives fits and comparison figures.
///
/// # Errors
/// A failing run, or a fit that cannot be computed.
pub fn run_experiment(
    base: &RunConfig,
    path: &Path,
    dir: &Path,
    quick: bool,
) -> anyhow::Result<ExperimentResult> {
    let reproduce: ReproduceConfig = base.reproduce.clone().unwrap_or_default();
    let variants = if reproduce.variants.is_empty() {
        vec![Variant {
            label: String::new(),
            set: BTreeMap::new(),
            skip_quick: false,
        }]
    } else {
        reproduce.variants.clone()
    };
    let mut runs = Vec::new();
    for variant in variants.iter().filter(|v| !(quick && v.skip_quick)) {
        let config = variant_config(base, quick, variant, path)?;
        let folder = if variant.label.is_empty() {
            dir.to_path_buf()
        } else {
            dir.join(&variant.label)
        };
        eprintln!("  {} -> {}", base.name, folder.display());
        let summary = build_and_execute(&config, &folder)
            .with_context(|| format!("experiment {} {}", base.name, variant.label))?;
        runs.push((variant.label.clone(), folder, summary));
    }
    let mut result = ExperimentResult {
        runs,
        fits: BTreeMap::new(),
        figures: Vec::new(),
    };
    for fit in &reproduce.fits {
        fit::fit_into(&mut result, fit, dir)?;
    }
    for m in &reproduce.marginals {
        let name = marginal::draw(&base.name, &result.runs, m, dir)?;
        result.figures.push(name);
    }
    for compare in &reproduce.compare {
        let series: Vec<Series> = result
            .runs
            .iter()
            .map(|(label, folder, _)| {
                let x = read_column(folder, &compare.x)?;
                let y = read_column(folder, &compare.series)?;
                Ok(Series::new(label.clone(), x.into_iter().zip(y).collect()))
            })
            .collect::<anyhow::Result<_>>()?;
        let name = format!("compare_{}_{}.png", compare.series, compare.x);
        let x_label = match compare.x.as_str() {
            "t" => "time t",
            "step" => "step",
            _ => "wall-clock seconds",
        };
        line_plot(
            &format!("{}: {}", base.name, compare.series),
            x_label,
            &compare.series,
            &series,
            compare.log_y,
        )?
        .save_png(&dir.join(&name))?;
        result.figures.push(name);
    }
    Ok(result)
}

/// One column of a run's metrics.csv (empty cells read as NaN).
pub(crate) fn read_column(folder: &Path, column: &str) -> anyhow::Result<Vec<f64>> {
    let path = folder.join("metrics.csv");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let k = header
        .iter()
        .position(|h| *h == column)
        .with_context(|| format!("{}: no column `{column}`", path.display()))?;
    Ok(lines
        .map(|l| {
            l.split(',')
                .nth(k)
                .and_then(|v| v.parse().ok())
                .unwrap_or(f64::NAN)
        })
        .collect())
}
