//! Weighted Gaussian sums over a point cloud and their slopes,
//! `sum_j w_j e^{-|y - z_j|^2 s}` and `sum_j w_j e^{-|y - z_j|^2 s} (y - z_j)`: the hot loop of
//! the fused objective. Eight points at a time in fixed-size arrays, so that the compiler
//! vectorises the arithmetic and core's branch-free exp, compiled for AVX-512 and for AVX2
//! (each with FMA) as well and chosen at run time. The libm loop it replaced stays as the
//! reference in the tests.

use meanfield_core::fast_exp::exp_with;

/// Points evaluated together (8 f64: one AVX-512 register, two AVX2 registers).
const LANES: usize = 8;

/// The least exponent whose terms are summed. `e^-600` is `3e-261` of the peak, far below any
/// sum's last bit, and the products of larger terms with weights and distances stay normal
/// numbers (subnormal ones cost a microcode assist each on Intel CPUs).
const UNDERFLOW: f64 = -600.0;

/// A weighted point cloud by coordinate.
#[derive(Debug, Clone)]
pub(crate) struct Cloud<const D: usize> {
    x: [Vec<f64>; D],
    w: Vec<f64>,
}

impl<const D: usize> Cloud<D> {
    /// The points of `rows` (row-major, `D` per point) with `weights` (1 each where `None`).
    pub(crate) fn new(rows: &[f64], weights: Option<&[f64]>) -> Self {
        let n = rows.len() / D;
        let x = std::array::from_fn(|k| (0..n).map(|j| rows[j * D + k]).collect());
        let w = weights.map_or_else(|| vec![1.0; n], <[f64]>::to_vec);
        Self { x, w }
    }

    /// `(sum_j w_j e_j, sum_j w_j e_j (y - z_j))` with `e_j = exp(-|y - z_j|^2 s)`, each sum
    /// in a fixed order (the same bits on every call).
    pub(crate) fn sum(&self, y: [f64; D], s: f64) -> (f64, [f64; D]) {
        #[cfg(target_arch = "x86_64")]
        {
            let fma = std::arch::is_x86_feature_detected!("fma");
            if fma && std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU has AVX-512F and FMA (checked just above).
                return unsafe { self.sum_avx512(y, s) };
            }
            if fma && std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2 and FMA (checked just above).
                return unsafe { self.sum_avx2(y, s) };
            }
        }
        self.sum_portable::<false>(y, s)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,fma")]
    fn sum_avx512(&self, y: [f64; D], s: f64) -> (f64, [f64; D]) {
        self.sum_portable::<true>(y, s)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn sum_avx2(&self, y: [f64; D], s: f64) -> (f64, [f64; D]) {
        self.sum_portable::<true>(y, s)
    }

    /// The loop; `FMA`: fused multiply-adds in `exp` (only where the target has FMA).
    #[inline(always)]
    fn sum_portable<const FMA: bool>(&self, y: [f64; D], s: f64) -> (f64, [f64; D]) {
        let n = self.w.len();
        let mut value = [0.0; LANES];
        let mut slope = [[0.0; LANES]; D];
        let mut j = 0;
        while j + LANES <= n {
            self.lanes::<LANES, FMA>(y, s, j, &mut value, &mut slope);
            j += LANES;
        }
        let mut value_tail = [0.0; 1];
        let mut slope_tail = [[0.0; 1]; D];
        while j < n {
            self.lanes::<1, FMA>(y, s, j, &mut value_tail, &mut slope_tail);
            j += 1;
        }
        let slope = std::array::from_fn(|k| slope[k].iter().sum::<f64>() + slope_tail[k][0]);
        (value.iter().sum::<f64>() + value_tail[0], slope)
    }

    /// Points `j0..j0 + L`, added into the lanes' partial sums.
    #[inline(always)]
    fn lanes<const L: usize, const FMA: bool>(
        &self,
        y: [f64; D],
        s: f64,
        j0: usize,
        value: &mut [f64; L],
        slope: &mut [[f64; L]; D],
    ) {
        let mut r = [[0.0; L]; D];
        let mut r2 = [0.0; L];
        for k in 0..D {
            let x = &self.x[k][j0..j0 + L];
            for l in 0..L {
                r[k][l] = y[k] - x[l];
                r2[l] += r[k][l] * r[k][l];
            }
        }
        let w = &self.w[j0..j0 + L];
        let mut term = [0.0; L];
        for l in 0..L {
            let a = -r2[l] * s;
            // A select after the exp, not a branch around it, so that the lanes vectorise.
            let e = exp_with::<FMA>(a);
            let e = if a < UNDERFLOW { 0.0 } else { e };
            term[l] = w[l] * e;
            value[l] += term[l];
        }
        for k in 0..D {
            for l in 0..L {
                slope[k][l] += term[l] * r[k][l];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The libm sums, term by term.
    fn reference<const D: usize>(rows: &[f64], w: &[f64], y: [f64; D], s: f64) -> (f64, [f64; D]) {
        let mut value = 0.0;
        let mut slope = [0.0; D];
        for (z, w) in rows.chunks(D).zip(w) {
            let r: [f64; D] = std::array::from_fn(|k| y[k] - z[k]);
            let e = w * (-r.iter().map(|v| v * v).sum::<f64>() * s).exp();
            value += e;
            for k in 0..D {
                slope[k] += e * r[k];
            }
        }
        (value, slope)
    }

    fn check<const D: usize>(n: usize) {
        let rows: Vec<f64> = (0..n * D).map(|k| (k as f64 * 0.7).sin()).collect();
        let w: Vec<f64> = (0..n).map(|j| 0.5 + (j as f64 * 1.3).cos().abs()).collect();
        let cloud = Cloud::<D>::new(&rows, Some(&w));
        for s in [0.5, 40.0, 1e6] {
            let y = std::array::from_fn(|k| 0.1 * k as f64 - 0.2);
            let (value, slope) = cloud.sum(y, s);
            let (v0, s0) = reference(&rows, &w, y, s);
            assert!(
                (value - v0).abs() <= 1e-13 * v0.abs().max(1e-300),
                "{value} vs {v0}"
            );
            for k in 0..D {
                let scale = s0.iter().map(|v| v.abs()).fold(v0, f64::max).max(1e-300);
                assert!(
                    (slope[k] - s0[k]).abs() <= 1e-13 * scale,
                    "{} vs {}",
                    slope[k],
                    s0[k]
                );
            }
        }
    }

    /// The vectorised sums equal libm's, in 1-3 dimensions, with a tail shorter than the lanes,
    /// for widths from wide to far narrower than the spacing.
    #[test]
    fn vectorised_sums_equal_the_libm_loop() {
        check::<1>(37);
        check::<2>(100);
        check::<3>(5);
    }

    /// Unit weights where none are given; far points add exactly 0.
    #[test]
    fn far_points_add_nothing() {
        let cloud = Cloud::<2>::new(&[0.0, 0.0, 100.0, 0.0], None);
        let (value, slope) = cloud.sum([0.0, 0.0], 1.0);
        assert_eq!(value, 1.0);
        assert_eq!(slope, [0.0, 0.0]);
    }
}
