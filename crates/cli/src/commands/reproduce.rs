//! `meanfield reproduce`: run every experiment and write `report.md`, each measured number
//! beside its reference.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use meanfield_core::InitConfig;
use meanfield_core::target::TargetConfig;
use meanfield_wgan::config::GanData;

use super::run::default_out;
use crate::config::RunConfig;
use crate::experiment::{ExperimentResult, run_experiment};

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
        let mut config: RunConfig =
            toml::from_str(&text).with_context(|| path.display().to_string())?;
        anchor_paths(&mut config, dir.parent().unwrap_or(Path::new(".")));
        config
            .validate()
            .with_context(|| path.display().to_string())?;
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

/// Resolves relative file paths of an experiment (PNG targets, CSV initialisers, WGAN image
/// data) against the
/// repository root, the parent of the experiments folder.
fn anchor_paths(config: &mut RunConfig, root: &Path) {
    let anchor = |p: &mut PathBuf| {
        if p.is_relative() {
            *p = root.join(&*p);
        }
    };
    if let Some(TargetConfig::Image { path, .. }) = &mut config.target {
        anchor(path);
    }
    if let Some(InitConfig::Csv { path }) = config.particles.as_mut().and_then(|p| p.init.as_mut())
    {
        anchor(path);
    }
    if let Some(GanData::Idx { path } | GanData::PngFolder { path }) =
        config.wgan.as_mut().map(|w| &mut w.data)
    {
        anchor(path);
    }
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
    for (path, config) in experiments {
        let reproduce = config.reproduce.clone().unwrap_or_default();
        let dir = out.join(&config.name);
        eprintln!("running {} ({mode}) -> {}", config.name, dir.display());
        let result = run_experiment(&config, &path, &dir, args.quick)?;
        writeln!(
            report,
            "## {}\n\n{}\n\nConfig: `{}`.\n",
            config.name,
            config.description,
            path.display()
        )?;
        write_runs(&mut report, &result)?;
        if !result.fits.is_empty() {
            writeln!(report, "| fitted | value |\n|---|---|")?;
            for (name, value) in &result.fits {
                writeln!(report, "| {name} | {value:.4} |")?;
            }
            writeln!(report)?;
        }
        writeln!(
            report,
            "| quantity | measured | reference | tolerance | status | reference from |\n|---|---|---|---|---|---|"
        )?;
        // Checks on variants that quick mode does not run are reported, not failed.
        let not_run: Vec<String> = reproduce
            .variants
            .iter()
            .filter(|v| args.quick && v.skip_quick)
            .map(|v| format!("{}:", v.label))
            .collect();
        for check in &reproduce.checks {
            if not_run.iter().any(|l| check.metric.starts_with(l.as_str())) {
                writeln!(
                    report,
                    "| {} | not run | {:.6} | - | full mode only | {} |",
                    check.metric, check.reference, check.source
                )?;
                continue;
            }
            let tolerance = if args.quick {
                check.quick_tolerance.unwrap_or(check.tolerance)
            } else {
                check.tolerance
            };
            let pass = result.passes(check, tolerance);
            failures += usize::from(!pass);
            let measured = result
                .value(&check.metric)
                .map_or("missing".to_string(), |m| format!("{m:.6}"));
            writeln!(
                report,
                "| {} | {measured} | {:.6} | {tolerance:.1e} | {} | {} |",
                check.metric,
                check.reference,
                if pass { "ok" } else { "FAIL" },
                check.source
            )?;
        }
        // Deterministic gradient flows only: not the stochastic baselines, random batches, or
        // dynamic OT (an optimisation whose annealing changes the objective), nor the WGAN (a game).
        let gradient_flow = |s: &serde_json::Value| {
            !matches!(
                s.get("method").and_then(|m| m.as_str()),
                Some("langevin" | "svgd" | "dynamic_ot" | "wgan")
            ) && s.get("batch").is_none()
        };
        for (label, _, summary) in result.runs.iter().filter(|r| gradient_flow(&r.2)) {
            let monotone = summary
                .get("energy_monotone")
                .and_then(serde_json::Value::as_bool)
                == Some(true);
            failures += usize::from(!monotone);
            writeln!(
                report,
                "| {label} energy non-increasing | {monotone} | true | - | {} | gradient flow |",
                if monotone { "ok" } else { "FAIL" }
            )?;
        }
        writeln!(report)?;
        for fig in &result.figures {
            writeln!(report, "![{} {fig}]({}/{fig})", config.name, config.name)?;
        }
        for (label, folder, _) in &result.runs {
            for fig in FIGURES {
                if folder.join(fig).exists() {
                    let rel = if label.is_empty() {
                        fig.to_string()
                    } else {
                        format!("{label}/{fig}")
                    };
                    writeln!(report, "![{} {rel}]({}/{rel})", config.name, config.name)?;
                }
            }
        }
        writeln!(report)?;
    }
    let path = out.join("report.md");
    meanfield_core::atomic::write_atomic(&path, report.as_bytes())
        .with_context(|| format!("{}: cannot write", path.display()))?;
    println!("{}", path.display());
    if failures > 0 {
        eprintln!("{failures} check(s) failed; see {}", path.display());
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// Per-run figures linked from the report.
const FIGURES: [&str; 13] = [
    "paths.png",
    "phase_portrait.png",
    "mean_and_critic.png",
    "samples.png",
    "critic_histogram.png",
    "clip_fraction.png",
    "cost_ratio.png",
    "particles.png",
    "snapshots.png",
    "trajectories.png",
    "energy.png",
    "kl.png",
    "radius_mean.png",
];

/// Summary keys shown per run when present.
const SHOWN: [&str; 30] = [
    "energy_final",
    "kl_final",
    "l1_final",
    "mmd_final",
    "w2_final",
    "variance_final",
    "radius_mean_final",
    "kl_before_removal_final",
    "train_mse_final",
    "val_mse_final",
    "kinetic",
    "exact_cost",
    "cost_ratio",
    "matching_agreement",
    "endpoint_error",
    "discrepancy",
    "obstacle_violation",
    "acceleration",
    "mmd_iid",
    "target_coverage",
    "mmd_pushed",
    "mmd_pushed_iid",
    "w1_exact_final",
    "modes_covered",
    "high_quality_share",
    "clip_fraction_final",
    "mean_period",
    "first_integral_final",
    "first_integral_drift",
    "critic_loss_final",
];

fn write_runs(report: &mut String, result: &ExperimentResult) -> anyhow::Result<()> {
    let shown: Vec<&str> = SHOWN
        .iter()
        .copied()
        .filter(|k| result.runs.iter().any(|(_, _, s)| s.get(*k).is_some()))
        .collect();
    writeln!(
        report,
        "| run | method | N | steps | wall s | {} |\n|---|---|---|---|---|{}",
        shown.join(" | "),
        "---|".repeat(shown.len())
    )?;
    for (label, _, s) in &result.runs {
        let num = |k: &str| s.get(k).and_then(serde_json::Value::as_f64);
        let cells: Vec<String> = shown
            .iter()
            .map(|k| num(k).map_or("-".into(), |v| format!("{v:.5e}")))
            .collect();
        writeln!(
            report,
            "| {} | {} | {} | {} | {:.2} | {} |",
            if label.is_empty() { "-" } else { label },
            s.get("method").and_then(|m| m.as_str()).unwrap_or("-"),
            num("n").map_or("-".into(), |n| n.to_string()),
            num("steps").unwrap_or(0.0),
            num("wall_seconds").unwrap_or(0.0),
            cells.join(" | ")
        )?;
    }
    writeln!(report)?;
    Ok(())
}
