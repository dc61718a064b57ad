//! Exact optimal transport between two point clouds, with the dual potentials that certify
//! the plan (POT's `ot.emd(a, b, M, log=True)`).
//!
//! `cargo run -p meanfield-core --example exact_ot`

use meanfield_core::metrics::exact_ot;
use meanfield_core::{InitConfig, squared_distance};
use rand::SeedableRng;

fn main() {
    let mut rng = meanfield_core::RunRng::seed_from_u64(0);
    let square = InitConfig::UniformBox {
        lo: vec![0.0, 0.0],
        hi: vec![1.0, 1.0],
    };
    let blob = InitConfig::Gaussian {
        mean: vec![3.0, 0.5],
        std: vec![0.3, 0.3],
    };
    let (a, b) = (
        square.sample(500, &mut rng).unwrap(),
        blob.sample(500, &mut rng).unwrap(),
    );
    let ot = exact_ot(&a, &b).unwrap();
    let dual = (ot.potential_a.iter().sum::<f64>() + ot.potential_b.iter().sum::<f64>()) / 500.0;
    let worst_slack = (0..a.n())
        .flat_map(|i| (0..b.n()).map(move |j| (i, j)))
        .map(|(i, j)| {
            squared_distance(a.point(i), b.point(j)) - ot.potential_a[i] - ot.potential_b[j]
        })
        .fold(f64::INFINITY, f64::min);
    println!(
        "W2^2 = {:.6}, dual objective {dual:.6}, least slack {worst_slack:.2e} (>= 0 certifies)",
        ot.cost
    );
    assert!((dual - ot.cost).abs() < 1e-9 && worst_slack > -1e-9);
}

#[cfg(test)]
mod tests {
    #[test]
    fn example_runs() {
        super::main();
    }
}
