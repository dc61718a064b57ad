//! Times one velocity evaluation of the blob method (Gaussian target N(0, 0.5^2 I), Gaussian
//! mollifier eps = 0.1, closed-form overlap) on the peers' cloud in d = 2 for each N given:
//! the vectorised pair engine (all pairs), the generic fused loop it replaced and (N <= 10^4)
//! the tiled tensor autodiff reference. Then the large-N cases of issue 14: N = 10^5 with
//! eps = 0.02 in d = 2 and 3 (cut-off at tolerance 1e-6 and, in d = 2, random batch p = 32
//! against all pairs, with their errors), the mesh (2 lattice nodes per eps), and at
//! N = 10^6 the mesh and random batch (the cut-off there visits about 100 times the pairs of
//! N = 10^5 on this cloud: minutes, not run). `--crossover` instead times all pairs against
//! the cut-off (tolerance 1e-8, `auto`'s default) for d = 1, 2, 3, three widths eps and N from
//! 250 to 16000, with the share of the pairs the cell list visits: the measurements behind
//! `auto`'s thresholds.
//! Prints one JSON object per line; used by `scripts/bench_blob.sh`.
//!
//! `cargo run --release -p meanfield-blob --example blob_step -- 1000 10000 [--large | --crossover]`

#[path = "../../core/examples/fixtures/peer_cloud.rs"]
mod peer_cloud;

use std::time::Instant;

use burn::tensor::Tensor;
use meanfield_blob::overlap::GaussianOverlap;
use meanfield_blob::{BlobConfig, FlowMethod, MethodSpec, PairEvaluation, PairwiseBlob};
use meanfield_core::energy::Evaluation;
use meanfield_core::target::TargetConfig;
use meanfield_core::{InitConfig, ParticleMethod, Points, cpu_device, host_vec, tensor_from};
use peer_cloud::{peer_cloud, sizes_from_args};
use rand::SeedableRng;

/// Seconds per call over `repeats` calls after a warm-up (`repeats = 0`: the first call).
fn time(repeats: usize, mut f: impl FnMut() -> Vec<f64>) -> (f64, Vec<f64>) {
    let start = Instant::now();
    let mut out = f();
    if repeats == 0 {
        return (start.elapsed().as_secs_f64(), out);
    }
    let start = Instant::now();
    for _ in 0..repeats {
        out = f();
    }
    (start.elapsed().as_secs_f64() / repeats as f64, out)
}

/// The blob method on the Gaussian target N(0, 0.5^2 I_d) with `[blob]` `evaluation`.
fn method(
    d: usize,
    eps: f64,
    evaluation: PairEvaluation,
    batch: usize,
    x: &Points,
) -> Box<dyn ParticleMethod> {
    method_at(d, eps, evaluation, batch, 1e-6, x)
}

/// [`method`] with the cut-off's tolerance `tolerance`.
fn method_at(
    d: usize,
    eps: f64,
    evaluation: PairEvaluation,
    batch: usize,
    tolerance: f64,
    x: &Points,
) -> Box<dyn ParticleMethod> {
    let spec = MethodSpec {
        method: FlowMethod::Blob,
        blob: BlobConfig {
            evaluation,
            batch,
            tolerance,
            // The mesh floors 1/rhobar as the quadrature does; the closed form does not.
            density_floor: 1e-12,
            ..BlobConfig::with_eps(eps)
        },
        target: Some(TargetConfig::Gaussian {
            mean: vec![0.0; d],
            std: vec![0.5],
        }),
        ..MethodSpec::default()
    };
    spec.build(x, None).unwrap().method
}

fn velocity(method: &dyn ParticleMethod, x: &Tensor<2>, m: &Tensor<1>) -> Vec<f64> {
    host_vec(method.velocity(x, m).unwrap())
}

/// Largest deviation from `exact`, relative to its largest entry.
fn error(a: &[f64], exact: &[f64]) -> f64 {
    let scale = exact.iter().fold(0.0f64, |s, v| s.max(v.abs()));
    a.iter()
        .zip(exact)
        .fold(0.0f64, |s, (u, v)| s.max((u - v).abs()))
        / scale
}

fn report(name: &str, n: usize, d: usize, seconds: f64, v: &[f64], err: Option<f64>) {
    let err = err.map_or(String::new(), |e| format!(", \"error\": {e:.3e}"));
    println!(
        "{{\"impl\": \"{name}\", \"n\": {n}, \"d\": {d}, \"seconds\": {seconds:.6e}, \"grad0\": {:.12e}{err}}}",
        -v[0] * n as f64
    );
}

