//! The `meanfield` command line: run particle flows from TOML configs, the demo, exact OT,
//! the reproduction report and build information.

mod commands;
mod run_summary;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Mean-field machine learning from the command line.
#[derive(Debug, Parser)]
#[command(name = "meanfield", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Run(commands::run::RunArgs),
    Demo(commands::demo::DemoArgs),
    #[command(subcommand)]
    Ot(commands::ot::OtCommand),
    Reproduce(commands::reproduce::ReproduceArgs),
    Info(commands::info::InfoArgs),
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run(args) => commands::run::run(args),
        Command::Demo(args) => commands::demo::run(args),
        Command::Ot(cmd) => commands::ot::run(cmd),
        Command::Reproduce(args) => commands::reproduce::run(args),
        Command::Info(args) => commands::info::run(args),
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(err) => {
            if err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            let chain: Vec<String> = err.chain().map(ToString::to_string).collect();
            eprintln!("error: {}", chain.join(": "));
            ExitCode::FAILURE
        }
    }
}
