//! Mean and covariance of a weighted point cloud.

use crate::Points;

/// Weighted mean (`weights = None`: equal weights).
pub fn mean(points: &Points, weights: Option<&[f64]>) -> Vec<f64> {
    let total: f64 = weights.map_or(points.n() as f64, |w| w.iter().sum());
    let mut m = vec![0.0; points.d()];
    for (i, x) in points.iter().enumerate() {
        let w = weights.map_or(1.0, |w| w[i]);
        m.iter_mut().zip(x).for_each(|(a, b)| *a += w * b);
    }
    m.iter().map(|v| v / total).collect()
}

/// Weighted covariance (population form, `sum_i w_i (x_i - m)(x_i - m)^T / sum w`), row-major d x d.
pub fn covariance(points: &Points, weights: Option<&[f64]>) -> Vec<f64> {
    let d = points.d();
    let m = mean(points, weights);
    let total: f64 = weights.map_or(points.n() as f64, |w| w.iter().sum());
    let mut c = vec![0.0; d * d];
    for (i, x) in points.iter().enumerate() {
        let w = weights.map_or(1.0, |w| w[i]);
        for a in 0..d {
            for b in 0..d {
                c[a * d + b] += w * (x[a] - m[a]) * (x[b] - m[b]);
            }
        }
    }
    c.iter().map(|v| v / total).collect()
}

/// Distance of every point to the equal-weight mean.
pub fn distances_to_mean(points: &Points) -> Vec<f64> {
    let m = mean(points, None);
    points
        .iter()
        .map(|x| {
            x.iter()
                .zip(&m)
                .map(|(a, b)| (a - b).powi(2))
                .sum::<f64>()
                .sqrt()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_moments_of_three_points() {
        let p = Points::new(2, vec![0.0, 0.0, 2.0, 0.0, 0.0, 4.0]).unwrap();
        let w = [0.5, 0.25, 0.25];
        assert_eq!(mean(&p, Some(&w)), vec![0.5, 1.0]);
        let c = covariance(&p, Some(&w));
        // E x^2 - m^2 = 1 - 0.25; E y^2 - m^2 = 4 - 1; E xy - mx my = 0 - 0.5.
        assert_eq!(c, vec![0.75, -0.5, -0.5, 3.0]);
    }
}
