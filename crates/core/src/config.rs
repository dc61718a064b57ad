//! The run configuration (TOML, serde), `--set key=value` overrides and validation.
//!
//! Every error names the dotted key and the expected range.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::energy::{DriftConfig, Evaluation};
use crate::kernel::KernelConfig;
use crate::method_config::{BlobConfig, MethodKind};
use crate::metrics::Bandwidth;
use crate::stepper::StepperConfig;
use crate::target::TargetConfig;
use crate::{CoreError, DeviceChoice, InitConfig, Result};

/// A particle-flow run: particles, energy, optional target, time stepping, metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// Short name of the run (used for default folder names and the report).
    pub name: String,
    /// One line saying what the run shows.
    #[serde(default)]
    pub description: String,
    /// Seed for every random draw of the run.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Compute device.
    #[serde(default)]
    pub device: DeviceChoice,
    /// The particle method (default: the aggregation-drift flow of `[energy]`).
    #[serde(default)]
    pub method: MethodKind,
    /// The particles (every method but `wgan`, whose populations are network parameters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub particles: Option<ParticlesConfig>,
    /// The energy whose W2 gradient flow is integrated (added to the method's own term).
    #[serde(default)]
    pub energy: EnergyConfig,
    /// Mollifier and evaluation of the blob methods.
    #[serde(default)]
    pub blob: BlobConfig,
    /// The RBF network trainer (`method = "rbf_network"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<crate::network_config::NetworkConfig>,
    /// The WGAN trainer (`method = "wgan"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wgan: Option<crate::wgan_config::WganConfig>,
    /// The dynamic optimal transport problem (`method = "dynamic_ot"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<crate::transport_config::TransportConfig>,
    /// Optional target density (for `drift = neg_log_target` and the KL/L1/MMD metrics).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<TargetConfig>,
    /// Time integration (unused by `rbf_network`).
    #[serde(default)]
    pub flow: FlowConfig,
    /// Diagnostics.
    #[serde(default)]
    pub metrics: MetricsConfig,
    /// What `meanfield reproduce` checks (ignored by `run`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reproduce: Option<ReproduceConfig>,
}

/// `[particles]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParticlesConfig {
    /// Number of particles N (>= 2), each of mass 1/N.
    pub n: usize,
    /// Initial positions.
    pub init: InitConfig,
    /// Masses proportional to this density at the initial positions (default: equal masses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<TargetConfig>,
}

/// `[energy]`: `1/2 sum_ij m_i m_j K(x_i - x_j) + sum_i m_i V(x_i)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnergyConfig {
    /// Interaction kernel K (omit for none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel: Option<KernelConfig>,
    /// Drift potential V (omit for none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<DriftConfig>,
    /// How pairwise sums are evaluated.
    #[serde(default)]
    pub evaluation: Evaluation,
    /// Rows per tile of the pairwise sum (memory O(N x tile)).
    #[serde(default = "default_tile")]
    pub tile: usize,
}

impl Default for EnergyConfig {
    fn default() -> Self {
        Self {
            kernel: None,
            drift: None,
            evaluation: Evaluation::default(),
            tile: default_tile(),
        }
    }
}

/// `[flow]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlowConfig {
    /// Time stepper.
    #[serde(default)]
    pub stepper: StepperConfig,
    /// Step (or, for `dopri5`, output interval).
    pub dt: f64,
    /// Final time.
    pub t_final: f64,
    /// Log metrics every this many steps.
    #[serde(default = "default_log_every")]
    pub log_every: usize,
    /// Remove a random fraction of the particles at a given time (robot failures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove: Option<RemovalConfig>,
}

impl Default for FlowConfig {
    fn default() -> Self {
        Self {
            stepper: StepperConfig::default(),
            dt: 0.01,
            t_final: 1.0,
            log_every: default_log_every(),
            remove: None,
        }
    }
}

/// `flow.remove = { at = T, fraction = f }`: at the first step with `t >= T`, a seeded random
/// fraction `f` of the particles is removed and the masses of the rest renormalised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemovalConfig {
    /// Time of the removal (in (0, t_final)).
    pub at: f64,
    /// Fraction removed (in (0, 1)).
    pub fraction: f64,
}

