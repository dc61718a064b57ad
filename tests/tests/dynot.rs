//! End-to-end tests of `method = "dynamic_ot"` runs and `meanfield ot push`.

#[allow(dead_code)] // each test file uses a different subset of the helpers
mod util;

use std::fs;
use std::process::ExitCode;

use meanfield_core::Points;
use util::{assert_bad_configs, meanfield, run_into, scratch_run, summary};

/// A small empirical dynamic OT run, started from the exact assignment.
const DYNOT: &str = include_str!("dynot_small.toml");

/// From the exact assignment the straight lines are already optimal: the minimiser keeps the
/// kinetic energy at the exact W2^2, writes every output, and its map pushes new points.
#[test]
fn dynamic_ot_run_writes_paths_map_and_summary() {
    let (dir, config, out) = scratch_run("dynot.toml", DYNOT);
    assert_eq!(run_into(&config, &out).unwrap(), ExitCode::SUCCESS);
    let s = summary(&out);
    for key in [
        "n",
        "d",
        "steps",
        "wall_seconds",
        "kinetic",
        "terminal_penalty",
        "obstacle_violation",
        "exact_cost",
        "cost_ratio",
        "mmd_final",
    ] {
        assert!(s.get(key).is_some(), "summary lacks {key}");
    }
    assert_eq!(s["method"], "dynamic_ot");
    let ratio = s["cost_ratio"].as_f64().unwrap();
    assert!((ratio - 1.0).abs() < 0.01, "cost ratio {ratio}");
    assert_eq!(s["matching_agreement"].as_f64(), Some(1.0));
    for file in [
        "paths.png",
        "trajectories.csv",
        "sources.csv",
        "particles_final.csv",
    ] {
        assert!(out.join(file).exists(), "{file}");
    }
    let rows = fs::read_to_string(out.join("trajectories.csv")).unwrap();
    assert_eq!(rows.lines().count(), 1 + 12 * 9);
    // Pushing the sources themselves returns the end points.
    let pushed = dir.path().join("pushed.csv");
    let code = meanfield(&[
        "ot",
        "push",
        "--run",
        out.to_str().unwrap(),
        "--input",
        out.join("sources.csv").to_str().unwrap(),
        "--out",
        pushed.to_str().unwrap(),
    ])
    .unwrap();
    assert_eq!(code, ExitCode::SUCCESS);
    let ends = Points::read_csv(&out.join("particles_final.csv")).unwrap();
    let got = Points::read_csv(&pushed).unwrap();
    for (a, b) in got.iter().zip(ends.iter()) {
        assert!((a[0] - b[0]).abs() < 1e-6 && (a[1] - b[1]).abs() < 1e-6);
    }
}

#[test]
fn dynamic_ot_bad_input_gives_one_clear_line() {
    let cases = [
        (DYNOT.replace("levels = 8", "levels = 0"), "transport.levels"),
        (DYNOT.replace("eps_pen = 1e-3", "eps_pen = 0.0"), "transport.eps_pen"),
        (
            DYNOT.replace(
                "init = \"assignment\"",
                "obstacles = [{ kind = \"disk\", center = [0.5, 0.5], radius = 0.6 }]",
            ),
            "covers source point",
        ),
        (
            DYNOT.replace(
                "target = { kind = \"samples\", m = 12 }",
                "target = { kind = \"affine\", scale = [1.0], shift = [0.0, 1.0] }",
            ),
            "transport.target.scale",
        ),
        (
            DYNOT.replace(
                "init = \"assignment\"",
                "obstacles = [{ kind = \"polygon\", vertices = [[1, 0], [1.5, 0], [1.1, 0.1], [1.2, 1]] }]",
            ),
            "not convex",
        ),
        (
            DYNOT.replace("m = 12", "m = 10"),
            "as many target points as particles",
        ),
    ];
    assert_bad_configs(&cases);
}

