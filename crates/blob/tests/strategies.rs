//! Every evaluation strategy of the blob energy against its reference, values and
//! gradients, in d = 1, 2, 3 with unequal masses: the vectorised pair engine (all pairs and
//! cut-off) against the autodiff tensor path for each closed form, and the factorised
//! overlap against the quadrature it tabulates, for a mixture target.

use meanfield_blob::{BlobConfig, FlowMethod, MethodSpec, OverlapKind, PairEvaluation};
use meanfield_core::energy::{EnergyConfig, Evaluation};
use meanfield_core::target::{ComponentConfig, TargetConfig};
use meanfield_core::{Points, cpu_device, host_vec, tensor_from};
use rand::{RngExt, SeedableRng};

/// `n` points from two clusters in `[-1, 1]^d`, masses in proportion 1 : 2 : 3, seeded.
fn cloud(n: usize, d: usize, seed: u64) -> (Points, Vec<f64>) {
    let mut rng = meanfield_core::RunRng::seed_from_u64(seed);
    let data = (0..n * d)
        .map(|i| {
            let centre = if (i / d).is_multiple_of(2) {
                -0.3
            } else {
                0.35
            };
            centre + 0.4 * (rng.random::<f64>() - 0.5)
        })
        .collect();
    let masses: Vec<f64> = (0..n).map(|i| (1 + i % 3) as f64).collect();
    let total: f64 = masses.iter().sum();
    (
        Points::new(d, data).unwrap(),
        masses.iter().map(|m| m / total).collect(),
    )
}

/// The blob energy, its gradient `-m_i v_i`, and the overlap the summary names.
fn diffusion(spec: &MethodSpec, x: &Points, m: &[f64]) -> (f64, Vec<f64>, String) {
    let built = spec.build(x, None).unwrap();
    let device = cpu_device();
    let xt = tensor_from::<2>(x.as_slice().to_vec(), [x.n(), x.d()], &device);
    let mt = tensor_from::<1>(m.to_vec(), [x.n()], &device);
    let e = built.method.energy(&xt, &mt).unwrap();
    let v = host_vec(built.method.velocity(&xt, &mt).unwrap());
    let d = x.d();
    let g = v.iter().enumerate().map(|(i, v)| -v * m[i / d]).collect();
    let overlap = built
        .summary
        .iter()
        .find(|(k, _)| k == "overlap")
        .map(|(_, v)| v.as_str().unwrap().to_string())
        .unwrap();
    (e, g, overlap)
}

fn spec(target: Option<TargetConfig>, eps: f64, evaluation: PairEvaluation) -> MethodSpec {
    MethodSpec {
        method: FlowMethod::Blob,
        blob: BlobConfig {
            evaluation,
            tolerance: 1e-14,
            ..BlobConfig::with_eps(eps)
        },
        target,
        ..MethodSpec::default()
    }
}

/// Energies within `tol` (relative), gradients within `tol` of the largest entry.
fn assert_close(what: &str, a: (f64, &[f64]), b: (f64, &[f64]), tol: f64) {
    let (e, g) = errors(a, b);
    eprintln!("{what}: energy error {e:.2e}, gradient error {g:.2e}");
    assert!(
        e <= tol && g <= tol,
        "{what}: energy error {e:.2e}, gradient error {g:.2e} > {tol:.0e}"
    );
}

fn errors(a: (f64, &[f64]), b: (f64, &[f64])) -> (f64, f64) {
    let scale = b.1.iter().fold(0.0f64, |s, v| s.max(v.abs()));
    let g =
        a.1.iter()
            .zip(b.1)
            .fold(0.0f64, |s, (u, v)| s.max((u - v).abs()));
    ((a.0 - b.0).abs() / b.0.abs(), g / scale)
}

fn closed_forms(d: usize) -> Vec<(&'static str, Option<TargetConfig>)> {
    vec![
        ("flat", None),
        (
            "gaussian",
            Some(TargetConfig::Gaussian {
                mean: vec![0.1; d],
                std: (0..d).map(|k| 0.4 + 0.1 * k as f64).collect(),
            }),
        ),
        (
            "uniform_box",
            Some(TargetConfig::UniformBox {
                lo: vec![-0.5; d],
                hi: vec![0.6; d],
            }),
        ),
    ]
}

