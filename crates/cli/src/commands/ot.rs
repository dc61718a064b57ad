//! `meanfield ot emd A.csv B.csv`: exact squared W2 between two point clouds.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use meanfield_core::Points;
use meanfield_core::metrics::exact_ot;
use meanfield_dynot::TransportMap;
use serde_json::json;

/// Optimal transport between point clouds.
#[derive(Debug, Subcommand)]
pub enum OtCommand {
    /// Exact squared W2 between two equal-size, equal-weight point clouds (CSV `x0,x1,...`),
    /// printed as JSON `{"cost": .., "n": .., "m": ..}`.
    #[command(
        after_help = "Example:\n  meanfield ot emd a.csv b.csv\n  {\"cost\": 0.1234, \"n\": 500, \"m\": 500, \"d\": 2, \"solve_seconds\": 0.01}\n  meanfield ot emd a.csv b.csv --plan plan.csv   # the matching and its dual potentials"
    )]
    Emd(EmdArgs),
    /// Push new source points through the transport map learned by a `dynamic_ot` run (local
    /// affine interpolation of x^0 -> x^L on the nearest particles).
    #[command(
        after_help = "Example:\n  meanfield run experiments/dynot_push.toml --out runs/map\n  meanfield ot push --run runs/map --input new_source.csv --out pushed.csv"
    )]
    Push(PushArgs),
}

/// Arguments of `ot push`.
#[derive(Debug, Args)]
pub struct PushArgs {
    /// Run folder of a `dynamic_ot` run (holds sources.csv and particles_final.csv).
    #[arg(long)]
    pub run: PathBuf,
    /// New source points (CSV `x0,x1,...`).
    #[arg(long)]
    pub input: PathBuf,
    /// Where to write the pushed points.
    #[arg(long)]
    pub out: PathBuf,
}

/// Arguments of `ot emd`.
#[derive(Debug, Args)]
pub struct EmdArgs {
    /// Source points.
    pub a: PathBuf,
    /// Target points.
    pub b: PathBuf,
    /// Also write the plan with its certificate as CSV `i,j,cost,f,g`: one row per matched
    /// pair (a_i sent to b_j), its cost `|a_i - b_j|^2` and the dual potentials `f_i`, `g_j`
    /// (`f_i + g_j <= |a_i - b_j|^2` for every pair, with equality on these rows).
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
}

/// Entry point of `meanfield ot`.
pub fn run(cmd: OtCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        OtCommand::Emd(args) => emd(&args),
        OtCommand::Push(args) => push(&args),
    }
}

fn push(args: &PushArgs) -> anyhow::Result<ExitCode> {
    let map = TransportMap::from_run(&args.run)
        .with_context(|| format!("{}: not a dynamic_ot run folder", args.run.display()))?;
    let input = Points::read_csv(&args.input)?;
    if input.d() != map.dim() {
        bail!(
            "{} has dimension {}, the map of {} has {}",
            args.input.display(),
            input.d(),
            args.run.display(),
            map.dim()
        );
    }
    let pushed = input
        .iter()
        .map(|x| map.push(x))
        .collect::<meanfield_core::Result<Vec<_>>>()
        .with_context(|| args.input.display().to_string())?;
    let pushed = Points::new(input.d(), pushed.concat())?;
    pushed.write_csv(&args.out)?;
    println!(
        "{}",
        json!({"n": pushed.n(), "d": pushed.d(), "out": args.out.display().to_string()})
    );
    Ok(ExitCode::SUCCESS)
}

fn emd(args: &EmdArgs) -> anyhow::Result<ExitCode> {
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
    if let Some(path) = &args.plan {
        let mut out = String::from("i,j,cost,f,g\n");
        for (i, &j) in plan.matching.iter().enumerate() {
            let cost = meanfield_core::squared_distance(a.point(i), b.point(j));
            out.push_str(&format!(
                "{i},{j},{cost:.17e},{:.17e},{:.17e}\n",
                plan.potential_a[i], plan.potential_b[j]
            ));
        }
        meanfield_core::atomic::write_atomic(path, out.as_bytes())
            .with_context(|| format!("{}: cannot write", path.display()))?;
    }
    println!(
        "{}",
        json!({"cost": plan.cost, "n": a.n(), "m": b.n(), "d": a.d(), "solve_seconds": seconds})
    );
    Ok(ExitCode::SUCCESS)
}
