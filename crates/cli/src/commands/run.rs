//! `meanfield run CONFIG.toml`: integrate a particle flow and write its run folder.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use clap::Args;
use meanfield_core::{DeviceChoice, FlowOutcome, MethodKind, ParticleFlow, RunConfig};
use meanfield_log::{RunFolder, RunLogger};
use meanfield_rbf::network::Trainer;

use crate::run_summary::summary_json;

/// Run a particle flow from a TOML config.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  meanfield run experiments/swarming.toml --out runs/swarm --set particles.n=500 --set flow.t_final=5\n  tensorboard --logdir runs/swarm"
)]
pub struct RunArgs {
    /// The config file (omitted with `--resume`).
    #[arg(required_unless_present = "resume")]
    pub config: Option<PathBuf>,
    /// Continue the WGAN run in this folder from its checkpoint (its config.toml, with any
    /// `--set`, e.g. `--set wgan.steps=20000`).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["config", "out"])]
    pub resume: Option<PathBuf>,
    /// Output folder (default: runs/<name>-<unix time>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override a config key, e.g. `--set flow.dt=0.01` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Compute device: cpu or wgpu (overrides the config's `device`).
    #[arg(long)]
    pub device: Option<DeviceChoice>,
}

/// Parses `key=value` pairs.
pub fn parse_sets(sets: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    sets.iter()
        .map(|s| {
            s.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .with_context(|| format!("--set `{s}`: expected KEY=VALUE"))
        })
        .collect()
}

/// Reads and validates a config file with overrides.
pub fn load_config(path: &Path, overrides: &[(String, String)]) -> anyhow::Result<RunConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    RunConfig::from_toml(&text, overrides).with_context(|| path.display().to_string())
}

/// `runs/<name>-<unix seconds>`.
pub fn default_out(name: &str) -> PathBuf {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    PathBuf::from("runs").join(format!("{name}-{secs}"))
}

/// Runs `config` into `out` and returns its summary. Everything is validated and built before
/// the folder is created; a run that stops early keeps its files and returns an error.
pub fn execute(config: &RunConfig, out: &Path) -> anyhow::Result<serde_json::Value> {
    match config.method {
        MethodKind::RbfNetwork => return execute_network(config, out),
        MethodKind::DynamicOt => return super::transport::execute_transport(config, out),
        MethodKind::Wgan => return super::gan::execute_wgan(config, out, false),
        _ => {}
    }
    let device = config.device.device()?;
    device.seed(config.seed);
    let method = meanfield_rbf::build_method(config, &device)?;
    let flow = ParticleFlow::with_method(config, device, method)?;
    let folder = RunFolder::create(out)?;
    let mut logger = RunLogger::new(folder.clone(), &config.name, &config.to_toml())?;
    let start = Instant::now();
    let outcome = flow.run(&mut logger)?;
    let wall_seconds = start.elapsed().as_secs_f64();
    outcome
        .positions
        .write_csv(&folder.path("particles_final.csv"))?;
    let energy = logger.series("energy").to_vec();
    let figures = logger.finish(flow.target().map(|t| t.as_ref()));
    let summary = summary_json(config, flow.method_name(), &outcome, &energy, wall_seconds);
    folder.write_summary(&summary)?;
    figures?;
    if let Some(message) = &outcome.stopped {
        bail!(
            "{}: {message}; everything up to then is in the folder",
            out.display()
        );
    }
    Ok(summary)
}

/// Trains the RBF network of `config` into `out` (checkpoints included).
fn execute_network(config: &RunConfig, out: &Path) -> anyhow::Result<serde_json::Value> {
    let device = config.device.device()?;
    device.seed(config.seed);
    let trainer = Trainer::new(config, device)?;
    let folder = RunFolder::create(out)?;
    let mut logger = RunLogger::new(folder.clone(), &config.name, &config.to_toml())?;
    let start = Instant::now();
    let outcome = trainer.run(&mut logger, Some(folder.path(".").as_path()))?;
    let wall_seconds = start.elapsed().as_secs_f64();
    outcome
        .positions
        .write_csv(&folder.path("particles_final.csv"))?;
    let energy = logger.series("energy").to_vec();
    let figures = logger.finish(None);
    let flow_outcome = FlowOutcome {
        steps: outcome.steps,
        t: outcome.t,
        positions: outcome.positions,
        metrics: outcome.metrics,
        stopped: outcome.stopped,
    };
    let summary = summary_json(config, "rbf_network", &flow_outcome, &energy, wall_seconds);
    folder.write_summary(&summary)?;
    figures?;
    if let Some(message) = &flow_outcome.stopped {
        bail!(
            "{}: {message}; everything up to then is in the folder",
            out.display()
        );
    }
    Ok(summary)
}

/// Entry point of `meanfield run`.
pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let sets = parse_sets(&args.set)?;
    let path = match (&args.resume, &args.config) {
        (Some(dir), _) => dir.join("config.toml"),
        (None, Some(config)) => config.clone(),
        (None, None) => bail!("give a config file or --resume DIR"),
    };
    let mut config = load_config(&path, &sets)?;
    if let Some(device) = args.device {
        config.device = device;
    }
    let (out, summary) = match args.resume {
        Some(dir) => {
            if config.method != MethodKind::Wgan {
                bail!("{}: --resume continues `wgan` runs only", dir.display());
            }
            let summary = super::gan::execute_wgan(&config, &dir, true)?;
            (dir, summary)
        }
        None => {
            let out = args.out.unwrap_or_else(|| default_out(&config.name));
            let summary = execute(&config, &out)?;
            (out, summary)
        }
    };
    println!("{}", serde_json::to_string_pretty(&summary)?);
    eprintln!("run folder: {}", out.display());
    Ok(ExitCode::SUCCESS)
}
