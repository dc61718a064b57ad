//! End-to-end tests of the `meanfield` CLI: runs, experiments in quick mode, exact OT and
//! bad input.

mod util;

use std::fs;
use std::process::ExitCode;

use meanfield_core::metrics::exact_ot;
use meanfield_core::{InitConfig, Points};
use rand::SeedableRng;
use util::{BLOB, assert_bad_configs, meanfield, root, run_into, scratch_run, summary};

const QUICK: &str = r#"
name = "quick"
seed = 5
[particles]
n = 64
init = { kind = "gaussian", mean = [0.0, 0.0], std = [0.2, 0.2] }
[energy]
kernel = { kind = "swarming", a = 4.0, b = 2.0 }
[flow]
dt = 0.1
t_final = 2.0
log_every = 2
"#;

#[test]
fn run_writes_the_whole_run_folder() {
    let (_dir, config, out) = scratch_run("quick.toml", QUICK);
    let code = meanfield(&[
        "run",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--set",
        "particles.n=49",
    ])
    .unwrap();
    assert_eq!(code, ExitCode::SUCCESS);
    let s = summary(&out);
    assert_eq!(s["n"], 49);
    assert_eq!(s["steps"], 20);
    assert_eq!(s["energy_monotone"], true);
    for key in [
        "method",
        "d",
        "t_final",
        "wall_seconds",
        "energy_final",
        "radius_mean_final",
    ] {
        assert!(s.get(key).is_some(), "summary lacks {key}");
    }
    let csv = fs::read_to_string(out.join("metrics.csv")).unwrap();
    assert!(csv.starts_with("step,t,energy,"));
    assert_eq!(csv.lines().count(), 1 + 11);
    assert_eq!(
        Points::read_csv(&out.join("particles_final.csv"))
            .unwrap()
            .n(),
        49
    );
    assert!(
        fs::read_to_string(out.join("config.toml"))
            .unwrap()
            .contains("n = 49")
    );
    let names: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert!(names.iter().any(|n| n.starts_with("events.out.tfevents.")));
    for png in [
        "particles.png",
        "snapshots.png",
        "energy.png",
        "radius_histogram.png",
    ] {
        let img = image_size(&out.join(png));
        assert!(img.0 > 100 && img.1 > 100, "{png}");
    }
    // A second run into the same folder is refused and the first is kept.
    let err = run_into(&config, &out).unwrap_err();
    assert!(
        err.contains("not empty") && err.contains("summary.json"),
        "{err}"
    );
    assert_eq!(summary(&out)["n"], 49);
}

fn image_size(path: &std::path::Path) -> (u32, u32) {
    let bytes = fs::read(path).unwrap();
    assert_eq!(&bytes[1..4], b"PNG", "{}", path.display());
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    (w, h)
}

/// Every experiment passes its checks in quick mode, energy non-increasing included.
#[test]
fn every_experiment_passes_in_quick_mode() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    let experiments = root().join("experiments");
    let code = meanfield(&[
        "reproduce",
        "--quick",
        "--out",
        out.to_str().unwrap(),
        "--experiments",
        experiments.to_str().unwrap(),
    ])
    .unwrap();
    let report = fs::read_to_string(out.join("report.md")).unwrap();
    assert_eq!(code, ExitCode::SUCCESS, "{report}");
    assert!(!report.contains("FAIL"), "{report}");
    for name in ["swarming", "granular", "chemotaxis"] {
        assert!(report.contains(&format!("## {name}")), "{report}");
        assert_eq!(summary(&out.join(name))["energy_monotone"], true, "{name}");
    }
    for name in [
        "blob_seed_1d",
        "blob_convergence_1d",
        "blob_barenblatt_1d",
        "blob_barenblatt_2d",
        "blob_coverage_mixture",
        "blob_coverage_image",
        "sampling_comparison",
        "random_batch",
        "wgan_toy_system",
        "wgan_mixture_oscillation",
        "wgan_clipping_collapse",
        "wgan_toy_comparison",
        "wgan_digits",
    ] {
        assert!(report.contains(&format!("## {name}")), "{report}");
    }
    for png in [
        "blob_seed_1d/gaussian/trajectories.png",
        "blob_convergence_1d/fit_l1_rate_gaussian.png",
        "blob_coverage_image/particles.png",
        "sampling_comparison/compare_w2_t.png",
        "wgan_toy_system/clipped/phase_portrait.png",
        "wgan_digits/gp/samples.png",
    ] {
        assert!(out.join(png).exists(), "{png}");
    }
}

