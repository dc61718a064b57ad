//! `meanfield demo`: the main job on the embedded default config.

use std::path::PathBuf;
use std::process::ExitCode;

use super::run::default_out;
use crate::config::RunConfig;
use crate::driver::build_and_execute;
use clap::Args;

/// The embedded default: 200 robots covering a C-shaped 2-D target by the blob method, 20% of
/// them removed at half time.
pub const DEMO_CONFIG: &str = include_str!("../../../../experiments/blob_coverage_mixture.toml");

/// Run the demo: the blob method covering a C-shaped 2-D Gaussian-mixture target with 200
/// robots; 20% fail at half time and the rest redistribute.
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
    let summary = build_and_execute(&config, &out)?;
    println!("{}", serde_json::to_string_pretty(&summary)?);
    eprintln!(
        "run folder: {}   (tensorboard --logdir {})",
        out.display(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}
