//! The network's predictions, loss and gradient on the host, fused in one pass over the rows
//! and both cores: the CPU path of training and prediction. burn's autodiff of
//! [`super::RbfNetwork::forward`] stays the reference it is tested against and the path on
//! other devices; measured on 1200 rows and 64 neurons in 2-D, it took about 4 ms per loss and
//! gradient where this takes well under one (README, "RBF network").

use std::f64::consts::PI;

use meanfield_core::fast_exp::exp;
use rayon::prelude::*;

/// Defines `fn $name(&self, ..)` calling `$portable` compiled for AVX-512F, for AVX2 + FMA,
/// or as it is, whichever the CPU has (checked at run time), so that its loops vectorise.
macro_rules! multiversion {
    ($(#[$doc:meta])* fn $name:ident / $portable:ident (&self $(, $arg:ident: $ty:ty)*) -> $ret:ty) => {
        $(#[$doc])*
        fn $name(&self $(, $arg: $ty)*) -> $ret {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f")]
                fn avx512(net: &HostNetwork $(, $arg: $ty)*) -> $ret {
                    net.$portable($($arg),*)
                }
                #[target_feature(enable = "avx2,fma")]
                fn avx2(net: &HostNetwork $(, $arg: $ty)*) -> $ret {
                    net.$portable($($arg),*)
                }
                if std::arch::is_x86_feature_detected!("avx512f") {
                    // SAFETY: the CPU has AVX-512F (checked just above).
                    return unsafe { avx512(self $(, $arg)*) };
                }
                if std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
                {
                    // SAFETY: the CPU has AVX2 and FMA (checked just above).
                    return unsafe { avx2(self $(, $arg)*) };
                }
            }
            self.$portable($($arg),*)
        }
    };
}

/// Rows per parallel task, at least.
const ROWS_PER_TASK: usize = 64;
/// Parallel tasks of a loss and gradient, at most: each holds a gradient of its own.
const MAX_TASKS: usize = 64;

/// The parameters of `f(z) = b + (1/N) sum_i a_i phi_{eps_i}(|x_i - z|)` laid out for the
/// row loop: centres by coordinate (`xt[k * N + i]`), `c_i = (2 pi eps_i^2)^(-d/2) / N`,
/// `s_i = 1 / (2 eps_i^2)`.
#[derive(Debug, Clone)]
pub struct HostNetwork {
    n: usize,
    d: usize,
    shared_width: bool,
    xt: Vec<f64>,
    a: Vec<f64>,
    c: Vec<f64>,
    s: Vec<f64>,
    b: f64,
}

/// Weighted sums over rows of the features `phi_k` (without the bias): `gram = sum w phi
/// phi^T` (row-major `[N, N]`), `phi = sum w phi`, `rhs = sum w y phi`,
/// `w = sum w`, `wy = sum w y`: what a least-squares fit of the output weights needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Moments {
    /// `sum_k w_k phi_k phi_k^T`.
    pub gram: Vec<f64>,
    /// `sum_k w_k phi_k`.
    pub phi: Vec<f64>,
    /// `sum_k w_k y_k phi_k`.
    pub rhs: Vec<f64>,
    /// `sum_k w_k`.
    pub w: f64,
    /// `sum_k w_k y_k`.
    pub wy: f64,
}

impl Moments {
    fn zeros(n: usize) -> Self {
        Self {
            gram: vec![0.0; n * n],
            phi: vec![0.0; n],
            rhs: vec![0.0; n],
            w: 0.0,
            wy: 0.0,
        }
    }
}

/// The gradient of the loss in the network's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Gradient {
    /// By centre, row-major `[N, d]`.
    pub centres: Vec<f64>,
    /// By output weight.
    pub weights: Vec<f64>,
    /// By `log eps` (one entry for a shared width).
    pub log_eps: Vec<f64>,
    /// By the bias.
    pub bias: f64,
}

impl Gradient {
    /// All zero, for `n` neurons in `d` dimensions with `widths` widths.
    pub fn zeros(n: usize, d: usize, widths: usize) -> Self {
        Self {
            centres: vec![0.0; n * d],
            weights: vec![0.0; n],
            log_eps: vec![0.0; widths],
            bias: 0.0,
        }
    }

    fn add(mut self, other: &Self) -> Self {
        let add = |a: &mut [f64], b: &[f64]| a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
        add(&mut self.centres, &other.centres);
        add(&mut self.weights, &other.weights);
        add(&mut self.log_eps, &other.log_eps);
        self.bias += other.bias;
        self
    }
}

