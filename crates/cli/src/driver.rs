//! The one run driver: every method goes from a validated config to its run folder by the
//! same path. Build the method (data read, targets built) before the folder exists, check a
//! checkpoint to resume from, create (or reopen) the folder, run with the logger as observer,
//! write `summary.json`, draw the figures, and report a stop as an error after everything is
//! written.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use meanfield_core::{Method, ParticleFlow, RunOutcome, StopReason};
use meanfield_dynot::TransportRun;
use meanfield_log::{HParam, RunFolder, RunLogger};
use meanfield_rbf::network::Trainer;
use meanfield_wgan::WganRun;
use serde_json::{Map, Value, json};

use crate::config::{MethodKind, RunConfig};

/// The method of a validated config, built and ready to run.
///
/// # Errors
/// Config, data and file errors, each naming the key or file.
pub fn build_method(config: &RunConfig) -> anyhow::Result<Box<dyn Method>> {
    let device = config.device.device()?;
    if config.method == MethodKind::Wgan {
        let wgan = config
            .wgan
            .clone()
            .context("method `wgan` needs a [wgan] table")?;
        return Ok(Box::new(WganRun::new(wgan, config.seed, device)?));
    }
    device.seed(config.seed);
    let particles = config.particles()?;
    Ok(match config.method {
        MethodKind::RbfNetwork => {
            let network = config
                .network
                .clone()
                .context("method `rbf_network` needs a [network] table")?;
            let centres = match &particles.init {
                Some(_) => Some(particles.initial_positions(config.seed)?),
                None => None,
            };
            Box::new(Trainer::new(
                network,
                particles.n,
                centres,
                config.seed,
                device,
            )?)
        }
        MethodKind::DynamicOt => {
            let transport = config
                .transport
                .as_ref()
                .context("method `dynamic_ot` needs a [transport] table")?;
            Box::new(TransportRun::new(
                transport,
                particles,
                config.target.as_ref(),
                &config.metrics,
                config.seed,
                device,
            )?)
        }
        flow => {
            let kind = flow.flow().context("a particle flow")?;
            let positions = particles.initial_positions(config.seed)?;
            let d = positions.d();
            let target = match &config.target {
                Some(t) => Some(t.build_for("target", d)?),
                None => None,
            };
            let reference = match &config.metrics.reference {
                Some(r) => Some(r.build_for("metrics.reference", d)?),
                None => target.clone(),
            };
            let built = config.blob_spec(kind).build(&positions, target)?;
            let (x0, m0) = particles.weighted(positions)?;
            Box::new(
                ParticleFlow::new(built.method, x0, device)
                    .with_masses(m0)?
                    .with_flow(config.flow.clone())?
                    .with_metrics(config.metrics.clone(), reference)?
                    .with_seed(config.seed)
                    .with_summary(built.summary),
            )
        }
    })
}

/// Runs `config` into the new folder `out` and returns its summary: [`build_method`], then
/// [`execute`].
///
/// # Errors
/// Build and file errors; a stopped run.
pub fn build_and_execute(config: &RunConfig, out: &Path) -> anyhow::Result<Value> {
    execute(config, build_method(config)?, out, None)
}

/// Runs the built `method` of `config` into the new folder `out` and returns its summary. A
/// run that stops early (at `stop_at` steps, when given) keeps its files and returns an
/// error.
///
/// # Errors
/// File errors; a stopped run.
pub fn execute(
    config: &RunConfig,
    mut method: Box<dyn Method>,
    out: &Path,
    stop_at: Option<usize>,
) -> anyhow::Result<Value> {
    let folder = RunFolder::create(out)?;
    let logger = RunLogger::new(folder.clone(), &config.name, &config.to_toml())?;
    drive(config, method.as_mut(), &folder, logger, stop_at)
}

/// Continues the run in `dir` with the built `method` of its config (with any overrides) from
/// its checkpoint, which is checked before anything in the folder changes.
///
/// # Errors
/// A method that cannot resume, a missing or incompatible checkpoint; as [`execute`].
pub fn resume(
    config: &RunConfig,
    mut method: Box<dyn Method>,
    dir: &Path,
    stop_at: Option<usize>,
) -> anyhow::Result<Value> {
    let folder = RunFolder::reopen(dir)?;
    let start = method.resume(dir)?;
    let logger = RunLogger::resume(folder.clone(), &config.name, &config.to_toml(), start)?;
    drive(config, method.as_mut(), &folder, logger, stop_at)
}

