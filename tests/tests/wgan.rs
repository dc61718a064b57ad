//! End-to-end tests of WGAN runs: the run folder and summary, resume, sampling, bad input.

#[allow(dead_code)] // each test file uses a different subset of the helpers
mod util;

use std::fs;
use std::process::ExitCode;

use util::{assert_bad_configs, meanfield, root, run_into, summary, write_config};

/// The 8-step toy run (shared with the resume tests).
const TOY: &str = include_str!("wgan_toy.toml");

/// A run writes its summary contract, metrics, figures and checkpoint; resuming a 4-step run
/// to 8 steps gives the numbers of the straight 8-step run; `sample` draws from it.
#[test]
fn wgan_runs_resume_exactly_and_sample() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "gan.toml", TOY);
    let straight = dir.path().join("straight");
    assert_eq!(run_into(&config, &straight).unwrap(), ExitCode::SUCCESS);
    let s = summary(&straight);
    for key in [
        "method",
        "steps",
        "wall_seconds",
        "critic_loss_final",
        "w1_exact_final",
        "modes_covered",
        "high_quality_share",
    ] {
        assert!(s.get(key).is_some(), "summary lacks {key}: {s}");
    }
    assert_eq!(s["method"], "wgan");
    assert_eq!(s["steps"], 8);
    for file in [
        "metrics.csv",
        "samples.png",
        "critic_histogram.png",
        "checkpoint/critic.bpk",
    ] {
        assert!(straight.join(file).exists(), "{file}");
    }

    let half = dir.path().join("half");
    let out = half.to_str().unwrap();
    let args = [
        "run",
        config.to_str().unwrap(),
        "--out",
        out,
        "--set",
        "wgan.steps=4",
    ];
    assert_eq!(meanfield(&args).unwrap(), ExitCode::SUCCESS);
    let resume = ["run", "--resume", out, "--set", "wgan.steps=8"];
    assert_eq!(meanfield(&resume).unwrap(), ExitCode::SUCCESS);
    let r = summary(&half);
    assert_eq!(r["resumed_from"], 4);
    for key in [
        "w1_exact_final",
        "critic_loss_final",
        "generator_loss_final",
    ] {
        assert_eq!(r[key], s[key], "{key}");
    }
    let rows = |d: &std::path::Path| fs::read_to_string(d.join("metrics.csv")).unwrap();
    let straight_rows = rows(&straight);
    let header = straight_rows.lines().next().unwrap();
    for column in [
        "critic_loss",
        "w1_estimate",
        "generator_loss",
        "w1_exact",
        "w2_exact",
        "modes_covered",
        "high_quality_share",
        "grad_norm_critic",
        "grad_norm_generator",
        "clip_fraction",
    ] {
        assert!(
            header.split(',').any(|c| c == column),
            "metrics.csv lacks {column}: {header}"
        );
    }
    assert_eq!(
        rows(&half),
        rows(&straight),
        "metrics.csv continues where it stopped"
    );
    let other = ["run", "--resume", out, "--set", "wgan.critic.hidden=[8]"];
    let err = meanfield(&other).unwrap_err();
    assert!(
        err.contains("another architecture") && !err.contains('\n'),
        "{err}"
    );
    assert_eq!(
        rows(&half),
        rows(&straight),
        "a refused resume changes nothing"
    );

    let csv = dir.path().join("new.csv");
    let args = [
        "sample",
        "--checkpoint",
        out,
        "--n",
        "50",
        "--out",
        csv.to_str().unwrap(),
    ];
    assert_eq!(meanfield(&args).unwrap(), ExitCode::SUCCESS);
    let text = fs::read_to_string(&csv).unwrap();
    assert_eq!(text.lines().count(), 51);
    assert!(text.starts_with("x0,x1"));
}

