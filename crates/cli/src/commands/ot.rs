//! `meanfield ot emd A.csv B.csv`: exact squared W2 between two point clouds.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use meanfield_core::Points;
use meanfield_core::metrics::exact_ot;
use serde_json::json;

/// Optimal transport between point clouds.
#[derive(Debug, Subcommand)]
pub enum OtCommand {
    /// Exact squared W2 between two equal-size, equal-weight point clouds (CSV `x0,x1,...`),
    /// printed as JSON `{"cost": .., "n": .., "m": ..}`.
    #[command(
        after_help = "Example:\n  meanfield ot emd a.csv b.csv\n  {\"cost\": 0.1234, \"n\": 500, \"m\": 500, \"d\": 2, \"solve_seconds\": 0.01}"
    )]
    Emd(EmdArgs),
}

/// Arguments of `ot emd`.
#[derive(Debug, Args)]
pub struct EmdArgs {
    /// Source points.
    pub a: PathBuf,
    /// Target points.
    pub b: PathBuf,
}

/// Entry point of `meanfield ot`.
pub fn run(cmd: OtCommand) -> anyhow::Result<ExitCode> {
    let OtCommand::Emd(args) = cmd;
    let a = Points::read_csv(&args.a)?;
    let b = Points::read_csv(&args.b)?;
    if a.d() != b.d() {
        bail!(
            "{} has dimension {}, {} has dimension {}",
            args.a.display(),
            a.d(),
            args.b.display(),
            b.d()
        );
    }
    if a.n() != b.n() {
        bail!(
            "exact OT needs equal sizes: {} has {} points, {} has {}",
            args.a.display(),
            a.n(),
            args.b.display(),
            b.n()
        );
    }
    let start = Instant::now();
    let plan = exact_ot(&a, &b).context("exact OT")?;
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({"cost": plan.cost, "n": a.n(), "m": b.n(), "d": a.d(), "solve_seconds": seconds})
    );
    Ok(ExitCode::SUCCESS)
}
