//! Any run can land in a run folder: a particle flow integrated from Rust reports to a
//! [`RunLogger`], which writes `config.toml`, `metrics.csv`, TensorBoard events and the PNG
//! figures, as `meanfield run` does.
//!
//! `cargo run -p meanfield-log --example log_a_flow -- runs/swarm`

use std::path::PathBuf;

use meanfield_core::energy::{AggregationEnergy, Evaluation, Interaction};
use meanfield_core::flow::FlowConfig;
use meanfield_core::kernel::KernelConfig;
use meanfield_core::{InitConfig, ParticleFlow, cpu_device};
use meanfield_log::{RunFolder, RunLogger};
use rand::SeedableRng;

fn main() {
    let scratch = tempfile::tempdir().unwrap();
    let out = std::env::args()
        .nth(1)
        .map_or_else(|| scratch.path().join("swarm"), PathBuf::from);
    let init = InitConfig::Gaussian {
        mean: vec![0.0, 0.0],
        std: vec![0.2, 0.2],
    };
    let x0 = init
        .sample(100, &mut meanfield_core::RunRng::seed_from_u64(0))
        .unwrap();
    let kernel = KernelConfig::Swarming { a: 4.0, b: 2.0 }.build();
    let energy =
        AggregationEnergy::new(Some(Interaction::new(kernel, 256, Evaluation::Auto)), None);
    let flow = ParticleFlow::new(Box::new(energy), x0, cpu_device())
        .with_flow(FlowConfig {
            dt: 0.05,
            t_final: 2.0,
            ..FlowConfig::default()
        })
        .unwrap();
    let folder = RunFolder::create(&out).unwrap();
    let mut logger = RunLogger::new(folder, "swarm", "# configured in Rust\n").unwrap();
    let outcome = flow.integrate(&mut logger).unwrap();
    let figures = logger.finish(None).unwrap();
    println!(
        "{} steps into {}: {} figures, energy {:.5} -> {:.5}",
        outcome.steps,
        out.display(),
        figures.len(),
        outcome.energy[0].1,
        outcome.energy.last().unwrap().1
    );
    assert!(out.join("metrics.csv").exists() && !figures.is_empty());
}

#[cfg(test)]
mod tests {
    #[test]
    fn example_runs() {
        super::main();
    }
}