impl HostNetwork {
    /// From centres `[N, d]` (row-major), weights `[N]`, `log eps` (`[1]` or `[N]`) and bias.
    pub fn new(centres: &[f64], d: usize, weights: &[f64], log_eps: &[f64], bias: f64) -> Self {
        let n = weights.len();
        let width = |i: usize| log_eps[if log_eps.len() == 1 { 0 } else { i }].exp();
        let mut xt = vec![0.0; n * d];
        for i in 0..n {
            for k in 0..d {
                xt[k * n + i] = centres[i * d + k];
            }
        }
        Self {
            n,
            d,
            shared_width: log_eps.len() == 1,
            xt,
            a: weights.to_vec(),
            c: (0..n)
                .map(|i| (2.0 * PI * width(i).powi(2)).powf(-(d as f64) / 2.0) / n as f64)
                .collect(),
            s: (0..n).map(|i| 0.5 / width(i).powi(2)).collect(),
            b: bias,
        }
    }

    /// `r2[i] = |z - x_i|^2` and `e[i] = c_i exp(-s_i r2[i])`; returns `f(z)`.
    #[inline(always)]
    fn features(&self, z: &[f64], r2: &mut [f64], e: &mut [f64]) -> f64 {
        let n = self.n;
        r2.fill(0.0);
        for (k, zk) in z.iter().enumerate() {
            let xs = &self.xt[k * n..(k + 1) * n];
            for (r, x) in r2.iter_mut().zip(xs) {
                let t = zk - x;
                *r += t * t;
            }
        }
        for ((e, r), (c, s)) in e.iter_mut().zip(r2.iter()).zip(self.c.iter().zip(&self.s)) {
            *e = c * exp(-s * r);
        }
        // Eight partial sums, so that the reduction vectorises too.
        let mut acc = [0.0; 8];
        let (ac, ec) = (self.a.chunks_exact(8), e.chunks_exact(8));
        let tail: f64 = ac
            .remainder()
            .iter()
            .zip(ec.remainder())
            .map(|(a, e)| a * e)
            .sum();
        for (a, e) in ac.zip(ec) {
            for l in 0..8 {
                acc[l] += a[l] * e[l];
            }
        }
        self.b + acc.iter().sum::<f64>() + tail
    }

