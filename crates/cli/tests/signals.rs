//! The binary under signals and a full disk: a real SIGINT stops a run after its current step
//! with everything written; a disk that fills up gives one error line, no panic, and no
//! truncated file.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

/// The small swarming flow of the resume tests.
const SWARM: &str = include_str!("../../../tests/tests/swarm_small.toml");

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

/// A real SIGINT to the binary: the run stops after its current step and writes everything
/// with status "interrupted", exiting non-zero. While it runs, a second process is locked out.
#[test]
fn sigint_stops_a_run_and_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    // Long enough that it is still running when the signal comes (minutes uninterrupted).
    let text = SWARM
        .replace("t_final = 1.0", "t_final = 50000.0")
        .replace("log_every = 4", "log_every = 50");
    let config = dir.path().join("long.toml");
    fs::write(&config, text).unwrap();
    let out = dir.path().join("run");
    let child = Command::new(env!("CARGO_BIN_EXE_meanfield"))
        .args([
            "run",
            config.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let csv = out.join("metrics.csv");
    let started = std::time::Instant::now();
    while fs::read_to_string(&csv).map_or(0, |t| t.lines().count()) < 3 {
        assert!(started.elapsed().as_secs() < 120, "the run never logged");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // While it runs, a second process cannot write into its folder: the lock is held.
    let second = Command::new(env!("CARGO_BIN_EXE_meanfield"))
        .args(["run", "--resume", out.to_str().unwrap()])
        .output()
        .unwrap();
    let second_err = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(1), "{second_err}");
    assert!(
        second_err.contains("another run is writing"),
        "{second_err}"
    );
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.contains("interrupted by SIGINT") && last.contains("--resume"),
        "{stderr}"
    );
    let s = summary(&out);
    assert_eq!(s["status"], "interrupted");
    for file in [
        "particles_final.csv",
        "checkpoint.json",
        "energy.png",
        "config.toml",
    ] {
        assert!(out.join(file).exists(), "{file}");
    }
}

/// In a mount namespace with a tmpfs of `size`, runs the binary into it and reports the exit
/// status, stderr and every file with its size (the tmpfs is gone once the namespace ends).
fn run_on_small_disk(config: &Path, size: &str) -> (i32, String, Vec<(u64, String)>) {
    let disk = tempfile::tempdir().unwrap();
    let disk = disk.path().to_str().unwrap();
    let script = format!(
        "mount -t tmpfs -o size={size} tmpfs {disk} || exit 99; \
         {bin} run {config} --out {disk}/run; echo \"rc=$?\"; \
         find {disk}/run -type f -printf '%s %f\\n'",
        bin = env!("CARGO_BIN_EXE_meanfield"),
        config = config.display(),
    );
    let output = Command::new("unshare")
        .args(["-rm", "sh", "-c", &script])
        .output()
        .expect("unshare (util-linux) runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let rc = stdout
        .lines()
        .find_map(|l| l.strip_prefix("rc="))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status: {stdout} {stderr}"));
    let files = stdout
        .lines()
        .filter_map(|l| l.split_once(' '))
        .filter_map(|(size, name)| Some((size.parse().ok()?, name.to_string())))
        .collect();
    (rc, stderr, files)
}

/// A disk that fills up mid-run: one error line naming the file and the cause, exit 1 (not a
/// panic's 101), and no empty or temporary output file left behind.
#[test]
fn a_full_disk_is_one_line_and_leaves_no_truncated_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("swarm.toml");
    fs::write(&config, SWARM).unwrap();
    for size in ["16k", "48k"] {
        let (rc, stderr, files) = run_on_small_disk(&config, size);
        assert_eq!(rc, 1, "{size}: {stderr}");
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{size}: one line: {stderr}");
        assert!(
            lines[0].starts_with("error: ") && lines[0].contains("No space left"),
            "{stderr}"
        );
        for (bytes, name) in &files {
            assert!(
                !name.contains(".tmp-"),
                "{size}: a temporary file is left: {name}"
            );
            let whole = *bytes > 0 || name == ".meanfield.lock";
            assert!(whole, "{size}: {name} is empty");
        }
    }
}
