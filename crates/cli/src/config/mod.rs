//! The run configuration that composes every crate's section, its overrides, and
//! `[reproduce]`.

mod method_kind;
mod overrides;
mod reproduce_config;
mod run_config;

pub use method_kind::MethodKind;
pub use overrides::{set_key, set_value};
pub use reproduce_config::{
    Check, Compare, Fit, FitKind, Marginal, MarginalOf, ReproduceConfig, Variant,
};
pub use run_config::RunConfig;
