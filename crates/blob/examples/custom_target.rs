//! Deterministic sampling of a density of your own: implement [`Target`] (here a ring) and the
//! blob method samples it by quadrature, with no TOML.
//!
//! `cargo run -p meanfield-blob --example custom_target`

use std::f64::consts::PI;
use std::sync::Arc;

use meanfield_blob::{BlobConfig, FlowMethod, MethodSpec};
use meanfield_core::flow::FlowConfig;
use meanfield_core::metrics::MetricsConfig;
use meanfield_core::stepper::StepperConfig;
use meanfield_core::{InitConfig, ParticleFlow, Points, Recorder, Target, cpu_device};
use rand::{Rng, RngExt, SeedableRng};

/// Uniform angle, radius `1 + 0.1 N(0, 1)`: density `exp(-(r - 1)^2 / 2s^2) / Z` on R^2.
#[derive(Debug)]
struct Ring {
    s: f64,
}

impl Target for Ring {
    fn dim(&self) -> usize {
        2
    }

    fn density(&self, x: &[f64]) -> f64 {
        let r = x[0].hypot(x[1]);
        // Z = 2 pi s sqrt(2 pi) (r = 1 >> s, so the polar Jacobian r is ~1 over the ring).
        (-(r - 1.0).powi(2) / (2.0 * self.s * self.s)).exp()
            / (2.0 * PI * self.s * (2.0 * PI).sqrt())
    }

    fn sample(&self, n: usize, rng: &mut dyn Rng) -> Points {
        let coords = (0..n)
            .flat_map(|_| {
                let a = rng.random::<f64>() * 2.0 * PI;
                // Box-Muller.
                let z = (-2.0 * (1.0 - rng.random::<f64>()).ln()).sqrt()
                    * (2.0 * PI * rng.random::<f64>()).cos();
                let r = 1.0 + self.s * z;
                [r * a.cos(), r * a.sin()]
            })
            .collect();
        Points::new(2, coords).expect("2-D points")
    }
}

fn main() {
    let ring: Arc<dyn Target> = Arc::new(Ring { s: 0.1 });
    let start = InitConfig::Gaussian {
        mean: vec![0.0, 0.0],
        std: vec![0.3, 0.3],
    };
    let x0 = start
        .sample(150, &mut meanfield_core::RunRng::seed_from_u64(2))
        .unwrap();
    let spec = MethodSpec {
        method: FlowMethod::Blob,
        blob: BlobConfig {
            quadrature_cells: 100,
            domain_lo: Some(vec![-1.6, -1.6]),
            domain_hi: Some(vec![1.6, 1.6]),
            ..BlobConfig::with_eps(0.08)
        },
        ..MethodSpec::default()
    };
    let built = spec.build(&x0, Some(Arc::clone(&ring))).unwrap();
    let flow = ParticleFlow::new(built.method, x0, cpu_device())
        .with_flow(FlowConfig {
            // Where the ring's density is floored (the centre), 1/rhobar is large and so is
            // the velocity: the adaptive stepper takes small steps there.
            stepper: StepperConfig::Dopri5 {
                rtol: 1e-4,
                atol: 1e-7,
                max_step: 0.05,
                max_steps: 100_000,
            },
            dt: 0.05,
            t_final: 0.5,
            log_every: 2,
            ..FlowConfig::default()
        })
        .unwrap()
        .with_metrics(MetricsConfig::default(), Some(ring))
        .unwrap();
    let mut recorder = Recorder::default();
    let outcome = flow.integrate(&mut recorder).unwrap();
    let kl = recorder.series("kl");
    let radius = recorder.series("radius_mean");
    println!(
        "KL to the ring {:.3} -> {:.3}, mean radius {:.3} -> {:.3} after {} steps",
        kl[0].1,
        kl.last().unwrap().1,
        radius[0].1,
        radius.last().unwrap().1,
        outcome.steps
    );
    assert!(kl.last().unwrap().1 < kl[0].1);
}

#[cfg(test)]
mod tests {
    #[test]
    fn example_runs() {
        super::main();
    }
}
