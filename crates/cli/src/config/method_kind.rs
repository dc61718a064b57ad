//! `method = ...`: which method a run executes.

use meanfield_blob::FlowMethod;
use serde::{Deserialize, Serialize};

/// The method of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MethodKind {
    /// Aggregation-drift flow of `[energy]` (kernel and/or drift).
    #[default]
    Aggregation,
    /// Weighted porous-medium blob method (meanfield-blob).
    Blob,
    /// Linear-diffusion blob method (meanfield-blob).
    LinearBlob,
    /// Overdamped Langevin dynamics (meanfield-blob).
    Langevin,
    /// Stein variational gradient descent (meanfield-blob).
    Svgd,
    /// The RBF network trainer of `[network]` (meanfield-rbf).
    RbfNetwork,
    /// Dynamic optimal transport of `[transport]` (meanfield-dynot).
    DynamicOt,
    /// The WGAN trainer of `[wgan]` (meanfield-wgan).
    Wgan,
}

impl MethodKind {
    /// The particle flow this names, if it is one.
    pub fn flow(self) -> Option<FlowMethod> {
        match self {
            Self::Aggregation => Some(FlowMethod::Aggregation),
            Self::Blob => Some(FlowMethod::Blob),
            Self::LinearBlob => Some(FlowMethod::LinearBlob),
            Self::Langevin => Some(FlowMethod::Langevin),
            Self::Svgd => Some(FlowMethod::Svgd),
            Self::RbfNetwork | Self::DynamicOt | Self::Wgan => None,
        }
    }

    /// The name written into summaries.
    pub fn name(self) -> &'static str {
        match self {
            Self::RbfNetwork => "rbf_network",
            Self::DynamicOt => "dynamic_ot",
            Self::Wgan => "wgan",
            flow => flow.flow().map_or("", FlowMethod::name),
        }
    }
}
