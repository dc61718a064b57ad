//! Times one energy + gradient evaluation of the 2-D swarming flow (K = |x|^4/4 - |x|^2/2)
//! for each N given on the command line, by the fused path and by the tiled tensor expression
//! with autodiff; prints one JSON object per line. Used by `scripts/bench_peers.sh`.
//!
//! `cargo run --release -p meanfield-core --example swarming_step -- 1000 10000`

#[path = "fixtures/peer_cloud.rs"]
mod peer_cloud;

use std::time::Instant;

use meanfield_core::energy::{Evaluation, Interaction};
use meanfield_core::kernel::KernelConfig;
use peer_cloud::{peer_cloud, sizes_from_args};

fn main() {
    for n in sizes_from_args() {
        let (x, m) = peer_cloud(n);
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
