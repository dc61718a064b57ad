//! Starting a network from its data: centres on a data subsample, the width from their
//! spacing, and the output weights and bias by weighted least squares.

use meanfield_core::{CoreError, Points, Result};
use rand::Rng;
use rand::seq::index::sample;

use super::Dataset;
use super::kernel::Moments;

/// Least squares fits at most this many neurons (a dense `N x N` solve).
pub const MAX_LEAST_SQUARES_NEURONS: usize = 2048;

/// `n` distinct training rows, drawn without replacement.
///
/// # Errors
/// [`CoreError::Config`] when there are fewer rows than neurons.
pub fn centres_from_data(data: &Dataset, n: usize, rng: &mut impl Rng) -> Result<Points> {
    if n > data.len() {
        return Err(CoreError::config(
            "particles.n",
            format!(
                "{n} neurons placed on the training data need as many rows, found {}; give fewer \
                 neurons or a [particles.init]",
                data.len()
            ),
        ));
    }
    let d = data.d;
    let rows = sample(rng, data.len(), n).into_vec();
    let values = rows
        .iter()
        .flat_map(|i| data.z[i * d..(i + 1) * d].iter().copied())
        .collect();
    Points::new(d, values)
}

/// Twice the median distance from a centre to its nearest other centre (at least `1e-6`): a
/// width at which neighbouring Gaussians overlap, whatever the dimension.
/// Repeated centres count once; with fewer than two distinct centres the width is 1.
pub fn spacing_width(centres: &Points) -> f64 {
    let n = centres.n();
    let mut nearest: Vec<f64> = (0..n)
        .map(|i| {
            let a = centres.point(i);
            (0..n)
                .map(|j| {
                    let b = centres.point(j);
                    a.iter().zip(b).map(|(u, v)| (u - v) * (u - v)).sum::<f64>()
                })
                .filter(|r2| *r2 > 0.0)
                .fold(f64::INFINITY, f64::min)
        })
        .filter(|r2| r2.is_finite())
        .collect();
    nearest.sort_by(f64::total_cmp);
    match nearest.get(nearest.len() / 2) {
        Some(median) => (2.0 * median.sqrt()).max(1e-6),
        None => 1.0,
    }
}

/// The weighted least-squares output weights `a` and bias `b` (0 without one) from the
/// features' moments `m` over the rows: minimises
/// `sum_k w_k (sum_i a_i phi_ki + b - y_k)^2 / sum_k w_k + ridge tr(G)/N |a|^2`, `G` the
/// weighted Gram matrix of the features (centred with a bias).
///
/// # Errors
/// [`CoreError::NonFinite`] when the moments are not finite, [`CoreError::Config`]-free
/// otherwise.
pub fn least_squares(m: &Moments, bias: bool, ridge: f64) -> Result<(Vec<f64>, f64)> {
    let n = m.phi.len();
    let total = m.w.max(f64::MIN_POSITIVE);
    let (mean, y_mean) = if bias {
        (m.phi.iter().map(|p| p / total).collect(), m.wy / total)
    } else {
        (vec![0.0; n], 0.0)
    };
    // The centred moments, symmetrised.
    let mut gram = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            let g = 0.5 * (m.gram[i * n + j] + m.gram[j * n + i]);
            gram[i * n + j] = g / total - mean[i] * mean[j];
        }
    }
    let rhs: Vec<f64> = (0..n)
        .map(|i| m.rhs[i] / total - mean[i] * y_mean)
        .collect();
    if !gram.iter().chain(&rhs).all(|g| g.is_finite()) {
        return Err(CoreError::NonFinite(
            "the least-squares fit of the output weights: the features are not finite".into(),
        ));
    }
    let trace: f64 = (0..n).map(|i| gram[i * n + i]).sum();
    if trace <= 0.0 {
        // Every feature is constant on these rows: the bias alone fits them.
        return Ok((vec![0.0; n], y_mean));
    }
    let lambda = ridge * trace / n as f64;
    let a = solve_spd(gram, rhs, n, lambda.max(1e-15 * trace));
    let b = y_mean - a.iter().zip(&mean).map(|(a, m)| a * m).sum::<f64>();
    Ok((a, b))
}