/// A blob run writes the summary keys users rely on and the final positions; its energy
/// does not increase.
#[test]
fn blob_run_summary_contract() {
    let (_dir, config, out) = scratch_run("blob.toml", BLOB);
    assert_eq!(run_into(&config, &out).unwrap(), ExitCode::SUCCESS);
    let s = summary(&out);
    for key in [
        "method",
        "n",
        "d",
        "steps",
        "t_final",
        "wall_seconds",
        "energy_final",
        "kl_final",
        "l1_final",
        "mmd_final",
    ] {
        assert!(s.get(key).is_some(), "summary lacks {key}");
    }
    assert_eq!(s["method"], "blob");
    assert_eq!(s["energy_monotone"], true);
    let final_points = Points::read_csv(&out.join("particles_final.csv")).unwrap();
    assert_eq!((final_points.n(), final_points.d()), (60, 2));
}

/// [`BLOB`] on a two-component mixture (no closed form), for a short time.
fn blob_mixture() -> String {
    BLOB.replace(
        "kind = \"gaussian\"\nmean = [0.0, 0.0]\nstd = [0.4]",
        "kind = \"mixture\"\ncomponents = [{ weight = 1, mean = [-0.3, 0.0], std = [0.3] }, { weight = 1, mean = [0.4, 0.1], std = [0.25] }]",
    )
    .replace("t_final = 0.1", "t_final = 0.02")
}

/// A mixture target takes the factorised overlap by default; each evaluation strategy runs
/// and keeps the energy from increasing.
#[test]
fn blob_strategies_run_and_descend() {
    for (extra, overlap) in [
        ("", "factorised"),
        ("evaluation = \"cutoff\"", "factorised"),
        ("evaluation = \"pairwise\"", "factorised"),
        ("evaluation = \"mesh\"", "mesh"),
        ("overlap = \"quadrature\"", "quadrature"),
    ] {
        let text = blob_mixture().replace("eps = 0.15", &format!("eps = 0.15\n{extra}"));
        let (_dir, config, out) = scratch_run("mixture.toml", &text);
        assert_eq!(run_into(&config, &out).unwrap(), ExitCode::SUCCESS);
        let s = summary(&out);
        assert_eq!(s["overlap"], overlap, "{extra}");
        assert_eq!(s["energy_monotone"], true, "{extra}");
    }
}

/// The stiff 1-D seed flow (N = 100 on a grid, eps = N^-0.99, uniform target): RKC keeps
/// the energy from increasing and ends at dopri5's KL and energy, in a fifth of its internal
/// steps or fewer.
#[test]
fn rkc_follows_dopri5_on_a_stiff_blob_flow_in_fewer_steps() {
    let run = |stepper: &str| {
        let text = format!(
            r#"
name = "stiff"
method = "blob"
[particles]
n = 100
init = {{ kind = "grid", lo = [-0.5], hi = [0.5] }}
[blob]
eps = 0.010471285480508996
[target]
kind = "uniform_box"
lo = [-1.0]
hi = [1.0]
[flow]
stepper = {{ kind = "{stepper}", rtol = 1e-5, atol = 1e-8, max_step = 0.01 }}
dt = 0.05
t_final = 0.3
[metrics]
kde_bandwidth = 0.010471285480508996
grid_cells = 600
grid_lo = [-1.5]
grid_hi = [1.5]
"#
        );
        let (_dir, config, out) = scratch_run("stiff.toml", &text);
        assert_eq!(run_into(&config, &out).unwrap(), ExitCode::SUCCESS);
        summary(&out)
    };
    let (rkc, dopri) = (run("rkc"), run("dopri5"));
    assert_eq!(rkc["energy_monotone"], true);
    let number = |s: &serde_json::Value, k: &str| s[k].as_f64().unwrap();
    for key in ["kl_final", "energy_final"] {
        let (a, b) = (number(&rkc, key), number(&dopri, key));
        assert!((a - b).abs() < 1e-3 * b.abs(), "{key}: rkc {a}, dopri5 {b}");
    }
    let (steps, reference) = (
        number(&rkc, "internal_steps_final"),
        number(&dopri, "internal_steps_final"),
    );
    assert!(
        5.0 * steps < reference,
        "rkc {steps} steps, dopri5 {reference}"
    );
}

