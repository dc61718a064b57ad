//! Dynamic optimal transport without TOML: 30 points of the unit square moved to 30 samples
//! of a Gaussian by gradient descent over their trajectories, compared with the exact
//! assignment.
//!
//! `cargo run -p meanfield-dynot --example transport`

use meanfield_core::target::TargetConfig;
use meanfield_core::{InitConfig, Recorder, cpu_device};
use meanfield_dynot::config::EndpointTarget;
use meanfield_dynot::{Problem, TransportConfig, part};
use rand::SeedableRng;

fn main() {
    let sources = InitConfig::UniformBox {
        lo: vec![0.0, 0.0],
        hi: vec![1.0, 1.0],
    }
    .sample(30, &mut meanfield_core::RunRng::seed_from_u64(1))
    .unwrap();
    let target = TargetConfig::Gaussian {
        mean: vec![1.5, 1.5],
        std: vec![0.3],
    };
    let transport = TransportConfig {
        delta: Some(0.13),
        ..TransportConfig::new(EndpointTarget::Samples { m: 30 }, 10, 0.01, 0.01, 1500)
    };
    let problem = Problem::new(&transport, sources, Some(&target), 1).unwrap();
    let monitor =
        |ends: &meanfield_core::Points, parts: &[(String, f64)]| problem.monitor(ends, parts);
    let solution = meanfield_dynot::solve(
        &problem.objective,
        &problem.init,
        &problem.settings,
        &cpu_device(),
        &monitor,
        &mut Recorder::default(),
    );
    let exact = problem
        .exact
        .as_ref()
        .expect("M = N samples have an exact assignment");
    let kinetic = part(&solution.parts, "kinetic").unwrap();
    println!(
        "kinetic energy {kinetic:.4}, exact W2^2 {:.4}: ratio {:.4} after {} iterations",
        exact.cost,
        kinetic / exact.cost,
        solution.iterations
    );
    assert!(solution.stopped.is_none() && (kinetic / exact.cost - 1.0).abs() < 0.2);
}

#[cfg(test)]
mod tests {
    #[test]
    fn example_runs() {
        super::main();
    }
}
