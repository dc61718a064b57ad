//! Times one velocity evaluation of the blob method (Gaussian target N(0, 0.5^2 I), Gaussian
//! mollifier, closed-form overlap) in d = 2 for each N given, by the fused path and the tiled
//! tensor expression with autodiff (N <= 10^4), and one random-batch gradient (p = 32) for
//! N = 10^6; prints one JSON object per line. Used by `scripts/bench_blob.sh`.
//!
//! `cargo run --release -p meanfield-blob --example blob_step -- 1000 10000`

use std::time::Instant;

use meanfield_blob::PairwiseBlob;
use meanfield_blob::overlap::GaussianOverlap;
use meanfield_core::energy::Evaluation;
use meanfield_core::{InitConfig, cpu_device, host_vec, tensor_from};
use rand::SeedableRng;

const EPS: f64 = 0.1;

fn cloud(n: usize) -> (burn::tensor::Tensor<2>, burn::tensor::Tensor<1>) {
    let device = cpu_device();
    let init = InitConfig::Gaussian {
        mean: vec![0.0, 0.0],
        std: vec![0.3, 0.3],
    };
    let x = init
        .sample(n, &mut rand::rngs::StdRng::seed_from_u64(0))
        .unwrap()
        .to_tensor(&device);
    (x, tensor_from::<1>(vec![1.0 / n as f64; n], [n], &device))
}

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
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    for n in sizes {
        let (x, m) = cloud(n);
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
    let (x, m) = cloud(n);
    let rbm = blob(32);
    let (s, _) = time(2, || host_vec(rbm.gradient(&x, &m))[0]);
    println!("{{\"impl\": \"meanfield-random-batch-p32\", \"n\": {n}, \"seconds\": {s:.6e}}}");
}
