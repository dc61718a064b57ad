use burn::tensor::{Distribution, FloatDType, Tensor};
use std::time::Instant;
fn mat(r: usize, c: usize, transposed: bool) -> Tensor<2> {
    let device = meanfield_core::cpu_device();
    if transposed {
        Tensor::<2>::random([c, r], Distribution::Default, &device)
            .cast(FloatDType::F32)
            .transpose()
    } else {
        Tensor::<2>::random([r, c], Distribution::Default, &device).cast(FloatDType::F32)
    }
}
fn main() {
    for (m, k, n) in [(256, 512, 512), (512, 256, 512)] {
        for ta in [false, true] {
            for tb in [false, true] {
                let (x, y) = (mat(m, k, ta), mat(k, n, tb));
                let _ = x.clone().matmul(y.clone()).into_data();
                let reps = 200;
                let t = Instant::now();
                let mut s = 0.0f64;
                for _ in 0..reps {
                    let c = x.clone().matmul(y.clone());
                    s += c.slice([0..1, 0..1]).into_scalar::<f64>();
                }
                let dt = t.elapsed().as_secs_f64() / reps as f64;
                println!(
                    "m{m} k{k} n{n} A{} B{}: {:.3} ms, {:.1} GFLOP/s ({s:.0})",
                    if ta { "^T" } else { "  " },
                    if tb { "^T" } else { "  " },
                    dt * 1e3,
                    2.0 * (m * k * n) as f64 / dt / 1e9
                );
            }
        }
    }
}
