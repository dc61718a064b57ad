//! The blob energy by quadrature, for any target and mollifier in d <= 3:
//! `E = 1/2 sum_q w_q (sum_j m_j phi_eps(x_j - z_q))^2` over the cell centres `z_q` of a grid
//! on the domain, `w_q = |cell| / max(rhobar(z_q), floor max rhobar)`: the floor keeps the
//! weights finite in tails and where `rhobar = 0` (see [`crate::overlap::CellsOverlap`]).
//! Cost O(N x nodes within the mollifier's reach), not O(N^2).

use burn::tensor::Tensor;
use meanfield_core::energy::Evaluation;
use meanfield_core::{CoreError, Grid, Mollifier, Points, Result, host_vec, tensor_from};
use rayon::prelude::*;

use crate::overlap::squared_distances;

/// Reach of a Gaussian mollifier, in units of eps (`exp(-32)` is below round-off).
const GAUSSIAN_REACH: f64 = 8.0;

/// The blob energy evaluated by quadrature.
#[derive(Debug)]
pub struct QuadratureBlob {
    mollifier: Box<dyn Mollifier>,
    grid: Grid,
    nodes: Vec<f64>,
    weights: Vec<f64>,
    cap: f64,
    tile: usize,
    evaluation: Evaluation,
}

impl QuadratureBlob {
    /// Quadrature on `grid` (nodes at cell centres) against `density`, rhobar at the nodes.
    ///
    /// # Errors
    /// [`CoreError::Config`] when d > 3, when the grid spacing exceeds eps (the mollifier
    /// would be under-resolved), or when the target has no mass on the grid.
    pub fn new(
        mollifier: Box<dyn Mollifier>,
        grid: Grid,
        density: Vec<f64>,
        floor: f64,
        tile: usize,
        evaluation: Evaluation,
    ) -> Result<Self> {
        let d = grid.d();
        if d > 3 {
            return Err(CoreError::config(
                "blob.overlap",
                format!("quadrature is for d <= 3, found d = {d}"),
            ));
        }
        let eps = mollifier.eps();
        if let Some(k) = (0..d).find(|k| grid.spacing(*k) > eps) {
            return Err(CoreError::config(
                "blob.quadrature_cells",
                format!(
                    "grid spacing {:.3e} on axis {k} exceeds eps = {eps:.3e}; raise quadrature_cells or narrow the domain",
                    grid.spacing(k)
                ),
            ));
        }
        let nodes = grid.centres();
        let top = density.iter().copied().fold(0.0, f64::max);
        if !(top > 0.0 && top.is_finite()) {
            return Err(CoreError::config(
                "blob.domain_lo",
                "the target has no (finite) mass on the quadrature domain",
            ));
        }
        let volume = grid.cell_volume();
        let weights = density
            .iter()
            .map(|p| volume / p.max(floor * top))
            .collect();
        Ok(Self {
            mollifier,
            grid,
            nodes,
            weights,
            cap: 1.0 / (floor * top),
            tile: tile.max(1),
            evaluation,
        })
    }

    /// Whether evaluations on `device` take the host path.
    pub fn is_fused_on(&self, device: &burn::tensor::Device) -> bool {
        self.evaluation.is_fused_on(device)
    }

    /// The grid, the weights `|cell| / max(rhobar, floor max rhobar)` at its cells, and the
    /// floor's cap `1 / (floor max rhobar)` on `1/rhobar`.
    pub fn grid_and_weights(&self) -> (&Grid, &[f64], f64) {
        (&self.grid, &self.weights, self.cap)
    }

    /// The mollifier width.
    pub fn eps(&self) -> f64 {
        self.mollifier.eps()
    }

    fn reach(&self) -> f64 {
        self.mollifier
            .support_radius()
            .unwrap_or(GAUSSIAN_REACH * self.mollifier.eps())
    }

    /// Energy and gradient.
    ///
    /// # Shapes
    /// `x: [n, d]`, `m: [n]` -> `(E, [n, d])`.
    pub fn value_and_gradient(&self, x: &Tensor<2>, m: &Tensor<1>) -> (f64, Tensor<2>) {
        if self.evaluation.is_fused_on(&x.device()) {
            self.host(x, m)
        } else {
            self.tensor(x, m)
        }
    }

