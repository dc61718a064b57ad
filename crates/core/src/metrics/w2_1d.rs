//! Exact squared W2 between two weighted measures on the line, by the quantile coupling.

use crate::{CoreError, Result};

/// `W2^2(mu, nu)` for `mu = sum_i a_i delta_{x_i}`, `nu = sum_j b_j delta_{y_j}` on R (weights
/// are normalised; `None` means equal weights). Sorting costs O(n log n).
///
/// # Errors
/// [`CoreError::Shape`] for empty inputs or weight counts that do not match.
pub fn w2_squared_1d(x: &[f64], a: Option<&[f64]>, y: &[f64], b: Option<&[f64]>) -> Result<f64> {
    let prepare = |v: &[f64], w: Option<&[f64]>, name: &str| -> Result<Vec<(f64, f64)>> {
        if v.is_empty() {
            return Err(CoreError::Shape(format!("`{name}` is empty")));
        }
        let w: Vec<f64> = match w {
            Some(w) if w.len() != v.len() => {
                return Err(CoreError::Shape(format!(
                    "weights of `{name}` have length {}, points have {}",
                    w.len(),
                    v.len()
                )));
            }
            Some(w) => w.to_vec(),
            None => vec![1.0; v.len()],
        };
        let total: f64 = w.iter().sum();
        let mut pairs: Vec<(f64, f64)> = v.iter().zip(&w).map(|(p, q)| (*p, q / total)).collect();
        pairs.sort_by(|p, q| p.0.total_cmp(&q.0));
        Ok(pairs)
    };
    let (xs, ys) = (prepare(x, a, "x")?, prepare(y, b, "y")?);
    let (mut i, mut j) = (0, 0);
    let (mut ra, mut rb) = (xs[0].1, ys[0].1);
    let mut cost = 0.0;
    while i < xs.len() && j < ys.len() {
        let mass = ra.min(rb);
        cost += mass * (xs[i].0 - ys[j].0).powi(2);
        ra -= mass;
        rb -= mass;
        if ra <= 1e-15 {
            i += 1;
            ra = xs.get(i).map_or(0.0, |p| p.1);
        }
        if rb <= 1e-15 {
            j += 1;
            rb = ys.get(j).map_or(0.0, |p| p.1);
        }
    }
    Ok(cost)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Points;
    use crate::metrics::exact_ot;

    #[test]
    fn matches_exact_assignment_and_a_shift() {
        let x = [0.3, -1.0, 2.0, 0.7, 0.1];
        let y = [1.5, 0.2, -0.4, 0.9, 3.0];
        let w2 = w2_squared_1d(&x, None, &y, None).unwrap();
        let ot = exact_ot(
            &Points::new(1, x.to_vec()).unwrap(),
            &Points::new(1, y.to_vec()).unwrap(),
        )
        .unwrap();
        assert!((w2 - ot.cost).abs() < 1e-12, "{w2} vs {}", ot.cost);
        // A translation by 2 costs exactly 4, whatever the weights.
        let shifted: Vec<f64> = x.iter().map(|v| v + 2.0).collect();
        let w = [1.0, 2.0, 3.0, 4.0, 5.0];
        let c = w2_squared_1d(&x, Some(&w), &shifted, Some(&w)).unwrap();
        assert!((c - 4.0).abs() < 1e-12);
        // Half the mass at 0 against all at 1: cost 1 * ... = 0.5 * 1 + 0.5 * 0.
        let c = w2_squared_1d(&[0.0, 1.0], None, &[1.0], None).unwrap();
        assert!((c - 0.5).abs() < 1e-15);
    }
}
