//! Maximum mean discrepancy with a Gaussian kernel.

use rayon::prelude::*;

use crate::{CoreError, Points, Result};

fn mean_kernel(a: &Points, b: &Points, h: f64) -> f64 {
    let c = -0.5 / (h * h);
    let sum: f64 = a
        .as_slice()
        .par_chunks(a.d())
        .map(|x| {
            b.iter()
                .map(|y| (c * x.iter().zip(y).map(|(u, v)| (u - v) * (u - v)).sum::<f64>()).exp())
                .sum::<f64>()
        })
        .sum();
    sum / (a.n() * b.n()) as f64
}

/// `MMD(a, b)` with `k(x, y) = exp(-|x - y|^2 / (2 h^2))`, the biased (V-statistic) estimate:
/// `sqrt(mean k(a,a) + mean k(b,b) - 2 mean k(a,b))`.
///
/// # Errors
/// [`CoreError::Shape`] when the dimensions differ.
pub fn mmd_gaussian(a: &Points, b: &Points, h: f64) -> Result<f64> {
    if a.d() != b.d() {
        return Err(CoreError::Shape(format!(
            "point clouds have dimensions {} and {}",
            a.d(),
            b.d()
        )));
    }
    let squared = mean_kernel(a, a, h) + mean_kernel(b, b, h) - 2.0 * mean_kernel(a, b, h);
    Ok(squared.max(0.0).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two single points: MMD^2 = 2 - 2 exp(-r^2 / (2 h^2)).
    #[test]
    fn two_diracs() {
        let a = Points::new(2, vec![0.0, 0.0]).unwrap();
        let b = Points::new(2, vec![0.3, 0.4]).unwrap();
        let exact = (2.0 - 2.0 * (-0.25f64 / 0.5).exp()).sqrt();
        assert!((mmd_gaussian(&a, &b, 0.5).unwrap() - exact).abs() < 1e-14);
        assert_eq!(mmd_gaussian(&a, &a, 0.5).unwrap(), 0.0);
    }
}