    /// Calls `f(q, z_q)` for every node within the mollifier's reach of `x`.
    fn for_nodes_near(&self, x: &[f64], f: &mut dyn FnMut(usize, &[f64])) {
        let d = x.len();
        let reach = self.reach();
        let cells = self.grid.cells();
        let mut lo = [0usize; 3];
        let mut hi = [0usize; 3];
        for k in 0..d {
            let h = self.grid.spacing(k);
            let t0 = ((x[k] - reach - self.grid.lo()[k]) / h - 0.5).ceil();
            let t1 = ((x[k] + reach - self.grid.lo()[k]) / h - 0.5).floor();
            if t1 < 0.0 || t0 > (cells[k] - 1) as f64 {
                return;
            }
            lo[k] = t0.max(0.0) as usize;
            hi[k] = t1.min((cells[k] - 1) as f64) as usize;
        }
        let mut idx = lo;
        loop {
            // Row-major, last axis fastest.
            let q = (0..d).fold(0, |acc, k| acc * cells[k] + idx[k]);
            f(q, &self.nodes[q * d..(q + 1) * d]);
            let mut k = d;
            loop {
                if k == 0 {
                    return;
                }
                k -= 1;
                if idx[k] < hi[k] {
                    idx[k] += 1;
                    break;
                }
                idx[k] = lo[k];
            }
        }
    }

    /// Fused host evaluation: the mollified density at the nodes, then each particle's
    /// gradient from the nodes within reach.
    pub fn host(&self, x: &Tensor<2>, m: &Tensor<1>) -> (f64, Tensor<2>) {
        let points = Points::from_tensor(x);
        let masses = host_vec(m.clone());
        let (n, d) = (points.n(), points.d());
        let q_len = self.weights.len();
        let r2 = meanfield_core::squared_distance;
        let rho = (0..n)
            .into_par_iter()
            .fold(
                || vec![0.0; q_len],
                |mut acc, j| {
                    let xj = points.point(j);
                    self.for_nodes_near(xj, &mut |q, z| {
                        acc[q] += masses[j] * self.mollifier.value(r2(xj, z), d);
                    });
                    acc
                },
            )
            .reduce(
                || vec![0.0; q_len],
                |mut a, b| {
                    a.iter_mut().zip(b).for_each(|(u, v)| *u += v);
                    a
                },
            );
        let energy = 0.5
            * rho
                .iter()
                .zip(&self.weights)
                .map(|(r, w)| w * r * r)
                .sum::<f64>();
        let grad: Vec<f64> = (0..n)
            .into_par_iter()
            .flat_map_iter(|i| {
                let xi = points.point(i);
                let mut g = vec![0.0; d];
                self.for_nodes_near(xi, &mut |q, z| {
                    let (_, slope) = self.mollifier.value_and_slope(r2(xi, z), d);
                    let c = 2.0 * masses[i] * self.weights[q] * rho[q] * slope;
                    for k in 0..d {
                        g[k] += c * (xi[k] - z[k]);
                    }
                });
                g
            })
            .collect();
        (energy, tensor_from(grad, [n, d], &x.device()))
    }

    /// Reference: dense tiles of particles against all nodes, differentiated by autodiff.
    pub fn tensor(&self, x: &Tensor<2>, m: &Tensor<1>) -> (f64, Tensor<2>) {
        let [n, d] = x.dims();
        let device = x.device();
        let q_len = self.weights.len();
        let z = tensor_from::<2>(self.nodes.clone(), [q_len, d], &device);
        let w = tensor_from::<1>(self.weights.clone(), [q_len], &device);
        let phi = |rows: Tensor<2>, z: Tensor<2>| {
            self.mollifier.value_tensor(squared_distances(rows, z), d)
        };
        let mut rho = Tensor::<1>::zeros([q_len], &device);
        for start in (0..n).step_by(self.tile) {
            let rows = self.tile.min(n - start);
            let mt = m.clone().narrow(0, start, rows).unsqueeze_dim::<2>(1);
            rho = rho
                + (phi(x.clone().narrow(0, start, rows), z.clone()) * mt)
                    .sum_dim(0)
                    .squeeze_dim::<1>(0);
        }
        let energy = 0.5
            * (rho.clone().square() * w.clone())
                .sum()
                .into_scalar::<f64>();
        // Surrogate per tile with rho held constant: its gradient in the rows is exact.
        let pull = (rho * w).autodiff().unsqueeze_dim::<2>(0);
        let z = z.autodiff();
        let mut grads = Vec::new();
        for start in (0..n).step_by(self.tile) {
            let rows = self.tile.min(n - start);
            let xt = x.clone().narrow(0, start, rows).autodiff().require_grad();
            let mt = m
                .clone()
                .narrow(0, start, rows)
                .autodiff()
                .unsqueeze_dim::<2>(1);
            let s = (phi(xt.clone(), z.clone()) * pull.clone() * mt).sum();
            let g = s.backward();
            grads.push(xt.grad(&g).expect("rows require grad"));
        }
        (energy, Tensor::cat(grads, 0))
    }
}

