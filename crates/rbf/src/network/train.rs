//! Training the RBF network: full-batch gradient descent (the mean-field particle flow),
//! minibatch SGD or Adam, or full-batch L-BFGS, all from burn, with early stopping on the
//! validation error and the best model kept as the checkpoint.

use std::path::Path;

use burn::optim::{AdamConfig, GradientsParams, LBFGSConfig, LineSearchFn, SgdConfig};
use burn::tensor::{Device, Tensor};
use meanfield_core::RunRng;
use meanfield_core::{
    CoreError, FlowOutcome, Method, Observer, Points, RunOutcome, StopReason, cpu_device, host_vec,
    is_cpu, tensor_from,
};
use rand::SeedableRng;
use serde_json::{Value, json};

use super::checkpoint::save_checkpoint;
use super::config::{LrScaling, NetworkConfig, OptimizerKind, WeightInit, Widths};
use super::init::{MAX_LEAST_SQUARES_NEURONS, centres_from_data, least_squares, spacing_width};
use super::kernel::Gradient;
use super::model::Trainable;
use super::resume::{self, ResumePoint, TrainState};
use super::{Dataset, RbfNetwork};
use crate::error::Result;

/// Evaluations during training look at most this many rows of each set (a fixed subsample);
/// the final metrics use every row.
pub const EVAL_ROWS: usize = 16_384;
/// Ridge of the least-squares start, relative to the Gram matrix's mean diagonal.
const RIDGE: f64 = 1e-6;
/// Rows evaluated at once: about 4 M features of `N` neurons.
const CHUNK_FEATURES: usize = 1 << 22;

/// The network a training starts from, on the host.
#[derive(Debug, Clone)]
struct Start {
    centres: Points,
    widths: Vec<f64>,
    weights: Vec<f64>,
    bias: f64,
}

/// A built training problem: data read and split, optimiser resolved, starting network fitted.
#[derive(Debug)]
pub struct Trainer {
    config: NetworkConfig,
    optimizer: OptimizerKind,
    lr: f64,
    steps: usize,
    log_every: usize,
    seed: u64,
    device: Device,
    start: Start,
    train: Dataset,
    validation: Dataset,
    /// Seconds spent placing the centres and fitting the start.
    start_seconds: f64,
    /// Where the next run continues from (set by [`Method::resume`]).
    resumed: Option<ResumePoint>,
}

/// Tensors of a set of rows: inputs, labels, weights.
type Rows = (Tensor<2>, Tensor<1>, Tensor<1>);

impl Trainer {
    /// Reads or generates the data (seeded by `seed`), splits it, and starts `n` neurons at
    /// `centres` (or on a subsample of the training rows), with the configured width (or one
    /// from their spacing) and weights (by default a least-squares fit).
    ///
    /// # Errors
    /// Config, data and dimension errors.
    pub fn new(
        config: NetworkConfig,
        n: usize,
        centres: Option<Points>,
        seed: u64,
        device: Device,
    ) -> Result<Self> {
        config.validate()?;
        let mut rng = RunRng::seed_from_u64(seed ^ 0xda7a);
        let data = Dataset::from_config(&config.data, &mut rng)?;
        if let Some(x0) = &centres
            && data.d != x0.d()
        {
            return Err(CoreError::config(
                "network.data",
                format!(
                    "has dimension {}, the centres (particles.init) have {}",
                    data.d,
                    x0.d()
                ),
            )
            .into());
        }
        let (train, validation) = data.split(config.validation_fraction, &mut rng);
        if config.validation_fraction > 0.0 && validation.is_empty() {
            return Err(CoreError::config(
                "network.validation_fraction",
                format!(
                    "{} of {} rows leaves no validation row; give more rows, or 0 for no validation",
                    config.validation_fraction,
                    data.len()
                ),
            )
            .into());
        }
        if config.weight_init == WeightInit::LeastSquares && n > MAX_LEAST_SQUARES_NEURONS {
            return Err(CoreError::config(
                "network.weight_init",
                format!(
                    "least squares is for at most {MAX_LEAST_SQUARES_NEURONS} neurons, found {n}; \
                     give a number"
                ),
            )
            .into());
        }
        let clock = std::time::Instant::now();
        let centres = match centres {
            Some(x0) => x0,
            None => centres_from_data(&train, n, &mut rng)?,
        };
        let optimizer = config
            .optimizer
            .resolve(train.len(), n, config.train_weights);
        if optimizer == OptimizerKind::Varpro && n > MAX_LEAST_SQUARES_NEURONS {
            return Err(CoreError::config(
                "network.optimizer",
                format!(
                    "varpro solves least squares at every step: at most \
                     {MAX_LEAST_SQUARES_NEURONS} neurons, found {n}; use lbfgs"
                ),
            )
            .into());
        }
        let mut trainer = Self {
            lr: config.lr.unwrap_or(optimizer.default_lr()),
            steps: config.steps.unwrap_or(optimizer.default_steps()),
            log_every: config.log_every.unwrap_or(optimizer.default_log_every()),
            optimizer,
            seed,
            device,
            start: Start {
                widths: vec![config.eps.unwrap_or_else(|| spacing_width(&centres))],
                weights: vec![],
                bias: 0.0,
                centres,
            },
            train,
            validation,
            config,
            start_seconds: 0.0,
            resumed: None,
        };
        if matches!(optimizer, OptimizerKind::Lbfgs | OptimizerKind::Varpro) {
            // L-BFGS runs in blocks of `log_every` iterations (see `train`).
            trainer.steps = trainer.steps.div_ceil(trainer.log_every) * trainer.log_every;
        }
        trainer.fit_start()?;
        trainer.start_seconds = clock.elapsed().as_secs_f64();
        Ok(trainer)
    }

