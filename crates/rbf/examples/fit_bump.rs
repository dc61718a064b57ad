//! Fits an RBF two-layer network of 32 Gaussian neurons to a noisy bump on [-1, 1]^2 by Adam,
//! with no TOML, and prints the validation error.
//!
//! `cargo run -p meanfield-rbf --example fit_bump`

use meanfield_core::target::TargetConfig;
use meanfield_core::{InitConfig, Recorder, cpu_device};
use meanfield_rbf::network::{DataConfig, Function, NetworkConfig, OptimizerKind, Trainer};
use rand::SeedableRng;

fn main() {
    let square = || TargetConfig::UniformBox {
        lo: vec![-1.0, -1.0],
        hi: vec![1.0, 1.0],
    };
    let data = DataConfig::Function {
        f0: Function::Bump,
        nu: square(),
        samples: 400,
        noise: 0.02,
    };
    let config = NetworkConfig {
        optimizer: OptimizerKind::Adam,
        train_weights: true,
        log_every: 50,
        ..NetworkConfig::new(data, 0.4, 0.05, 300)
    };
    let centres = InitConfig::UniformBox {
        lo: vec![-1.0, -1.0],
        hi: vec![1.0, 1.0],
    }
    .sample(32, &mut rand::rngs::StdRng::seed_from_u64(0))
    .unwrap();
    let trainer = Trainer::new(config, centres, 0, cpu_device()).unwrap();
    let mut recorder = Recorder::default();
    let outcome = trainer.train(&mut recorder, None).unwrap();
    let val = recorder.series("val_mse");
    println!(
        "validation MSE {:.4} -> {:.4} after {} Adam steps",
        val[0].1,
        val.last().unwrap().1,
        outcome.steps
    );
    assert!(val.last().unwrap().1 < 0.5 * val[0].1);
}

#[cfg(test)]
mod tests {
    #[test]
    fn example_runs() {
        super::main();
    }
}
