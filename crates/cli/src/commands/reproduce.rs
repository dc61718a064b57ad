//! `meanfield reproduce`: run every experiment and write `report.md`, each measured number
//! beside its reference.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use meanfield_core::{Check, RunConfig};

use super::run::{default_out, execute};

/// Run the experiments in experiments/ and write report.md.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  meanfield reproduce --quick --out runs/report\n  meanfield reproduce --only swarming"
)]
pub struct ReproduceArgs {
    /// Use each experiment's quick settings (seconds instead of minutes).
    #[arg(long)]
    pub quick: bool,
    /// Run only the experiment with this name (or file stem).
    #[arg(long)]
    pub only: Option<String>,
    /// Output folder (default: runs/reproduce-<unix time>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Folder of experiment TOMLs.
    #[arg(long, default_value = "experiments")]
    pub experiments: PathBuf,
}

struct Row {
    check: Check,
    measured: Option<f64>,
    tolerance: f64,
}

impl Row {
    fn pass(&self) -> bool {
        self.measured
            .is_some_and(|m| (m - self.check.reference).abs() <= self.tolerance)
    }
}

fn experiment_files(dir: &Path, only: Option<&str>) -> anyhow::Result<Vec<(PathBuf, RunConfig)>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot list experiments", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("{}: cannot read", path.display()))?;
        let config =
            RunConfig::from_toml(&text, &[]).with_context(|| path.display().to_string())?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        if only.is_none_or(|o| o == config.name || o == stem) {
            out.push((path, config));
        }
    }
    if out.is_empty() {
        bail!(
            "{}: no experiment matches {:?}",
            dir.display(),
            only.unwrap_or("*")
        );
    }
    Ok(out)
}

/// Entry point of `meanfield reproduce`.
pub fn run(args: ReproduceArgs) -> anyhow::Result<ExitCode> {
    let out = args.out.unwrap_or_else(|| default_out("reproduce"));
    let experiments = experiment_files(&args.experiments, args.only.as_deref())?;
    let mode = if args.quick { "quick" } else { "full" };
    let mut report = format!(
        "# meanfield reproduction report ({mode} mode)\n\nEach number measured by this run, beside its reference and the tolerance it must meet.\n\n"
    );
    let mut failures = 0;
    for (path, mut config) in experiments {
        let reproduce = config.reproduce.clone().unwrap_or_default();
        if args.quick {
            let mut table: toml::Table = toml::from_str(&toml::to_string(&config)?)?;
            for (key, value) in &reproduce.quick {
                meanfield_core::config::set_value(&mut table, key, value.clone())?;
            }
            config = toml::Value::Table(table)
                .try_into()
                .with_context(|| format!("{}: quick overrides", path.display()))?;
            config
                .validate()
                .with_context(|| format!("{}: quick overrides", path.display()))?;
        }
        let dir = out.join(&config.name);
        eprintln!("running {} ({mode}) -> {}", config.name, dir.display());
        let summary =
            execute(&config, &dir).with_context(|| format!("experiment {}", config.name))?;
        let value = |k: &str| summary.get(k).and_then(serde_json::Value::as_f64);
        let rows: Vec<Row> = reproduce
            .checks
            .iter()
            .map(|c| Row {
                measured: value(&c.metric),
                tolerance: if args.quick {
                    c.quick_tolerance.unwrap_or(c.tolerance)
                } else {
                    c.tolerance
                },
                check: c.clone(),
            })
            .collect();
        let monotone = summary
            .get("energy_monotone")
            .and_then(serde_json::Value::as_bool)
            == Some(true);
        failures += rows.iter().filter(|r| !r.pass()).count() + usize::from(!monotone);
        writeln!(
            report,
            "## {}\n\n{}\n\nConfig: `{}`; N = {}, steps = {}, wall time {:.2} s.\n",
            config.name,
            config.description,
            path.display(),
            value("n").unwrap_or(0.0),
            value("steps").unwrap_or(0.0),
            value("wall_seconds").unwrap_or(0.0)
        )?;
        writeln!(
            report,
            "| quantity | measured | reference | tolerance | status | reference from |\n|---|---|---|---|---|---|"
        )?;
        for r in &rows {
            let measured = r
                .measured
                .map_or("missing".to_string(), |m| format!("{m:.6}"));
            writeln!(
                report,
                "| {} | {measured} | {:.6} | {:.1e} | {} | {} |",
                r.check.metric,
                r.check.reference,
                r.tolerance,
                if r.pass() { "ok" } else { "FAIL" },
                r.check.source
            )?;
        }
        writeln!(
            report,
            "| energy non-increasing | {} | true | - | {} | gradient flow |\n",
            monotone,
            if monotone { "ok" } else { "FAIL" }
        )?;
        for fig in [
            "particles.png",
            "snapshots.png",
            "trajectories.png",
            "energy.png",
            "variance.png",
            "radius_mean.png",
        ] {
            if dir.join(fig).exists() {
                writeln!(report, "![{} {fig}]({}/{fig})", config.name, config.name)?;
            }
        }
        writeln!(report)?;
    }
    let path = out.join("report.md");
    std::fs::write(&path, &report).with_context(|| format!("{}: cannot write", path.display()))?;
    println!("{}", path.display());
    if failures > 0 {
        eprintln!("{failures} check(s) failed; see {}", path.display());
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
