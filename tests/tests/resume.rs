//! Interrupt and resume for every method: a run stopped at a step (`--stop-at-step`, the
//! path a SIGINT takes) writes `summary.json` with status "interrupted", its figures, final
//! positions and a checkpoint, and exits non-zero; `--resume` continues it to exactly the
//! numbers of the uninterrupted run.

#[allow(dead_code)] // each test file uses a different subset of the helpers
mod util;

use std::fs;
use std::path::Path;
use std::process::ExitCode;

use util::{meanfield, run_into, summary, write_config};

const MIXTURE: &str = r#"
name = "flow"
method = "blob"
seed = 4
[particles]
n = 40
init = { kind = "uniform_box", lo = [-0.3, -0.3], hi = [0.3, 0.3] }
[blob]
eps = 0.15
[target]
kind = "mixture"
components = [{ weight = 1, mean = [-0.3, 0.0], std = [0.3] }, { weight = 1, mean = [0.4, 0.1], std = [0.25] }]
[flow]
stepper = { kind = "dopri5" }
dt = 0.005
t_final = 0.1
log_every = 3
[metrics]
mmd_samples = 100
"#;

const WGAN_TOY: &str = include_str!("wgan_toy.toml");

/// A small swarming flow (shared with the signal tests of meanfield-cli).
const SWARM: &str = include_str!("swarm_small.toml");

/// Runs `text` straight into `a`, then into `b` stopped after `stop` steps, checks the
/// interrupted folder, resumes `b` and returns both folders' `file` contents.
fn straight_and_resumed(text: &str, stop: usize, file: &str) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "run.toml", text);
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    assert_eq!(run_into(&config, &a).unwrap(), ExitCode::SUCCESS);
    let stop_at = stop.to_string();
    let (config_arg, b_arg) = (config.to_str().unwrap(), b.to_str().unwrap());
    let err = meanfield(&[
        "run",
        config_arg,
        "--out",
        b_arg,
        "--stop-at-step",
        &stop_at,
    ])
    .unwrap_err();
    assert!(
        err.contains("interrupted") && err.contains("--resume") && !err.contains('\n'),
        "{err}"
    );
    let s = summary(&b);
    assert_eq!(s["status"], "interrupted", "{s}");
    assert_eq!(s["stop_reason"], "interrupted");
    assert_eq!(s["steps"], stop, "{s}");
    assert!(b.join(file).exists(), "an interrupted run keeps {file}");
    assert!(has_png(&b), "an interrupted run draws its figures");
    // A second run into the interrupted folder is refused: its checkpoint is kept.
    let again = meanfield(&["run", config_arg, "--out", b_arg]).unwrap_err();
    assert!(
        again.contains("not empty") && again.contains("--resume"),
        "{again}"
    );
    assert_eq!(
        meanfield(&["run", "--resume", b_arg]).unwrap(),
        ExitCode::SUCCESS
    );
    assert_eq!(summary(&b)["status"], "ok");
    let read = |d: &Path| fs::read_to_string(d.join(file)).unwrap();
    // The logs continue where they stopped: the resumed metrics.csv is the straight run's
    // (but for the wall clock).
    let metrics = |d: &Path| {
        without_column(
            &fs::read_to_string(d.join("metrics.csv")).unwrap(),
            "wall_seconds",
        )
    };
    assert_eq!(metrics(&b), metrics(&a), "metrics.csv of the resumed run");
    (read(&a), read(&b))
}

/// CSV text without the column `name`.
fn without_column(csv: &str, name: &str) -> String {
    let header: Vec<&str> = csv.lines().next().unwrap_or_default().split(',').collect();
    let skip = header.iter().position(|c| *c == name);
    csv.lines()
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            let kept: Vec<&str> = cells
                .iter()
                .enumerate()
                .filter(|(k, _)| Some(*k) != skip)
                .map(|(_, c)| *c)
                .collect();
            kept.join(",") + "\n"
        })
        .collect()
}

fn has_png(dir: &Path) -> bool {
    fs::read_dir(dir)
        .unwrap()
        .any(|e| e.unwrap().path().extension().is_some_and(|x| x == "png"))
}

