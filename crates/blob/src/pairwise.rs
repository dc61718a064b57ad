//! `1/2 sum_ij m_i m_j I(x_i, x_j)` and its gradient: tiles of rows differentiated by autodiff
//! (the reference), a fused host loop, and the random batch method.
//!
//! Tile of rows T: `E_T = sum_{i in T} m_i sum_j m_j I(x_i, x_j)` with the other positions held
//! constant. `I` is symmetric, so `grad_{x_T} E_T = grad_{x_T} E` and `E = 1/2 sum_T E_T`:
//! one backward pass per tile, memory O(N x tile). The diagonal `j = i` is part of the sum
//! (for a non-constant target `I(x, x)` depends on x).

use std::sync::Mutex;

use burn::tensor::{Int, Tensor, TensorData};
use meanfield_core::RunRng;
use meanfield_core::energy::Evaluation;
use meanfield_core::{Points, host_vec, tensor_from};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rayon::prelude::*;

use crate::engine::{MAX_ENGINE_DIM, PairEngine};
use crate::overlap::{Overlap, PairGrads};

/// The pairwise blob energy over an [`Overlap`].
#[derive(Debug)]
pub struct PairwiseBlob {
    overlap: Box<dyn Overlap>,
    engine: Option<PairEngine>,
    tile: usize,
    evaluation: Evaluation,
    batch: usize,
    rng: Mutex<RunRng>,
}

impl PairwiseBlob {
    /// `batch = 0` sums over all pairs; `batch = p >= 2` uses random batches of size p in the
    /// gradient (the energy value is always the full sum); `seed` drives the shuffles.
    pub fn new(
        overlap: Box<dyn Overlap>,
        tile: usize,
        evaluation: Evaluation,
        batch: usize,
        seed: u64,
    ) -> Self {
        Self {
            overlap,
            engine: None,
            tile: tile.max(1),
            evaluation,
            batch,
            rng: Mutex::new(RunRng::seed_from_u64(seed)),
        }
    }

    /// The full sums on the host by `engine` (d <= 3) instead of the generic fused loop.
    pub fn with_engine(mut self, engine: PairEngine) -> Self {
        self.engine = Some(engine);
        self
    }

    fn fused(&self, x: &Tensor<2>) -> bool {
        self.evaluation.is_fused_on(&x.device())
    }

    /// The full energy and gradient.
    ///
    /// # Shapes
    /// `x: [n, d]`, `m: [n]` -> `(E, [n, d])`.
    pub fn value_and_gradient(&self, x: &Tensor<2>, m: &Tensor<1>) -> (f64, Tensor<2>) {
        let [n, d] = x.dims();
        if let Some(engine) = self
            .engine
            .as_ref()
            .filter(|_| d <= MAX_ENGINE_DIM && self.fused(x))
        {
            let points = Points::from_tensor(x);
            let (energy, grad) =
                engine.value_and_gradient(points.as_slice(), &host_vec(m.clone()), d);
            (energy, tensor_from(grad, [n, d], &x.device()))
        } else if self.fused(x) {
            self.host_symmetric(x, m)
        } else {
            self.tensor(x, m)
        }
    }

    /// Fused host evaluation of the full sum through the [`Overlap`] (any dimension; the
    /// [`PairEngine`] is the fast path for d <= 3), each pair `i < j` evaluated once
    /// (symmetry), parallel over rows with one gradient buffer per worker.
    pub fn host_symmetric(&self, x: &Tensor<2>, m: &Tensor<1>) -> (f64, Tensor<2>) {
        let points = Points::from_tensor(x);
        let masses = host_vec(m.clone());
        let (n, d) = (points.n(), points.d());
        let xs = points.as_slice();
        let (energy, grad) = (0..n)
            .into_par_iter()
            .fold(
                || (0.0, vec![0.0; n * d]),
                |(mut energy, mut grad), i| {
                    let xi = &xs[i * d..(i + 1) * d];
                    let mi = masses[i];
                    let (head, tail) = grad.split_at_mut((i + 1) * d);
                    let gi = &mut head[i * d..];
                    energy += 0.5 * mi * mi * self.overlap.value_and_grad(xi, xi, mi * mi, gi);
                    for j in i + 1..n {
                        let c = mi * masses[j];
                        let gj = &mut tail[(j - i - 1) * d..(j - i) * d];
                        let grads = PairGrads { a: gi, b: gj };
                        energy +=
                            c * self
                                .overlap
                                .value_and_grads(xi, &xs[j * d..(j + 1) * d], c, grads);
                    }
                    (energy, grad)
                },
            )
            .reduce(
                || (0.0, vec![0.0; n * d]),
                |(e1, mut g1), (e2, g2)| {
                    g1.iter_mut().zip(g2).for_each(|(a, b)| *a += b);
                    (e1 + e2, g1)
                },
            );
        (energy, tensor_from(grad, [n, d], &x.device()))
    }

