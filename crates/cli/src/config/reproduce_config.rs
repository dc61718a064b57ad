//! `[reproduce]`: what `meanfield reproduce` checks of an experiment, and its quick mode.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `[reproduce]`: the numbers an experiment must hit, and its quick mode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ReproduceConfig {
    /// Overrides applied in `--quick` mode (`"flow.t_final" = 1.0`, ...).
    #[serde(default)]
    pub quick: BTreeMap<String, toml::Value>,
    /// Runs of the experiment, each the base config with overrides (default: one run, the
    /// base). Checks then name `"<label>:<summary key>"`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<Variant>,
    /// Rates fitted over the variants or along each run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fits: Vec<Fit>,
    /// Figures overlaying one logged series of every variant.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compare: Vec<Compare>,
    /// Figures of the final particles' distribution, every variant overlaid.
    #[serde(default)]
    pub marginals: Vec<Marginal>,
    /// Checks of summary values (or fits) against references.
    #[serde(default)]
    pub checks: Vec<Check>,
}

/// One run of a multi-run experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// Label (folder name and legend; letters, digits, `_`, `-`, `.`).
    pub label: String,
    /// Overrides of the base config (applied after the quick ones).
    #[serde(default)]
    pub set: BTreeMap<String, toml::Value>,
    /// Leave this variant out in `--quick` mode.
    #[serde(default)]
    pub skip_quick: bool,
}

/// What a fit measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FitKind {
    /// Slope of `log y` against `log x` over the variants (`y ~ x^slope`); `x`, `y` are
    /// summary keys. Reported as `"<name>"`.
    Power,
    /// Per variant, the rate `r` of `y(t) ~ exp(-r t)` fitted on `[t_min, t_max]`; `y` is a
    /// logged series. Reported as `"<label>:<name>"`.
    ExpRate,
    /// Slope of `log |y - y_ref|` against `log x` over the variants but `reference`, whose
    /// `y` stands for the limit (`|y - y_limit| ~ x^slope`): a rate of convergence in `x`.
    /// Reported as `"<name>"`.
    PowerGap,
}

/// A fitted rate reported beside its reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fit {
    /// Name of the fitted number.
    pub name: String,
    /// What is fitted.
    pub kind: FitKind,
    /// Summary key on the x axis (`power` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// Summary key (`power`) or logged series (`exp_rate`).
    pub y: String,
    /// Window start (`exp_rate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t_min: Option<f64>,
    /// Window end (`exp_rate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t_max: Option<f64>,
    /// The variant whose `y` is the limit (`power_gap` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Only variants whose label starts with this (default: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<String>,
}

/// A figure overlaying a logged series of every variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Compare {
    /// The logged series (a metrics.csv column).
    pub series: String,
    /// The x axis: `"t"`, `"step"` or `"wall_seconds"`.
    #[serde(default = "default_compare_x")]
    pub x: String,
    /// Log scale on y.
    #[serde(default)]
    pub log_y: bool,
}

fn default_compare_x() -> String {
    "t".into()
}

/// What a [`Marginal`] figure shows of each particle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarginalOf {
    /// The first coordinate.
    X0,
    /// The distance from the origin.
    Radius,
}

/// A figure overlaying the density (a histogram) of the final particles of every variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Marginal {
    /// What is binned.
    pub of: MarginalOf,
    /// Number of bins (2 to 1000).
    #[serde(default = "default_bins")]
    pub bins: usize,
}

fn default_bins() -> usize {
    30
}

/// One measured number beside its reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// Key in summary.json.
    pub metric: String,
    /// The reference value.
    pub reference: f64,
    /// Allowed absolute deviation in full mode.
    pub tolerance: f64,
    /// Allowed absolute deviation in quick mode (default: `tolerance`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quick_tolerance: Option<f64>,
    /// Where the reference comes from.
    pub source: String,
}