/// The final positions of each particle flow match the uninterrupted run's to the bit: the
/// blob method with each adaptive stepper (the step size, and RKC's spectral radius estimate,
/// are in the checkpoint), aggregation, SVGD, and Langevin (its noise stream continues where
/// it stopped).
#[test]
fn particle_flows_resume_bit_for_bit() {
    let svgd = MIXTURE
        .replace("method = \"blob\"", "method = \"svgd\"")
        .replace(
            "stepper = { kind = \"dopri5\" }",
            "stepper = { kind = \"euler\" }",
        );
    let langevin = MIXTURE
        .replace("method = \"blob\"", "method = \"langevin\"")
        .replace(
            "stepper = { kind = \"dopri5\" }",
            "stepper = { kind = \"euler\" }",
        )
        .replace(
            "[blob]\neps = 0.15",
            "[energy]\ndrift = { kind = \"neg_log_target\" }",
        );
    let rkc = MIXTURE.replace(
        "stepper = { kind = \"dopri5\" }",
        "stepper = { kind = \"rkc\" }",
    );
    for (label, text, stop) in [
        ("blob", MIXTURE.to_string(), 7),
        ("blob rkc", rkc, 7),
        ("aggregation", SWARM.to_string(), 9),
        ("svgd", svgd, 5),
        ("langevin", langevin, 11),
    ] {
        let (straight, resumed) = straight_and_resumed(&text, stop, "particles_final.csv");
        assert_eq!(straight, resumed, "{label}: resumed positions differ");
    }
}

/// A WGAN run stopped between checkpoints writes one at the step it stops, and resumes to
/// the straight run's samples.
#[test]
fn wgan_resumes_from_an_interrupt_bit_for_bit() {
    let (straight, resumed) = straight_and_resumed(WGAN_TOY, 5, "samples_final.csv");
    assert_eq!(straight, resumed);
}

/// `--resume --set` that would shorten a run below its done steps is an error, and changes
/// nothing in the folder; so is a resume with another time step.
#[test]
fn a_resume_cannot_shorten_a_run_or_change_its_step() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "swarm.toml", SWARM);
    let out = dir.path().join("run");
    let out_arg = out.to_str().unwrap();
    assert_eq!(run_into(&config, &out).unwrap(), ExitCode::SUCCESS);
    let before = fs::read_to_string(out.join("config.toml")).unwrap();
    for (set, expected) in [
        ("flow.t_final=0.5", "flow.t_final"),
        ("flow.dt=0.01", "flow.dt"),
    ] {
        let err = meanfield(&["run", "--resume", out_arg, "--set", set]).unwrap_err();
        assert!(err.contains(expected) && !err.contains('\n'), "{err}");
    }
    assert_eq!(fs::read_to_string(out.join("config.toml")).unwrap(), before);
    // Extending it continues from the checkpoint at its end.
    let longer = ["run", "--resume", out_arg, "--set", "flow.t_final=1.5"];
    assert_eq!(meanfield(&longer).unwrap(), ExitCode::SUCCESS);
    assert_eq!(summary(&out)["steps"], 30);

    let gan = write_config(dir.path(), "gan.toml", WGAN_TOY);
    let gan_out = dir.path().join("gan");
    assert_eq!(run_into(&gan, &gan_out).unwrap(), ExitCode::SUCCESS);
    let args = [
        "run",
        "--resume",
        gan_out.to_str().unwrap(),
        "--set",
        "wgan.steps=4",
    ];
    let err = meanfield(&args).unwrap_err();
    assert!(err.contains("wgan.steps") && err.contains("below"), "{err}");
}

/// A small RBF regression (2-D function data, 300 rows).
const RBF: &str = r#"
name = "rbf"
method = "rbf_network"
seed = 3
[particles]
n = 12
[network]
data = { kind = "function", f0 = "waves", nu = { kind = "uniform_box", lo = [-1.0, -1.0], hi = [1.0, 1.0] }, samples = 300, noise = 0.05 }
steps = 60
log_every = 10
"#;

