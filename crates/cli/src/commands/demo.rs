//! `meanfield demo`: the main job on the embedded default config.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use meanfield_core::RunConfig;

use super::run::{default_out, execute};

/// The embedded default: a 2-D swarming flow from a Gaussian blob to its ring.
pub const DEMO_CONFIG: &str = include_str!("../../../../experiments/swarming.toml");

/// Run the demo: a 2-D swarming flow (K = |x|^4/4 - |x|^2/2) from a Gaussian blob.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  meanfield demo --out runs/demo\n  tensorboard --logdir runs/demo"
)]
pub struct DemoArgs {
    /// Output folder (default: runs/demo-<unix time>).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Entry point of `meanfield demo`.
pub fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let config = RunConfig::from_toml(DEMO_CONFIG, &[])?;
    let out = args.out.unwrap_or_else(|| default_out("demo"));
    let summary = execute(&config, &out)?;
    println!("{}", serde_json::to_string_pretty(&summary)?);
    eprintln!(
        "run folder: {}   (tensorboard --logdir {})",
        out.display(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}
