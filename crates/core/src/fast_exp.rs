//! A branch-free `exp` that the compiler vectorises over lanes (plain f64 arithmetic and
//! integer bit operations only, no libm call), within 2 ulp of `f64::exp` on [-708, 708].

use std::f64::consts::LOG2_E;

/// `1.5 * 2^52`: adding it rounds to an integer held in the low mantissa bits.
const ROUND: f64 = 6_755_399_441_055_744.0;
/// `ln 2` split so that `k * LN2_HI` is exact for |k| < 2^11 (fdlibm's constants).
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);

/// `e^x`; arguments are clamped to [-708, 708] (below: about 3e-308 instead of 0).
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    exp_with::<false>(x)
}

/// [`exp`], its polynomial in fused multiply-adds when `FMA`. Take `FMA` only in code compiled
/// for a target with FMA (`#[target_feature(enable = "fma")]`): elsewhere `mul_add` is a slow
/// library call.
#[inline(always)]
pub fn exp_with<const FMA: bool>(x: f64) -> f64 {
    let x = x.clamp(-708.0, 708.0);
    let t = x * LOG2_E + ROUND;
    let k = t - ROUND;
    let r = (x - k * LN2_HI) - k * LN2_LO;
    // Taylor series of e^r on |r| <= ln(2)/2 to degree 13 (remainder below 2e-17).
    let mut p: f64 = 1.0 / 6_227_020_800.0;
    for c in [
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
        p = if FMA { p.mul_add(r, c) } else { p * r + c };
    }
    // 2^k: the integer k sits in t's low mantissa bits; add the exponent bias and shift it
    // into the exponent field.
    p * f64::from_bits(t.to_bits().wrapping_add(1023) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Within 2 ulp of the standard library over the range the pair loops use, and 0-like
    /// below it.
    #[test]
    fn matches_std_exp() {
        let mut worst: f64 = 0.0;
        for i in 0..=200_000 {
            let x = -708.0 + 716.0 * i as f64 / 200_000.0;
            let (a, b) = (exp(x), x.exp());
            worst = worst.max((a - b).abs() / b);
        }
        assert!(worst < 4.5e-16, "relative error {worst}");
        assert!(exp(-1e4) < 1e-300 && exp(-1e4) >= 0.0);
        assert_eq!(exp(0.0), 1.0);
    }

    /// The fused polynomial within 2 ulp as well (`mul_add` is exact in software where the
    /// CPU lacks FMA, so this holds on every machine).
    #[test]
    fn fused_matches_std_exp() {
        let worst = (0..=200_000)
            .map(|i| -708.0 + 716.0 * i as f64 / 200_000.0)
            .map(|x: f64| (exp_with::<true>(x) - x.exp()).abs() / x.exp())
            .fold(0.0, f64::max);
        assert!(worst < 4.5e-16, "relative error {worst}");
    }
}