    /// The starting weights and bias: constant, or least squares on (a subsample of at most
    /// `8 N + 2000`) training rows.
    fn fit_start(&mut self) -> Result<()> {
        let n = self.start.centres.n();
        self.start.weights = vec![1.0; n];
        match self.config.weight_init {
            WeightInit::Constant(a) => self.start.weights = vec![a; n],
            WeightInit::LeastSquares => {
                let mut rng = RunRng::seed_from_u64(self.seed ^ 0x1ea5);
                let rows = self.train.sample_rows(8 * n + 2000, &mut rng);
                let model = self.model(&cpu_device());
                let (a, b) = self.output_fit(&model, &rows)?;
                self.start.weights = a;
                self.start.bias = b;
            }
        }
        let widths = match self.config.widths {
            Widths::PerNeuron => n,
            Widths::Fixed | Widths::Shared => 1,
        };
        self.start.widths = vec![self.start.widths[0]; widths];
        Ok(())
    }

    /// The least-squares output weights and bias of `model`'s centres and widths on `rows`,
    /// from f64 features on the host whatever the training device.
    fn output_fit(&self, model: &RbfNetwork, rows: &Dataset) -> Result<(Vec<f64>, f64)> {
        let moments = model.host().moments(&rows.z, &rows.y, &rows.w);
        Ok(least_squares(&moments, self.config.bias, RIDGE)?)
    }

    /// The variable-projection loss and gradient: the output weights and bias solved on the
    /// training rows, the gradient in the centres and widths only (the weights' and bias's
    /// vanishes at their optimum, and L-BFGS must leave them to the solve).
    fn projected_loss_and_grads(&self, model: &RbfNetwork) -> (f64, GradientsParams) {
        let Ok((a, b)) = self.output_fit(model, &self.train) else {
            let [n, d] = model.centres().dims();
            let zero = Gradient::zeros(n, d, model.widths().dims()[0]);
            return (f64::NAN, model.gradients(zero, &self.device));
        };
        let host = model.clone().with_output(a, b).host();
        let (loss, mut g) = host.loss_and_gradient(&self.train.z, &self.train.y, &self.train.w);
        g.weights.fill(0.0);
        g.bias = 0.0;
        (loss, model.gradients(g, &self.device))
    }

    /// `model` with its output weights and bias solved (the model `varpro` stands for).
    fn projected(&self, model: RbfNetwork) -> RbfNetwork {
        match self.output_fit(&model, &self.train) {
            Ok((a, b)) => model.with_output(a, b),
            Err(_) => model,
        }
    }

