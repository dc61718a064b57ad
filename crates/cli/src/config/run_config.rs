//! The run configuration: the TOML document that composes every crate's section, parsed and
//! validated once. Every error names the dotted key and the expected range.

use meanfield_blob::{BlobConfig, FlowMethod};
use meanfield_core::energy::EnergyConfig;
use meanfield_core::flow::FlowConfig;
use meanfield_core::metrics::MetricsConfig;
use meanfield_core::target::TargetConfig;
use meanfield_core::{CoreError, DeviceChoice, ParticlesConfig, Result};
use meanfield_dynot::TransportConfig;
use meanfield_rbf::network::NetworkConfig;
use meanfield_wgan::WganConfig;
use serde::{Deserialize, Serialize};

use super::overrides::{from_table, set_key, toml_error};
use super::{MethodKind, ReproduceConfig};

/// A run: the method and the sections it reads (particles, energy, blob, network, transport,
/// wgan, target, flow, metrics), plus what `meanfield reproduce` checks.
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
    pub network: Option<NetworkConfig>,
    /// The WGAN trainer (`method = "wgan"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wgan: Option<WganConfig>,
    /// The dynamic optimal transport problem (`method = "dynamic_ot"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<TransportConfig>,
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

fn default_seed() -> u64 {
    0
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
            from_table(table)?
        };
        config.validate()?;
        Ok(config)
    }

    /// The config as TOML (the resolved config written into the run folder).
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("config serialises")
    }

    /// The particles of a particle-method config.
    ///
    /// # Errors
    /// [`CoreError::Config`] when the config has no `[particles]` (a `wgan` config).
    pub fn particles(&self) -> Result<&ParticlesConfig> {
        self.particles.as_ref().ok_or_else(|| {
            CoreError::config(
                "particles",
                format!("method `{}` needs a [particles] table", self.method.name()),
            )
        })
    }

    /// Dimension of the run, if it can be known before reading files.
    pub fn dim(&self) -> Option<usize> {
        self.particles.as_ref().and_then(|p| p.dim())
    }

    /// Checks every section the method reads, once, without reading files or building
    /// targets (the method's constructor does that, once, before the run folder exists).
    ///
    /// # Errors
    /// [`CoreError::Config`] naming the first bad key.
    pub fn validate(&self) -> Result<()> {
        if self.method == MethodKind::Wgan {
            let wgan = self
                .wgan
                .as_ref()
                .ok_or_else(|| CoreError::config("wgan", "method `wgan` needs a [wgan] table"))?;
            return wgan.validate_for(self.device);
        }
        let particles = self.particles()?;
        particles.validate()?;
        let n = particles.n;
        let d = self.dim();
        let has_target = self.target.is_some();
        match self.method {
            MethodKind::DynamicOt => {
                let transport = self.transport.as_ref().ok_or_else(|| {
                    CoreError::config("transport", "method `dynamic_ot` needs a [transport] table")
                })?;
                transport.validate(d, n)?;
                transport.validate_sources(particles.init()?, has_target)?;
            }
            MethodKind::RbfNetwork => {
                self.network
                    .as_ref()
                    .ok_or_else(|| {
                        CoreError::config("network", "method `rbf_network` needs a [network] table")
                    })?
                    .validate()?;
                // The trainer never builds [target]; it is checked here all the same.
                if let Some(target) = &self.target {
                    target.build("target")?;
                }
            }
            _ => {}
        }
        let flow = self.method.flow();
        match flow {
            Some(method) => self.blob_spec(method).validate(n, d)?,
            None => {
                // Not read by the trainers, but checked as for every particle method.
                self.blob.validate(FlowMethod::default(), n)?;
                self.energy.validate(d, has_target)?;
            }
        }
        let mut targets = vec![("target", self.target.as_ref())];
        if flow.is_some() {
            targets.push(("metrics.reference", self.metrics.reference.as_ref()));
        }
        for (key, target) in targets {
            if let (Some(t), Some(d)) = (target.and_then(TargetConfig::dim), d)
                && t != d
            {
                return Err(CoreError::config(
                    key,
                    format!("has dimension {t}, the particles have {d}"),
                ));
            }
        }
        self.flow.validate()?;
        self.metrics.validate()
    }

    /// The sections a particle method of meanfield-blob is built from.
    pub fn blob_spec(&self, method: meanfield_blob::FlowMethod) -> meanfield_blob::MethodSpec {
        meanfield_blob::MethodSpec {
            method,
            blob: self.blob.clone(),
            energy: self.energy.clone(),
            target: self.target.clone(),
            seed: self.seed,
        }
    }
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
        assert_eq!(c.particles().unwrap().n, 16);
        let again = RunConfig::from_toml(&c.to_toml(), &[]).unwrap();
        assert_eq!(c, again);
    }

    #[test]
    fn overrides_apply_and_are_validated() {
        let set = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
        let c = RunConfig::from_toml(GOOD, &set("flow.t_final", "2.5")).unwrap();
        assert_eq!(c.flow.t_final, 2.5);
        let c = RunConfig::from_toml(GOOD, &set("flow.stepper.kind", "heun")).unwrap();
        assert_eq!(c.flow.stepper, meanfield_core::stepper::StepperConfig::Heun);
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
