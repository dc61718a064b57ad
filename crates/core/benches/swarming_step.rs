#![allow(missing_docs)] // criterion_group! generates undocumented items
//! Criterion: one energy + gradient evaluation of the 2-D swarming flow at N = 1e3 and 1e4,
//! fused host path and tiled tensor expression with autodiff.

use criterion::{Criterion, criterion_group, criterion_main};
use meanfield_core::energy::{Evaluation, Interaction};
use meanfield_core::kernel::KernelConfig;
use meanfield_core::{InitConfig, cpu_device, tensor_from};
use rand::SeedableRng;

fn bench(c: &mut Criterion) {
    let device = cpu_device();
    let mut group = c.benchmark_group("swarming_energy_gradient");
    group.sample_size(10);
    for n in [1000usize, 10_000] {
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
        group.bench_function(format!("fused/{n}"), |b| b.iter(|| inter.fused(&x, &m)));
        group.bench_function(format!("tensor/{n}"), |b| b.iter(|| inter.tensor(&x, &m)));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
