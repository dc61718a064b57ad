//! `method = "wgan"` runs: train (or resume), write the run folder with its checkpoint, and
//! the 1-D dynamics figures (generated mean against the critic; the toy's phase portrait).

use std::path::Path;
use std::time::Instant;

use anyhow::bail;
use meanfield_core::RunConfig;
use meanfield_core::wgan_config::{GanData, GanLoss, WganConfig};
use meanfield_log::plot::{Figure, Series, histogram, line_plot};
use meanfield_log::{RunFolder, RunLogger};
use meanfield_wgan::Trainer;
use meanfield_wgan::toy::{ToySystem, oscillation_period};
use serde_json::{Value, json};

use crate::run_summary::summary_head;

/// Trains the WGAN of `config` into `out`; with `resume`, continues the run in `out` from its
/// checkpoint. Data, networks and checkpoint are checked before anything is written.
pub fn execute_wgan(config: &RunConfig, out: &Path, resume: bool) -> anyhow::Result<Value> {
    let wgan = config
        .wgan
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("method `wgan` needs a [wgan] table"))?;
    let device = config.device.device()?;
    let trainer = Trainer::new(config, device)?;
    let (models, start) = trainer.start(resume.then_some(out))?;
    let (folder, mut logger) = if resume {
        let folder = RunFolder::reopen(out)?;
        let logger = RunLogger::resume(folder.clone(), &config.name, &config.to_toml(), start)?;
        (folder, logger)
    } else {
        let folder = RunFolder::create(out)?;
        let logger = RunLogger::new(folder.clone(), &config.name, &config.to_toml())?;
        (folder, logger)
    };
    let clock = Instant::now();
    let outcome = trainer.run(models, start, &mut logger, Some(folder.dir()))?;
    let wall_seconds = clock.elapsed().as_secs_f64();
    outcome
        .samples
        .write_csv(&folder.path("samples_final.csv"))?;
    let mean = logger.series("generated_mean").to_vec();
    let slope = logger.series("critic_slope").to_vec();
    let mut map = summary_head(&config.name, "wgan", outcome.stopped.as_deref());
    map.insert("loss".into(), json!(wgan.loss.name()));
    map.insert("seed".into(), json!(config.seed));
    map.insert("d".into(), json!(trainer.data().dim()));
    map.insert("steps".into(), json!(outcome.steps));
    map.insert("resumed_from".into(), json!(start));
    map.insert("wall_seconds".into(), json!(wall_seconds));
    map.insert(
        "steps_per_second".into(),
        json!((outcome.steps - start) as f64 / wall_seconds.max(1e-9)),
    );
    for (name, value) in &outcome.metrics {
        map.insert(format!("{name}_final"), json!(value));
        if matches!(name.as_str(), "modes_covered" | "high_quality_share") {
            map.insert(name.clone(), json!(value));
        }
    }
    if let Some(period) = oscillation_period(&mean) {
        map.insert("mean_period".into(), json!(period));
    }
    let figures = logger.finish(None);
    let box_title = match wgan.loss {
        GanLoss::WganClip => format!("critic parameters (clipping box [-{0}, {0}])", wgan.clip),
        _ => "critic parameters".to_string(),
    };
    histogram(&box_title, "parameter", &outcome.critic_parameters, 80)?
        .save_png(&folder.path("critic_histogram.png"))?;
    if !mean.is_empty() {
        dynamics_figure(&mean, &slope)?.save_png(&folder.path("mean_and_critic.png"))?;
    }
    if let GanData::Dirac { at } = &wgan.data {
        let mut toy = ToySystem {
            gamma: wgan.gamma,
            m: at[0],
            clip: (wgan.loss == GanLoss::WganClip).then_some(wgan.clip),
        };
        let trainer_path: Vec<(f64, f64)> =
            mean.iter().zip(&slope).map(|(a, b)| (a.1, b.1)).collect();
        if let (Some(first), Some(last)) = (trainer_path.first(), trainer_path.last()) {
            let h0 = toy.first_integral(first.0, first.1);
            // A box the orbit never reaches (c^2 >= H) leaves the free dynamics.
            toy.clip = toy.clip.filter(|c| c * c < h0);
            map.insert("first_integral_initial".into(), json!(h0));
            let h1 = toy.first_integral(last.0, last.1);
            map.insert("first_integral_final".into(), json!(h1));
            map.insert("first_integral_drift".into(), json!(h1 / h0 - 1.0));
            // The limiting orbit H = c^2 attracts the orbits that reach the box.
            if let Some(c) = toy.clip {
                map.insert("limit_orbit".into(), json!(c * c));
            }
        }
        phase_portrait(&toy, wgan, &trainer_path)?.save_png(&folder.path("phase_portrait.png"))?;
    }
    let summary = Value::Object(map);
    folder.write_summary(&summary)?;
    figures?;
    if let Some(message) = &outcome.stopped {
        bail!(
            "{}: {message}; the last good checkpoint is in the folder",
            out.display()
        );
    }
    Ok(summary)
}

/// The generated mean and the critic's slope between the modes against time.
fn dynamics_figure(mean: &[(f64, f64)], slope: &[(f64, f64)]) -> anyhow::Result<Figure> {
    Ok(line_plot(
        "generated mean and critic slope (D(s) - D(-s)) / 2s",
        "t = steps x lr",
        "value",
        &[
            Series::new("generated mean", mean.to_vec()),
            Series::new("critic slope", slope.to_vec()),
        ],
        false,
    )?)
}

/// Orbits of the toy ODE from several starts (projected when clipped), the limiting orbit
/// `H = c^2`, and the trainer's `(theta, omega)` path.
fn phase_portrait(
    toy: &ToySystem,
    wgan: &WganConfig,
    trainer_path: &[(f64, f64)],
) -> anyhow::Result<Figure> {
    let theta0 = trainer_path.first().map_or(toy.m + 1.0, |p| p.0);
    let r = (theta0 - toy.m).abs().max(0.1);
    let duration = wgan.steps as f64 * wgan.lr();
    let dt = 1e-3_f64.min(duration / 1000.0);
    let steps = (duration / dt) as usize;
    let mut series = Vec::new();
    for scale in [1.5, 1.0, 0.6, 0.2] {
        let path = toy.integrate((toy.m + scale * r, 0.0), dt, steps);
        let every = (path.len() / 2000).max(1);
        series.push(Series::new(
            format!("ODE from theta = m + {scale} r"),
            path.iter().step_by(every).copied().collect(),
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
    Ok(line_plot(
        &title,
        "theta (generator)",
        "omega (critic)",
        &series,
        false,
    )?)
}
