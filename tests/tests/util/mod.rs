//! Shared helpers: run the CLI in-process and read what it wrote.

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;
use meanfield_cli::{Cli, error_line, run};

/// Runs `meanfield <args>`; `Ok(exit code)` or `Err(the one error line)`.
pub fn meanfield(args: &[&str]) -> Result<ExitCode, String> {
    let cli = Cli::try_parse_from(std::iter::once("meanfield").chain(args.iter().copied()))
        .map_err(|e| e.to_string())?;
    run(cli).map_err(|e| error_line(&e))
}

/// Runs `meanfield run CONFIG --out OUT`.
pub fn run_into(config: &Path, out: &Path) -> Result<ExitCode, String> {
    meanfield(&[
        "run",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ])
}

/// Parses `summary.json` of a run folder.
pub fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

/// The workspace root (experiments/ lives there).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}
