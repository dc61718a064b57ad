//! The particle-mesh evaluation (`blob.evaluation = "mesh"`): Gaussian gridding, exact to
//! spectral accuracy. With `eps^2 = tau^2 + sigma^2` (tau = 1.2 h, h = eps / cells_per_eps):
//!
//! - spread: `S_l = sum_i m_i phi_tau(z_l - x_i)` over the lattice `z_l = l h` (separable,
//!   (2R + 1)^d nodes per particle, R = ceil(8 tau / h));
//! - `u = h^d phi_sigma * S` on the lattice (a separable banded convolution), which equals the
//!   mollified density `sum_i m_i phi_eps(z_k - x_i)` up to `exp(-2 pi^2 tau^2 / h^2) ~ 1e-12`;
//! - `E_h = 1/2 sum_k h^d nu_k u_k^2`, `nu = min(1/rhobar, cap)` (the quadrature's energy on
//!   the lattice, spectrally accurate for h <= eps/2);
//! - its exact gradient: `G = h^d phi_sigma * (h^d nu u)`, gathered back with the adjoint of
//!   the spread, `grad_i = m_i sum_l G_l grad_x phi_tau(z_l - x_i)`.
//!
//! The flow is the exact gradient flow of `E_h`, which depends on the positions only (the
//! lattice is fixed; each evaluation takes the window of it that covers the supports), so the
//! energy never increases. Cost O(N (2R + 1)^d + nodes x taps), independent of eps against the
//! particle spacing.

use std::f64::consts::PI;
use std::sync::Arc;

use meanfield_core::target::Target;
use meanfield_core::{CoreError, Grid, Result};
use rayon::prelude::*;

/// The spreading Gaussian's width in lattice spacings.
const TAU_PER_H: f64 = 1.2;
/// Lattice nodes on each side of a particle that its spread reaches: ceil(8 x 1.2).
const SPREAD_R: usize = 10;
/// Nodes of the spread per axis.
const TAPS: usize = 2 * SPREAD_R + 1;
/// Truncation of the Gaussians in units of their width (`exp(-32)`).
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
    h: f64,
    tau: f64,
    sigma: f64,
    weight: MeshWeight,
}

fn gaussian(u: f64, s: f64) -> f64 {
    (-0.5 * (u / s) * (u / s)).exp() / ((2.0 * PI).sqrt() * s)
}

/// The lattice window of one evaluation: first node index and node count per axis.
struct Window<const D: usize> {
    first: [i64; D],
    count: [usize; D],
}

impl<const D: usize> Window<D> {
    fn len(&self) -> usize {
        self.count.iter().product()
    }

    fn stride(&self, k: usize) -> usize {
        self.count[k + 1..].iter().product()
    }
}

impl Mesh {
    /// For mollifier width `eps` and `cells_per_eps` lattice nodes per eps (>= 2).
    pub fn new(eps: f64, cells_per_eps: f64, weight: MeshWeight) -> Self {
        let h = eps / cells_per_eps;
        let tau = TAU_PER_H * h;
        Self {
            h,
            tau,
            sigma: (eps * eps - tau * tau).sqrt(),
            weight,
        }
    }

