//! The particle-mesh evaluation (`blob.evaluation = "mesh"`): Gaussian gridding
//! ([`meanfield_core::gridding`]), exact to spectral accuracy, on the lattice `z_l = l h`,
//! `h = eps / cells_per_eps`:
//!
//! - `u = h^d phi_sigma * S`, `S_l = sum_i m_i phi_tau(z_l - x_i)` (spread, then a separable
//!   convolution; `eps^2 = tau^2 + sigma^2`), the mollified density
//!   `sum_i m_i phi_eps(z_k - x_i)` to about 1e-8 at 2 nodes per eps, 4e-11 at 3;
//! - `E_h = 1/2 sum_k h^d nu_k u_k^2`, `nu = min(1/rhobar, cap)` (the quadrature's energy on
//!   the lattice, spectrally accurate for h <= eps/2);
//! - its exact gradient: `G = h^d phi_sigma * (h^d nu u)`, gathered back with the adjoint of
//!   the spread, `grad_i = m_i sum_l G_l grad_x phi_tau(z_l - x_i)`.
//!
//! The flow is the exact gradient flow of `E_h`, which depends on the positions only (the
//! lattice is fixed; each evaluation takes the window of it that covers the supports), so the
//! energy never increases. Cost O(N 21^d + nodes x taps), independent of eps against the
//! particle spacing.

use std::sync::Arc;

use meanfield_core::gridding::{Lattice, SPREAD_REACH};
use meanfield_core::target::Target;
use meanfield_core::{CoreError, Grid, Result};

/// Truncation of the smoothing Gaussian in units of its width (`exp(-32)`).
const REACH: f64 = 8.0;
/// The largest mesh an evaluation builds (bytes for its arrays, estimated before allocating).
pub const MAX_MESH_BYTES: f64 = 4.0 * (1u64 << 30) as f64;

/// `1/rhobar` on the lattice.
#[derive(Debug, Clone)]
pub enum MeshWeight {
    /// `rhobar = 1`.
    Flat,
    /// `min(1 / rhobar, cap)` for a target density.
    Density {
        /// The target.
        target: Arc<dyn Target>,
        /// `1 / (floor max rhobar)`.
        cap: f64,
    },
}

/// The particle-mesh blob energy.
#[derive(Debug, Clone)]
pub struct Mesh {
    eps: f64,
    h: f64,
    weight: MeshWeight,
}

impl Mesh {
    /// For mollifier width `eps` and `cells_per_eps` lattice nodes per eps (>= 2).
    pub fn new(eps: f64, cells_per_eps: f64, weight: MeshWeight) -> Self {
        Self {
            eps,
            h: eps / cells_per_eps,
            weight,
        }
    }

    /// The distance beyond the particles within which their mollified density is kept:
    /// the spread's reach, the convolution's, and a node.
    fn pad(&self) -> f64 {
        (SPREAD_REACH as f64 + 1.0) * self.h + REACH * self.eps
    }

    /// The estimated bytes of an evaluation over the box `[lo, hi]` (before allocating).
    pub fn bytes_for(&self, lo: &[f64], hi: &[f64]) -> f64 {
        let threads = rayon::current_num_threads() as f64;
        let nodes: f64 = lo
            .iter()
            .zip(hi)
            .map(|(a, b)| ((b - a + 2.0 * self.pad()) / self.h).ceil() + 2.0)
            .product();
        nodes * 8.0 * (4.0 + threads)
    }

    /// The cost of one evaluation of `n` particles over the box `[lo, hi]` in units of one
    /// pair of the pair engine (fitted to the benchmark: about 0.6 pair per spread weight, 60
    /// per lattice node and axis for the two convolutions and `1/rhobar`).
    pub fn cost(&self, n: usize, lo: &[f64], hi: &[f64]) -> f64 {
        let d = lo.len() as i32;
        let nodes: f64 = lo
            .iter()
            .zip(hi)
            .map(|(a, b)| (b - a + 2.0 * self.pad()) / self.h)
            .product();
        n as f64 * 0.6 * ((2 * SPREAD_REACH + 1) as f64).powi(d) + 60.0 * d as f64 * nodes
    }