/// `[metrics]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    /// KDE bandwidth: `"silverman"`, `"scott"` or a number.
    #[serde(default)]
    pub kde_bandwidth: Bandwidth,
    /// KDE grid cells per axis (d <= 2).
    #[serde(default = "default_grid_cells")]
    pub grid_cells: usize,
    /// KDE grid box lower corner (default: the particles' box, padded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid_lo: Option<Vec<f64>>,
    /// KDE grid box upper corner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid_hi: Option<Vec<f64>>,
    /// Reference samples drawn from the target for the final MMD.
    #[serde(default = "default_mmd_samples")]
    pub mmd_samples: usize,
    /// Gaussian-kernel bandwidth of the MMD.
    #[serde(default = "default_mmd_bandwidth")]
    pub mmd_bandwidth: f64,
    /// Number of position snapshots kept for figures.
    #[serde(default = "default_snapshots")]
    pub snapshots: usize,
    /// Density the KL/L1/MMD/W2 metrics compare against instead of `[target]` (e.g. an exact
    /// solution).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<TargetConfig>,
    /// Also log the MMD at every logged step (not only at the end).
    #[serde(default)]
    pub mmd_every_log: bool,
    /// Log the exact W2^2 against `w2_multiple x N` target samples at every logged step
    /// (0: off).
    #[serde(default)]
    pub w2_multiple: usize,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            kde_bandwidth: Bandwidth::default(),
            grid_cells: default_grid_cells(),
            grid_lo: None,
            grid_hi: None,
            mmd_samples: default_mmd_samples(),
            mmd_bandwidth: default_mmd_bandwidth(),
            snapshots: default_snapshots(),
            reference: None,
            mmd_every_log: false,
            w2_multiple: 0,
        }
    }
}

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

fn default_seed() -> u64 {
    0
}
fn default_tile() -> usize {
    256
}
fn default_log_every() -> usize {
    10
}
fn default_grid_cells() -> usize {
    100
}
fn default_mmd_samples() -> usize {
    2000
}
fn default_mmd_bandwidth() -> f64 {
    0.1
}
fn default_snapshots() -> usize {
    6
}

impl RunConfig {
    /// Parses TOML text, applies `key=value` overrides, and validates.
    ///
    /// # Errors
    /// [`CoreError::Config`] with the key (or line) and what was expected.
    pub fn from_toml(text: &str, overrides: &[(String, String)]) -> Result<Self> {
        let config: Self = if overrides.is_empty() {
            toml::from_str(text).map_err(|e| toml_error(text, &e))?
        } else {
            let mut table: toml::Table = text
                .parse()
                .map_err(|e: toml::de::Error| toml_error(text, &e))?;
            for (key, value) in overrides {
                set_key(&mut table, key, value)?;
            }
            toml::Value::Table(table)
                .try_into()
                .map_err(|e: toml::de::Error| {
                    CoreError::config(
                        "--set",
                        format!(
                            "after overrides: {}",
                            e.message().trim().replace('\n', "; ")
                        ),
                    )
                })?
        };
        config.validate()?;
        Ok(config)
    }