    /// The gradient: the full sum, or one random-batch estimate when `batch >= 2`.
    pub fn gradient(&self, x: &Tensor<2>, m: &Tensor<1>) -> Tensor<2> {
        let n = x.dims()[0];
        if self.batch < 2 || self.batch >= n {
            return self.value_and_gradient(x, m).1;
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut *self.rng.lock().expect("rng lock"));
        let mut groups: Vec<Vec<usize>> = order.chunks(self.batch).map(<[usize]>::to_vec).collect();
        // A last short batch joins the one before it (every batch has >= 2 particles).
        if groups.len() > 1 && groups.last().is_some_and(|g| g.len() < self.batch) {
            let last = groups.pop().expect("non-empty");
            groups.last_mut().expect("non-empty").extend(last);
        }
        let scale = (n - 1) as f64 / (self.batch - 1) as f64;
        if self.fused(x) {
            self.host_groups(x, m, &groups, scale).1
        } else {
            self.tensor_groups(x, m, &groups, scale)
        }
    }

    /// Reference: tiles of rows against all particles, differentiated by autodiff.
    pub fn tensor(&self, x: &Tensor<2>, m: &Tensor<1>) -> (f64, Tensor<2>) {
        let n = x.dims()[0];
        let others = x.clone().autodiff();
        let m_others = m.clone().autodiff();
        let mut energy = 0.0;
        let mut grads = Vec::new();
        for start in (0..n).step_by(self.tile) {
            let rows = self.tile.min(n - start);
            let (e, g) = self.tile_gradient(
                x.clone().narrow(0, start, rows),
                m.clone().narrow(0, start, rows),
                others.clone(),
                m_others.clone(),
                None,
            );
            energy += 0.5 * e;
            grads.push(g);
        }
        (energy, Tensor::cat(grads, 0))
    }

    /// `sum_{i in rows} m_i sum_j w_ij m_j I(x_i, x_j)` and its gradient in the rows.
    fn tile_gradient(
        &self,
        rows: Tensor<2>,
        m_rows: Tensor<1>,
        others: Tensor<2>,
        m_others: Tensor<1>,
        weights: Option<Tensor<2>>,
    ) -> (f64, Tensor<2>) {
        let rows = rows.autodiff().require_grad();
        let mut pairs = self.overlap.tensor(rows.clone(), others) * m_others.unsqueeze_dim::<2>(0);
        if let Some(w) = weights {
            pairs = pairs * w.autodiff();
        }
        let e = (pairs.sum_dim(1) * m_rows.autodiff().unsqueeze_dim::<2>(1)).sum();
        let g = e.backward();
        let grad = rows.grad(&g).expect("rows require grad");
        (e.into_scalar::<f64>(), grad)
    }

    /// Random batches on the tensor path: each batch against itself, weights `scale` off the
    /// diagonal.
    fn tensor_groups(
        &self,
        x: &Tensor<2>,
        m: &Tensor<1>,
        groups: &[Vec<usize>],
        scale: f64,
    ) -> Tensor<2> {
        let device = x.device();
        let index = |idx: &[usize]| {
            let data: Vec<i64> = idx.iter().map(|i| *i as i64).collect();
            Tensor::<1, Int>::from_data(TensorData::new(data, [idx.len()]), &device)
        };
        let mut grads = Vec::new();
        for group in groups {
            let p = group.len();
            let mut w = vec![scale; p * p];
            for i in 0..p {
                w[i * p + i] = 1.0;
            }
            let xb = x.clone().select(0, index(group));
            let mb = m.clone().select(0, index(group));
            let (_, g) = self.tile_gradient(
                xb.clone(),
                mb.clone(),
                xb.autodiff(),
                mb.autodiff(),
                Some(tensor_from::<2>(w, [p, p], &device)),
            );
            grads.push(g);
        }
        let order: Vec<usize> = groups.iter().flatten().copied().collect();
        let mut inverse = vec![0; order.len()];
        for (pos, i) in order.iter().enumerate() {
            inverse[*i] = pos;
        }
        Tensor::cat(grads, 0).select(0, index(&inverse))
    }

    /// Host loop over groups (all particles: one group), parallel over rows; pairs inside a
    /// group weighted `scale` off the diagonal.
    fn host_groups(
        &self,
        x: &Tensor<2>,
        m: &Tensor<1>,
        groups: &[Vec<usize>],
        scale: f64,
    ) -> (f64, Tensor<2>) {
        let points = Points::from_tensor(x);
        let masses = host_vec(m.clone());
        let (n, d) = (points.n(), points.d());
        let xs = points.as_slice();
        let work: Vec<(usize, &[usize])> = groups
            .iter()
            .flat_map(|g| g.iter().map(move |i| (*i, g.as_slice())))
            .collect();
        let rows: Vec<(usize, f64, Vec<f64>)> = work
            .par_iter()
            .map(|&(i, group)| {
                let xi = &xs[i * d..(i + 1) * d];
                let mut gi = vec![0.0; d];
                let mut ei = 0.0;
                for &j in group {
                    let w = if j == i { 1.0 } else { scale };
                    let c = w * masses[j];
                    ei += c * self
                        .overlap
                        .value_and_grad(xi, &xs[j * d..(j + 1) * d], c, &mut gi);
                }
                gi.iter_mut().for_each(|g| *g *= masses[i]);
                (i, 0.5 * masses[i] * ei, gi)
            })
            .collect();
        let mut grad = vec![0.0; n * d];
        let mut energy = 0.0;
        for (i, e, g) in rows {
            energy += e;
            grad[i * d..(i + 1) * d].copy_from_slice(&g);
        }
        (energy, tensor_from(grad, [n, d], &x.device()))
    }
}

