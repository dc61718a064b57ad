//! [`RunLogger`]: the observer that writes a run folder as the run goes, then its figures.

use std::collections::BTreeMap;

use meanfield_core::{
    GeneratedSamples, Grid, Observer, Points, Target,
    metrics::{Bandwidth, kde_on_grid},
};

use crate::plot::{
    DensityCurve, Figure, Heatmap, Panel, Series, histogram, image_grid, line_plot,
    scatter_over_heatmap, snapshot_panels, trajectories_1d,
};
use crate::{EventLog, HParam, MetricsCsv, Progress, Result, RunFolder};

/// Scalars whose figure uses a log y axis.
const LOG_SCALE: &[&str] = &["kl", "l1", "variance", "mmd"];

/// Writes `metrics.csv`, TensorBoard events (scalars; histograms and a scatter image per
/// snapshot) and keeps what the final figures need. Write errors are kept and reported by
/// [`RunLogger::finish`], so a run never stops because a disk hiccup hid a figure.
#[derive(Debug)]
pub struct RunLogger {
    folder: RunFolder,
    events: EventLog,
    csv: MetricsCsv,
    progress: Progress,
    series: BTreeMap<String, Vec<(f64, f64)>>,
    snapshots: Vec<(f64, Points)>,
    samples: Option<Figure>,
    first_error: Option<crate::LogError>,
    has_hparams: bool,
    /// Steps done, as last reported.
    done: usize,
    /// An interrupt at a chosen step, as a SIGINT then would give it.
    stop_at: Option<usize>,
}

impl RunLogger {
    /// Starts logging into `folder` (writes `config.toml` first).
    ///
    /// # Errors
    /// I/O errors creating the files.
    pub fn new(folder: RunFolder, name: &str, resolved_config: &str) -> Result<Self> {
        folder.write_atomic("config.toml", resolved_config.as_bytes())?;
        let csv = MetricsCsv::create(&folder.path("metrics.csv"))?;
        let events = EventLog::create(folder.dir())?;
        Self::start(folder, name, csv, events, resolved_config)
    }

    fn start(
        folder: RunFolder,
        name: &str,
        csv: MetricsCsv,
        mut events: EventLog,
        resolved_config: &str,
    ) -> Result<Self> {
        events.text("config", &config_markdown(resolved_config), 0)?;
        events.flush()?;
        Ok(Self {
            events,
            csv,
            progress: Progress::new(name),
            folder,
            series: BTreeMap::new(),
            snapshots: Vec::new(),
            samples: None,
            first_error: None,
            has_hparams: false,
            done: 0,
            stop_at: None,
        })
    }

    /// Continues logging into the folder of a resumed run: `metrics.csv` keeps its rows up to
    /// `after_step`; TensorBoard gets a new events file beside the old ones, which purges their
    /// steps after `after_step`.
    ///
    /// # Errors
    /// I/O errors.
    pub fn resume(
        folder: RunFolder,
        name: &str,
        resolved_config: &str,
        after_step: usize,
    ) -> Result<Self> {
        folder.write_atomic("config.toml", resolved_config.as_bytes())?;
        let (csv, kept) = MetricsCsv::resume(&folder.path("metrics.csv"), after_step)?;
        let events = EventLog::resume(folder.dir(), after_step + 1)?;
        let mut logger = Self::start(folder, name, csv, events, resolved_config)?;
        for (_, t, values) in kept {
            for (name, v) in values {
                logger.series.entry(name).or_default().push((t, v));
            }
        }
        Ok(logger)
    }

    /// The run folder.
    pub fn folder(&self) -> &RunFolder {
        &self.folder
    }

    /// The time series of a logged scalar.
    pub fn series(&self, name: &str) -> &[(f64, f64)] {
        self.series.get(name).map_or(&[], Vec::as_slice)
    }

    /// The run's row in TensorBoard's HPARAMS table (`group`: the experiment it belongs to).
    ///
    /// # Errors
    /// [`crate::LogError::Io`].
    pub fn hparams(&mut self, hparams: &[(String, HParam)], group: &str) -> Result<()> {
        self.events.hparams(hparams, group)?;
        self.has_hparams = true;
        Ok(())
    }

    /// Stops the run once it has done `step` steps, as a SIGINT then would (`--stop-at-step`:
    /// a time-boxed part of a long run, and the tests of interrupt and resume).
    pub fn stop_at_step(&mut self, step: usize) {
        self.stop_at = Some(step);
    }

    /// Records how the run ended (`ok`: it reached its end), for the HPARAMS table.
    pub fn ended(&mut self, ok: bool) {
        if self.has_hparams {
            let r = self.events.hparams_end(ok);
            self.keep_error(r);
        }
    }

    fn image(&mut self, tag: &str, figure: &Figure, step: usize) -> Result<()> {
        self.events
            .image(tag, figure.png()?, figure.width, figure.height, step)
    }

    fn keep_error(&mut self, r: Result<()>) {
        if let Err(e) = r {
            self.first_error.get_or_insert(e);
        }
    }

