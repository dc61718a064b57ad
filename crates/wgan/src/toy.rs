//! The toy system of the seed talk: one generator parameter `theta` (the generator is the
//! point `G = theta`) against one critic parameter `omega` (the critic is `D(x) = omega x`), the
//! data a point mass at `m`.
//!
//! The value is `V(theta, omega) = E_real D - E_fake D = omega (m - theta)`. The critic ascends
//! it at speed `gamma`, the generator descends `-E D(G) = -omega theta`:
//!
//! ```text
//! omega' = gamma (m - theta),     theta' = omega.
//! ```
//!
//! First integral: `H = gamma (theta - m)^2 + omega^2`, since
//! `H' = 2 gamma (theta - m) omega + 2 omega gamma (m - theta) = 0`. Orbits are the ellipses
//! `H = const` around `(m, 0)`: the generator circles the data forever and never converges.
//!
//! Clipping `|omega| <= c` projects the velocity: on the face `omega = c` while `m > theta`,
//! `omega' = 0` and `theta' = c > 0`, so the orbit slides along the face until `theta = m`, where
//! it leaves with `H = gamma * 0 + c^2 = c^2` (likewise on `omega = -c`). The ellipse `H = c^2`
//! touches the faces only at `theta = m` and is invariant. So every orbit that reaches a face
//! (`H > c^2`) is driven onto the one limiting periodic orbit `H = c^2` within one revolution;
//! orbits inside it never touch the box and keep their ellipse.

/// The toy's parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ToySystem {
    /// Critic speed-up.
    pub gamma: f64,
    /// Position of the data.
    pub m: f64,
    /// Clipping half-width, if any.
    pub clip: Option<f64>,
}

impl ToySystem {
    /// `H = gamma (theta - m)^2 + omega^2`.
    pub fn first_integral(&self, theta: f64, omega: f64) -> f64 {
        self.gamma * (theta - self.m).powi(2) + omega * omega
    }

    /// The unprojected field `(theta', omega')`.
    fn field(&self, theta: f64, omega: f64) -> (f64, f64) {
        (omega, self.gamma * (self.m - theta))
    }

    fn project(&self, omega: f64) -> f64 {
        self.clip.map_or(omega, |c| omega.clamp(-c, c))
    }

    /// The ODE integrated by RK4 with step `dt`, each step followed by the projection onto the
    /// box (which for small `dt` is the projected dynamics). Returns `steps + 1` states.
    pub fn integrate(&self, start: (f64, f64), dt: f64, steps: usize) -> Vec<(f64, f64)> {
        let mut path = Vec::with_capacity(steps + 1);
        let (mut th, mut om) = start;
        path.push((th, om));
        for _ in 0..steps {
            let k1 = self.field(th, om);
            let k2 = self.field(th + 0.5 * dt * k1.0, om + 0.5 * dt * k1.1);
            let k3 = self.field(th + 0.5 * dt * k2.0, om + 0.5 * dt * k2.1);
            let k4 = self.field(th + dt * k3.0, om + dt * k3.1);
            th += dt / 6.0 * (k1.0 + 2.0 * k2.0 + 2.0 * k3.0 + k4.0);
            om = self.project(om + dt / 6.0 * (k1.1 + 2.0 * k2.1 + 2.0 * k3.1 + k4.1));
            path.push((th, om));
        }
        path
    }

    /// The trainer's scheme with plain SGD and `n_critic = 1`: a critic step of size
    /// `gamma lr` (then the clip), then a generator step of size `lr` against the new critic.
    pub fn alternating(&self, start: (f64, f64), lr: f64, steps: usize) -> Vec<(f64, f64)> {
        let mut path = Vec::with_capacity(steps + 1);
        let (mut th, mut om) = start;
        path.push((th, om));
        for _ in 0..steps {
            om = self.project(om + self.gamma * lr * (self.m - th));
            th += lr * om;
            path.push((th, om));
        }
        path
    }
}

/// The mean time between successive upward crossings of its mean by a logged series
/// `(t, y)`, over the second half of the series (after transients); `None` with fewer than two
/// crossings.
pub fn oscillation_period(series: &[(f64, f64)]) -> Option<f64> {
    let tail = &series[series.len() / 2..];
    let mean = tail.iter().map(|p| p.1).sum::<f64>() / tail.len().max(1) as f64;
    let crossings: Vec<f64> = tail
        .windows(2)
        .filter(|w| w[0].1 < mean && w[1].1 >= mean)
        .map(|w| w[0].0 + (mean - w[0].1) / (w[1].1 - w[0].1) * (w[1].0 - w[0].0))
        .collect();
    (crossings.len() >= 2)
        .then(|| (crossings[crossings.len() - 1] - crossings[0]) / (crossings.len() - 1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orbits_keep_their_first_integral_without_clipping() {
        let toy = ToySystem {
            gamma: 2.0,
            m: 0.5,
            clip: None,
        };
        let path = toy.integrate((1.5, 0.3), 1e-3, 20_000);
        let h0 = toy.first_integral(1.5, 0.3);
        for (th, om) in &path {
            assert!((toy.first_integral(*th, *om) - h0).abs() < 1e-9);
        }
        // Period 2 pi / sqrt(gamma).
        let series: Vec<(f64, f64)> = path
            .iter()
            .enumerate()
            .map(|(k, p)| (k as f64 * 1e-3, p.0))
            .collect();
        let period = oscillation_period(&series).unwrap();
        assert!(
            (period - 2.0 * std::f64::consts::PI / 2f64.sqrt()).abs() < 1e-3,
            "{period}"
        );
    }

    #[test]
    fn clipping_drives_every_outer_orbit_onto_h_equal_c_squared() {
        let c = 0.1;
        let toy = ToySystem {
            gamma: 1.0,
            m: 0.0,
            clip: Some(c),
        };
        for start in [(1.0, 0.0), (-0.4, 0.1), (0.0, -0.1), (2.0, 0.05)] {
            // One revolution of the slowest orbit: the face takes 2 |theta| / c.
            let path = toy.integrate(start, 1e-4, 800_000);
            let tail = &path[path.len() - 100_000..];
            for (th, om) in tail {
                assert!(
                    (toy.first_integral(*th, *om) - c * c).abs() < 1e-4,
                    "{start:?}: {}",
                    toy.first_integral(*th, *om)
                );
            }
        }
        // An inner orbit never touches the box.
        let inner = toy.integrate((0.05, 0.0), 1e-3, 20_000);
        let h = toy.first_integral(0.05, 0.0);
        assert!(
            inner
                .iter()
                .all(|(t, o)| (toy.first_integral(*t, *o) - h).abs() < 1e-9)
        );
    }
}