    /// `f(z_k)` for the rows of `z: [K, d]`.
    pub fn predict(&self, z: &[f64]) -> Vec<f64> {
        let d = self.d;
        z.par_chunks(ROWS_PER_TASK * d)
            .flat_map_iter(|rows| {
                let (mut r2, mut e) = (vec![0.0; self.n], vec![0.0; self.n]);
                rows.chunks(d)
                    .map(|zk| self.features(zk, &mut r2, &mut e))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// The features `c_i exp(-s_i |z_k - x_i|^2)` of the rows of `z`, row-major `[K, N]` (the
    /// tests' reference for [`Self::moments`]).
    #[cfg(test)]
    pub fn feature_matrix(&self, z: &[f64]) -> Vec<f64> {
        let (n, d) = (self.n, self.d);
        let mut phi = vec![0.0; z.len() / d * n];
        phi.par_chunks_mut(ROWS_PER_TASK * n)
            .zip(z.par_chunks(ROWS_PER_TASK * d))
            .for_each(|(out, rows)| {
                let mut r2 = vec![0.0; n];
                for (e, zk) in out.chunks_mut(n).zip(rows.chunks(d)) {
                    self.features(zk, &mut r2, e);
                }
            });
        phi
    }

    /// The weighted moments of the features over the rows of `z` (see [`Moments`]): the
    /// features of a block of rows scaled by `sqrt(w_k)` on both cores, then the Gram matrix
    /// of the block by the gemm crate (the kernel of burn's CPU matrix products), blocks in
    /// order (deterministic), at most 4 M features held at once.
    pub fn moments(&self, z: &[f64], y: &[f64], w: &[f64]) -> Moments {
        let (n, d) = (self.n, self.d);
        let mut m = Moments::zeros(n);
        let rows = ((1usize << 22) / n).max(ROWS_PER_TASK);
        let mut f = vec![0.0; rows.min(y.len()) * n];
        for (first, ((zs, ys), ws)) in z
            .chunks(rows * d)
            .zip(y.chunks(rows))
            .zip(w.chunks(rows))
            .enumerate()
        {
            let k = ys.len();
            let f = &mut f[..k * n];
            f.par_chunks_mut(ROWS_PER_TASK * n)
                .zip(zs.par_chunks(ROWS_PER_TASK * d))
                .zip(ws.par_chunks(ROWS_PER_TASK))
                .for_each(|((out, zr), wr)| self.scaled_features(zr, wr, out));
            for ((row, yk), wk) in f.chunks(n).zip(ys).zip(ws) {
                let root = wk.sqrt();
                for ((p, r), v) in m.phi.iter_mut().zip(m.rhs.iter_mut()).zip(row) {
                    *p += root * v;
                    *r += root * yk * v;
                }
                m.w += wk;
                m.wy += wk * yk;
            }
            // Threads pay off from about 10^8 multiply-adds (measured: a 64 x 64 Gram matrix
            // of 2400 rows is faster on one thread than synchronising two).
            let parallelism = if n * n * k >= 100_000_000 {
                gemm::Parallelism::Rayon(rayon::current_num_threads())
            } else {
                gemm::Parallelism::None
            };
            // SAFETY: `f` holds k rows of n values (row-major), `m.gram` n x n; the strides
            // below address exactly those elements: gram (+)= f^T f.
            unsafe {
                gemm::gemm(
                    n,
                    n,
                    k,
                    m.gram.as_mut_ptr(),
                    1,
                    n as isize,
                    first > 0,
                    f.as_ptr(),
                    n as isize,
                    1,
                    f.as_ptr(),
                    1,
                    n as isize,
                    1.0,
                    1.0,
                    false,
                    false,
                    false,
                    parallelism,
                );
            }
        }
        m
    }

    multiversion! {
        /// [`Self::scaled_features_portable`] for the widest vector unit the CPU has.
        fn scaled_features / scaled_features_portable(&self, zs: &[f64], ws: &[f64], out: &mut [f64]) -> ()
    }

    /// `sqrt(w_k)` times the features of the rows of `zs`, into `out: [K, N]`.
    #[inline(always)]
    fn scaled_features_portable(&self, zs: &[f64], ws: &[f64], out: &mut [f64]) {
        let mut r2 = vec![0.0; self.n];
        for ((zk, wk), e) in zs.chunks(self.d).zip(ws).zip(out.chunks_mut(self.n)) {
            self.features(zk, &mut r2, e);
            let root = wk.sqrt();
            e.iter_mut().for_each(|v| *v *= root);
        }
    }

    /// `1/2 sum_k w_k (f(z_k) - y_k)^2` and its gradient.
    pub fn loss_and_gradient(&self, z: &[f64], y: &[f64], w: &[f64]) -> (f64, Gradient) {
        let (n, d) = (self.n, self.d);
        // Blocks that depend on the row count only, collected and summed in order: the same
        // bits whatever the scheduling, and at most MAX_TASKS partial gradients in memory.
        let rows = ROWS_PER_TASK.max(y.len().div_ceil(MAX_TASKS));
        let parts: Vec<(f64, Gradient)> = z
            .par_chunks(rows * d)
            .zip(y.par_chunks(rows).zip(w.par_chunks(rows)))
            .map(|(rows, (ys, ws))| self.chunk(rows, ys, ws))
            .collect();
        let (loss, mut grad) = parts
            .iter()
            .fold((0.0, Gradient::zeros(n, d, n)), |(la, ga), (lb, gb)| {
                (la + lb, ga.add(gb))
            });
        if self.shared_width {
            grad.log_eps = vec![grad.log_eps.iter().sum()];
        }
        (loss, grad)
    }

    multiversion! {
        /// [`Self::chunk_portable`] for the widest vector unit the CPU has.
        fn chunk / chunk_portable(&self, rows: &[f64], ys: &[f64], ws: &[f64]) -> (f64, Gradient)
    }

    /// The loss and gradient of a chunk of rows (the gradient's `log_eps` per neuron).
    #[inline(always)]
    fn chunk_portable(&self, rows: &[f64], ys: &[f64], ws: &[f64]) -> (f64, Gradient) {
        let (n, d) = (self.n, self.d);
        let mut grad = Gradient::zeros(n, d, n);
        let mut gxt = vec![0.0; n * d];
        let (mut r2, mut e, mut t) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        let mut loss = 0.0;
        for (zk, (yk, wk)) in rows.chunks(d).zip(ys.iter().zip(ws)) {
            let residual = self.features(zk, &mut r2, &mut e) - yk;
            loss += 0.5 * wk * residual * residual;
            let g = wk * residual;
            grad.bias += g;
            let two_d = d as f64;
            for ((((ga, gl), ti), (ei, ri)), (ai, si)) in grad
                .weights
                .iter_mut()
                .zip(grad.log_eps.iter_mut())
                .zip(t.iter_mut())
                .zip(e.iter().zip(r2.iter()))
                .zip(self.a.iter().zip(self.s.iter()))
            {
                *ga += g * ei;
                let u = g * ai * ei;
                *gl += u * (2.0 * si * ri - two_d);
                *ti = 2.0 * si * u;
            }
            for (k, z) in zk.iter().enumerate() {
                let xs = &self.xt[k * n..(k + 1) * n];
                let gs = &mut gxt[k * n..(k + 1) * n];
                for ((g, x), ti) in gs.iter_mut().zip(xs).zip(&t) {
                    *g += ti * (z - x);
                }
            }
        }
        for i in 0..n {
            for k in 0..d {
                grad.centres[i * d + k] = gxt[k * n + i];
            }
        }
        (loss, grad)
    }
}
