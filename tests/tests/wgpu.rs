//! The GPU path: the tiled tensor expression with autodiff on the wgpu device (f32) agrees
//! with the CPU reference (f64). Run with `--features wgpu`; on CI it runs on Mesa's software
//! Vulkan driver.
#![cfg(feature = "wgpu")]

use meanfield_cli::config::RunConfig;
use meanfield_cli::driver::build_method;
use meanfield_core::energy::{Evaluation, Interaction};
use meanfield_core::kernel::KernelConfig;
use meanfield_core::{DeviceChoice, InitConfig, Points, Recorder, cpu_device, tensor_from};
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
        .sample(300, &mut meanfield_core::RunRng::seed_from_u64(4))
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

/// Builds the flow of a config by the CLI's driver, runs it and returns its logged energy.
fn logged_energy(config: &str) -> Vec<(f64, f64)> {
    let config = RunConfig::from_toml(config, &[]).unwrap();
    let mut flow = build_method(&config).unwrap();
    let mut rec = Recorder::default();
    let outcome = flow.run(&mut rec, None).unwrap();
    assert!(outcome.stopped.is_none());
    rec.series("energy")
}

#[test]
fn wgpu_flow_decreases_energy() {
    let energy = logged_energy(
        "name = 'gpu'\ndevice = 'wgpu'\n[particles]\nn = 128\ninit = { kind = 'gaussian', mean = [0, 0], std = [0.2, 0.2] }\n\
         [energy]\nkernel = { kind = 'swarming', a = 4, b = 2 }\n[flow]\ndt = 0.1\nt_final = 2.0\nlog_every = 5\n",
    );
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
    let energy = logged_energy(
        "name = 'gpu-blob'\ndevice = 'wgpu'\nmethod = 'blob'\n[particles]\nn = 64\ninit = { kind = 'gaussian', mean = [0, 0], std = [0.1, 0.1] }\n\
         [blob]\neps = 0.15\n[energy]\nevaluation = 'tensor'\n[target]\nkind = 'gaussian'\nmean = [0, 0]\nstd = [0.4]\n\
         [flow]\nstepper = { kind = 'rk4' }\ndt = 0.01\nt_final = 0.2\nlog_every = 5\n",
    );
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
    let trainer = meanfield_wgan::Trainer::new(
        run.wgan.clone().unwrap(),
        run.seed,
        run.device.device().unwrap(),
    )
    .unwrap();
    let mut rec = Recorder::default();
    let out = trainer.train(trainer.fresh(), 0, &mut rec, None).unwrap();
    assert!(out.stopped.is_none());
    assert_eq!(out.steps, 4);
    for (name, value) in &out.metrics {
        assert!(value.is_finite(), "{name} = {value}");
    }
    assert!(rec.series("w1_exact").len() == 3);
}

