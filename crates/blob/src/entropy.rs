//! The linear-diffusion blob term `sum_i m_i log (phi_eps * rho^N)(x_i)` (Carrillo, Craig,
//! Patacchini 2019), its gradient, and its use as a KDE free-energy estimate.

use meanfield_core::{Mollifier, Points, squared_distance as squared};
use rayon::prelude::*;

/// `rho_i = sum_j m_j phi(x_i - x_j)` for every particle.
pub fn mollified_density(points: &Points, masses: &[f64], phi: &dyn Mollifier) -> Vec<f64> {
    let d = points.d();
    (0..points.n())
        .into_par_iter()
        .map(|i| {
            let xi = points.point(i);
            points
                .iter()
                .zip(masses)
                .map(|(xj, mj)| mj * phi.value(squared(xi, xj), d))
                .sum()
        })
        .collect()
}

/// `sum_i m_i log rho_i`.
pub fn entropy(points: &Points, masses: &[f64], phi: &dyn Mollifier) -> f64 {
    mollified_density(points, masses, phi)
        .iter()
        .zip(masses)
        .map(|(r, m)| m * r.ln())
        .sum()
}

/// Gradient of [`entropy`]: `m_i sum_j m_j grad phi(x_i - x_j) (1/rho_i + 1/rho_j)`, row-major.
pub fn entropy_gradient(points: &Points, masses: &[f64], phi: &dyn Mollifier) -> Vec<f64> {
    let d = points.d();
    let rho = mollified_density(points, masses, phi);
    (0..points.n())
        .into_par_iter()
        .flat_map_iter(|i| {
            let xi = points.point(i);
            let mut g = vec![0.0; d];
            for (j, xj) in points.iter().enumerate() {
                let (_, slope) = phi.value_and_slope(squared(xi, xj), d);
                let c = 2.0 * masses[i] * masses[j] * slope * (1.0 / rho[i] + 1.0 / rho[j]);
                for k in 0..d {
                    g[k] += c * (xi[k] - xj[k]);
                }
            }
            g
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use meanfield_core::GaussianMollifier;

    use super::*;

    /// The gradient against central differences of the entropy.
    #[test]
    fn gradient_matches_differences() {
        let phi = GaussianMollifier::new(0.3);
        let data: Vec<f64> = (0..14)
            .map(|i| ((i * 37) % 11) as f64 / 7.0 - 0.6)
            .collect();
        let points = Points::new(2, data.clone()).unwrap();
        let masses: Vec<f64> = (0..7).map(|i| 0.1 + 0.02 * i as f64).collect();
        let grad = entropy_gradient(&points, &masses, &phi);
        for idx in [0, 3, 8, 13] {
            let shifted = |h: f64| {
                let mut v = data.clone();
                v[idx] += h;
                entropy(&Points::new(2, v).unwrap(), &masses, &phi)
            };
            let fd = (shifted(1e-6) - shifted(-1e-6)) / 2e-6;
            assert!(
                (fd - grad[idx]).abs() < 1e-6 * fd.abs().max(1.0),
                "{fd} vs {}",
                grad[idx]
            );
        }
    }
}