    /// Draws the figures, flushes TensorBoard and returns the first write error, if any.
    /// `target` adds its density to the heatmaps and 1-D curves.
    ///
    /// # Errors
    /// The first I/O or plotting error of the run.
    pub fn finish(mut self, target: Option<&dyn Target>) -> Result<Vec<String>> {
        self.progress.finish();
        let mut written = Vec::new();
        for (name, points) in &self.series {
            let log_y = LOG_SCALE.contains(&name.as_str());
            let title = format!("{name} against time");
            let figure = line_plot(
                &title,
                "t",
                name,
                &[Series::new(name.clone(), points.clone())],
                log_y,
            )?;
            let file = format!("{name}.png");
            figure.save_png(&self.folder.path(&file))?;
            written.push(file);
        }
        if let Some(figure) = &self.samples {
            figure.save_png(&self.folder.path("samples.png"))?;
            written.push("samples.png".into());
        }
        if let Some((_, last)) = self.snapshots.last() {
            match last.d() {
                1 => {
                    let figure = self.trajectories(target)?;
                    figure.save_png(&self.folder.path("trajectories.png"))?;
                    written.push("trajectories.png".into());
                }
                2 => {
                    let panels: Vec<Panel> = self
                        .snapshots
                        .iter()
                        .map(|(t, p)| {
                            Ok((
                                format!("t = {t:.3}"),
                                density_heatmap(p, target, 80)?,
                                pairs(p),
                            ))
                        })
                        .collect::<Result<_>>()?;
                    let figure = snapshot_panels("particles over the density", &panels, 3)?;
                    figure.save_png(&self.folder.path("snapshots.png"))?;
                    let (_, heat, pts) = panels.last().expect("non-empty");
                    let title = if target.is_some() {
                        "final particles over the target"
                    } else {
                        "final particles over their KDE"
                    };
                    scatter_over_heatmap(title, heat, pts, (640, 600))?
                        .save_png(&self.folder.path("particles.png"))?;
                    written.extend(["snapshots.png".to_string(), "particles.png".to_string()]);
                }
                _ => {}
            }
            let radii = meanfield_core::metrics::distances_to_mean(last);
            histogram(
                "final distance to the centre of mass",
                "|x - mean|",
                &radii,
                40,
            )?
            .save_png(&self.folder.path("radius_histogram.png"))?;
            written.push("radius_histogram.png".into());
        }
        let flushed = self.events.flush();
        self.keep_error(flushed);
        match self.first_error {
            Some(e) => Err(e),
            None => Ok(written),
        }
    }

    fn trajectories(&self, target: Option<&dyn Target>) -> Result<Figure> {
        let times: Vec<f64> = self.snapshots.iter().map(|(t, _)| *t).collect();
        let n = self.snapshots[0].1.n();
        let paths: Vec<Vec<f64>> = (0..n)
            .map(|i| self.snapshots.iter().map(|(_, p)| p.point(i)[0]).collect())
            .collect();
        let mut curves = Vec::new();
        for (t, p) in &self.snapshots {
            let grid = padded_grid(p, target, 400)?;
            let kde =
                kde_on_grid(p, None, &grid, Bandwidth::default().resolve(p)).map_err(core_err)?;
            curves.push(DensityCurve {
                name: format!("KDE t = {t:.3}"),
                points: (0..grid.len())
                    .map(|j| grid.axis_centre(0, j))
                    .zip(kde)
                    .collect(),
            });
        }
        if let Some(t) = target {
            let grid = padded_grid(&self.snapshots[0].1, Some(t), 400)?;
            let dens = t.density_on_grid(&grid);
            curves.push(DensityCurve {
                name: "target".into(),
                points: (0..grid.len())
                    .map(|j| grid.axis_centre(0, j))
                    .zip(dens)
                    .collect(),
            });
        }
        trajectories_1d(
            "particle trajectories under KDE snapshots",
            &times,
            &paths,
            &curves,
        )
    }
}

/// Image data: a grid of the samples; 2-D: the samples over the critic (shifted to be >= 0
/// for the colour map); otherwise a histogram of the first coordinate.
fn samples_figure(t: f64, samples: &GeneratedSamples) -> Result<Figure> {
    let p = &samples.points;
    if let Some(shape) = samples.image_shape {
        return Ok(image_grid(p.as_slice(), shape, 8, 4));
    }
    match (&samples.field, p.d()) {
        (Some((grid, values)), 2) => {
            let lowest = values.iter().copied().fold(f64::INFINITY, f64::min);
            let heat = Heatmap {
                lo: [grid.lo()[0], grid.lo()[1]],
                hi: [grid.hi()[0], grid.hi()[1]],
                cells: [grid.cells()[0], grid.cells()[1]],
                values: values.iter().map(|v| v - lowest).collect(),
            };
            let title = format!("samples over the critic, t = {t:.4}");
            scatter_over_heatmap(&title, &heat, &pairs(p), (560, 520))
        }
        _ => histogram(
            &format!("generated samples, t = {t:.4}"),
            "x0",
            &p.column(0),
            60,
        ),
    }
}