fn cloud(n: usize, d: usize) -> (Points, Tensor<2>, Tensor<1>) {
    let init = InitConfig::Gaussian {
        mean: vec![0.0; d],
        std: vec![0.3; d],
    };
    let p = init
        .sample(n, &mut meanfield_core::RunRng::seed_from_u64(0))
        .unwrap();
    let device = cpu_device();
    let x = p.to_tensor(&device);
    (
        p,
        x,
        tensor_from::<1>(vec![1.0 / n as f64; n], [n], &device),
    )
}

/// All pairs against the cut-off at `auto`'s tolerance, with the share of pairs visited.
fn crossover() {
    for d in 1..=3 {
        for eps in [0.1, 0.03, 0.01] {
            for n in [250, 500, 1000, 2000, 4000, 8000, 16000] {
                let (p, x, m) = cloud(n, d);
                let tol = 1e-8;
                let radius = meanfield_blob::engine::cutoff_radius(eps, tol, d);
                let share = meanfield_blob::engine::visited_pairs(p.as_slice(), d, radius)
                    / (n * (n + 1) / 2) as f64;
                let repeats = (2e7 / (n * n) as f64).clamp(2.0, 200.0) as usize;
                let all = method_at(d, eps, PairEvaluation::Pairwise, 0, tol, &p);
                let (pairs, _) = time(repeats, || velocity(all.as_ref(), &x, &m));
                let cut = method_at(d, eps, PairEvaluation::Cutoff, 0, tol, &p);
                let (cutoff, _) = time(repeats, || velocity(cut.as_ref(), &x, &m));
                println!(
                    "{{\"d\": {d}, \"eps\": {eps}, \"n\": {n}, \"visited_share\": {share:.4}, \"pairwise\": {pairs:.4e}, \"cutoff\": {cutoff:.4e}, \"pairwise_over_cutoff\": {:.3}}}",
                    pairs / cutoff
                );
            }
        }
    }
}

fn main() {
    if std::env::args().any(|a| a == "--crossover") {
        crossover();
        return;
    }
    for n in sizes_from_args() {
        let (x, m) = peer_cloud(n);
        let points = Points::from_tensor(&x);
        let repeats = if n <= 2000 { 10 } else { 2 };
        let engine = method(2, 0.1, PairEvaluation::Pairwise, 0, &points);
        let (s, v) = time(repeats, || velocity(engine.as_ref(), &x, &m));
        report("meanfield-pairwise", n, 2, s, &v, None);
        let overlap = GaussianOverlap::new(0.1, vec![0.0, 0.0], &[0.5, 0.5]).unwrap();
        let generic = PairwiseBlob::new(Box::new(overlap), 256, Evaluation::Fused, 0, 0);
        let (s, g) = time(1, || host_vec(generic.host_symmetric(&x, &m).1));
        let to_v: Vec<f64> = g.iter().map(|g| -g * n as f64).collect();
        report(
            "meanfield-generic-fused",
            n,
            2,
            s,
            &to_v,
            Some(error(&to_v, &v)),
        );
        if n <= 10_000 {
            let (s, g) = time(1, || host_vec(generic.tensor(&x, &m).1));
            let to_v: Vec<f64> = g.iter().map(|g| -g * n as f64).collect();
            report("meanfield-tensor", n, 2, s, &to_v, Some(error(&to_v, &v)));
        }
    }
    if !std::env::args().any(|a| a == "--large") {
        return;
    }
    for (n, d, exact) in [
        (100_000, 2, true),
        (1_000_000, 2, false),
        (100_000, 3, true),
    ] {
        let (p, x, m) = cloud(n, d);
        let reference = exact.then(|| {
            let all = method(d, 0.02, PairEvaluation::Pairwise, 0, &p);
            let (s, v) = time(0, || velocity(all.as_ref(), &x, &m));
            report("meanfield-pairwise-eps0.02", n, d, s, &v, None);
            v
        });
        if exact {
            let cut = method(d, 0.02, PairEvaluation::Cutoff, 0, &p);
            let (s, v) = time(2, || velocity(cut.as_ref(), &x, &m));
            let err = reference.as_deref().map(|r| error(&v, r));
            report("meanfield-cutoff-1e-6-eps0.02", n, d, s, &v, err);
        }
        let mesh = method(d, 0.02, PairEvaluation::Mesh, 0, &p);
        let (s, v) = time(2, || velocity(mesh.as_ref(), &x, &m));
        let err = reference.as_deref().map(|r| error(&v, r));
        report("meanfield-mesh-eps0.02", n, d, s, &v, err);
        if d == 2 {
            let rbm = method(d, 0.02, PairEvaluation::RandomBatch, 32, &p);
            let (s, v) = time(2, || velocity(rbm.as_ref(), &x, &m));
            let err = reference.as_deref().map(|r| error(&v, r));
            report("meanfield-random-batch-p32-eps0.02", n, d, s, &v, err);
        }
    }
}
