//! The pair loop: one row `x_i` against a contiguous range of particles (structure of
//! arrays), `LANES` pairs at a time in fixed-size arrays so that the compiler vectorises
//! the arithmetic and [`exp_with`], compiled for AVX-512 and AVX2 (each with FMA) as well and
//! chosen at run time.

use std::ops::Range;

use super::factor::Factor;
use meanfield_core::fast_exp::exp_with;

/// Pairs evaluated together (8 f64: one AVX-512 register, two AVX2 registers).
const LANES: usize = 8;

/// The pair factor `phi_{sqrt2 eps}(r) = norm exp(-|r|^2 / (4 eps^2))`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PairFactor {
    norm: f64,
    /// `1 / (4 eps^2)`.
    inv4: f64,
    /// `1 / (2 eps^2)`: `grad_a phi = -phi r / (2 eps^2)`.
    inv2: f64,
}

impl PairFactor {
    /// For mollifier width `eps` in dimension `d`.
    pub(crate) fn new(eps: f64, d: usize) -> Self {
        let var = 2.0 * eps * eps;
        Self {
            norm: (2.0 * std::f64::consts::PI * var).powf(-(d as f64) / 2.0),
            inv4: 0.25 / (eps * eps),
            inv2: 0.5 / (eps * eps),
        }
    }
}

/// Positions by axis and masses.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Soa<'a, const D: usize> {
    pub x: [&'a [f64]; D],
    pub m: &'a [f64],
}

/// Particle `i`: position, mass.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row<const D: usize> {
    pub x: [f64; D],
    pub m: f64,
}

/// `sum_{j in range} m_i m_j I(x_i, x_j)`; adds `m_i m_j grad_a I` into `gi` and
/// `m_i m_j grad_b I` into `g[.][j]`.
pub(crate) fn row<F: Factor<D>, const D: usize>(
    factor: &F,
    pair: PairFactor,
    i: Row<D>,
    soa: Soa<'_, D>,
    range: Range<usize>,
    gi: &mut [f64; D],
    g: &mut [Vec<f64>; D],
) -> f64 {
    #[cfg(target_arch = "x86_64")]
    {
        let fma = std::arch::is_x86_feature_detected!("fma");
        if fma && std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F and FMA (checked just above).
            return unsafe { row_avx512(factor, pair, i, soa, range, gi, g) };
        }
        if fma && std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2 and FMA (checked just above).
            return unsafe { row_avx2(factor, pair, i, soa, range, gi, g) };
        }
    }
    row_portable::<F, D, false>(factor, pair, i, soa, range, gi, g)
}

/// [`row_portable`] compiled with the target features `$feature`, which include FMA.
macro_rules! row_with_feature {
    ($name:ident, $feature:literal) => {
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = $feature)]
        fn $name<F: Factor<D>, const D: usize>(
            factor: &F,
            pair: PairFactor,
            i: Row<D>,
            soa: Soa<'_, D>,
            range: Range<usize>,
            gi: &mut [f64; D],
            g: &mut [Vec<f64>; D],
        ) -> f64 {
            row_portable::<F, D, true>(factor, pair, i, soa, range, gi, g)
        }
    };
}

row_with_feature!(row_avx512, "avx512f,fma");
row_with_feature!(row_avx2, "avx2,fma");

/// The pair loop; `FMA`: fused multiply-adds in `exp` (only where the target has FMA).
#[inline(always)]
fn row_portable<F: Factor<D>, const D: usize, const FMA: bool>(
    factor: &F,
    pair: PairFactor,
    i: Row<D>,
    soa: Soa<'_, D>,
    range: Range<usize>,
    gi: &mut [f64; D],
    g: &mut [Vec<f64>; D],
) -> f64 {
    let mut energy = [0.0; LANES];
    let mut grad = [[0.0; LANES]; D];
    let mut j = range.start;
    while j + LANES <= range.end {
        lanes::<F, D, LANES, FMA>(factor, pair, i, soa, j, &mut energy, &mut grad, g);
        j += LANES;
    }
    let mut energy_tail = [0.0; 1];
    let mut grad_tail = [[0.0; 1]; D];
    while j < range.end {
        lanes::<F, D, 1, FMA>(factor, pair, i, soa, j, &mut energy_tail, &mut grad_tail, g);
        j += 1;
    }
    for k in 0..D {
        gi[k] += grad[k].iter().sum::<f64>() + grad_tail[k][0];
    }
    energy.iter().sum::<f64>() + energy_tail[0]
}

/// The least exponent whose pair terms are summed: `e^-600` is `3e-261` of the pair's own
/// peak, far below any sum's last bit, and every product of it with masses and distances stays
/// a normal number.
const UNDERFLOW: f64 = -600.0;

/// Pairs `(i, j0 + l)` for `l < L`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn lanes<F: Factor<D>, const D: usize, const L: usize, const FMA: bool>(
    factor: &F,
    pair: PairFactor,
    i: Row<D>,
    soa: Soa<'_, D>,
    j0: usize,
    energy: &mut [f64; L],
    grad_i: &mut [[f64; L]; D],
    g: &mut [Vec<f64>; D],
) {
    let m = &soa.m[j0..j0 + L];
    let mut r = [[0.0; L]; D];
    let mut mid = [[0.0; L]; D];
    let mut r2 = [0.0; L];
    for k in 0..D {
        let x = &soa.x[k][j0..j0 + L];
        for l in 0..L {
            r[k][l] = i.x[k] - x[l];
            mid[k][l] = 0.5 * (i.x[k] + x[l]);
            r2[l] += r[k][l] * r[k][l];
        }
    }
    let (j_value, j_grad) = factor.eval_lanes(&mid);
    // w: the pair factor times both masses; v: the pair's term m_i m_j I.
    let mut w = [0.0; L];
    let mut v = [0.0; L];
    for l in 0..L {
        let log_j = if F::LOG { j_value[l] } else { 0.0 };
        let a = log_j - r2[l] * pair.inv4;
        // Below e^UNDERFLOW the pair's terms are taken as 0: their products with the masses
        // would be subnormal numbers, which cost a microcode assist each on Intel CPUs.
        // (A select after the exp, not a branch around it, so that the lanes vectorise.)
        let e = exp_with::<FMA>(a);
        let e = if a < UNDERFLOW { 0.0 } else { e };
        w[l] = pair.norm * i.m * m[l] * e;
        v[l] = if F::LOG { w[l] } else { w[l] * j_value[l] };
        energy[l] += v[l];
    }
    for k in 0..D {
        let gk = &mut g[k][j0..j0 + L];
        for l in 0..L {
            // grad J = J grad log J in the logarithmic form.
            let shared = 0.5 * if F::LOG { v[l] } else { w[l] } * j_grad[k][l];
            let radial = v[l] * r[k][l] * pair.inv2;
            grad_i[k][l] += shared - radial;
            gk[l] += shared + radial;
        }
    }
}

/// The diagonal term `1/2 m_i^2 I(x_i, x_i)`; adds its gradient into `gi`.
#[inline]
pub(crate) fn diagonal<F: Factor<D>, const D: usize>(
    factor: &F,
    pair: PairFactor,
    i: Row<D>,
    gi: &mut [f64; D],
) -> f64 {
    let (j, grad) = factor.eval(&i.x);
    let w = pair.norm * i.m * i.m;
    let value = if F::LOG { w * j.exp() } else { w * j };
    let scale = if F::LOG { value } else { w };
    for k in 0..D {
        gi[k] += 0.5 * scale * grad[k];
    }
    0.5 * value
}