/// Blob-specific bad input: eps <= 0, the Gaussian closed form outside its range, SVGD on a
/// target without a score, a random batch of 1; the evaluation strategies' bad settings (a
/// tolerance out of range, a cut-off or factorised overlap without the Gaussian mollifier, a
/// pair strategy on the quadrature, a batch size with exact pairs or none with random
/// batches, a table of J or a mesh beyond memory: refused with its estimate before
/// allocating; the mesh's lattice below 2 nodes per eps or with another overlap).
#[test]
fn blob_bad_input_gives_one_clear_line() {
    let mix = |extra: &str| blob_mixture().replace("eps = 0.15", &format!("eps = 0.15\n{extra}"));
    let strategy_cases = [
        (mix("tolerance = 0.0"), "blob.tolerance"),
        (mix("tolerance = 2.0"), "blob.tolerance"),
        (
            mix("evaluation = \"cutoff\"\nmollifier = \"triweight\""),
            "Gaussian mollifier",
        ),
        (
            mix("overlap = \"factorised\"\nmollifier = \"triweight\""),
            "Gaussian mollifier",
        ),
        (
            mix("overlap = \"quadrature\"\nevaluation = \"cutoff\""),
            "node by node",
        ),
        (mix("evaluation = \"pairwise\"\nbatch = 8"), "blob.batch"),
        (mix("evaluation = \"random_batch\""), "blob.batch"),
        (
            blob_mixture().replace("eps = 0.15", "eps = 0.0001\noverlap = \"factorised\""),
            "GiB",
        ),
        (
            mix("evaluation = \"mesh\"\nmesh_cells_per_eps = 1.0"),
            "blob.mesh_cells_per_eps",
        ),
        (
            mix("evaluation = \"mesh\"\nmollifier = \"triweight\""),
            "Gaussian mollifier",
        ),
        (
            mix("evaluation = \"mesh\"\noverlap = \"quadrature\""),
            "blob.overlap",
        ),
        (mix("evaluation = \"mesh\"\nbatch = 8"), "blob.batch"),
        (
            blob_mixture().replace("eps = 0.15", "eps = 0.0001\nevaluation = \"mesh\""),
            "the mesh over the particles' box would take",
        ),
    ];
    assert_bad_configs(&strategy_cases);
    let cases = [
        (BLOB.replace("eps = 0.15", "eps = 0.0"), "blob.eps"),
        (BLOB.replace("eps = 0.15", "eps = 0.6"), "eps^2 < 2 sigma^2"),
        (
            BLOB.replace("eps = 0.15", "eps = 0.15\nbatch = 1"),
            "blob.batch",
        ),
        (
            BLOB.replace("method = \"blob\"", "method = \"svgd\"")
                .replace(
                    "kind = \"gaussian\"\nmean = [0.0, 0.0]\nstd = [0.4]",
                    "kind = \"uniform_box\"\nlo = [-1, -1]\nhi = [1, 1]",
                ),
            "svgd",
        ),
        (
            BLOB.replace("method = \"blob\"", "method = \"langevin\""),
            "energy.drift",
        ),
    ];
    assert_bad_configs(&cases);
}

/// `ot emd` against brute force over permutations, and its JSON contract.
#[test]
fn ot_emd_agrees_with_brute_force() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = meanfield_core::RunRng::seed_from_u64(8);
    let init = InitConfig::UniformBox {
        lo: vec![0.0, 0.0],
        hi: vec![1.0, 1.0],
    };
    let (a, b) = (
        init.sample(6, &mut rng).unwrap(),
        init.sample(6, &mut rng).unwrap(),
    );
    let (pa, pb) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
    a.write_csv(&pa).unwrap();
    b.write_csv(&pb).unwrap();
    assert_eq!(
        meanfield(&["ot", "emd", pa.to_str().unwrap(), pb.to_str().unwrap()]).unwrap(),
        ExitCode::SUCCESS
    );
    let mut best = f64::INFINITY;
    let mut perm: Vec<usize> = (0..6).collect();
    heap_permutations(&mut perm, 6, &mut |p| {
        let c: f64 = (0..6)
            .map(|i| {
                a.point(i)
                    .iter()
                    .zip(b.point(p[i]))
                    .map(|(x, y)| (x - y).powi(2))
                    .sum::<f64>()
            })
            .sum::<f64>()
            / 6.0;
        best = best.min(c);
    });
    assert!((exact_ot(&a, &b).unwrap().cost - best).abs() < 1e-12);
    let short = dir.path().join("c.csv");
    init.sample(5, &mut rng).unwrap().write_csv(&short).unwrap();
    let err = meanfield(&["ot", "emd", pa.to_str().unwrap(), short.to_str().unwrap()]).unwrap_err();
    assert!(
        err.contains("equal sizes") && err.contains("c.csv"),
        "{err}"
    );
}

fn heap_permutations(p: &mut Vec<usize>, k: usize, f: &mut dyn FnMut(&[usize])) {
    if k == 1 {
        f(p);
        return;
    }
    for i in 0..k {
        heap_permutations(p, k - 1, f);
        let j = if k.is_multiple_of(2) { i } else { 0 };
        p.swap(j, k - 1);
    }
}

