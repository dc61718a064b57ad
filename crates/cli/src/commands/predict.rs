//! `meanfield predict --model DIR --input points.csv`: evaluate a trained RBF network.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use meanfield_core::DeviceChoice;

/// Evaluate a trained RBF network (a run folder of `method = "rbf_network"`) at points.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  meanfield run experiments/rbf_regression.toml --out runs/rbf\n  meanfield predict --model runs/rbf --input points.csv --output predictions.csv"
)]
pub struct PredictArgs {
    /// The run folder holding model.bpk and network.toml.
    #[arg(long)]
    pub model: PathBuf,
    /// Points to evaluate at: a CSV with header x0,x1,...
    #[arg(long)]
    pub input: PathBuf,
    /// Where to write `x0,..,y` (default: predictions.csv beside the input).
    #[arg(long)]
    pub output: Option<PathBuf>,
}

/// Entry point of `meanfield predict`.
pub fn run(args: PredictArgs) -> anyhow::Result<ExitCode> {
    let output = args
        .output
        .unwrap_or_else(|| args.input.with_file_name("predictions.csv"));
    let device = DeviceChoice::Cpu.device()?;
    let n = meanfield_rbf::network::predict_file(&args.model, &args.input, &output, &device)
        .with_context(|| format!("predict with {}", args.model.display()))?;
    eprintln!("{n} predictions -> {}", output.display());
    println!("{}", output.display());
    Ok(ExitCode::SUCCESS)
}