/// Run, `summary.json`, then every figure (the logger's and the method's own), then the stop:
/// a figure that fails to draw loses nothing else.
fn drive(
    config: &RunConfig,
    method: &mut dyn Method,
    folder: &RunFolder,
    mut logger: RunLogger,
    stop_at: Option<usize>,
) -> anyhow::Result<Value> {
    if let Some(step) = stop_at {
        logger.stop_at_step(step);
    }
    meanfield_log::interrupt::install().context("cannot install the SIGINT/SIGTERM handlers")?;
    // Each run is its own group, so the variants of an experiment are rows of their own (the
    // experiment's name is the `name` hparam).
    logger.hparams(&hparams(config), "")?;
    let clock = Instant::now();
    let outcome = method.run(&mut logger, Some(folder.dir()))?;
    // An interrupted run is not over: its resume ends the session. (TensorBoard keeps the
    // first session end it reads.)
    if !matches!(outcome.stopped, Some(StopReason::Interrupted(_))) {
        logger.ended(outcome.stopped.is_none());
    }
    let summary = summary(
        config,
        method.name(),
        &outcome,
        clock.elapsed().as_secs_f64(),
    );
    folder.write_summary(&summary)?;
    for warning in &outcome.warnings {
        eprintln!("warning: {warning}");
    }
    let logged = logger.finish(outcome.density.as_deref());
    let own = method.figures(folder.dir());
    logged?;
    own?;
    match &outcome.stopped {
        Some(stop @ StopReason::Interrupted(_)) => bail!(
            "{}: {stop}; continue with `meanfield run --resume {}`",
            folder.dir().display(),
            folder.dir().display()
        ),
        Some(stop) => bail!(
            "{}: {stop}; {}",
            folder.dir().display(),
            method.kept_on_stop(folder.dir())
        ),
        None => {}
    }
    Ok(summary)
}

/// The run's row of TensorBoard's HPARAMS table: every number, string and bool of the
/// resolved config under its dotted key (`flow.dt`, `blob.eps`, ...), so the variants of a
/// reproduce experiment or a sweep compare in one table.
fn hparams(config: &RunConfig) -> Vec<(String, HParam)> {
    let mut rows = vec![(
        "method".to_string(),
        HParam::Text(config.method.name().into()),
    )];
    if let Ok(value) = toml::Value::try_from(config) {
        flatten("", &value, &mut rows);
    }
    rows
}

fn flatten(prefix: &str, value: &toml::Value, rows: &mut Vec<(String, HParam)>) {
    let param = match value {
        toml::Value::Table(table) => {
            for (key, v) in table {
                let key = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&key, v, rows);
            }
            return;
        }
        toml::Value::Integer(i) => HParam::Number(*i as f64),
        toml::Value::Float(x) => HParam::Number(*x),
        toml::Value::Boolean(b) => HParam::Bool(*b),
        toml::Value::String(s) => HParam::Text(s.clone()),
        toml::Value::Datetime(_) | toml::Value::Array(_) => return,
    };
    rows.push((prefix.to_string(), param));
}

/// `summary.json`: the run's identity (`name`, `method`, `status` "ok", "interrupted" or
/// "stopped", the stop's
/// `message` and `stop_reason`, `seed`, `device`, `steps`, `wall_seconds`), then the method's
/// own entries, then its `warnings` when there are any.
fn summary(config: &RunConfig, method: &str, outcome: &RunOutcome, wall_seconds: f64) -> Value {
    let mut map = Map::new();
    map.insert("name".into(), json!(config.name));
    map.insert("method".into(), json!(method));
    let status = match &outcome.stopped {
        None => "ok",
        Some(StopReason::Interrupted(_)) => "interrupted",
        Some(_) => "stopped",
    };
    map.insert("status".into(), json!(status));
    if let Some(stop) = &outcome.stopped {
        map.insert("message".into(), json!(stop.message()));
        map.insert("stop_reason".into(), json!(stop.kind()));
    }
    map.insert("seed".into(), json!(config.seed));
    map.insert("device".into(), json!(config.device));
    map.insert("steps".into(), json!(outcome.steps));
    map.insert("wall_seconds".into(), json!(wall_seconds));
    // A method's own entries come last: one that times its compute alone reports its own
    // `wall_seconds`.
    for (key, value) in &outcome.summary {
        map.insert(key.clone(), value.clone());
    }
    if !outcome.warnings.is_empty() {
        map.insert("warnings".into(), json!(outcome.warnings));
    }
    Value::Object(map)
}