#[cfg(test)]
mod tests {
    use meanfield_core::{cpu_device, tensor_from};

    use super::*;
    use crate::overlap::{Cell, CellsOverlap, FlatOverlap, GaussianOverlap};

    fn overlaps() -> Vec<Box<dyn Overlap>> {
        vec![
            Box::new(FlatOverlap::new(0.2, 2)),
            Box::new(CellsOverlap::new(
                0.2,
                vec![
                    Cell {
                        lo: vec![-1.0, -1.0],
                        hi: vec![0.0, 1.0],
                        height: 0.2,
                    },
                    Cell {
                        lo: vec![0.0, -1.0],
                        hi: vec![1.0, 1.0],
                        height: 0.3,
                    },
                ],
                0.01,
            )),
            Box::new(GaussianOverlap::new(0.2, vec![0.1, -0.1], &[0.6, 0.4]).unwrap()),
        ]
    }

    fn cloud(n: usize) -> (Tensor<2>, Tensor<1>, Vec<f64>) {
        let device = cpu_device();
        let xs: Vec<f64> = (0..2 * n)
            .map(|i| (((i * 7919) % 101) as f64 / 101.0 - 0.5) * 1.6)
            .collect();
        let masses: Vec<f64> = (0..n)
            .map(|i| (1.0 + (i % 3) as f64) / (2.0 * n as f64))
            .collect();
        (
            tensor_from(xs.clone(), [n, 2], &device),
            tensor_from(masses, [n], &device),
            xs,
        )
    }

    fn assert_close(a: &[f64], b: &[f64], tol: f64) {
        for (u, v) in a.iter().zip(b) {
            assert!((u - v).abs() < tol * u.abs().max(1.0), "{u} vs {v}");
        }
    }

    /// The fused host loops (per row, and over pairs by symmetry) equal the autodiff reference (uneven tiles, unequal masses), and the
    /// reference gradient equals central differences of the energy, for every closed form.
    #[test]
    fn fused_equals_autodiff_and_differences() {
        let (x, m, xs) = cloud(23);
        for overlap in overlaps() {
            let blob = PairwiseBlob::new(overlap, 5, Evaluation::Tensor, 0, 0);
            let (e1, g1) = blob.tensor(&x, &m);
            let all: Vec<usize> = (0..23).collect();
            let (e2, g2) = blob.host_groups(&x, &m, &[all], 1.0);
            let (e3, g3) = blob.host_symmetric(&x, &m);
            assert!((e1 - e2).abs() < 1e-10 * e1.abs(), "{e1} vs {e2}");
            assert!((e1 - e3).abs() < 1e-10 * e1.abs(), "{e1} vs {e3}");
            let g1 = host_vec(g1);
            assert_close(&g1, &host_vec(g2), 1e-9);
            assert_close(&g1, &host_vec(g3), 1e-9);
            for idx in [0, 9, 45] {
                let shifted = |h: f64| {
                    let mut v = xs.clone();
                    v[idx] += h;
                    blob.tensor(&tensor_from(v, [23, 2], &x.device()), &m).0
                };
                let fd = (shifted(1e-6) - shifted(-1e-6)) / 2e-6;
                assert!(
                    (fd - g1[idx]).abs() < 1e-6 * fd.abs().max(1.0),
                    "{fd} vs {}",
                    g1[idx]
                );
            }
        }
    }

    /// Random batches: host and tensor paths agree on the same batches, and the estimate is
    /// unbiased (its mean over many shuffles approaches the full gradient).
    #[test]
    fn random_batches_agree_and_are_unbiased() {
        let (x, m, _) = cloud(24);
        let groups = vec![(0..8).collect::<Vec<_>>(), (8..24).rev().collect()];
        let blob = PairwiseBlob::new(
            Box::new(FlatOverlap::new(0.3, 2)),
            7,
            Evaluation::Fused,
            4,
            1,
        );
        let host = host_vec(blob.host_groups(&x, &m, &groups, 3.0).1);
        let tensor = host_vec(blob.tensor_groups(&x, &m, &groups, 3.0));
        assert_close(&host, &tensor, 1e-9);
        let full = host_vec(blob.value_and_gradient(&x, &m).1);
        let draws = 3000;
        let mut mean = vec![0.0; full.len()];
        for _ in 0..draws {
            for (a, g) in mean.iter_mut().zip(host_vec(blob.gradient(&x, &m))) {
                *a += g / draws as f64;
            }
        }
        let scale = full.iter().map(|g| g.abs()).fold(0.0, f64::max);
        for (a, f) in mean.iter().zip(&full) {
            assert!((a - f).abs() < 0.05 * scale, "{a} vs {f} (scale {scale})");
        }
    }
}