fn core_err(e: meanfield_core::CoreError) -> crate::LogError {
    crate::LogError::Plot {
        name: "density".into(),
        message: e.to_string(),
    }
}

fn pairs(p: &Points) -> Vec<(f64, f64)> {
    p.iter().map(|x| (x[0], x[1])).collect()
}

/// A grid around the particles (and the target's samples), padded by 15%.
fn padded_grid(p: &Points, target: Option<&dyn Target>, cells: usize) -> Result<Grid> {
    let mut all = p.as_slice().to_vec();
    if let Some(t) = target {
        use rand::SeedableRng;
        all.extend_from_slice(
            t.sample(2000, &mut meanfield_core::RunRng::seed_from_u64(1))
                .as_slice(),
        );
    }
    let cloud = Points::new(p.d(), all).map_err(core_err)?;
    let (lo, hi) = meanfield_core::flow::padded_box(&cloud, 0.15);
    Grid::new(lo, hi, vec![cells; p.d()]).map_err(core_err)
}

/// The target's density, or the particles' KDE, on a grid around the particles.
fn density_heatmap(p: &Points, target: Option<&dyn Target>, cells: usize) -> Result<Heatmap> {
    let grid = padded_grid(p, target, cells)?;
    let values = match target {
        Some(t) => t.density_on_grid(&grid),
        None => kde_on_grid(p, None, &grid, Bandwidth::default().resolve(p)).map_err(core_err)?,
    };
    Ok(Heatmap {
        lo: [grid.lo()[0], grid.lo()[1]],
        hi: [grid.hi()[0], grid.hi()[1]],
        cells: [cells, cells],
        values,
    })
}

impl Observer for RunLogger {
    fn scalars(&mut self, step: usize, t: f64, values: &[(String, f64)]) {
        for (name, v) in values {
            let r = self.events.scalar(&tag_group(name), *v, step);
            self.keep_error(r);
            self.series.entry(name.clone()).or_default().push((t, *v));
        }
        let r = self
            .csv
            .row(step, t, values)
            .and_then(|()| self.events.flush());
        self.keep_error(r);
    }

    fn snapshot(&mut self, step: usize, t: f64, positions: &Points) {
        for k in 0..positions.d() {
            let r = self
                .events
                .histogram(&format!("positions/x{k}"), &positions.column(k), step);
            self.keep_error(r);
        }
        if positions.d() == 2 {
            let r = density_heatmap(positions, None, 60)
                .and_then(|h| {
                    scatter_over_heatmap(&format!("t = {t:.3}"), &h, &pairs(positions), (480, 440))
                })
                .and_then(|f| self.image("figures/particles", &f, step));
            self.keep_error(r);
        }
        self.snapshots.push((t, positions.clone()));
    }

    fn restore_snapshot(&mut self, _step: usize, t: f64, positions: &Points) {
        self.snapshots.push((t, positions.clone()));
    }

    fn histogram(&mut self, step: usize, tag: &str, values: &[f64]) {
        let r = self.events.histogram(tag, values, step);
        self.keep_error(r);
    }

    fn samples(&mut self, step: usize, t: f64, samples: &GeneratedSamples) {
        match samples_figure(t, samples) {
            Ok(figure) => {
                let r = self.image("figures/samples", &figure, step);
                self.keep_error(r);
                self.samples = Some(figure);
            }
            Err(e) => self.keep_error(Err(e)),
        }
    }

    fn progress(&mut self, done: usize, total: usize) {
        self.done = done;
        self.progress.update(done, total);
    }

    /// A signal (SIGINT, SIGTERM) or the first write error stops the run at its next step,
    /// so a full disk does not go on computing what it cannot keep.
    fn stop_requested(&mut self) -> Option<String> {
        if let Some(signal) = crate::interrupt::received() {
            return Some(format!("interrupted by {signal}"));
        }
        if self.stop_at.is_some_and(|k| self.done >= k) {
            return Some(format!(
                "interrupted at step {} (--stop-at-step)",
                self.done
            ));
        }
        self.first_error
            .as_ref()
            .map(|e| format!("cannot write the run folder: {}", error_chain(e)))
    }
}

/// `e` and its causes on one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut line = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        line.push_str(": ");
        line.push_str(&cause.to_string());
        source = cause.source();
    }
    line
}

/// The TensorBoard group of a scalar: `loss/` for the objective (energy, losses, errors),
/// `time/` for clocks, `metrics/` for the rest.
fn tag_group(name: &str) -> String {
    let group = if name == "energy" || name.contains("loss") || name.ends_with("_mse") {
        "loss"
    } else if name.contains("seconds") {
        "time"
    } else {
        "metrics"
    };
    format!("{group}/{name}")
}

/// The resolved config as markdown: indented, so TensorBoard shows it as a code block.
fn config_markdown(toml: &str) -> String {
    toml.lines().map(|l| format!("    {l}\n")).collect()
}