/// Dynamic OT's tensor objective (kinetic with quicksand, segment-wise disk penetration,
/// empirical terminal penalty) on wgpu in f32: value and gradient agree with the CPU in f64,
/// and a short Adam solve there lowers the objective.
#[test]
fn wgpu_dynamic_ot_matches_cpu_and_descends() {
    let run = RunConfig::from_toml(
        "name = 'gpu-dynot'\nmethod = 'dynamic_ot'\ndevice = 'wgpu'\nseed = 4\n[particles]\nn = 16\n\
         init = { kind = 'uniform_box', lo = [0.0, 0.0], hi = [1.0, 1.0] }\n\
         [target]\nkind = 'gaussian'\nmean = [3.0, 0.5]\nstd = [0.2]\n\
         [transport]\nlevels = 6\ntarget = { kind = 'samples', m = 16 }\ndelta = 0.1\neps_pen = 1e-2\n\
         optimizer = 'adam'\nlr = 0.01\niterations = 30\nlog_every = 10\nobstacle_weight = 100\n\
         obstacles = [{ kind = 'disk', center = [2.0, 0.5], radius = 0.3 }]\n\
         quicksand = [{ region = { kind = 'box', lo = [1.0, -1.0], hi = [1.3, 2.0] }, factor = 3.0 }]\n",
        &[],
    )
    .unwrap();
    let sources = run
        .particles()
        .unwrap()
        .initial_positions(run.seed)
        .unwrap();
    let transport = run.transport.as_ref().unwrap();
    let problem =
        meanfield_dynot::Problem::new(transport, sources, run.target.as_ref(), run.seed).unwrap();
    let o = &problem.objective;
    let shape = [o.n(), o.levels, o.dim()];
    let penalty = meanfield_dynot::Penalty::new(&o.endpoint, 0.1, 1e-2);
    let value_and_grad = |device: &burn::tensor::Device| {
        let free = tensor_from::<3>(problem.init.clone(), shape, device).require_grad();
        let eval = o.evaluate(free.clone(), &penalty);
        let grad = meanfield_core::host_vec(free.grad(&eval.total.backward()).unwrap());
        (eval.part("objective"), eval.part("obstacle_penalty"), grad)
    };
    let gpu = DeviceChoice::Wgpu.device().unwrap();
    let (j_gpu, obstacle_gpu, g_gpu) = value_and_grad(&gpu.clone().autodiff());
    let (j_cpu, obstacle_cpu, g_cpu) = value_and_grad(&cpu_device().autodiff());
    assert!(obstacle_cpu > 0.0, "the straight lines cross the disk");
    assert!(
        (j_gpu - j_cpu).abs() < 1e-4 * j_cpu.abs(),
        "{j_gpu} vs {j_cpu}"
    );
    assert!(
        (obstacle_gpu - obstacle_cpu).abs() < 1e-3 * obstacle_cpu,
        "{obstacle_gpu} vs {obstacle_cpu}"
    );
    let scale = g_cpu.iter().fold(0.0f64, |s, v| s.max(v.abs()));
    for (a, b) in g_gpu.iter().zip(&g_cpu) {
        assert!((a - b).abs() < 1e-3 * scale, "gradient {a} vs {b}");
    }
    let mut rec = Recorder::default();
    let solution = meanfield_dynot::solve(
        o,
        &problem.init,
        &problem.settings,
        &gpu,
        &|ends, parts| problem.monitor(ends, parts),
        &mut rec,
    );
    assert!(solution.stopped.is_none());
    assert!(
        solution.part("objective") < 0.9 * j_cpu,
        "{} from {j_cpu}",
        solution.part("objective")
    );
}

/// The RBF trainer on the wgpu device (burn's autodiff, f32) trains as the CPU kernel (f64)
/// does: the same data-based start and Adam steps end at nearly the same validation error.
#[test]
fn wgpu_rbf_network_matches_cpu() {
    let run = |device: &str| {
        let config = RunConfig::from_toml(
            &format!(
                "name = 'rbf'\nmethod = 'rbf_network'\ndevice = '{device}'\nseed = 3\n[particles]\nn = 16\n\
                 [network]\ndata = {{ kind = 'function', f0 = 'bump', samples = 300, noise = 0.02, \
                 nu = {{ kind = 'uniform_box', lo = [-1.0, -1.0], hi = [1.0, 1.0] }} }}\n\
                 optimizer = 'adam'\nsteps = 200\nlog_every = 50\npatience = 0\n"
            ),
            &[],
        )
        .unwrap();
        let mut method = build_method(&config).unwrap();
        let mut rec = Recorder::default();
        let outcome = method.run(&mut rec, None).unwrap();
        assert!(outcome.stopped.is_none());
        rec.series("val_mse")
    };
    let (gpu, cpu) = (run("wgpu"), run("cpu"));
    assert_eq!(gpu.len(), cpu.len());
    for ((_, g), (_, c)) in gpu.iter().zip(&cpu) {
        assert!(
            (g - c).abs() < 0.05 * c + 1e-5,
            "val_mse {g} (wgpu) vs {c} (cpu)"
        );
    }
    assert!(cpu.last().unwrap().1 < 2e-3, "{cpu:?}");
}
