//! Times one energy + gradient evaluation of the 2-D swarming flow (K = |x|^4/4 - |x|^2/2)
//! for each N given on the command line, by the fused path and by the tiled tensor expression
//! with autodiff; prints one JSON object per line. Used by `scripts/bench_peers.sh`.
//!
//! `cargo run --release -p meanfield-core --example swarming_step -- 1000 10000`

use std::time::Instant;

use meanfield_core::energy::{Evaluation, Interaction};
use meanfield_core::kernel::KernelConfig;
use meanfield_core::{InitConfig, cpu_device, tensor_from};
use rand::SeedableRng;

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let device = cpu_device();
    for n in sizes {
        let init = InitConfig::Gaussian {
            mean: vec![0.0, 0.0],
            std: vec![0.3, 0.3],
        };
        let x = init
            .sample(n, &mut rand::rngs::StdRng::seed_from_u64(0))
            .unwrap()
            .to_tensor(&device);
        let m = tensor_from::<1>(vec![1.0 / n as f64; n], [n], &device);
        let inter = Interaction::new(
            KernelConfig::Swarming { a: 4.0, b: 2.0 }.build(),
            256,
            Evaluation::Auto,
        );
        for (path, f) in [
            ("fused", Interaction::fused as fn(&Interaction, _, _) -> _),
            ("tensor", Interaction::tensor),
        ] {
            if path == "tensor" && n > 10_000 {
                continue;
            }
            let repeats = if n <= 2000 { 20 } else { 3 };
            let _ = f(&inter, &x, &m);
            let start = Instant::now();
            let mut energy = 0.0;
            for _ in 0..repeats {
                energy = f(&inter, &x, &m).0;
            }
            let seconds = start.elapsed().as_secs_f64() / repeats as f64;
            println!(
                "{{\"impl\": \"meanfield-{path}\", \"n\": {n}, \"seconds\": {seconds:.6e}, \"energy\": {energy:.12e}}}"
            );
        }
    }
}