    /// The starting network on `device`.
    fn model(&self, device: &Device) -> RbfNetwork {
        let s = &self.start;
        let trained = Trainable {
            weights: self.config.train_weights,
            widths: self.config.widths != Widths::Fixed,
            bias: self.config.bias && self.config.train_weights,
        };
        let widths = s.widths.len();
        RbfNetwork::new(
            s.centres.to_tensor(device),
            tensor_from(s.weights.clone(), [s.centres.n()], device),
            tensor_from(s.widths.clone(), [widths], device),
            s.bias,
            trained,
        )
    }

    fn rows(&self, data: &Dataset, device: &Device) -> Rows {
        let k = data.len();
        (
            tensor_from(data.z.clone(), [k, data.d], device),
            tensor_from(data.y.clone(), [k], device),
            tensor_from(data.w.clone(), [k], device),
        )
    }

    /// The step the optimiser takes per unit of `lr` times the gradient, and the mean-field
    /// time a step stands for.
    fn step_and_time(&self) -> (f64, f64) {
        let n = self.start.centres.n() as f64;
        match (self.optimizer.is_gradient_step(), self.config.lr_scaling) {
            (true, LrScaling::MeanField) => (self.lr * n, self.lr),
            (true, LrScaling::None) => (self.lr, self.lr / n),
            (false, _) => (self.lr, 1.0),
        }
    }

    /// `1/2 sum_k w_k (f(z_k) - y_k)^2` over `rows` and its gradient in the trained
    /// parameters: the host kernel on the CPU, burn's autodiff elsewhere.
    fn loss_and_grads(&self, model: &RbfNetwork, rows: &Dataset) -> (f64, GradientsParams) {
        if is_cpu(&self.device) {
            let (loss, g) = model.host().loss_and_gradient(&rows.z, &rows.y, &rows.w);
            (loss, model.gradients(g, &self.device))
        } else {
            let (z, y, w) = self.rows(rows, &self.device.clone().autodiff());
            let loss = ((model.forward(z) - y).square() * w).sum().mul_scalar(0.5);
            let value = loss.clone().into_scalar::<f64>();
            let grads = GradientsParams::from_grads(loss.backward(), model);
            (value, model.complete(grads, &self.device))
        }
    }

    /// `f` at the rows of `data`: the host kernel on the CPU, burn's forward in chunks
    /// elsewhere.
    fn predict(&self, model: &RbfNetwork, data: &Dataset) -> Vec<f64> {
        if is_cpu(&self.device) {
            return model.host().predict(&data.z);
        }
        let n = model.centres().dims()[0];
        let chunk = (CHUNK_FEATURES / n).max(1) * data.d;
        let device = self.device.clone().autodiff();
        data.z
            .chunks(chunk)
            .flat_map(|z| {
                let z = tensor_from(z.to_vec(), [z.len() / data.d, data.d], &device);
                host_vec(model.forward(z))
            })
            .collect()
    }

    /// The mean squared error and the weighted loss `1/2 sum_k w_k (f - y)^2` over `data`
    /// (0 for no rows).
    fn errors(&self, model: &RbfNetwork, data: &Dataset) -> (f64, f64) {
        if data.is_empty() {
            return (0.0, 0.0);
        }
        let f = self.predict(model, data);
        let (mut mse, mut loss) = (0.0, 0.0);
        for ((f, y), w) in f.iter().zip(&data.y).zip(&data.w) {
            let r2 = (f - y) * (f - y);
            mse += r2;
            loss += 0.5 * w * r2;
        }
        (mse / data.len() as f64, loss)
    }

    /// Trains, reporting to `observer` and (when given) writing the model kept into
    /// `checkpoint_dir` at each evaluation that changes it, so an interrupted run keeps it: the
    /// best so far by the validation error (the training loss without validation data), or,
    /// with `patience = 0`, the last. There too, at a stop and at the end, the resume point.
    ///
    /// # Errors
    /// Checkpoint write errors.
    pub fn train(
        &self,
        observer: &mut dyn Observer,
        checkpoint_dir: Option<&Path>,
    ) -> Result<Trained> {
        self.train_from(None, observer, checkpoint_dir)
    }