/// The engine's all-pairs and cut-off sums equal the autodiff reference for each closed
/// form (37 particles: lanes and a tail), in d = 1, 2, 3.
#[test]
fn engine_equals_autodiff_for_closed_forms() {
    for d in 1..=3 {
        let (x, m) = cloud(37, d, d as u64);
        for (name, target) in closed_forms(d) {
            let mut reference = spec(target.clone(), 0.15, PairEvaluation::Pairwise);
            reference.energy = EnergyConfig {
                evaluation: Evaluation::Tensor,
                ..EnergyConfig::default()
            };
            let (e0, g0, _) = diffusion(&reference, &x, &m);
            for evaluation in [PairEvaluation::Pairwise, PairEvaluation::Cutoff] {
                let (e, g, kind) = diffusion(&spec(target.clone(), 0.15, evaluation), &x, &m);
                assert_eq!(kind, "closed_form");
                assert_close(
                    &format!("{name} d={d} {evaluation:?}"),
                    (e, &g),
                    (e0, &g0),
                    1e-11,
                );
            }
        }
    }
}

/// The cut-off at tolerance 1e-6 on 3000 particles spread wider than r_c: within 1e-6 of
/// all pairs (relative to the largest gradient entry).
#[test]
fn cutoff_meets_its_tolerance() {
    let (x, m) = cloud(3000, 2, 7);
    let wide = Points::new(2, x.as_slice().iter().map(|v| 4.0 * v).collect()).unwrap();
    let target = closed_forms(2)[1].1.clone();
    let (e0, g0, _) = diffusion(
        &spec(target.clone(), 0.02, PairEvaluation::Pairwise),
        &wide,
        &m,
    );
    let mut cut = spec(target, 0.02, PairEvaluation::Cutoff);
    cut.blob.tolerance = 1e-6;
    let (e, g, _) = diffusion(&cut, &wide, &m);
    assert_close("cutoff 1e-6", (e, &g), (e0, &g0), 1e-6);
}

fn mixture(d: usize) -> TargetConfig {
    TargetConfig::Mixture {
        components: vec![
            ComponentConfig {
                weight: 1.0,
                mean: vec![-0.3; d],
                std: vec![0.3],
            },
            ComponentConfig {
                weight: 2.0,
                mean: vec![0.4; d],
                std: vec![0.25],
            },
        ],
    }
}

/// The factorised overlap reproduces the quadrature over the same grid (its table is
/// interpolated: 1e-6 in d <= 2, 1e-4 in d = 3), all pairs and cut-off.
#[test]
fn factorised_equals_quadrature() {
    for (d, cells, tol) in [(1, 400, 1e-6), (2, 120, 1e-5), (3, 40, 1e-3)] {
        let (x, m) = cloud(45, d, 10 + d as u64);
        let mut reference = spec(Some(mixture(d)), 0.25, PairEvaluation::Auto);
        reference.blob.overlap = OverlapKind::Quadrature;
        reference.blob.quadrature_cells = cells;
        let (e0, g0, kind) = diffusion(&reference, &x, &m);
        assert_eq!(kind, "quadrature");
        for evaluation in [
            PairEvaluation::Auto,
            PairEvaluation::Pairwise,
            PairEvaluation::Cutoff,
        ] {
            let mut fast = reference.clone();
            fast.blob.overlap = OverlapKind::Auto;
            fast.blob.evaluation = evaluation;
            let (e, g, kind) = diffusion(&fast, &x, &m);
            assert_eq!(kind, "factorised");
            assert_close(
                &format!("mixture d={d} {evaluation:?}"),
                (e, &g),
                (e0, &g0),
                tol,
            );
        }
    }
}

/// The mesh (Gaussian gridding) against all pairs for rhobar = 1 (spectrally accurate: 1e-8)
/// and against the quadrature (the same floored `1/rhobar`, whose kink both lattices resolve
/// to O(h^2)) for a mixture, in d = 1, 2, 3.
#[test]
fn mesh_equals_pairs_and_quadrature() {
    for d in 1..=3 {
        let (x, m) = cloud(45, d, 20 + d as u64);
        let (e0, g0, _) = diffusion(&spec(None, 0.2, PairEvaluation::Pairwise), &x, &m);
        let (e, g, kind) = diffusion(&spec(None, 0.2, PairEvaluation::Mesh), &x, &m);
        assert_eq!(kind, "mesh");
        assert_close(&format!("flat d={d} mesh"), (e, &g), (e0, &g0), 1e-8);
        let mut reference = spec(Some(mixture(d)), 0.25, PairEvaluation::Auto);
        reference.blob.overlap = OverlapKind::Quadrature;
        reference.blob.quadrature_cells = [400, 160, 48][d - 1];
        let (e0, g0, _) = diffusion(&reference, &x, &m);
        // The floor's kink in 1/rhobar makes both lattices' sums O(h^2) there.
        let mut mesh = spec(Some(mixture(d)), 0.25, PairEvaluation::Mesh);
        mesh.blob.mesh_cells_per_eps = 4.0;
        let (e, g, _) = diffusion(&mesh, &x, &m);
        assert_close(&format!("mixture d={d} mesh"), (e, &g), (e0, &g0), 5e-4);
    }
}
