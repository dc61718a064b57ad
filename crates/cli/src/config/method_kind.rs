//! `method = ...`: which method a run executes.

use meanfield_blob::FlowMethod;
use serde::{Deserialize, Serialize};

/// The method of a run: a particle flow of meanfield-blob, or one of the trainers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum MethodKind {
    /// A particle flow (`aggregation`, `blob`, `linear_blob`, `langevin`, `svgd`).
    Flow(FlowMethod),
    /// The RBF network trainer of `[network]` (meanfield-rbf).
    RbfNetwork,
    /// Dynamic optimal transport of `[transport]` (meanfield-dynot).
    DynamicOt,
    /// The WGAN trainer of `[wgan]` (meanfield-wgan).
    Wgan,
}

impl Default for MethodKind {
    fn default() -> Self {
        Self::Flow(FlowMethod::default())
    }
}

const TRAINERS: [(&str, MethodKind); 3] = [
    ("rbf_network", MethodKind::RbfNetwork),
    ("dynamic_ot", MethodKind::DynamicOt),
    ("wgan", MethodKind::Wgan),
];

impl MethodKind {
    /// The particle flow this names, if it is one.
    pub fn flow(self) -> Option<FlowMethod> {
        match self {
            Self::Flow(method) => Some(method),
            _ => None,
        }
    }

    /// The name written into summaries.
    pub fn name(self) -> &'static str {
        match self {
            Self::Flow(method) => method.name(),
            trainer => TRAINERS
                .iter()
                .find(|(_, kind)| *kind == trainer)
                .map_or("", |(name, _)| name),
        }
    }
}

impl TryFrom<String> for MethodKind {
    type Error = String;

    fn try_from(name: String) -> Result<Self, String> {
        if let Some(flow) = FlowMethod::from_key(&name) {
            return Ok(Self::Flow(flow));
        }
        TRAINERS
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, kind)| *kind)
            .ok_or_else(|| {
                let known: Vec<&str> = FlowMethod::ALL
                    .iter()
                    .map(|m| m.key())
                    .chain(TRAINERS.iter().map(|(key, _)| *key))
                    .collect();
                format!(
                    "unknown method `{name}`, expected one of {}",
                    known.join(", ")
                )
            })
    }
}

impl From<MethodKind> for String {
    fn from(kind: MethodKind) -> Self {
        match kind {
            MethodKind::Flow(method) => method.key().to_string(),
            trainer => trainer.name().to_string(),
        }
    }
}