    /// [`Trainer::train`] from the start, or from a resume point.
    fn train_from(
        &self,
        resumed: Option<ResumePoint>,
        observer: &mut dyn Observer,
        checkpoint_dir: Option<&Path>,
    ) -> Result<Trained> {
        let ad = self.device.clone().autodiff();
        let mut rng = RunRng::seed_from_u64(self.seed ^ 0xba7c);
        let eval_train = self.train.sample_rows(EVAL_ROWS, &mut rng);
        let eval_val = self.validation.sample_rows(EVAL_ROWS, &mut rng);
        let (step_size, dt) = self.step_and_time();
        let lbfgs_steps = matches!(self.optimizer, OptimizerKind::Lbfgs | OptimizerKind::Varpro);
        let mut first_order = if self.optimizer == OptimizerKind::Adam {
            AdamConfig::new().init()
        } else {
            SgdConfig::new().init()
        };
        // L-BFGS runs `log_every` iterations per call: each call re-evaluates its starting
        // point, so one iteration per call would cost a loss and gradient more per iteration.
        let mut lbfgs = LBFGSConfig::new()
            .with_max_iter(self.log_every)
            .with_max_eval(Some(25 * self.log_every))
            .with_history_size(20)
            .with_tolerance_grad(0.0)
            .with_tolerance_change(0.0)
            .with_line_search_fn(LineSearchFn::StrongWolfe)
            .init();
        let batch = self.config.batch_size.min(self.train.len());
        let minibatches = !self.optimizer.is_full_batch();
        let mut track = Track::default();
        let (mut model, mut best, mut step) = (self.model(&ad), self.model(&ad), 0);
        // The evaluation at a resumed step was done before its stop.
        let mut evaluated = resumed.is_some();
        if let Some(point) = resumed {
            let s = point.state;
            track = Track {
                best: s.best,
                best_step: s.best_step,
                stale: s.stale,
                energy: s.energy,
                ..Track::default()
            };
            (model, best, step) = (point.current, point.best, s.step);
            if lbfgs_steps {
                lbfgs = lbfgs.load_record(point.optimizer);
            } else {
                first_order = first_order.load_record(point.optimizer);
            }
            // The minibatches drawn before the stop, drawn again: the stream goes on from there.
            for _ in 0..step * usize::from(minibatches) {
                self.train.sample_rows(batch, &mut rng);
            }
        }
        loop {
            // Asked once per step; a stop between evaluations logs nothing more, so that its
            // resume logs exactly what the uninterrupted run does.
            let stop = (step > 0 && step < self.steps)
                .then(|| observer.stop_requested())
                .flatten();
            let scheduled = step % self.log_every == 0 || step == self.steps;
            if !std::mem::take(&mut evaluated) && scheduled {
                let (train_mse, train_loss) = self.errors(&model, &eval_train);
                if !train_loss.is_finite() {
                    track.stopped = Some(StopReason::NonFinite(format!(
                        "stopped at step {step}: the training loss is {train_loss}; the best model so far is kept"
                    )));
                    break;
                }
                let mut metrics = vec![
                    ("energy".to_string(), train_loss),
                    ("train_mse".to_string(), train_mse),
                ];
                let val = (!self.validation.is_empty()).then(|| self.errors(&model, &eval_val).0);
                if let Some(v) = val {
                    metrics.push(("val_mse".to_string(), v));
                }
                metrics.push(("eps".to_string(), host_vec(model.widths())[0]));
                metrics.extend(self.centre_statistics(&model, &eval_train));
                observer.scalars(step, step as f64 * dt, &metrics);
                track.energy.push((step as f64 * dt, train_loss));
                let improves =
                    track.improves(step, val.unwrap_or(train_loss), self.config.min_improvement);
                // Without early stopping the model kept is the last one (the flow's end).
                if improves || self.config.patience == 0 {
                    track.best_step = step;
                    best = model.clone();
                    if let Some(dir) = checkpoint_dir {
                        save_checkpoint(&best, dir)?;
                    }
                }
                if val.is_some() && self.config.patience > 0 && track.stale >= self.config.patience
                {
                    track.early_stop = Some(step);
                }
            }
            let end = stop.is_some() || step == self.steps || track.early_stop.is_some();
            if let (true, Some(dir)) = (end, checkpoint_dir) {
                let record = if lbfgs_steps {
                    lbfgs.to_record()
                } else {
                    first_order.to_record()
                };
                resume::save(dir, &track.state(step), &model, record)?;
            }
            if track.early_stop.is_some() {
                break;
            }
            if let Some(why) = stop {
                track.stopped = Some(StopReason::Interrupted(format!(
                    "stopped after step {step} of {}: {why}; the best model so far is kept",
                    self.steps
                )));
                break;
            }
            if step == self.steps {
                break;
            }
            let mut advance = 1;
            model = match self.optimizer {
                OptimizerKind::Lbfgs => {
                    advance = self.log_every;
                    let closure = |m: RbfNetwork| self.loss_and_grads(&m, &self.train);
                    lbfgs.step(step_size, model, closure).0
                }
                OptimizerKind::Varpro => {
                    advance = self.log_every;
                    let closure = |m: RbfNetwork| self.projected_loss_and_grads(&m);
                    self.projected(lbfgs.step(step_size, model, closure).0)
                }
                _ => {
                    let grads = if minibatches {
                        let rows = self.train.sample_rows(batch, &mut rng);
                        self.loss_and_grads(&model, &rows).1
                    } else {
                        self.loss_and_grads(&model, &self.train).1
                    };
                    first_order.step(step_size, model, grads)
                }
            };
            step += advance;
            observer.progress(step, self.steps);
        }
        let done = step;
        let best_centres = Points::from_tensor(&best.centres());
        if track.stopped.is_none() {
            observer.snapshot(done, done as f64 * dt, &best_centres);
        }
        let (train_mse, energy) = self.errors(&best, &self.train);
        let mut metrics = vec![
            ("energy".to_string(), energy),
            ("train_mse".to_string(), train_mse),
        ];
        if !self.validation.is_empty() {
            metrics.push((
                "val_mse".to_string(),
                self.errors(&best, &self.validation).0,
            ));
        }
        let widths = host_vec(best.widths());
        metrics.push(("eps".to_string(), widths[0]));
        metrics.extend(self.centre_statistics(&best, &self.train));
        Ok(Trained {
            outcome: FlowOutcome {
                steps: done,
                t: done as f64 * dt,
                positions: best_centres,
                metrics,
                energy: track.energy,
                stopped: track.stopped,
            },
            best_step: track.best_step,
            early_stop: track.early_stop,
            widths,
        })
    }