    /// The config as TOML (the resolved config written into the run folder).
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("config serialises")
    }

    /// The particles of a validated particle-method config.
    ///
    /// # Panics
    /// When called on a `wgan` config, which has none (validation rejects a particle method
    /// without `[particles]`).
    pub fn particles(&self) -> &ParticlesConfig {
        self.particles
            .as_ref()
            .expect("validated: particle methods have [particles]")
    }

    /// Dimension of the run, if it can be known before reading files.
    pub fn dim(&self) -> Option<usize> {
        self.particles.as_ref().and_then(|p| p.init.dim())
    }

    /// Checks every value against its documented range and all dimensions against each other.
    ///
    /// # Errors
    /// [`CoreError::Config`] naming the first bad key.
    pub fn validate(&self) -> Result<()> {
        if self.method == MethodKind::Wgan {
            return match &self.wgan {
                Some(wgan)
                    if self.device == DeviceChoice::Wgpu
                        && wgan.precision == crate::wgan_config::Precision::F64 =>
                {
                    Err(CoreError::config(
                        "wgan.precision",
                        "the wgpu device computes in f32; use precision = \"f32\"",
                    ))
                }
                Some(wgan) => wgan.validate(),
                None => Err(CoreError::config(
                    "wgan",
                    "method `wgan` needs a [wgan] table",
                )),
            };
        }
        let Some(particles) = &self.particles else {
            return Err(CoreError::config(
                "particles",
                format!("method `{}` needs a [particles] table", self.method.name()),
            ));
        };
        if particles.n < 2 {
            return Err(CoreError::config(
                "particles.n",
                format!("must be >= 2, found {}", particles.n),
            ));
        }
        particles.init.validate("particles.init", particles.n)?;
        let no_energy = self.energy.kernel.is_none() && self.energy.drift.is_none();
        match self.method {
            MethodKind::Aggregation if no_energy => {
                return Err(CoreError::config(
                    "energy",
                    "needs a `kernel`, a `drift`, or both",
                ));
            }
            MethodKind::Langevin if self.energy.drift.is_none() => {
                return Err(CoreError::config(
                    "energy.drift",
                    "method `langevin` needs a drift (e.g. { kind = \"neg_log_target\" })",
                ));
            }
            MethodKind::Svgd if self.target.is_none() => {
                return Err(CoreError::config("target", "method `svgd` needs a target"));
            }
            MethodKind::DynamicOt => match &self.transport {
                Some(transport) => {
                    transport.validate(self.dim(), particles.n)?;
                    let fixed = matches!(
                        particles.init,
                        InitConfig::Grid { .. } | InitConfig::Csv { .. }
                    );
                    if transport.push_multiple > 0 && (fixed || self.target.is_none()) {
                        return Err(CoreError::config(
                            "transport.push_multiple",
                            "needs a random [particles.init] to draw new sources from and a [target] to compare with",
                        ));
                    }
                }
                None => {
                    return Err(CoreError::config(
                        "transport",
                        "method `dynamic_ot` needs a [transport] table",
                    ));
                }
            },
            MethodKind::RbfNetwork => match &self.network {
                Some(network) => network.validate()?,
                None => {
                    return Err(CoreError::config(
                        "network",
                        "method `rbf_network` needs a [network] table",
                    ));
                }
            },
            _ => {}
        }
        self.blob.validate(self.method, particles.n)?;
        if self.energy.tile == 0 {
            return Err(CoreError::config("energy.tile", "must be >= 1, found 0"));
        }
        let d = self.dim();
        if let Some(kernel) = &self.energy.kernel {
            kernel.validate("energy.kernel", d)?;
        }
        if let Some(drift) = &self.energy.drift {
            drift.validate("energy.drift", d, self.target.is_some())?;
        }
        if let (Some(target), Some(d)) = (&self.target, d) {
            let t = target.build("target")?;
            if t.dim() != d {
                return Err(CoreError::config(
                    "target",
                    format!("has dimension {}, the particles have {d}", t.dim()),
                ));
            }
        }
        let flow = &self.flow;
        check_positive("flow.dt", flow.dt)?;
        check_positive("flow.t_final", flow.t_final)?;
        if flow.dt > flow.t_final {
            return Err(CoreError::config(
                "flow.dt",
                format!(
                    "must be <= flow.t_final = {}, found {}",
                    flow.t_final, flow.dt
                ),
            ));
        }
        if flow.log_every == 0 {
            return Err(CoreError::config("flow.log_every", "must be >= 1, found 0"));
        }
        flow.stepper.validate("flow.stepper")?;
        if let Some(r) = &flow.remove {
            if !(r.at > 0.0 && r.at < flow.t_final) {
                return Err(CoreError::config(
                    "flow.remove.at",
                    format!("must be in (0, t_final = {}), found {}", flow.t_final, r.at),
                ));
            }
            if !(r.fraction > 0.0 && r.fraction < 1.0) {
                return Err(CoreError::config(
                    "flow.remove.fraction",
                    format!("must be in (0, 1), found {}", r.fraction),
                ));
            }
        }
        let m = &self.metrics;
        m.kde_bandwidth.validate("metrics.kde_bandwidth")?;
        if !(4..=2000).contains(&m.grid_cells) {
            return Err(CoreError::config(
                "metrics.grid_cells",
                format!("must be in 4..=2000, found {}", m.grid_cells),
            ));
        }
        match (&m.grid_lo, &m.grid_hi) {
            (Some(lo), Some(hi)) => check_box("metrics.grid", lo, hi)?,
            (None, None) => {}
            _ => {
                return Err(CoreError::config(
                    "metrics.grid_lo",
                    "give both grid_lo and grid_hi, or neither",
                ));
            }
        }
        check_positive("metrics.mmd_bandwidth", m.mmd_bandwidth)?;
        if m.snapshots < 2 {
            return Err(CoreError::config("metrics.snapshots", "must be >= 2"));
        }
        Ok(())
    }
}

/// Sets a dotted `key` in `table` to `value` parsed as a TOML value (a bare word is a string).
///
/// # Errors
/// [`CoreError::Config`] when a path segment is not a table or the key is malformed.
pub fn set_key(table: &mut toml::Table, key: &str, value: &str) -> Result<()> {
    let parsed = format!("v = {value}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(value.to_string()));
    set_value(table, key, parsed)
}

/// Sets a dotted `key` in `table` to a TOML value, creating tables on the way.
///
/// # Errors
/// [`CoreError::Config`] when a path segment is not a table or the key is malformed.
pub fn set_value(table: &mut toml::Table, key: &str, value: toml::Value) -> Result<()> {
    let parts: Vec<&str> = key.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(CoreError::config(key, "malformed key (expected a.b.c)"));
    }
    let mut node = table;
    for part in &parts[..parts.len() - 1] {
        let entry = node
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        node = entry.as_table_mut().ok_or_else(|| {
            CoreError::config(
                key,
                format!("`{part}` is not a table, cannot set a key inside it"),
            )
        })?;
    }
    node.insert(parts[parts.len() - 1].to_string(), value);
    Ok(())
}