/// The RBF trainer resumes to the uninterrupted run's model and logs: with Adam on minibatches
/// (its moments and the batch stream continue), and with the default variable projection
/// (L-BFGS's history continues), stopped between evaluations and at one. A resume that
/// would shorten the run is refused.
#[test]
fn rbf_network_resumes_bit_for_bit() {
    let adam = RBF.replace("steps = 60", "steps = 60\noptimizer = \"adam\"");
    let no_stop = RBF.replace("log_every = 10", "log_every = 10\npatience = 0");
    for (label, text, stop) in [
        ("adam", adam.as_str(), 23),
        ("adam", adam.as_str(), 30),
        ("varpro", RBF, 20),
        ("varpro", no_stop.as_str(), 40),
    ] {
        let (straight, resumed) = straight_and_resumed(text, stop, "particles_final.csv");
        assert_eq!(
            straight, resumed,
            "{label} stopped at {stop}: resumed centres differ"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "rbf.toml", RBF);
    let out = dir.path().join("run");
    assert_eq!(run_into(&config, &out).unwrap(), ExitCode::SUCCESS);
    let args = [
        "run",
        "--resume",
        out.to_str().unwrap(),
        "--set",
        "network.steps=30",
    ];
    let err = meanfield(&args).unwrap_err();
    assert!(
        err.contains("network.steps") && err.contains("below") && !err.contains('\n'),
        "{err}"
    );
}

/// A small empirical dynamic OT problem from straight lines to the centre, with three
/// annealing stages and discrete moves between the optimiser's rounds.
fn dynot() -> String {
    include_str!("dynot_small.toml")
        .replace("init = \"assignment\"\n", "")
        .replace(
            "iterations = 40\nlog_every = 5",
            "iterations = 150\nanneal = { stages = 3, delta_factor = 4.0, eps_pen_factor = 1.0 }\nlog_every = 10",
        )
}

/// Dynamic OT resumes to the uninterrupted run's trajectories and logs, bit for bit: L-BFGS
/// stopped in the first stage and in a later one (its history is in the resume point), Adam
/// between logged iterations (its moments), plain GD with plateau halving (the halved rate),
/// and a stop in the second of two starts; a resumed run interrupted again. A resume with
/// other `[transport]` settings is refused.
#[test]
fn dynamic_ot_resumes_bit_for_bit() {
    let base = dynot();
    let adam = base.replace(
        "optimizer = \"lbfgs\"\nlr = 1.0",
        "optimizer = \"adam\"\nlr = 0.01",
    );
    let gd = base.replace(
        "optimizer = \"lbfgs\"\nlr = 1.0",
        "optimizer = \"gd\"\nlr = 0.01\nplateau_patience = 5",
    );
    let restarts = base.replace("log_every = 10", "log_every = 10\nrestarts = 1");
    for (label, text, stop) in [
        ("lbfgs", base.as_str(), 15),
        ("lbfgs", base.as_str(), 90),
        ("adam", adam.as_str(), 37),
        ("gd", gd.as_str(), 64),
        ("restarts", restarts.as_str(), 170),
    ] {
        let (straight, resumed) = straight_and_resumed(text, stop, "trajectories.csv");
        assert_eq!(
            straight, resumed,
            "{label} stopped at {stop}: resumed trajectories differ"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "dynot.toml", &base);
    let out = dir.path().join("run");
    let (config_arg, out_arg) = (config.to_str().unwrap(), out.to_str().unwrap());
    let stopped = ["run", config_arg, "--out", out_arg, "--stop-at-step", "20"];
    assert!(meanfield(&stopped).is_err());
    let changed = [
        "run",
        "--resume",
        out_arg,
        "--set",
        "transport.iterations=300",
    ];
    let err = meanfield(&changed).unwrap_err();
    assert!(
        err.contains("[transport] settings differ") && !err.contains('\n'),
        "{err}"
    );
    // The refused resume changed nothing. A resumed run interrupted again resumes again, to
    // the uninterrupted run's trajectories and logs, and a finished run keeps no resume point.
    let again = ["run", "--resume", out_arg, "--stop-at-step", "70"];
    assert!(meanfield(&again).unwrap_err().contains("interrupted"));
    assert_eq!(summary(&out)["steps"], 70);
    assert_eq!(
        meanfield(&["run", "--resume", out_arg]).unwrap(),
        ExitCode::SUCCESS
    );
    assert!(!out.join("resume").exists(), "a finished run keeps resume/");
    let straight = dir.path().join("straight");
    assert_eq!(run_into(&config, &straight).unwrap(), ExitCode::SUCCESS);
    for file in ["trajectories.csv", "metrics.csv"] {
        let read =
            |d: &Path| without_column(&fs::read_to_string(d.join(file)).unwrap(), "wall_seconds");
        assert_eq!(read(&out), read(&straight), "{file} after two resumes");
    }
}