/// Bad input: one clear line naming the file or key, and no run folder left behind.
#[test]
fn bad_input_gives_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let out = dir.path().join("never");
    let out = out.to_str().unwrap();
    let cases = [
        (
            write("missing.toml", &QUICK.replace("dt = 0.1\n", "")),
            "missing field `dt`",
        ),
        (
            write("badkey.toml", &QUICK.replace("a = 4.0", "a = 1.0")),
            "energy.kernel.b",
        ),
        (
            write("nan.toml", &QUICK.replace("t_final = 2.0", "t_final = nan")),
            "flow.t_final",
        ),
        (
            write(
                "dim.toml",
                &format!("{QUICK}[target]\nkind = 'gaussian'\nmean = [0, 0, 0]\nstd = [1]\n"),
            ),
            "target",
        ),
        (
            write(
                "csv.toml",
                &QUICK.replace(
                    "{ kind = \"gaussian\", mean = [0.0, 0.0], std = [0.2, 0.2] }",
                    "{ kind = \"csv\", path = \"/nonexistent/p.csv\" }",
                ),
            ),
            "/nonexistent/p.csv",
        ),
        (
            write(
                "png.toml",
                &format!(
                    "{QUICK}[target]\nkind = 'image'\npath = '/nonexistent/t.png'\nlo = [0, 0]\nhi = [1, 1]\n"
                ),
            ),
            "/nonexistent/t.png",
        ),
    ];
    for (config, expected) in cases {
        let err = meanfield(&["run", &config, "--out", out]).unwrap_err();
        assert!(
            err.contains(expected),
            "`{err}` should contain `{expected}`"
        );
        assert!(
            err.contains(".toml") || err.contains(expected),
            "names the file: {err}"
        );
        assert!(!err.contains('\n'), "one line: {err}");
        assert!(
            !std::path::Path::new(out).exists(),
            "no folder for bad input"
        );
    }
}

/// A run that blows up stops with a message, exits non-zero and keeps what it wrote.
#[test]
fn a_diverging_run_stops_and_keeps_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("blowup.toml");
    // Explicit Euler with a huge step on a stiff |x|^4 attraction overflows to infinity.
    fs::write(
        &config,
        QUICK
            .replace("dt = 0.1", "dt = 50.0")
            .replace("t_final = 2.0", "t_final = 5000.0")
            .replace("std = [0.2, 0.2]", "std = [3.0, 3.0]")
            .replace("[flow]", "[flow]\nstepper = { kind = \"euler\" }"),
    )
    .unwrap();
    let out = dir.path().join("run");
    let err = run_into(&config, &out).unwrap_err();
    assert!(err.contains("stopped at step"), "{err}");
    let s = summary(&out);
    assert_eq!(s["status"], "stopped");
    assert!(out.join("metrics.csv").exists() && out.join("particles_final.csv").exists());
    let last = Points::read_csv(&out.join("particles_final.csv")).unwrap();
    assert!(last.first_non_finite().is_none());
}

/// Train a small RBF network from the command line, then `predict` from its checkpoint: the
/// predictions are finite, one per input point, and close to the learned function.
#[test]
fn network_trains_checkpoints_and_predicts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rbf");
    let config = root().join("experiments/rbf_regression.toml");
    let code = meanfield(&[
        "run",
        config.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--set",
        "network.steps=1500",
        "--set",
        "network.data.samples=800",
    ])
    .unwrap();
    assert_eq!(code, ExitCode::SUCCESS);
    let s = summary(&out);
    assert_eq!(s["method"], "rbf_network");
    assert!(s["val_mse_final"].as_f64().unwrap() < 0.1, "{s}");
    assert!(out.join("model.bpk").exists());
    let input = dir.path().join("points.csv");
    fs::write(&input, "x0,x1\n0.5,0.0\n-0.5,0.0\n0.0,0.9\n").unwrap();
    let output = dir.path().join("pred.csv");
    let code = meanfield(&[
        "predict",
        "--model",
        out.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
    ])
    .unwrap();
    assert_eq!(code, ExitCode::SUCCESS);
    let text = fs::read_to_string(&output).unwrap();
    let rows: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 3);
    // f0 = sin(pi z0) cos(pi z1 / 2): 1, -1 and 0 at the three points.
    for (row, f0) in rows.iter().zip([1.0, -1.0, 0.0]) {
        assert!((row[2] - f0).abs() < 0.5, "{row:?} vs {f0}");
    }
    let err = meanfield(&[
        "predict",
        "--model",
        dir.path().to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
    ])
    .unwrap_err();
    assert!(err.contains("network.toml"), "{err}");
}
