//! The GPU path: the tiled tensor expression with autodiff on the wgpu device (f32) agrees
//! with the CPU reference (f64). Run with `--features wgpu`; on CI it runs on Mesa's software
//! Vulkan driver.
#![cfg(feature = "wgpu")]

use meanfield_core::energy::{Evaluation, Interaction};
use meanfield_core::kernel::KernelConfig;
use meanfield_core::{
    DeviceChoice, InitConfig, ParticleFlow, Points, Recorder, RunConfig, cpu_device, tensor_from,
};
use rand::SeedableRng;

#[test]
fn wgpu_energy_and_gradient_match_cpu() {
    let gpu = DeviceChoice::Wgpu.device().unwrap();
    let cpu = cpu_device();
    let init = InitConfig::Gaussian {
        mean: vec![0.0, 0.0],
        std: vec![0.4, 0.4],
    };
    let p = init
        .sample(300, &mut rand::rngs::StdRng::seed_from_u64(4))
        .unwrap();
    for kernel in [
        KernelConfig::Swarming { a: 4.0, b: 2.0 },
        KernelConfig::Chemotaxis {
            chi: 1.0,
            eps: 0.05,
        },
    ] {
        let inter = Interaction::new(kernel.build(), 64, Evaluation::Tensor);
        let m = |d| tensor_from::<1>(vec![1.0 / 300.0; 300], [300], d);
        let (e_gpu, g_gpu) = inter.tensor(&p.to_tensor(&gpu), &m(&gpu));
        let (e_cpu, g_cpu) = inter.tensor(&p.to_tensor(&cpu), &m(&cpu));
        assert!(
            (e_gpu - e_cpu).abs() < 1e-4 * (1.0 + e_cpu.abs()),
            "{kernel:?}: {e_gpu} vs {e_cpu}"
        );
        let (a, b) = (Points::from_tensor(&g_gpu), Points::from_tensor(&g_cpu));
        let scale = b.as_slice().iter().fold(0.0f64, |s, v| s.max(v.abs()));
        for (x, y) in a.as_slice().iter().zip(b.as_slice()) {
            assert!((x - y).abs() < 1e-3 * scale, "{kernel:?}: {x} vs {y}");
        }
    }
}

#[test]
fn wgpu_flow_decreases_energy() {
    let config = RunConfig::from_toml(
        "name = 'gpu'\ndevice = 'wgpu'\n[particles]\nn = 128\ninit = { kind = 'gaussian', mean = [0, 0], std = [0.2, 0.2] }\n\
         [energy]\nkernel = { kind = 'swarming', a = 4, b = 2 }\n[flow]\ndt = 0.1\nt_final = 2.0\nlog_every = 5\n",
        &[],
    )
    .unwrap();
    let flow = ParticleFlow::new(&config, config.device.device().unwrap()).unwrap();
    let mut rec = Recorder::default();
    let outcome = flow.run(&mut rec).unwrap();
    assert!(outcome.stopped.is_none());
    let energy = rec.series("energy");
    assert!(
        energy.windows(2).all(|w| w[1].1 <= w[0].1 + 1e-6),
        "{energy:?}"
    );
    assert!(energy.last().unwrap().1 < energy[0].1 - 0.01);
}

/// The blob method's tensor path (autodiff through the Gaussian-target overlap) on wgpu: the
/// energy decreases along the flow.
#[test]
fn wgpu_blob_flow_decreases_energy() {
    let config = RunConfig::from_toml(
        "name = 'gpu-blob'\ndevice = 'wgpu'\nmethod = 'blob'\n[particles]\nn = 64\ninit = { kind = 'gaussian', mean = [0, 0], std = [0.1, 0.1] }\n\
         [blob]\neps = 0.15\n[energy]\nevaluation = 'tensor'\n[target]\nkind = 'gaussian'\nmean = [0, 0]\nstd = [0.4]\n\
         [flow]\nstepper = { kind = 'rk4' }\ndt = 0.01\nt_final = 0.2\nlog_every = 5\n",
        &[],
    )
    .unwrap();
    let device = config.device.device().unwrap();
    let method = meanfield_rbf::build_method(&config, &device).unwrap();
    let flow = ParticleFlow::with_method(&config, device, method).unwrap();
    let mut rec = Recorder::default();
    let outcome = flow.run(&mut rec).unwrap();
    assert!(outcome.stopped.is_none());
    let energy = rec.series("energy");
    assert!(
        energy.windows(2).all(|w| w[1].1 <= w[0].1 + 1e-5),
        "{energy:?}"
    );
    assert!(energy.last().unwrap().1 < energy[0].1 * 0.9, "{energy:?}");
}

/// A few WGAN-GP steps on the wgpu device (f32): the hand-written input gradient of the
/// penalty and the whole loop run there, and the metrics come back finite.
#[test]
fn wgpu_wgan_gp_trains() {
    let run = RunConfig::from_toml(
        "name = 'gan'\nmethod = 'wgan'\ndevice = 'wgpu'\n[wgan]\nloss = 'wgan_gp'\n\
         data = { kind = 'toy', name = '8gaussians' }\ngenerator = { hidden = [32] }\n\
         critic = { hidden = [32] }\nsteps = 4\nlog_every = 2\nbatch = 32\neval_samples = 32\n",
        &[],
    )
    .unwrap();
    let trainer = meanfield_wgan::Trainer::new(&run, run.device.device().unwrap()).unwrap();
    let mut rec = Recorder::default();
    let out = trainer.run(trainer.fresh(), 0, &mut rec, None).unwrap();
    assert!(out.stopped.is_none());
    assert_eq!(out.steps, 4);
    for (name, value) in &out.metrics {
        assert!(value.is_finite(), "{name} = {value}");
    }
    assert!(rec.series("w1_exact").len() == 3);
}