/// One line from a TOML error: line number, the line's text, and the message.
fn toml_error(text: &str, e: &toml::de::Error) -> CoreError {
    let message = e.message().trim().replace('\n', "; ");
    match e.span() {
        Some(span) => {
            let line_no = text[..span.start.min(text.len())].matches('\n').count() + 1;
            let line = text.lines().nth(line_no - 1).unwrap_or("").trim();
            CoreError::config(format!("line {line_no} `{line}`"), message)
        }
        None => CoreError::config("<document>", message),
    }
}

/// Checks that `v` is finite and > 0.
///
/// # Errors
/// [`CoreError::Config`] under `key`.
pub fn check_positive(key: &str, v: f64) -> Result<()> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(CoreError::config(
            key,
            format!("must be finite and > 0, found {v}"),
        ))
    }
}

/// Checks a vector's length (non-empty; equal to `expected` when given) and finiteness.
///
/// # Errors
/// [`CoreError::Config`] under `key`.
pub fn check_len(key: &str, v: &[f64], expected: Option<usize>) -> Result<()> {
    if v.is_empty() {
        return Err(CoreError::config(key, "must not be empty"));
    }
    if let Some(n) = expected.filter(|n| *n != v.len()) {
        return Err(CoreError::config(
            key,
            format!("has {} entries, expected {n} (the dimension)", v.len()),
        ));
    }
    if let Some(x) = v.iter().find(|x| !x.is_finite()) {
        return Err(CoreError::config(key, format!("must be finite, found {x}")));
    }
    Ok(())
}

/// Checks a box: equal lengths, finite, `lo < hi` on every axis.
///
/// # Errors
/// [`CoreError::Config`] under `key.lo` / `key.hi`.
pub fn check_box(key: &str, lo: &[f64], hi: &[f64]) -> Result<()> {
    check_len(&format!("{key}.lo"), lo, None)?;
    check_len(&format!("{key}.hi"), hi, Some(lo.len()))?;
    if let Some(k) = (0..lo.len()).find(|k| lo[*k] >= hi[*k]) {
        return Err(CoreError::config(
            format!("{key}.hi"),
            format!("axis {k}: need lo < hi, found [{}, {}]", lo[k], hi[k]),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "t"
[particles]
n = 16
init = { kind = "grid", lo = [0, 0], hi = [1, 1] }
[energy]
kernel = { kind = "swarming", a = 4, b = 2 }
[flow]
dt = 0.01
t_final = 0.1
"#;

    #[test]
    fn good_config_parses_and_round_trips() {
        let c = RunConfig::from_toml(GOOD, &[]).unwrap();
        assert_eq!(c.particles().n, 16);
        let again = RunConfig::from_toml(&c.to_toml(), &[]).unwrap();
        assert_eq!(c, again);
    }

    #[test]
    fn overrides_apply_and_are_validated() {
        let set = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
        let c = RunConfig::from_toml(GOOD, &set("flow.t_final", "2.5")).unwrap();
        assert_eq!(c.flow.t_final, 2.5);
        let c = RunConfig::from_toml(GOOD, &set("flow.stepper.kind", "heun")).unwrap();
        assert_eq!(c.flow.stepper, StepperConfig::Heun);
        let err = RunConfig::from_toml(GOOD, &set("flow.dt", "-1")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "config key `flow.dt`: must be finite and > 0, found -1"
        );
    }

    #[test]
    fn errors_name_the_key_or_line() {
        let cases = [
            (GOOD.replace("n = 16", "n = 15"), "particles.init.kind"),
            (GOOD.replace("n = 16", "n = 1"), "particles.n"),
            (GOOD.replace("b = 2", "b = 5"), "energy.kernel.b"),
            (
                GOOD.replace("t_final = 0.1", "t_final = nan"),
                "flow.t_final",
            ),
            (GOOD.replace("dt = 0.01\n", ""), "missing field `dt`"),
            (
                GOOD.replace("dt = 0.01", "dt = 0.01\nstep = 3"),
                "unknown field `step`",
            ),
            (
                GOOD.replace("n = 16", "n = \"many\""),
                "line 4 `n = \"many\"`",
            ),
            (GOOD.replace("[flow]", "[flow"), "line"),
            (
                format!("{GOOD}\n[target]\nkind = \"gaussian\"\nmean = [0]\nstd = [1]\n"),
                "config key `target`: has dimension 1, the particles have 2",
            ),
        ];
        for (text, expected) in cases {
            let err = RunConfig::from_toml(&text, &[]).unwrap_err().to_string();
            assert!(
                err.contains(expected),
                "`{err}` should contain `{expected}`"
            );
            assert!(!err.contains('\n'), "one line: {err}");
        }
    }
}
