//! KL divergence and L1 distance between two densities tabulated on the same grid.

use crate::{CoreError, Grid, Result};

fn check(p: &[f64], q: &[f64], grid: &Grid) -> Result<()> {
    if p.len() != grid.len() || q.len() != grid.len() {
        return Err(CoreError::Shape(format!(
            "densities have {} and {} values, the grid has {} cells",
            p.len(),
            q.len(),
            grid.len()
        )));
    }
    Ok(())
}

/// `KL(p || q)` by the midpoint rule for a density `p` of mass 1 in all space (a KDE) against
/// the target `q` tabulated on the grid: `KL(p~ || q~) + max(0, ln(m_q / m_p))`, where `m_p`
/// is the mass of `p` on the cells where `q > 0` (the target's support inside the grid),
/// `m_q` the mass of `q` there, and `p~`, `q~` the two renormalised there. The second term
/// counts the mass of `p` missing from the support beyond what the target itself has outside
/// the grid: 0 when `p` covers the support as the target does, growing without bound as `p`
/// leaves it, so particles flung away cannot score a small KL. Both terms are >= 0. (A KDE
/// narrower than a cell is sampled coarsely, and its mass on the grid with it.)
///
/// # Errors
/// [`CoreError::Shape`] when the lengths disagree with the grid, or
/// [`CoreError::NonFinite`] when `p` has no mass on the support of `q`.
pub fn kl_on_grid(p: &[f64], q: &[f64], grid: &Grid) -> Result<f64> {
    check(p, q, grid)?;
    let dv = grid.cell_volume();
    let on_support = |f: &dyn Fn(f64, f64) -> f64| -> f64 {
        p.iter()
            .zip(q)
            .filter(|(_, q)| **q > 0.0)
            .map(|(p, q)| f(*p, *q))
            .sum::<f64>()
            * dv
    };
    let p_mass = on_support(&|p, _| p);
    let q_mass = on_support(&|_, q| q);
    if p_mass <= 0.0 {
        return Err(CoreError::NonFinite(
            "KL: no mass on the target's support".into(),
        ));
    }
    let renormalised = on_support(&|p, q| {
        let (p, q) = (p / p_mass, q / q_mass);
        if p > 0.0 { p * (p / q).ln() } else { 0.0 }
    });
    Ok(renormalised + (q_mass / p_mass).ln().max(0.0))
}

/// `int |p - q|` by the midpoint rule over the grid, plus `|m_p - m_q|` for the masses of the
/// two beyond the grid (`p` and `q` are densities of mass 1 in all space): the least the
/// integral beyond the grid can be, so mass of `p` that left the grid counts in full while a
/// target cut by the grid adds nothing when `p` is cut alike.
///
/// # Errors
/// [`CoreError::Shape`] when the lengths disagree with the grid.
pub fn l1_on_grid(p: &[f64], q: &[f64], grid: &Grid) -> Result<f64> {
    check(p, q, grid)?;
    let dv = grid.cell_volume();
    let beyond = |f: &[f64]| (1.0 - f.iter().sum::<f64>() * dv).max(0.0);
    let inside = p.iter().zip(q).map(|(p, q)| (p - q).abs()).sum::<f64>() * dv;
    Ok(inside + (beyond(p) - beyond(q)).abs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::{Gaussian, Target};

    /// KL between two 1-D Gaussians: log(s2/s1) + (s1^2 + (m1-m2)^2) / (2 s2^2) - 1/2.
    /// L1 between two unit-variance Gaussians shifted by delta: 2 (2 Phi(delta/2) - 1).
    #[test]
    fn known_closed_forms() {
        let grid = Grid::new(vec![-12.0], vec![12.0], vec![24_000]).unwrap();
        let p = Gaussian::new(vec![0.5], vec![0.8]).density_on_grid(&grid);
        let q = Gaussian::new(vec![0.0], vec![1.2]).density_on_grid(&grid);
        let exact = (1.2f64 / 0.8).ln() + (0.64 + 0.25) / (2.0 * 1.44) - 0.5;
        let kl = kl_on_grid(&p, &q, &grid).unwrap();
        assert!((kl - exact).abs() < 1e-8, "{kl} vs {exact}");
        let a = Gaussian::new(vec![0.0], vec![1.0]).density_on_grid(&grid);
        let b = Gaussian::new(vec![1.0], vec![1.0]).density_on_grid(&grid);
        // 2 (2 Phi(0.5) - 1) with Phi(0.5) = 0.691462461274013.
        let exact_l1 = 2.0 * (2.0 * 0.691_462_461_274_013 - 1.0);
        let l1 = l1_on_grid(&a, &b, &grid).unwrap();
        assert!((l1 - exact_l1).abs() < 1e-7, "{l1} vs {exact_l1}");
        assert!(kl_on_grid(&a, &a, &grid).unwrap().abs() < 1e-12);
    }

    /// A KDE whose mass is 99% beyond the target's support (particles flung away): the KL
    /// is ln(100) and the L1 about 2, where renormalising on the support reported 0.
    #[test]
    fn mass_outside_the_support_counts() {
        let grid = Grid::new(vec![0.0, 0.0], vec![2.0, 1.0], vec![40, 20]).unwrap();
        // q uniform on the left half (density 1), 0 on the right.
        let q: Vec<f64> = grid
            .centres()
            .chunks(2)
            .map(|c| if c[0] < 1.0 { 1.0 } else { 0.0 })
            .collect();
        let p: Vec<f64> = q.iter().map(|v| 0.01 * v).collect();
        let kl = kl_on_grid(&p, &q, &grid).unwrap();
        assert!((kl - 100f64.ln()).abs() < 1e-9, "{kl}");
        let l1 = l1_on_grid(&p, &q, &grid).unwrap();
        assert!((l1 - 1.98).abs() < 1e-9, "{l1}");
        // Mass on the grid but off the support counts in the KL as well.
        let off: Vec<f64> = q.iter().map(|v| 0.5 * v + 0.5 * (1.0 - v)).collect();
        let kl = kl_on_grid(&off, &q, &grid).unwrap();
        assert!((kl - 2f64.ln()).abs() < 1e-9, "{kl}");
    }
}