    /// The centres' mean distance from the origin and spread (RMS distance from their mean),
    /// and for `gd`/`sgd` the RMS over neurons of the mean-field velocity `-N grad_{x_i} L`
    /// on `rows`: the statistics whose trajectories collapse as N grows.
    fn centre_statistics(&self, model: &RbfNetwork, rows: &Dataset) -> Vec<(String, f64)> {
        let x = Points::from_tensor(&model.centres());
        let (n, d) = (x.n(), x.d());
        let mean: Vec<f64> = (0..d)
            .map(|k| x.iter().map(|p| p[k]).sum::<f64>() / n as f64)
            .collect();
        let spread = x
            .iter()
            .map(|p| {
                p.iter()
                    .zip(&mean)
                    .map(|(a, m)| (a - m) * (a - m))
                    .sum::<f64>()
            })
            .sum::<f64>()
            / n as f64;
        let mut stats = vec![
            (
                "centre_mean".to_string(),
                mean.iter().map(|m| m * m).sum::<f64>().sqrt(),
            ),
            ("centre_spread".to_string(), spread.sqrt()),
        ];
        if self.optimizer.is_gradient_step() {
            let g = model.host().loss_and_gradient(&rows.z, &rows.y, &rows.w).1;
            let v2 = g.centres.iter().map(|v| v * v).sum::<f64>() * n as f64;
            stats.push(("velocity_rms".to_string(), v2.sqrt()));
        }
        stats
    }

    /// What the summary says about the parametrisation and the optimiser.
    fn settings(&self) -> Vec<(String, Value)> {
        let (step_size, dt) = self.step_and_time();
        let s = &self.start;
        vec![
            ("optimizer".into(), json!(self.optimizer.name())),
            ("lr".into(), json!(self.lr)),
            ("lr_scaling".into(), json!(self.config.lr_scaling)),
            ("step_size".into(), json!(step_size)),
            ("time_per_step".into(), json!(dt)),
            ("steps_max".into(), json!(self.steps)),
            ("eps_init".into(), json!(s.widths[0])),
            ("widths".into(), json!(self.config.widths)),
            ("weight_init".into(), json!(self.config.weight_init)),
            ("bias".into(), json!(self.config.bias)),
            ("train_rows".into(), json!(self.train.len())),
            ("validation_rows".into(), json!(self.validation.len())),
        ]
    }
}

