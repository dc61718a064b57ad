//! Hostile input against the command line: each size a config or a command line can set is
//! refused with its estimate before anything is allocated or a folder is created; results
//! that were wrong but reported as fine are refused; every message is one line naming the
//! file, the key or the line.

#[allow(dead_code)] // each test file uses a different subset of the helpers
mod util;

use std::fs;
use std::path::Path;
use std::process::ExitCode;

use util::{BLOB, assert_bad_configs, meanfield, run_into, summary, write_config};

const DYNOT: &str = r#"
name = "dynot"
method = "dynamic_ot"
[particles]
n = 12
init = { kind = "uniform_box", lo = [0.0, 0.0], hi = [1.0, 1.0] }
[transport]
levels = 8
target = { kind = "samples", m = 12 }
delta = 0.05
eps_pen = 1e-3
optimizer = "gd"
lr = 0.01
iterations = 5
log_every = 1
"#;

/// Sizes beyond what the machine can hold or finish, each refused with the key to change.
#[test]
fn sizes_are_refused_before_allocation() {
    let cases = [
        (BLOB.replace("n = 60", "n = 1000000000000"), "particles.n"),
        (
            format!("{BLOB}[metrics]\nw2_multiple = 1000000\n"),
            "metrics.w2_multiple",
        ),
        (
            format!("{BLOB}[metrics]\nmmd_samples = 100000000000\n"),
            "metrics.mmd_samples",
        ),
        (BLOB.replace("t_final = 0.1", "t_final = 1e300"), "flow.dt"),
        (BLOB.replace("dt = 0.005", "dt = 1e-300"), "flow.dt"),
        (
            DYNOT.replace("levels = 8", "levels = 1000000000"),
            "transport.levels",
        ),
        (
            DYNOT
                .replace("levels = 8", "levels = 8\nquadrature_cells = 1000000")
                .replace(
                    "target = { kind = \"samples\", m = 12 }",
                    "target = { kind = \"continuum\" }",
                )
                + "[target]\nkind = \"uniform_box\"\nlo = [2.0, 0.0]\nhi = [3.0, 1.0]\n",
            "transport.quadrature_cells",
        ),
        (
            BLOB.replace(
                "eps = 0.15",
                "eps = 0.15\noverlap = \"quadrature\"\nquadrature_cells = 4096",
            )
            .replace(
                "lo = [-0.3, -0.3], hi = [0.3, 0.3]",
                "lo = [-0.3, -0.3, -0.3], hi = [0.3, 0.3, 0.3]",
            )
            .replace(
                "[target]\nkind = \"gaussian\"\nmean = [0.0, 0.0]",
                "[target]\nkind = \"gaussian\"\nmean = [0.0, 0.0, 0.0]",
            ),
            "blob.quadrature_cells",
        ),
    ];
    assert_bad_configs(&cases);
}

/// Wrong results that were reported as fine: no MMD sample, an empty validation set, negative
/// or all-zero data weights, an assignment between clouds of different sizes.
#[test]
fn meaningless_settings_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = |name: &str, text: &str| {
        let path = dir.path().join(name);
        fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let two_rows = data("two.csv", "z0,y\n0.1,1.0\n0.2,2.0\n");
    let negative = data("neg.csv", "z0,y,w\n0.1,1.0,1\n0.2,2.0,-1\n0.3,1.0,1\n");
    let zero = data("zero.csv", "z0,y,w\n0.1,1.0,0\n0.2,2.0,0\n0.3,1.0,0\n");
    let network = |path: &str| {
        format!(
            "name = \"rbf\"\nmethod = \"rbf_network\"\n[particles]\nn = 4\n\
             init = {{ kind = \"uniform_box\", lo = [-1.0], hi = [1.0] }}\n\
             [network]\ndata = {{ kind = \"csv\", path = \"{path}\" }}\neps = 0.3\n\
             train_weights = true\noptimizer = \"adam\"\nlr = 0.02\nsteps = 5\nbatch_size = 2\n\
             log_every = 1\n"
        )
    };
    let cases = [
        (
            format!("{BLOB}[metrics]\nmmd_samples = 0\n"),
            "metrics.mmd_samples",
        ),
        (network(&two_rows), "network.validation_fraction"),
        (network(&negative), "is negative"),
        (network(&zero), "all 0"),
        (
            "name = \"rbf\"\nmethod = \"rbf_network\"\n[particles]\nn = 4\n[network]\n\
             data = { kind = \"function\", f0 = \"bump\", samples = 1000000000000, \
             nu = { kind = \"uniform_box\", lo = [-1.0], hi = [1.0] } }\n"
                .to_string(),
            "network.data.samples",
        ),
        (
            DYNOT.replace("m = 12", "m = 10") + "init = \"assignment\"\n",
            "as many target points",
        ),
    ];
    assert_bad_configs(&cases);
}

/// A PNG whose header says 20000 x 20000 pixels: refused from its header, before 1.2 GB of
/// pixels (or 23 GB of f64) are decoded; a folder where a PNG is expected says so.
#[test]
fn huge_and_misnamed_images_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pngs = dir.path().join("pngs");
    fs::create_dir(&pngs).unwrap();
    fs::write(pngs.join("big.png"), png_header(20_000, 20_000)).unwrap();
    let gan = format!(
        "name = \"gan\"\nmethod = \"wgan\"\n[wgan]\ndata = {{ kind = \"png_folder\", path = \"{}\" }}\nsteps = 2\n",
        pngs.display()
    );
    let image_target = |path: &Path| {
        BLOB.replace(
            "kind = \"gaussian\"\nmean = [0.0, 0.0]\nstd = [0.4]",
            &format!(
                "kind = \"image\"\npath = \"{}\"\nlo = [-1.0, -1.0]\nhi = [1.0, 1.0]",
                path.display()
            ),
        )
    };
    let cases = [
        (gan, "20000 x 20000 pixels"),
        (image_target(&pngs.join("big.png")), "20000 x 20000 pixels"),
        (image_target(&pngs), "is a folder"),
    ];
    assert_bad_configs(&cases);
}

