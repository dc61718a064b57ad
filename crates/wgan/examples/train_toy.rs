//! A tiny WGAN-GP run on the 8-Gaussians toy, configured in Rust (no TOML), that prints the
//! final exact W1 between generated and real samples:
//!
//! ```text
//! cargo run -p meanfield-wgan --example train_toy
//! ```

use meanfield_core::{Recorder, cpu_device};
use meanfield_wgan::{GanData, GanLoss, NetworkShape, Toy, Trainer, WganConfig};

fn main() -> meanfield_core::Result<()> {
    let shape = NetworkShape {
        hidden: vec![16, 16],
        ..NetworkShape::default()
    };
    let config = WganConfig {
        loss: GanLoss::WganGp,
        data: GanData::Toy {
            name: Toy::EightGaussians,
        },
        latent_dim: 2,
        generator: shape.clone(),
        critic: shape,
        optimizer: None,
        lr: None,
        betas: None,
        gamma: 1.0,
        clip: 0.01,
        n_critic: 5,
        reference_schedule: false,
        batch: 32,
        gp_lambda: 10.0,
        steps: 20,
        log_every: 10,
        checkpoint_every: 20,
        precision: Default::default(),
        eval_samples: 64,
    };
    let trainer = Trainer::new(config, 0, cpu_device())?;
    let outcome = trainer.train(trainer.fresh(), 0, &mut Recorder::default(), None)?;
    let w1 = outcome
        .metrics
        .iter()
        .find(|(name, _)| name == "w1_exact")
        .map_or(f64::NAN, |(_, v)| *v);
    println!("after {} steps: exact W1 = {w1:.4}", outcome.steps);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn example_runs() {
        super::main().unwrap();
    }
}