    /// Nodes on each side of a particle beyond which its mass reaches no lattice value.
    fn pad(&self) -> f64 {
        REACH * (self.tau + self.sigma) + 2.0 * self.h
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

    /// Refuses a mesh over `[lo, hi]` beyond [`MAX_MESH_BYTES`], with the estimate.
    ///
    /// # Errors
    /// [`CoreError::Config`] naming `blob.mesh_cells_per_eps`.
    pub fn check_box(&self, lo: &[f64], hi: &[f64]) -> Result<()> {
        let bytes = self.bytes_for(lo, hi);
        if bytes > MAX_MESH_BYTES || !bytes.is_finite() {
            return Err(CoreError::config(
                "blob.mesh_cells_per_eps",
                format!(
                    "the mesh over the particles' box would take {:.1} GiB (limit {:.0} GiB): lower mesh_cells_per_eps, raise eps, or use evaluation = \"cutoff\"",
                    bytes / (1u64 << 30) as f64,
                    MAX_MESH_BYTES / (1u64 << 30) as f64
                ),
            ));
        }
        Ok(())
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
        let window = Window::<D> {
            first: std::array::from_fn(|k| ((lo[k] - self.pad()) / h).floor() as i64),
            count: std::array::from_fn(|k| {
                (((hi[k] + self.pad()) / h).ceil() - ((lo[k] - self.pad()) / h).floor()) as usize
                    + 1
            }),
        };
        let cell = h.powi(D as i32);
        let spread = self.spread(&window, x, m);
        let mut u = self.convolve(&window, spread);
        u.iter_mut().for_each(|v| *v *= cell);
        let nu = self.inverse_density(&window)?;
        let mut energy = 0.0;
        let pull: Vec<f64> = u
            .iter()
            .zip(&nu)
            .map(|(u, nu)| {
                energy += 0.5 * cell * nu * u * u;
                cell * cell * nu * u
            })
            .collect();
        let g = self.convolve(&window, pull);
        Ok((energy, self.gather(&window, x, m, &g)))
    }

    /// Per axis: the first lattice offset (in the window) and the `2R + 1` weights of
    /// `phi_tau` around coordinate `v`, and their derivatives in `v`.
    fn axis_weights(&self, window_first: i64, v: f64, w: &mut [f64; TAPS], dw: &mut [f64; TAPS]) -> usize {
        let centre = (v / self.h).round() as i64;
        let first = centre - SPREAD_R as i64;
        for (t, (a, b)) in w.iter_mut().zip(dw.iter_mut()).enumerate() {
            let z = (first + t as i64) as f64 * self.h;
            *a = gaussian(z - v, self.tau);
            *b = *a * (z - v) / (self.tau * self.tau);
        }
        (first - window_first) as usize
    }

    /// `S_l = sum_i m_i phi_tau(z_l - x_i)`, one window-sized buffer per worker.
    fn spread<const D: usize>(&self, window: &Window<D>, x: &[f64], m: &[f64]) -> Vec<f64> {
        let len = window.len();
        x.par_chunks_exact(D)
            .zip(m.par_iter())
            .fold(
                || vec![0.0; len],
                |mut grid, (p, mass)| {
                    let mut w = [[0.0; TAPS]; D];
                    let mut dw = [0.0; TAPS];
                    let mut offset = 0;
                    for k in 0..D {
                        let start = self.axis_weights(window.first[k], p[k], &mut w[k], &mut dw);
                        offset += start * window.stride(k);
                    }
                    for_stencil::<D>(window, &w, *mass, |base, scale, last| {
                        let row = &mut grid[offset + base..offset + base + TAPS];
                        row.iter_mut().zip(last).for_each(|(g, v)| *g += scale * v);
                    });
                    grid
                },
            )
            .reduce(
                || vec![0.0; len],
                |mut a, b| {
                    a.iter_mut().zip(b).for_each(|(u, v)| *u += v);
                    a
                },
            )
    }

    /// `grad_i = m_i sum_l G_l grad_x phi_tau(z_l - x_i)`.
    fn gather<const D: usize>(&self, window: &Window<D>, x: &[f64], m: &[f64], g: &[f64]) -> Vec<f64> {
        x.par_chunks_exact(D)
            .zip(m.par_iter())
            .flat_map_iter(|(p, mass)| {
                let mut w = [[0.0; TAPS]; D];
                let mut dw = [[0.0; TAPS]; D];
                let mut offset = 0;
                for k in 0..D {
                    let start = self.axis_weights(window.first[k], p[k], &mut w[k], &mut dw[k]);
                    offset += start * window.stride(k);
                }
                // Axis k's gradient: the stencil with axis k's weights differentiated.
                (0..D)
                    .map(|k| {
                        let mut weights = w;
                        weights[k] = dw[k];
                        let mut total = 0.0;
                        for_stencil::<D>(window, &weights, *mass, |base, scale, last| {
                            let row = &g[offset + base..offset + base + TAPS];
                            total += scale * row.iter().zip(last).map(|(a, b)| a * b).sum::<f64>();
                        });
                        total
                    })
                    .collect::<Vec<f64>>()
            })
            .collect()
    }

    /// `phi_sigma * data` on the window (separable, taps at the lattice spacing), times h^d
    /// by the caller.
    fn convolve<const D: usize>(&self, window: &Window<D>, mut data: Vec<f64>) -> Vec<f64> {
        let r = (REACH * self.sigma / self.h).ceil() as usize;
        let taps: Vec<f64> = (0..=2 * r)
            .map(|t| gaussian((t as f64 - r as f64) * self.h, self.sigma))
            .collect();
        for k in 0..D {
            let len = window.count[k];
            let inner = window.stride(k);
            let mut out = vec![0.0; data.len()];
            out.par_chunks_mut(len * inner)
                .zip(data.par_chunks(len * inner))
                .for_each(|(dst, src)| {
                    for p in 0..len {
                        let lo = p.saturating_sub(r);
                        let hi = (p + r).min(len - 1);
                        let row = &mut dst[p * inner..(p + 1) * inner];
                        for q in lo..=hi {
                            let c = taps[q + r - p];
                            let from = &src[q * inner..(q + 1) * inner];
                            row.iter_mut().zip(from).for_each(|(a, b)| *a += c * b);
                        }
                    }
                });
            data = out;
        }
        data
    }

    /// `nu = min(1/rhobar, cap)` at the window's nodes.
    fn inverse_density<const D: usize>(&self, window: &Window<D>) -> Result<Vec<f64>> {
        match &self.weight {
            MeshWeight::Flat => Ok(vec![1.0; window.len()]),
            MeshWeight::Density { target, cap } => {
                let h = self.h;
                let lo: Vec<f64> = (0..D).map(|k| (window.first[k] as f64 - 0.5) * h).collect();
                let hi: Vec<f64> = (0..D)
                    .map(|k| (window.first[k] as f64 + window.count[k] as f64 - 0.5) * h)
                    .collect();
                let grid = Grid::new(lo, hi, window.count.to_vec())?;
                Ok(target
                    .density_on_grid(&grid)
                    .into_iter()
                    .map(|rho| if rho * cap > 1.0 { 1.0 / rho } else { *cap })
                    .collect())
            }
        }
    }
}

/// Calls `f(base, scale, last_axis_weights)` for every row of the `TAPS^D` stencil along the
/// last axis: `base` its offset in the window from the stencil's corner, `scale` the product
/// of the other axes' weights times `mass`.
fn for_stencil<const D: usize>(
    window: &Window<D>,
    weights: &[[f64; TAPS]; D],
    mass: f64,
    mut f: impl FnMut(usize, f64, &[f64; TAPS]),
) {
    let rows = TAPS.pow(D as u32 - 1);
    for code in 0..rows {
        let mut rest = code;
        let mut base = 0;
        let mut scale = mass;
        for k in (0..D - 1).rev() {
            let t = rest % TAPS;
            rest /= TAPS;
            base += t * window.stride(k);
            scale *= weights[k][t];
        }
        f(base, scale, &weights[D - 1]);
    }
}