/// A step so large that the objective overflows: the run stops with one line, and the folder
/// keeps the best trajectories found before, with status "stopped".
#[test]
fn a_diverging_dynamic_ot_run_keeps_its_best_paths() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("diverge.toml");
    let text = DYNOT
        .replace("optimizer = \"lbfgs\"", "optimizer = \"gd\"")
        .replace("lr = 1.0", "lr = 1e12")
        .replace("plateau_patience", "x");
    fs::write(&config, text).unwrap();
    let out = dir.path().join("run");
    let err = run_into(&config, &out).unwrap_err();
    assert!(err.contains("best trajectories so far are kept"), "{err}");
    assert!(!err.contains('\n'));
    let s = summary(&out);
    assert_eq!(s["status"], "stopped");
    // The best trajectories are the straight lines of the assignment: the exact cost.
    let ratio = s["cost_ratio"].as_f64().unwrap();
    assert!((ratio - 1.0).abs() < 1e-9, "{ratio}");
    assert!(out.join("trajectories.csv").exists());
}

/// BlobOT's POT-comparison setting (N = 30 uniform sources to 30 samples of N(1.5, 0.3^2 I),
/// L = 2, eps_pen = 0.01, the paper's mollifier width N^(-0.99/2) = 0.1857, our delta 0.1313).
/// On this draw plain L-BFGS ends at 2.3x and plain GD at 1.3x the exact W2^2; with the discrete
/// moves between rounds (the default) every optimiser ends within 0.2% of the best of them and
/// below plain GD, and the summary lists the phases that ran, the last polishing round among
/// them.
#[test]
fn every_optimizer_reaches_the_good_minimum_with_the_discrete_moves() {
    let config = r#"
name = "blobot_setting"
seed = 6
method = "dynamic_ot"
[particles]
n = 30
init = { kind = "uniform_box", lo = [0.0, 0.0], hi = [1.0, 1.0] }
[target]
kind = "gaussian"
mean = [1.5, 1.5]
std = [0.3]
[transport]
levels = 2
target = { kind = "samples", m = 30 }
delta = 0.1313
eps_pen = 0.01
lr = 0.01
iterations = 20000
"#;
    let (dir, path, _) = scratch_run("blobot.toml", config);
    let objective = |optimizer: &str, lr: &str, reassign: &str| {
        let out = dir.path().join(format!("{optimizer}-{reassign}"));
        let sets = [
            format!("transport.optimizer=\"{optimizer}\""),
            format!("transport.lr={lr}"),
            format!("transport.reassign={reassign}"),
        ];
        let mut args = vec![
            "run",
            path.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        for s in &sets {
            args.extend(["--set", s.as_str()]);
        }
        assert_eq!(meanfield(&args).unwrap(), ExitCode::SUCCESS);
        let s = summary(&out);
        let phases = s["phases"].as_array().unwrap();
        assert_eq!(
            phases
                .iter()
                .any(|p| p.as_str().unwrap().starts_with("re-matching")),
            reassign == "true",
            "{phases:?}"
        );
        // With the moves, rounds stop at a looser tolerance and a last one polishes.
        assert_eq!(
            phases
                .iter()
                .any(|p| p.as_str().unwrap().contains("the last, to stop_tol")),
            reassign == "true",
            "{phases:?}"
        );
        s["objective"].as_f64().unwrap() / s["exact_cost"].as_f64().unwrap()
    };
    let plain_gd = objective("gd", "0.01", "false");
    let plain_lbfgs = objective("lbfgs", "1.0", "false");
    let with_moves = [
        objective("gd", "0.01", "true"),
        objective("adam", "0.01", "true"),
        objective("lbfgs", "1.0", "true"),
    ];
    let best = with_moves.iter().copied().fold(f64::INFINITY, f64::min);
    assert!(
        plain_lbfgs > 1.01 * best,
        "plain L-BFGS {plain_lbfgs} vs {best}"
    );
    for r in with_moves {
        assert!(
            r <= 1.002 * best && r <= plain_gd,
            "{with_moves:?}, plain GD {plain_gd}"
        );
    }
}