#[cfg(test)]
mod tests {
    use meanfield_core::energy::Evaluation;
    use meanfield_core::{GaussianMollifier, TriweightMollifier, cpu_device};

    use super::*;
    use crate::overlap::CellsOverlap;
    use crate::pairwise::PairwiseBlob;

    /// Uniform density 1/2 on [-1, 1] in 1-D, 20 particles.
    fn setup() -> (Tensor<2>, Tensor<1>, Grid) {
        let device = cpu_device();
        let xs: Vec<f64> = (0..20)
            .map(|i| -0.9 + 0.09 * i as f64 + 0.01 * ((i * 7) % 3) as f64)
            .collect();
        let grid = Grid::new(vec![-1.0], vec![1.0], vec![2000]).unwrap();
        (
            tensor_from(xs, [20, 1], &device),
            Tensor::ones([20], &device).div_scalar(20.0),
            grid,
        )
    }

    /// Quadrature of the uniform-box blob energy equals the closed form (energy and gradient).
    #[test]
    fn quadrature_matches_closed_form() {
        let (x, m, grid) = setup();
        let eps = 0.05;
        let density = vec![0.5; grid.len()];
        let quad = QuadratureBlob::new(
            Box::new(GaussianMollifier::new(eps)),
            grid,
            density,
            1e-3,
            7,
            Evaluation::Fused,
        )
        .unwrap();
        let closed = PairwiseBlob::new(
            Box::new(CellsOverlap::uniform_box(eps, &[-1.0], &[1.0], 0.0)),
            7,
            Evaluation::Fused,
            0,
            0,
        );
        let (e1, g1) = quad.value_and_gradient(&x, &m);
        let (e2, g2) = closed.value_and_gradient(&x, &m);
        assert!((e1 - e2).abs() < 1e-6 * e2, "{e1} vs {e2}");
        for (a, b) in host_vec(g1).iter().zip(host_vec(g2)) {
            assert!((a - b).abs() < 1e-5 * b.abs().max(1.0), "{a} vs {b}");
        }
    }

    /// The windowed host loop equals the dense autodiff reference, for a compact mollifier.
    #[test]
    fn host_equals_autodiff_for_triweight() {
        let (x, m, grid) = setup();
        let density: Vec<f64> = grid
            .centres()
            .iter()
            .map(|z| 0.75 * (1.0 - z * z) + 0.1)
            .collect();
        let quad = QuadratureBlob::new(
            Box::new(TriweightMollifier::new(0.12)),
            grid,
            density,
            1e-3,
            6,
            Evaluation::Tensor,
        )
        .unwrap();
        let (e1, g1) = quad.tensor(&x, &m);
        let (e2, g2) = quad.host(&x, &m);
        assert!((e1 - e2).abs() < 1e-10 * e1, "{e1} vs {e2}");
        for (a, b) in host_vec(g1).iter().zip(host_vec(g2)) {
            assert!((a - b).abs() < 1e-8 * b.abs().max(1.0), "{a} vs {b}");
        }
    }

    #[test]
    fn coarse_grid_is_an_error() {
        let grid = Grid::new(vec![-1.0], vec![1.0], vec![10]).unwrap();
        let err = QuadratureBlob::new(
            Box::new(GaussianMollifier::new(0.05)),
            grid,
            vec![0.5; 10],
            1e-3,
            8,
            Evaluation::Auto,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("blob.quadrature_cells"), "{err}");
    }

    /// Where rhobar = 0 the weight is the floor's, not zero: a blob outside the support costs
    /// 1/floor times more than inside (zero weights would let mass leave the support for free).
    #[test]
    fn zero_density_is_floored_not_free() {
        let grid = Grid::new(vec![-2.0], vec![2.0], vec![4000]).unwrap();
        let density: Vec<f64> = grid
            .centres()
            .iter()
            .map(|z| if z.abs() <= 1.0 { 0.5 } else { 0.0 })
            .collect();
        let quad = QuadratureBlob::new(
            Box::new(GaussianMollifier::new(0.05)),
            grid,
            density,
            1e-2,
            8,
            Evaluation::Fused,
        )
        .unwrap();
        let device = cpu_device();
        let m = Tensor::<1>::ones([1], &device);
        let energy = |x: f64| quad.host(&tensor_from(vec![x], [1, 1], &device), &m).0;
        let (inside, outside) = (energy(0.0), energy(1.5));
        assert!(
            (outside / inside - 100.0).abs() < 1e-6,
            "{inside} vs {outside}"
        );
    }
}
