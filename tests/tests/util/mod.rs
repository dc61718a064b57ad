//! Shared helpers: run the CLI in-process and read what it wrote.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use meanfield_cli::{Cli, error_line, run};

/// A small blob run on a Gaussian target (60 particles, 20 RK4 steps).
pub const BLOB: &str = r#"
name = "blob"
method = "blob"
[particles]
n = 60
init = { kind = "uniform_box", lo = [-0.3, -0.3], hi = [0.3, 0.3] }
[blob]
eps = 0.15
[target]
kind = "gaussian"
mean = [0.0, 0.0]
std = [0.4]
[flow]
stepper = { kind = "rk4" }
dt = 0.005
t_final = 0.1
"#;

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

/// Writes `text` as the config file `name` in `dir` and returns its path.
pub fn write_config(dir: &Path, name: &str, text: &str) -> PathBuf {
    let config = dir.join(name);
    std::fs::write(&config, text).unwrap();
    config
}

/// A scratch folder holding the config `name` with `text`, and the run folder path `run` in
/// it (not created): `(scratch, config, out)`.
pub fn scratch_run(name: &str, text: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), name, text);
    let out = dir.path().join("run");
    (dir, config, out)
}

/// Parses `summary.json` of a run folder.
pub fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

/// The workspace root (experiments/ lives there).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()
}

/// Each `(config text, expected fragment)` fails `meanfield run` with one error line containing
/// the fragment, and creates no run folder.
pub fn assert_bad_configs(cases: &[(String, &str)]) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    for (i, (text, expected)) in cases.iter().enumerate() {
        let config = write_config(dir.path(), &format!("bad{i}.toml"), text);
        let err = run_into(&config, &out).unwrap_err();
        assert!(
            err.contains(expected),
            "`{err}` should contain `{expected}`"
        );
        assert!(!err.contains('\n'), "one line: {err}");
        assert!(!out.exists(), "no folder for bad input");
    }
}