/// Digits: a PNG grid from `sample` for an image model.
#[test]
fn image_models_sample_png_grids() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("digits.toml");
    let idx = root().join("datasets/digits/digits-images-idx3-ubyte.gz");
    fs::write(
        &config,
        format!(
            "name = 'digits'\nmethod = 'wgan'\n[wgan]\nloss = 'wgan_gp'\ndata = {{ kind = 'idx', path = '{}' }}\n\
             latent_dim = 4\ngenerator = {{ hidden = [16], output = 'tanh' }}\ncritic = {{ hidden = [16] }}\n\
             steps = 2\nlog_every = 1\nbatch = 16\neval_samples = 32\n",
            idx.display()
        ),
    )
    .unwrap();
    let run = dir.path().join("run");
    assert_eq!(run_into(&config, &run).unwrap(), ExitCode::SUCCESS);
    assert_eq!(summary(&run)["d"], 64);
    let csv = dir.path().join("d.csv");
    let args = [
        "sample",
        "--checkpoint",
        run.to_str().unwrap(),
        "--n",
        "16",
        "--out",
        csv.to_str().unwrap(),
    ];
    assert_eq!(meanfield(&args).unwrap(), ExitCode::SUCCESS);
    assert!(csv.with_extension("png").exists());
}

/// Bad data and configs: one line, no folder.
#[test]
fn wgan_bad_input_gives_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let truncated = dir.path().join("short.idx");
    let mut bytes = vec![0, 0, 8, 3];
    for v in [10u32, 8, 8] {
        bytes.extend(v.to_be_bytes());
    }
    bytes.extend([0u8; 50]);
    fs::write(&truncated, bytes).unwrap();
    let empty = dir.path().join("empty");
    fs::create_dir_all(&empty).unwrap();
    let with_data = |data: String| TOY.replace("{ kind = \"toy\", name = \"8gaussians\" }", &data);
    assert_bad_configs(&[
        (
            with_data(format!(
                "{{ kind = 'idx', path = '{}' }}",
                truncated.display()
            )),
            "truncated",
        ),
        (
            with_data(format!(
                "{{ kind = 'png_folder', path = '{}' }}",
                empty.display()
            )),
            "empty data set",
        ),
        (TOY.replace("n_critic = 2", "n_critic = 0"), "wgan.n_critic"),
        (TOY.replace("lr = 1e-3", "lr = -1.0"), "wgan.lr"),
        (
            TOY.replace(
                "critic = { hidden = [16, 16] }",
                "critic = { kind = 'gaussian' }",
            ),
            "wgan.critic.kind",
        ),
    ]);
}

/// A run whose loss overflows stops with a message and keeps its last good checkpoint.
#[test]
fn a_diverging_wgan_stops_and_keeps_its_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("blowup.toml");
    let text = TOY
        .replace(
            "lr = 1e-3",
            "lr = 1e50\noptimizer = 'sgd'\nprecision = 'f64'",
        )
        .replace("checkpoint_every = 4", "checkpoint_every = 1");
    fs::write(&config, text).unwrap();
    let out = dir.path().join("run");
    let err = run_into(&config, &out).unwrap_err();
    assert!(err.contains("stopped at step"), "{err}");
    assert!(!err.contains('\n'));
    assert_eq!(summary(&out)["status"], "stopped");
    assert!(out.join("checkpoint/generator.bpk").exists());
}

/// WGAN-GP with a ReLU critic at its defaults (8gaussians, hidden [64, 64], seed 1) went NaN
/// at step 197 in f32 and f64 alike: the penalty took sqrt of a squared input-gradient norm
/// that dead ReLUs make exactly 0. It now trains 1000 steps with finite numbers.
#[test]
fn wgan_gp_survives_a_zero_input_gradient() {
    let text = r#"
name = "gp"
method = "wgan"
seed = 1
[wgan]
loss = "wgan_gp"
data = { kind = "toy", name = "8gaussians" }
generator = { hidden = [64, 64] }
critic = { hidden = [64, 64] }
steps = 1000
log_every = 100
"#;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "gp.toml", text);
    for (label, steps, precision) in [("f32", "1000", "f32"), ("f64", "300", "f64")] {
        let out = dir.path().join(label);
        let precision = format!("wgan.precision=\"{precision}\"");
        let steps = format!("wgan.steps={steps}");
        let args = [
            "run",
            config.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--set",
            &steps,
            "--set",
            &precision,
        ];
        assert_eq!(meanfield(&args).unwrap(), ExitCode::SUCCESS, "{label}");
        let s = summary(&out);
        assert_eq!(s["status"], "ok", "{label}: {s}");
        assert!(
            s["critic_loss_final"].as_f64().unwrap().is_finite(),
            "{label}"
        );
    }
}
