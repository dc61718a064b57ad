//! The `meanfield` command line as a library: the clap definitions and [`run`], so that the
//! binary stays thin and end-to-end tests can drive every subcommand in-process. It owns the
//! run configuration that composes every crate's section ([`config::RunConfig`]) and the one
//! run driver ([`driver`]).

pub mod commands;
pub mod config;
pub mod driver;
pub mod experiment;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Mean-field machine learning from the command line.
#[derive(Debug, Parser)]
#[command(name = "meanfield", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a particle flow from a TOML config.
    Run(commands::run::RunArgs),
    /// Run the main job on the embedded default config.
    Demo(commands::demo::DemoArgs),
    /// Optimal transport between point clouds.
    #[command(subcommand)]
    Ot(commands::ot::OtCommand),
    /// Draw samples from a trained WGAN generator.
    Sample(commands::sample::SampleArgs),
    /// Evaluate a trained RBF network at points.
    Predict(commands::predict::PredictArgs),
    /// Run experiments/ and write report.md.
    Reproduce(commands::reproduce::ReproduceArgs),
    /// Version, backends and devices.
    Info(commands::info::InfoArgs),
}

/// Runs a parsed command line.
///
/// # Errors
/// Every failure, with its cause chain.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run(args) => commands::run::run(args),
        Command::Demo(args) => commands::demo::run(args),
        Command::Ot(cmd) => commands::ot::run(cmd),
        Command::Sample(args) => commands::sample::run(args),
        Command::Predict(args) => commands::predict::run(args),
        Command::Reproduce(args) => commands::reproduce::run(args),
        Command::Info(args) => commands::info::run(args),
    }
}

/// The one line printed for an error: its cause chain joined by `: `, each cause on one line
/// (a parser's source snippet and caret lines dropped), a cause that the line already ends
/// with left out.
pub fn error_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = one_line(&cause.to_string());
        if text.is_empty() || line.ends_with(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

/// A message on one line: its lines joined by `: `, without the source-snippet lines of a
/// parser's report (`  |`, `1 | text`, carets).
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| {
            let snippet = l
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .trim_start();
            !l.is_empty() && !snippet.starts_with('|')
        })
        .collect::<Vec<_>>()
        .join(": ")
}

/// True when the error is a broken pipe (a closed `| head`), which exits quietly.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