/// Solves `(G + lambda I) a = r` for a symmetric positive semi-definite `G: [n, n]` by
/// Cholesky, raising `lambda` tenfold until the factorisation succeeds (at most 20 times; a
/// positive `lambda` of at least 1e-15 tr(G) makes `G + lambda I` safely definite well
/// before). A dense solve of at most [`MAX_LEAST_SQUARES_NEURONS`] unknowns: not worth a
/// linear-algebra crate.
fn solve_spd(gram: Vec<f64>, rhs: Vec<f64>, n: usize, mut lambda: f64) -> Vec<f64> {
    for _ in 0..20 {
        let mut l = gram.clone();
        (0..n).for_each(|i| l[i * n + i] += lambda);
        if cholesky(&mut l, n) {
            // Forward then back substitution with the lower factor.
            let mut a = rhs.clone();
            for i in 0..n {
                let s: f64 = (0..i).map(|j| l[i * n + j] * a[j]).sum();
                a[i] = (a[i] - s) / l[i * n + i];
            }
            for i in (0..n).rev() {
                let s: f64 = (i + 1..n).map(|j| l[j * n + i] * a[j]).sum();
                a[i] = (a[i] - s) / l[i * n + i];
            }
            return a;
        }
        lambda = (lambda * 10.0).max(1e-300);
    }
    vec![0.0; n]
}

/// In-place lower Cholesky factor of `m: [n, n]`; false when it is not positive definite.
fn cholesky(m: &mut [f64], n: usize) -> bool {
    for j in 0..n {
        let s: f64 = (0..j).map(|k| m[j * n + k] * m[j * n + k]).sum();
        let pivot = m[j * n + j] - s;
        if !(pivot > 0.0 && pivot.is_finite()) {
            return false;
        }
        let pivot = pivot.sqrt();
        m[j * n + j] = pivot;
        for i in j + 1..n {
            let s: f64 = (0..j).map(|k| m[i * n + k] * m[j * n + k]).sum();
            m[i * n + j] = (m[i * n + j] - s) / pivot;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::HostNetwork;

    /// The solve recovers a known solution of a random positive-definite system.
    #[test]
    fn cholesky_solves_a_positive_definite_system() {
        let n = 7;
        let b: Vec<f64> = (0..n * n)
            .map(|i| ((i * 37 % 11) as f64 - 5.0) / 3.0)
            .collect();
        let mut g = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                g[i * n + j] = (0..n).map(|k| b[k * n + i] * b[k * n + j]).sum::<f64>()
                    + if i == j { 1.0 } else { 0.0 };
            }
        }
        let truth: Vec<f64> = (0..n).map(|i| i as f64 - 3.0).collect();
        let r: Vec<f64> = (0..n)
            .map(|i| (0..n).map(|j| g[i * n + j] * truth[j]).sum())
            .collect();
        let a = solve_spd(g, r, n, 0.0);
        for (a, t) in a.iter().zip(&truth) {
            assert!((a - t).abs() < 1e-9, "{a} vs {t}");
        }
    }

    /// Data that are exactly `2 phi_0 - phi_1 + 0.5` are fitted exactly, bias included, and
    /// the moments the kernel sums are those of its features.
    #[test]
    fn least_squares_recovers_weights_and_bias() {
        let (x, a, b) = ([-0.3, 0.4], [2.0, -1.0], 0.5);
        let net = HostNetwork::new(&x, 1, &a, &[(0.3f64).ln()], 0.0);
        let z: Vec<f64> = (0..40).map(|i| i as f64 / 20.0 - 1.0).collect();
        let y: Vec<f64> = net.predict(&z).iter().map(|f| f + b).collect();
        let w = vec![0.25; 40];
        let unit = HostNetwork::new(&x, 1, &[1.0, 1.0], &[(0.3f64).ln()], 0.0);
        let m = unit.moments(&z, &y, &w);
        let phi = unit.feature_matrix(&z);
        let g01: f64 = (0..40).map(|k| 0.25 * phi[2 * k] * phi[2 * k + 1]).sum();
        assert!((m.gram[1] - g01).abs() < 1e-15 * g01.abs().max(1.0));
        let (fit, bias) = least_squares(&m, true, 0.0).unwrap();
        assert!(
            (fit[0] - a[0]).abs() < 1e-6 && (fit[1] - a[1]).abs() < 1e-6,
            "{fit:?}"
        );
        assert!((bias - b).abs() < 1e-7, "{bias}");
    }
}
