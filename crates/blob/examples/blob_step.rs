//! Times one velocity evaluation of the blob method (Gaussian target N(0, 0.5^2 I), Gaussian
//! mollifier, closed-form overlap) in d = 2 for each N given, by the fused path and the tiled
//! tensor expression with autodiff (N <= 10^4), and one random-batch gradient (p = 32) for
//! N = 10^6; prints one JSON object per line. Used by `scripts/bench_blob.sh`.
//!
//! `cargo run --release -p meanfield-blob --example blob_step -- 1000 10000`

#[path = "../../core/examples/fixtures/peer_cloud.rs"]
mod peer_cloud;

use std::time::Instant;

use meanfield_blob::PairwiseBlob;
use meanfield_blob::overlap::GaussianOverlap;
use meanfield_core::energy::Evaluation;
use meanfield_core::host_vec;
use peer_cloud::{peer_cloud, sizes_from_args};

const EPS: f64 = 0.1;

fn blob(batch: usize) -> PairwiseBlob {
    let overlap = GaussianOverlap::new(EPS, vec![0.0, 0.0], &[0.5, 0.5]).unwrap();
    PairwiseBlob::new(Box::new(overlap), 256, Evaluation::Fused, batch, 0)
}

fn time(repeats: usize, mut f: impl FnMut() -> f64) -> (f64, f64) {
    let mut check = f();
    let start = Instant::now();
    for _ in 0..repeats {
        check = f();
    }
    (start.elapsed().as_secs_f64() / repeats as f64, check)
}

fn main() {
    for n in sizes_from_args() {
        let (x, m) = peer_cloud(n);
        let full = blob(0);
        let repeats = if n <= 2000 { 10 } else { 2 };
        let (s, g0) = time(repeats, || host_vec(full.gradient(&x, &m))[0]);
        println!(
            "{{\"impl\": \"meanfield-fused\", \"n\": {n}, \"seconds\": {s:.6e}, \"grad0\": {g0:.12e}}}"
        );
        if n <= 10_000 {
            let (s, g0) = time(1, || host_vec(full.tensor(&x, &m).1)[0]);
            println!(
                "{{\"impl\": \"meanfield-tensor\", \"n\": {n}, \"seconds\": {s:.6e}, \"grad0\": {g0:.12e}}}"
            );
        }
    }
    let n = 1_000_000;
    let (x, m) = peer_cloud(n);
    let rbm = blob(32);
    let (s, _) = time(2, || host_vec(rbm.gradient(&x, &m))[0]);
    println!("{{\"impl\": \"meanfield-random-batch-p32\", \"n\": {n}, \"seconds\": {s:.6e}}}");
}
