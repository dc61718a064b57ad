//! Sample-quality metrics of a generator: exact W1 and W2 between `n` generated and `n` real
//! samples (the core's assignment solver), and for Gaussian mixtures the modes covered and the
//! share of high-quality samples.

use meanfield_core::Result;
use meanfield_core::metrics::assignment;

use crate::data::Modes;

/// Exact `(W1, W2)` between two equal-size clouds `[n, d]` (uniform weights): assignments on
/// the Euclidean and the squared Euclidean cost.
///
/// # Errors
/// A solver failure.
pub fn exact_w1_w2(a: &[f64], b: &[f64], d: usize) -> Result<(f64, f64)> {
    let n = a.len() / d;
    let mut squared = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            squared[i * n + j] = a[i * d..(i + 1) * d]
                .iter()
                .zip(&b[j * d..(j + 1) * d])
                .map(|(x, y)| (x - y) * (x - y))
                .sum();
        }
    }
    let euclidean: Vec<f64> = squared.iter().map(|c| c.sqrt()).collect();
    let w1 = assignment(n, &euclidean)?.cost;
    let w2 = assignment(n, &squared)?.cost.sqrt();
    Ok((w1, w2))
}

/// `(modes covered, high-quality share)`. A sample is of high quality when it lies within
/// `3 std` of its nearest centre; a mode is covered when it holds at least a quarter of its
/// fair share `n / K` of high-quality samples (and at least one).
pub fn mode_coverage(samples: &[f64], d: usize, modes: &Modes) -> (usize, f64) {
    let k = modes.centres.len() / d;
    let n = samples.len() / d;
    let mut counts = vec![0usize; k];
    for x in samples.chunks(d) {
        let (best, dist2) = modes
            .centres
            .chunks(d)
            .map(|c| c.iter().zip(x).map(|(a, b)| (a - b) * (a - b)).sum::<f64>())
            .enumerate()
            .fold(
                (0, f64::INFINITY),
                |acc, (j, r)| if r < acc.1 { (j, r) } else { acc },
            );
        if dist2.sqrt() <= 3.0 * modes.std {
            counts[best] += 1;
        }
    }
    let needed = (n as f64 / (4.0 * k as f64)).max(1.0);
    let covered = counts.iter().filter(|c| **c as f64 >= needed).count();
    let quality = counts.iter().sum::<usize>() as f64 / n.max(1) as f64;
    (covered, quality)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_distances_of_shifted_clouds() {
        // A cloud against itself shifted by (3, 4): W1 = W2 = 5.
        let a: Vec<f64> = (0..40).map(|k| ((k * 7) % 11) as f64 * 0.1).collect();
        let b: Vec<f64> = a.chunks(2).flat_map(|p| [p[0] + 3.0, p[1] + 4.0]).collect();
        let (w1, w2) = exact_w1_w2(&a, &b, 2).unwrap();
        assert!(
            (w1 - 5.0).abs() < 1e-12 && (w2 - 5.0).abs() < 1e-12,
            "{w1} {w2}"
        );
        // 1-D: W1 is the mean absolute difference of the sorted samples.
        let x = [0.0, 1.0, 5.0];
        let y = [4.0, 0.5, 2.0];
        let (w1, w2) = exact_w1_w2(&x, &y, 1).unwrap();
        assert!((w1 - (0.5 + 1.0 + 1.0) / 3.0).abs() < 1e-12);
        assert!((w2 - ((0.25 + 1.0 + 1.0) / 3.0f64).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn coverage_counts_modes_and_quality() {
        let modes = Modes {
            centres: vec![-1.0, 1.0],
            std: 0.1,
        };
        let one_mode = vec![1.0; 10];
        assert_eq!(mode_coverage(&one_mode, 1, &modes), (1, 1.0));
        let both: Vec<f64> = (0..10)
            .map(|k| if k % 2 == 0 { -1.05 } else { 0.95 })
            .collect();
        assert_eq!(mode_coverage(&both, 1, &modes), (2, 1.0));
        let between = vec![0.0; 10];
        assert_eq!(mode_coverage(&between, 1, &modes), (0, 0.0));
    }
}
