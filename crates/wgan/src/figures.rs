//! The WGAN run's own figures: the critic's parameter histogram, in 1-D the generated mean
//! against the critic's slope, and for the Dirac toy the phase portrait of the generator
//! parameter against the critic parameter.

use std::path::Path;

use meanfield_log::plot::{Figure, Series, histogram, line_plot};

use crate::config::{GanLoss, WganConfig};
use crate::error::Result;
use crate::toy::ToySystem;

/// Saves `figure` (or its drawing error) as the PNG `path`.
fn save(figure: meanfield_log::Result<Figure>, path: &Path) -> Result<()> {
    Ok(figure.and_then(|f| f.save_png(path))?)
}

/// Histogram of the critic's parameters (titled with the clipping box for `wgan_clip`).
///
/// # Errors
/// Drawing and write errors, as [`WganError::Figure`].
pub(crate) fn critic_histogram(config: &WganConfig, parameters: &[f64], path: &Path) -> Result<()> {
    let title = match config.loss {
        GanLoss::WganClip => format!("critic parameters (clipping box [-{0}, {0}])", config.clip),
        _ => "critic parameters".to_string(),
    };
    save(histogram(&title, "parameter", parameters, 80), path)
}

/// The generated mean and the critic's slope between the modes against time.
///
/// # Errors
/// Drawing and write errors, as [`WganError::Figure`].
pub(crate) fn dynamics_figure(
    mean: &[(f64, f64)],
    slope: &[(f64, f64)],
    path: &Path,
) -> Result<()> {
    let figure = line_plot(
        "generated mean and critic slope (D(s) - D(-s)) / 2s",
        "t = steps x lr",
        "value",
        &[
            Series::new("generated mean", mean.to_vec()),
            Series::new("critic slope", slope.to_vec()),
        ],
        false,
    );
    save(figure, path)
}

/// Orbits of the toy ODE from several starts (projected when clipped), the limiting orbit
/// `H = c^2`, and the trainer's `(theta, omega)` path.
///
/// # Errors
/// Drawing and write errors, as [`WganError::Figure`].
pub(crate) fn phase_portrait(
    toy: &ToySystem,
    config: &WganConfig,
    trainer_path: &[(f64, f64)],
    path: &Path,
) -> Result<()> {
    let theta0 = trainer_path.first().map_or(toy.m + 1.0, |p| p.0);
    let r = (theta0 - toy.m).abs().max(0.1);
    let duration = config.steps as f64 * config.lr();
    let dt = 1e-3_f64.min(duration / 1000.0);
    let steps = (duration / dt) as usize;
    let mut series = Vec::new();
    for scale in [1.5, 1.0, 0.6, 0.2] {
        let orbit = toy.integrate((toy.m + scale * r, 0.0), dt, steps);
        let every = (orbit.len() / 2000).max(1);
        series.push(Series::new(
            format!("ODE from theta = m + {scale} r"),
            orbit.iter().step_by(every).copied().collect(),
        ));
    }
    if let Some(c) = toy.clip.filter(|c| *c < 1.5 * r * toy.gamma.sqrt()) {
        let ellipse = (0..=200)
            .map(|k| {
                let a = 2.0 * std::f64::consts::PI * k as f64 / 200.0;
                (toy.m + c / toy.gamma.sqrt() * a.cos(), c * a.sin())
            })
            .collect();
        series.push(Series::reference("limit orbit H = c^2", ellipse));
    }
    series.push(Series::new("trainer (SGD)", trainer_path.to_vec()));
    let title = match toy.clip {
        Some(c) => format!("phase portrait, clipped |omega| <= {c}"),
        None => "phase portrait, no clipping: orbits on level sets of H".into(),
    };
    let figure = line_plot(
        &title,
        "theta (generator)",
        "omega (critic)",
        &series,
        false,
    );
    save(figure, path)
}