/// What a training ended with.
#[derive(Debug)]
pub struct Trained {
    /// Steps, mean-field time, the best model's centres and metrics (on every row), the loss
    /// history and the stop, if any.
    pub outcome: FlowOutcome,
    /// The step of the best model.
    pub best_step: usize,
    /// The step early stopping ended the training at, if it did.
    pub early_stop: Option<usize>,
    /// The best model's widths (one, or one per neuron).
    pub widths: Vec<f64>,
}

/// The best evaluation so far and the loss history.
#[derive(Debug, Default)]
struct Track {
    best: Option<f64>,
    best_step: usize,
    stale: usize,
    early_stop: Option<usize>,
    energy: Vec<(f64, f64)>,
    stopped: Option<StopReason>,
}

impl Track {
    /// The bookkeeping a resume at `step` continues from.
    fn state(&self, step: usize) -> TrainState {
        TrainState {
            step,
            best: self.best,
            best_step: self.best_step,
            stale: self.stale,
            energy: self.energy.clone(),
        }
    }

    /// Records the error at `step`; true when it is the best so far. Only a decrease by more
    /// than the fraction `min_improvement` of the best resets the count of stale evaluations.
    fn improves(&mut self, step: usize, error: f64, min_improvement: f64) -> bool {
        let Some(best) = self.best else {
            self.best = Some(error);
            return true;
        };
        if error < best * (1.0 - min_improvement) {
            self.stale = 0;
        } else {
            self.stale += 1;
        }
        if error < best {
            self.best = Some(error);
            self.best_step = step;
            true
        } else {
            false
        }
    }
}