/// The PNG signature, an IHDR chunk for `w x h` 8-bit grey pixels, an empty IDAT and IEND,
/// with their CRCs: no pixel data (a reader that checks the header first never needs it).
fn png_header(w: u32, h: u32) -> Vec<u8> {
    let mut chunk = b"IHDR".to_vec();
    chunk.extend_from_slice(&w.to_be_bytes());
    chunk.extend_from_slice(&h.to_be_bytes());
    chunk.extend_from_slice(&[8, 0, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&chunk);
    png.extend_from_slice(&crc32(&chunk).to_be_bytes());
    for name in [b"IDAT", b"IEND"] {
        png.extend_from_slice(&0u32.to_be_bytes());
        png.extend_from_slice(name);
        png.extend_from_slice(&crc32(name).to_be_bytes());
    }
    png
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// `ot emd` on an endless line, a folder, and coordinates whose squares overflow: one line
/// each, no allocation of the endless line, no `{"cost": null}`.
#[test]
fn ot_emd_refuses_endless_lines_folders_and_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small.csv");
    fs::write(&small, "x0,x1\n0,0\n1,1\n").unwrap();
    let big = dir.path().join("big.csv");
    fs::write(&big, "x0,x1\n0,0\n1,1e308\n").unwrap();
    let small_arg = small.to_str().unwrap();
    for (a, expected) in [
        ("/dev/zero", "longer than"),
        ("/", "is a folder"),
        (big.to_str().unwrap(), "overflow"),
    ] {
        let err = meanfield(&["ot", "emd", a, small_arg]).unwrap_err();
        assert!(err.contains(expected) && !err.contains('\n'), "{a}: {err}");
    }
}

/// Messages: a `--set` of the wrong type names its key, a TOML syntax error its line, a
/// corrupt checkpoint and a broken experiment file are one line each, `--out` naming a file
/// says so once; `sample --n` beyond memory is refused with its estimate.
#[test]
fn messages_name_the_key_the_line_or_the_file_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "blob.toml", BLOB);
    let config_arg = config.to_str().unwrap();
    let out = dir.path().join("never");
    let out_arg = out.to_str().unwrap();
    let one_line = |args: &[&str], expected: &[&str]| {
        let err = meanfield(args).unwrap_err();
        for e in expected {
            assert!(err.contains(e), "`{err}` should contain `{e}`");
        }
        assert!(!err.contains('\n'), "one line: {err}");
    };
    one_line(
        &[
            "run",
            config_arg,
            "--out",
            out_arg,
            "--set",
            "flow.log_every=abc",
        ],
        &["flow.log_every", "abc"],
    );
    let broken = write_config(dir.path(), "broken.toml", "name = \"x\"\n[flow\ndt = 0.1\n");
    one_line(
        &["run", broken.to_str().unwrap(), "--out", out_arg],
        &["broken.toml: line 2 `[flow`"],
    );
    assert!(!format!("{:?}", meanfield(&["run", broken.to_str().unwrap()])).contains("config key"));
    one_line(
        &["run", config_arg, "--out", config_arg],
        &["is a file, not a folder"],
    );
    let err = meanfield(&["run", config_arg, "--out", config_arg]).unwrap_err();
    assert_eq!(err.matches("os error").count(), 0, "{err}");
    let experiments = dir.path().join("experiments");
    fs::create_dir(&experiments).unwrap();
    fs::write(experiments.join("bad.toml"), "name = [\n").unwrap();
    one_line(
        &[
            "reproduce",
            "--experiments",
            experiments.to_str().unwrap(),
            "--out",
            out_arg,
        ],
        &["bad.toml"],
    );
    let checkpoint = dir.path().join("gan/checkpoint");
    fs::create_dir_all(&checkpoint).unwrap();
    fs::write(checkpoint.join("architecture.toml"), "garbage [[[\n").unwrap();
    let samples = dir.path().join("s.csv");
    let gan = dir.path().join("gan");
    one_line(
        &[
            "sample",
            "--checkpoint",
            gan.to_str().unwrap(),
            "--n",
            "10",
            "--out",
            samples.to_str().unwrap(),
        ],
        &["architecture.toml", "corrupt checkpoint"],
    );
    assert!(!out.exists());
}

/// `sample --n` beyond memory: refused with the estimate, nothing written.
#[test]
fn sample_refuses_a_count_beyond_memory() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "gan.toml", include_str!("wgan_toy.toml"));
    let run = dir.path().join("gan");
    assert_eq!(run_into(&config, &run).unwrap(), ExitCode::SUCCESS);
    let samples = dir.path().join("s.csv");
    let args = [
        "sample",
        "--checkpoint",
        run.to_str().unwrap(),
        "--n",
        "1000000000000",
        "--out",
        samples.to_str().unwrap(),
    ];
    let err = meanfield(&args).unwrap_err();
    assert!(
        err.contains("--n") && err.contains("limit") && !err.contains('\n'),
        "{err}"
    );
    assert!(!samples.exists());
    assert_eq!(summary(&run)["status"], "ok");
}
