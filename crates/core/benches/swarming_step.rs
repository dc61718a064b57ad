#![allow(missing_docs)] // criterion_group! generates undocumented items
//! Criterion: one energy + gradient evaluation of the 2-D swarming flow at N = 1e3 and 1e4,
//! fused host path and tiled tensor expression with autodiff.

#[allow(dead_code)] // its sizes come from criterion, not the command line
#[path = "../examples/fixtures/peer_cloud.rs"]
mod peer_cloud;

use criterion::{Criterion, criterion_group, criterion_main};
use meanfield_core::energy::{Evaluation, Interaction};
use meanfield_core::kernel::KernelConfig;
use peer_cloud::peer_cloud;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("swarming_energy_gradient");
    group.sample_size(10);
    for n in [1000usize, 10_000] {
        let (x, m) = peer_cloud(n);
        let inter = Interaction::new(
            KernelConfig::Swarming { a: 4.0, b: 2.0 }.build(),
            256,
            Evaluation::Auto,
        );
        group.bench_function(format!("fused/{n}"), |b| b.iter(|| inter.fused(&x, &m)));
        group.bench_function(format!("tensor/{n}"), |b| b.iter(|| inter.tensor(&x, &m)));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
