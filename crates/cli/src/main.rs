//! The `meanfield` binary: parse, run, print one error line on failure.

use std::process::ExitCode;

use clap::Parser;
use meanfield_cli::{Cli, error_line, is_broken_pipe, run};

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", error_line(&err));
            ExitCode::FAILURE
        }
    }
}