    /// Refuses a mesh over `[lo, hi]` beyond [`MAX_MESH_BYTES`], with the estimate.
    ///
    /// # Errors
    /// [`CoreError::Config`] naming `blob.mesh_cells_per_eps`.
    pub fn check_box(&self, lo: &[f64], hi: &[f64]) -> Result<()> {
        super::check_bytes(
            "blob.mesh_cells_per_eps",
            "the mesh over the particles' box",
            self.bytes_for(lo, hi),
            MAX_MESH_BYTES,
            "lower mesh_cells_per_eps, raise eps, or use evaluation = \"cutoff\"",
        )
    }

    /// Energy and gradient (row-major `[n, d]`, d <= 3).
    ///
    /// # Errors
    /// [`CoreError::Config`] when the particles have spread over a box whose mesh exceeds
    /// [`MAX_MESH_BYTES`]; [`CoreError::NonFinite`] for a non-finite position.
    pub fn value_and_gradient(&self, x: &[f64], m: &[f64], d: usize) -> Result<(f64, Vec<f64>)> {
        match d {
            1 => self.evaluate::<1>(x, m),
            2 => self.evaluate::<2>(x, m),
            3 => self.evaluate::<3>(x, m),
            _ => Err(CoreError::config(
                "blob.evaluation",
                format!("the mesh is for d <= 3, found d = {d}"),
            )),
        }
    }

    fn evaluate<const D: usize>(&self, x: &[f64], m: &[f64]) -> Result<(f64, Vec<f64>)> {
        let mut lo = [f64::INFINITY; D];
        let mut hi = [f64::NEG_INFINITY; D];
        for p in x.chunks_exact(D) {
            for k in 0..D {
                lo[k] = lo[k].min(p[k]);
                hi[k] = hi[k].max(p[k]);
            }
        }
        if lo.iter().chain(&hi).any(|v| !v.is_finite()) {
            return Err(CoreError::NonFinite("a particle position".into()));
        }
        self.check_box(&lo, &hi)?;
        let h = self.h;
        let first: [i64; D] = std::array::from_fn(|k| ((lo[k] - self.pad()) / h).floor() as i64);
        let lattice = Lattice::<D> {
            first: std::array::from_fn(|k| first[k] as f64 * h),
            spacing: [h; D],
            count: std::array::from_fn(|k| {
                (((hi[k] + self.pad()) / h).ceil() as i64 - first[k]) as usize + 1
            }),
        };
        let cell = lattice.cell();
        let mut u = lattice.convolve(self.eps, lattice.spread(x, m));
        u.iter_mut().for_each(|v| *v *= cell);
        let nu = self.inverse_density(&lattice)?;
        let mut energy = 0.0;
        let pull: Vec<f64> = u
            .iter()
            .zip(&nu)
            .map(|(u, nu)| {
                energy += 0.5 * cell * nu * u * u;
                cell * cell * nu * u
            })
            .collect();
        let g = lattice.convolve(self.eps, pull);
        Ok((energy, lattice.gather(x, m, &g)))
    }

    /// `nu = min(1/rhobar, cap)` at the window's nodes.
    fn inverse_density<const D: usize>(&self, lattice: &Lattice<D>) -> Result<Vec<f64>> {
        match &self.weight {
            MeshWeight::Flat => Ok(vec![1.0; lattice.len()]),
            MeshWeight::Density { target, cap } => {
                let h = self.h;
                let lo: Vec<f64> = (0..D).map(|k| lattice.first[k] - 0.5 * h).collect();
                let hi: Vec<f64> = (0..D)
                    .map(|k| lattice.first[k] + (lattice.count[k] as f64 - 0.5) * h)
                    .collect();
                let grid = Grid::new(lo, hi, lattice.count.to_vec())?;
                Ok(target
                    .density_on_grid(&grid)
                    .into_iter()
                    .map(|rho| if rho * cap > 1.0 { 1.0 / rho } else { *cap })
                    .collect())
            }
        }
    }
}