impl Method for Trainer {
    fn name(&self) -> &'static str {
        "rbf_network"
    }

    /// Loads the resume point of `dir`; a `network.steps` below the steps done is an error.
    fn resume(&mut self, dir: &Path) -> meanfield_core::Result<usize> {
        let ad = self.device.clone().autodiff();
        let point = resume::load(dir, || self.model(&ad))?;
        let done = point.state.step;
        if done > self.steps {
            return Err(CoreError::config(
                "network.steps",
                format!(
                    "{}: {} is below the {done} steps already done",
                    dir.display(),
                    self.steps
                ),
            ));
        }
        self.resumed = Some(point);
        Ok(done)
    }

    /// Trains (see [`Trainer::train`]), checkpointing into `dir`, and writes the best model's
    /// centres as `particles_final.csv`; the summary holds the settings, the loss check and
    /// the best model's metrics.
    fn run(
        &mut self,
        observer: &mut dyn Observer,
        dir: Option<&Path>,
    ) -> meanfield_core::Result<RunOutcome> {
        let clock = std::time::Instant::now();
        let resumed = self.resumed.take();
        let trained = self.train_from(resumed, observer, dir)?;
        let wall_seconds = clock.elapsed().as_secs_f64();
        let outcome = trained.outcome;
        if let Some(dir) = dir {
            outcome
                .positions
                .write_csv(&dir.join("particles_final.csv"))?;
        }
        let mut summary = outcome.summary(1e-12);
        summary.extend(self.settings());
        summary.push(("best_step".into(), json!(trained.best_step)));
        summary.push(("early_stop_step".into(), json!(trained.early_stop)));
        let (lo, hi) = trained
            .widths
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(lo, hi), w| {
                (lo.min(*w), hi.max(*w))
            });
        summary.push(("eps_range".into(), json!([lo, hi])));
        summary.push(("wall_seconds".into(), wall_seconds.into()));
        summary.push(("start_seconds".into(), self.start_seconds.into()));
        Ok(RunOutcome {
            steps: outcome.steps,
            stopped: outcome.stopped,
            summary,
            density: None,
            warnings: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use meanfield_blob::PairwiseBlob;
    use meanfield_blob::overlap::CellsOverlap;
    use meanfield_core::energy::Evaluation;
    use meanfield_core::{InitConfig, Recorder, cpu_device};

    use super::*;
    use crate::network::DataConfig;

    /// Full-batch gradient descent on the centres in the plain mean-field configuration, with
    /// `f0 = 0` and data on a grid weighted `w_q = h / rhobar(z_q)` (rhobar uniform 1/2 on
    /// [-1, 1]), follows the blob particle flow `dx_i/dt = -N grad_{x_i} E` (closed-form
    /// overlap, explicit Euler) with `dt = lr`: the same trajectories to quadrature accuracy.
    #[test]
    fn gradient_descent_is_the_blob_flow() {
        let dir = tempfile::tempdir().unwrap();
        let cells = 2000;
        let h = 2.0 / cells as f64;
        let mut csv = String::from("z0,y,w\n");
        for q in 0..cells {
            csv.push_str(&format!("{},0,{}\n", -1.0 + (q as f64 + 0.5) * h, h / 0.5));
        }
        let data = dir.path().join("grid.csv");
        std::fs::write(&data, csv).unwrap();
        let (n, eps, lr, steps) = (8, 0.08, 0.00025, 25);
        let config = NetworkConfig {
            validation_fraction: 0.0,
            ..NetworkConfig::mean_field(DataConfig::Csv { path: data }, eps, lr, steps)
        };
        let start = InitConfig::Grid {
            lo: vec![-0.4],
            hi: vec![0.4],
        }
        .sample(n, &mut RunRng::seed_from_u64(0))
        .unwrap();
        let trainer = Trainer::new(config, n, Some(start.clone()), 0, cpu_device()).unwrap();
        let outcome = trainer
            .train(&mut Recorder::default(), None)
            .unwrap()
            .outcome;
        assert!((outcome.t - steps as f64 * lr).abs() < 1e-15);

        let device = cpu_device();
        let blob = PairwiseBlob::new(
            Box::new(CellsOverlap::uniform_box(eps, &[-1.0], &[1.0], 0.0)),
            4,
            Evaluation::Fused,
            0,
            0,
        );
        let m = Tensor::<1>::ones([n], &device).div_scalar(n as f64);
        let mut x = start.to_tensor(&device);
        for _ in 0..steps {
            let grad = blob.value_and_gradient(&x, &m).1;
            // Euler step of dx/dt = -(1/m_i) grad E = -N grad E over dt = lr.
            x = x - grad.mul_scalar(n as f64 * lr);
        }
        let flow = host_vec(x);
        for ((gd, fl), x0) in outcome
            .positions
            .as_slice()
            .iter()
            .zip(&flow)
            .zip(start.as_slice())
        {
            assert!((gd - fl).abs() < 1e-6, "{gd} vs {fl}");
            assert!((gd - x0).abs() > 1e-4, "the particles moved");
        }
    }

    /// With the default parametrisation (data-based start, L-BFGS, early stopping) a smooth
    /// function is fitted to a small fraction of its variance, and the reported metrics are
    /// those of the best model, which never does worse than the least-squares start.
    #[test]
    fn defaults_fit_a_smooth_function() {
        let config = NetworkConfig::new(DataConfig::Function {
            f0: crate::network::Function::Waves,
            nu: meanfield_core::target::TargetConfig::UniformBox {
                lo: vec![-1.0, -1.0],
                hi: vec![1.0, 1.0],
            },
            samples: 600,
            noise: 0.02,
        });
        let trainer = Trainer::new(config, 32, None, 3, cpu_device()).unwrap();
        assert_eq!(trainer.optimizer, OptimizerKind::Varpro);
        let mut recorder = Recorder::default();
        let trained = trainer.train(&mut recorder, None).unwrap();
        let val = recorder.series("val_mse");
        let best = val.iter().map(|v| v.1).fold(f64::INFINITY, f64::min);
        assert!(best <= val[0].1, "{val:?}");
        let final_val = trained
            .outcome
            .metrics
            .iter()
            .find(|m| m.0 == "val_mse")
            .unwrap()
            .1;
        // The variance of sin(pi z0) cos(pi z1 / 2) on the square is 1/4.
        assert!(final_val < 0.01 * 0.25, "val_mse {final_val}");
    }
}
