//! Starting a network from its data: centres on a data subsample, the width from their
//! spacing, and the output weights and bias by weighted least squares.

use burn::tensor::{Device, Tensor};
use meanfield_core::{CoreError, Points, Result, host_vec, tensor_from};
use rand::Rng;
use rand::seq::index::sample;

use super::Dataset;

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
pub fn spacing_width(centres: &Points) -> f64 {
    let n = centres.n();
    let mut nearest: Vec<f64> = (0..n)
        .map(|i| {
            let a = centres.point(i);
            (0..n)
                .filter(|j| *j != i)
                .map(|j| {
                    let b = centres.point(j);
                    a.iter().zip(b).map(|(u, v)| (u - v) * (u - v)).sum::<f64>()
                })
                .fold(f64::INFINITY, f64::min)
        })
        .collect();
    nearest.sort_by(f64::total_cmp);
    let median = nearest.get(n / 2).copied().unwrap_or(1.0);
    (2.0 * median.sqrt()).max(1e-6)
}

/// The weighted least-squares output weights `a` and bias `b` (0 without one) for the
/// features `phi: [K, N]` of the rows of `data`: minimises
/// `sum_k w_k (sum_i a_i phi_ki + b - y_k)^2 + ridge tr(G)/N |a|^2`, `G` the weighted Gram
/// matrix of the (centred, with a bias) features.
///
/// # Errors
/// [`CoreError::NonFinite`] when the features are not finite.
pub fn least_squares(
    phi: Tensor<2>,
    data: &Dataset,
    bias: bool,
    ridge: f64,
    device: &Device,
) -> Result<(Vec<f64>, f64)> {
    let [k, n] = phi.dims();
    let total: f64 = data.w.iter().sum();
    let w: Vec<f64> = data.w.iter().map(|w| w / total).collect();
    let w_t = tensor_from(w.clone(), [k, 1], device);
    let y_mean = if bias {
        w.iter().zip(&data.y).map(|(w, y)| w * y).sum::<f64>()
    } else {
        0.0
    };
    let phi_mean = if bias {
        (phi.clone() * w_t.clone()).sum_dim(0)
    } else {
        Tensor::<2>::zeros([1, n], device)
    };
    let centred = phi - phi_mean.clone();
    let y = tensor_from(data.y.iter().map(|y| y - y_mean).collect(), [k, 1], device);
    let weighted = centred.clone() * w_t;
    let gram = host_vec(weighted.clone().transpose().matmul(centred));
    let rhs = host_vec(weighted.transpose().matmul(y));
    if !gram.iter().all(|g| g.is_finite()) {
        return Err(CoreError::NonFinite(
            "the least-squares fit of the output weights: the features are not finite".into(),
        ));
    }
    let trace: f64 = (0..n).map(|i| gram[i * n + i]).sum();
    let lambda = ridge * (trace / n as f64).max(f64::MIN_POSITIVE);
    let a = solve_spd(gram, rhs, n, lambda);
    let phi_mean = host_vec(phi_mean);
    let b = y_mean - a.iter().zip(&phi_mean).map(|(a, m)| a * m).sum::<f64>();
    Ok((a, b))
}

/// Solves `(G + lambda I) a = r` for a symmetric positive semi-definite `G: [n, n]` by
/// Cholesky, raising `lambda` tenfold until the factorisation succeeds. A dense solve of at
/// most [`MAX_LEAST_SQUARES_NEURONS`] unknowns, once per run: not worth a linear-algebra crate.
fn solve_spd(gram: Vec<f64>, rhs: Vec<f64>, n: usize, mut lambda: f64) -> Vec<f64> {
    loop {
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
    use meanfield_core::cpu_device;

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

    /// Data that are exactly `2 phi_0 - phi_1 + 0.5` are fitted exactly, bias included.
    #[test]
    fn least_squares_recovers_weights_and_bias() {
        let device = cpu_device();
        let k = 40;
        let phi: Vec<f64> = (0..k)
            .flat_map(|i| {
                let z = i as f64 / k as f64;
                [(-z * z).exp(), (z * 3.0).sin()]
            })
            .collect();
        let y = (0..k)
            .map(|i| 2.0 * phi[2 * i] - phi[2 * i + 1] + 0.5)
            .collect();
        let data = Dataset {
            d: 1,
            z: vec![0.0; k],
            y,
            w: vec![1.0; k],
        };
        let (a, b) =
            least_squares(tensor_from(phi, [k, 2], &device), &data, true, 0.0, &device).unwrap();
        assert!(
            (a[0] - 2.0).abs() < 1e-8 && (a[1] + 1.0).abs() < 1e-8,
            "{a:?}"
        );
        assert!((b - 0.5).abs() < 1e-8, "{b}");
    }
}
