//! The `meanfield` binary: parse, run, print one error line on failure.

use std::process::ExitCode;

use clap::Parser;
use meanfield_cli::{Cli, error_line, is_broken_pipe, run};

/// mimalloc keeps freed blocks for reuse: with the system allocator every large tensor buffer
/// was a fresh mmap, zero-filled page by page.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
