//! `meanfield run CONFIG.toml`: integrate a particle flow and write its run folder.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use clap::Args;
use meanfield_core::DeviceChoice;

use crate::config::RunConfig;
use crate::driver::{build_method, execute, resume};

/// Run a particle flow from a TOML config.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  meanfield run experiments/swarming.toml --out runs/swarm --set particles.n=500 --set flow.t_final=5\n  tensorboard --logdir runs/swarm"
)]
pub struct RunArgs {
    /// The config file (omitted with `--resume`).
    #[arg(required_unless_present = "resume")]
    pub config: Option<PathBuf>,
    /// Continue the run in this folder from its checkpoint (its config.toml, with any
    /// `--set`, e.g. `--set flow.t_final=20` or `--set wgan.steps=20000` to extend it);
    /// every method can resume (`dynamic_ot` only with its own `[transport]` settings).
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
    /// Stop after this many steps as an interrupt would (everything written, a checkpoint
    /// kept, exit status 1); continue later with `--resume`.
    #[arg(long, value_name = "STEPS")]
    pub stop_at_step: Option<usize>,
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
        // The device takes part in validation (the WGAN's precision).
        config
            .validate()
            .with_context(|| path.display().to_string())?;
    }
    // Data, targets and checkpoints are read here, before any folder is touched; their errors
    // name the config file, as validation's do.
    let method = build_method(&config).with_context(|| path.display().to_string())?;
    let (out, summary) = match args.resume {
        Some(dir) => {
            let summary = resume(&config, method, &dir, args.stop_at_step)?;
            (dir, summary)
        }
        None => {
            let out = args.out.unwrap_or_else(|| default_out(&config.name));
            let summary = execute(&config, method, &out, args.stop_at_step)?;
            (out, summary)
        }
    };
    println!("{}", serde_json::to_string_pretty(&summary)?);
    eprintln!("run folder: {}", out.display());
    Ok(ExitCode::SUCCESS)
}
