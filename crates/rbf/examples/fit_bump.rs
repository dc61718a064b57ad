//! Fits an RBF two-layer network of 32 Gaussian neurons to a noisy bump on [-1, 1]^2 with
//! every default (centres on the data, least-squares start, varpro, early stopping), with no
//! TOML, and prints the validation error.
//!
//! `cargo run -p meanfield-rbf --example fit_bump`

use meanfield_core::target::TargetConfig;
use meanfield_core::{Recorder, cpu_device};
use meanfield_rbf::network::{DataConfig, Function, NetworkConfig, Trainer};

fn main() {
    let data = DataConfig::Function {
        f0: Function::Bump,
        nu: TargetConfig::UniformBox {
            lo: vec![-1.0, -1.0],
            hi: vec![1.0, 1.0],
        },
        samples: 400,
        noise: 0.02,
    };
    let trainer = Trainer::new(NetworkConfig::new(data), 32, None, 0, cpu_device()).unwrap();
    let mut recorder = Recorder::default();
    let trained = trainer.train(&mut recorder, None).unwrap();
    let val = recorder.series("val_mse");
    println!(
        "validation MSE {:.2e} (least-squares start) -> {:.2e} after {} varpro steps (best at step {})",
        val[0].1,
        val.iter().map(|v| v.1).fold(f64::INFINITY, f64::min),
        trained.outcome.steps,
        trained.best_step
    );
    // The label noise is 0.02, so 4e-4 is the floor of the validation MSE.
    assert!(val.iter().all(|v| v.1 >= 0.0) && trained.outcome.metrics[2].1 < 1e-3);
}
#[cfg(test)]
mod tests {
    #[test]
    fn example_runs() {
        super::main();
    }
}
