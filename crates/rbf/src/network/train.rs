//! Training the RBF network: full-batch gradient descent (the mean-field particle flow) or
//! minibatch SGD/Adam from burn, with validation, checkpoints (burn's burnpack records) and
//! prediction.

use std::path::Path;

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams, SgdConfig};
use burn::tensor::{Device, Tensor};
use meanfield_core::{
    CoreError, FlowOutcome, Method, Observer, Points, RunOutcome, StopReason, host_vec, tensor_from,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::index::sample;

use super::config::{NetworkConfig, OptimizerKind};
use super::{Dataset, RbfNetwork};
use crate::error::{RbfError, Result};

/// File name of the checkpoint inside a run folder.
pub const CHECKPOINT: &str = "model.bpk";
/// File name of the network's shape (N, d, eps) beside the checkpoint.
pub const SHAPE: &str = "network.toml";

/// A built training problem.
#[derive(Debug)]
pub struct Trainer {
    config: NetworkConfig,
    seed: u64,
    device: Device,
    x0: Points,
    train: Dataset,
    validation: Dataset,
}

impl Trainer {
    /// Reads or generates the data (seeded by `seed`), splits it and places the initial
    /// centres at `x0`.
    ///
    /// # Errors
    /// Config, data and dimension errors.
    pub fn new(config: NetworkConfig, x0: Points, seed: u64, device: Device) -> Result<Self> {
        config.validate()?;
        let mut rng = StdRng::seed_from_u64(seed ^ 0xda7a);
        let data = Dataset::from_config(&config.data, &mut rng)?;
        if data.d != x0.d() {
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
        Ok(Self {
            config,
            seed,
            device,
            x0,
            train,
            validation,
        })
    }

    fn tensors(&self, data: &Dataset, idx: Option<&[usize]>) -> (Tensor<2>, Tensor<1>, Tensor<1>) {
        let all: Vec<usize>;
        let idx = match idx {
            Some(i) => i,
            None => {
                all = (0..data.len()).collect();
                &all
            }
        };
        let d = data.d;
        let scale = data.len() as f64 / idx.len() as f64;
        let z: Vec<f64> = idx
            .iter()
            .flat_map(|i| data.z[i * d..(i + 1) * d].iter().copied())
            .collect();
        let y: Vec<f64> = idx.iter().map(|i| data.y[*i]).collect();
        let w: Vec<f64> = idx.iter().map(|i| data.w[*i] * scale).collect();
        let dev = self.device.clone().autodiff();
        (
            tensor_from(z, [idx.len(), d], &dev),
            tensor_from(y, [idx.len()], &dev),
            tensor_from(w, [idx.len()], &dev),
        )
    }

    /// `1/2 sum_k w_k (f(z_k) - y_k)^2`.
    fn loss(model: &RbfNetwork, (z, y, w): (Tensor<2>, Tensor<1>, Tensor<1>)) -> Tensor<1> {
        ((model.forward(z) - y).square() * w).sum().mul_scalar(0.5)
    }

    /// Mean squared error on a dataset (0 for an empty one).
    fn mse(&self, model: &RbfNetwork, data: &Dataset) -> f64 {
        if data.is_empty() {
            return 0.0;
        }
        let (z, y, _) = self.tensors(data, None);
        let err = host_vec(model.forward(z) - y);
        err.iter().map(|e| e * e).sum::<f64>() / err.len() as f64
    }

    /// Trains, reporting to `observer` and (when given) writing a checkpoint into
    /// `checkpoint_dir` at every logged step, so an interrupted run keeps the last good one.
    ///
    /// # Errors
    /// Checkpoint write errors.
    pub fn train(
        &self,
        observer: &mut dyn Observer,
        checkpoint_dir: Option<&Path>,
    ) -> Result<FlowOutcome> {
        let c = &self.config;
        let n = self.x0.n();
        let dev = self.device.clone().autodiff();
        let mut model = RbfNetwork::new(
            self.x0.to_tensor(&dev),
            c.weight_init,
            c.eps,
            c.train_weights,
            c.train_width,
        );
        let mut optimizer = match c.optimizer {
            OptimizerKind::Gd | OptimizerKind::Sgd => SgdConfig::new().init(),
            OptimizerKind::Adam => AdamConfig::new().init(),
        };
        let mut rng = StdRng::seed_from_u64(self.seed ^ 0xba7c);
        let time = |step: usize| step as f64 * c.lr / n as f64;
        let mut metrics = Vec::new();
        let mut energy = Vec::new();
        let mut stopped = None;
        let mut done = 0;
        let mut last_good = self.x0.clone();
        for step in 0..=c.steps {
            // Asked once per step: an interrupt logs and checkpoints the step it stops at.
            let stop = if step > 0 {
                observer.stop_requested()
            } else {
                None
            };
            if step % c.log_every == 0 || step == c.steps || stop.is_some() {
                let train_loss =
                    Self::loss(&model, self.tensors(&self.train, None)).into_scalar::<f64>();
                if !train_loss.is_finite() {
                    stopped = Some(StopReason::NonFinite(format!(
                        "stopped at step {step}: the training loss is {train_loss}"
                    )));
                    break;
                }
                last_good = Points::from_tensor(&model.centres());
                metrics = vec![
                    ("energy".to_string(), train_loss),
                    ("train_mse".to_string(), self.mse(&model, &self.train)),
                    ("eps".to_string(), model.eps()),
                ];
                if !self.validation.is_empty() {
                    metrics.push(("val_mse".to_string(), self.mse(&model, &self.validation)));
                }
                observer.scalars(step, time(step), &metrics);
                energy.push((time(step), train_loss));
                if let Some(dir) = checkpoint_dir {
                    save_checkpoint(&model, dir)?;
                }
            }
            if let Some(why) = stop {
                stopped = Some(StopReason::Interrupted(format!(
                    "stopped after step {step} of {}: {why}",
                    c.steps
                )));
                break;
            }
            if step == c.steps {
                break;
            }
            let batch = match c.optimizer {
                OptimizerKind::Gd => None,
                _ => Some(
                    sample(
                        &mut rng,
                        self.train.len(),
                        c.batch_size.min(self.train.len()),
                    )
                    .into_vec(),
                ),
            };
            let loss = Self::loss(&model, self.tensors(&self.train, batch.as_deref()));
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(c.lr, model, grads);
            done = step + 1;
            observer.progress(done, c.steps);
        }
        if stopped.is_none() {
            observer.snapshot(done, time(done), &last_good);
        }
        Ok(FlowOutcome {
            steps: done,
            t: time(done),
            positions: last_good,
            metrics,
            energy,
            stopped,
        })
    }
}

impl Method for Trainer {
    fn name(&self) -> &'static str {
        "rbf_network"
    }

    /// Trains (see [`Trainer::train`]), checkpointing into `dir`, and writes the final centres
    /// as `particles_final.csv`; the summary holds the loss check and the final metrics.
    fn run(
        &mut self,
        observer: &mut dyn Observer,
        dir: Option<&Path>,
    ) -> meanfield_core::Result<RunOutcome> {
        let clock = std::time::Instant::now();
        let outcome = self.train(observer, dir)?;
        let wall_seconds = clock.elapsed().as_secs_f64();
        if let Some(dir) = dir {
            outcome
                .positions
                .write_csv(&dir.join("particles_final.csv"))?;
        }
        let mut summary = outcome.summary(1e-12);
        summary.push(("wall_seconds".into(), wall_seconds.into()));
        Ok(RunOutcome {
            steps: outcome.steps,
            stopped: outcome.stopped,
            summary,
            density: None,
        })
    }
}

/// Writes the burnpack record and the network's shape, each atomically (the record into a
/// temporary folder, then renamed over the last one).
fn save_checkpoint(model: &RbfNetwork, dir: &Path) -> Result<()> {
    let tmp = dir.join(".checkpoint.tmp");
    std::fs::create_dir_all(&tmp).map_err(|e| RbfError::file(&tmp, "cannot create", e))?;
    let written = tmp.join(CHECKPOINT);
    let saved = model
        .clone()
        .save_file(&written)
        .map_err(|e| RbfError::file(&written, "cannot write checkpoint", e));
    if saved.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
        return saved;
    }
    let path = dir.join(CHECKPOINT);
    std::fs::rename(&written, &path).map_err(|e| RbfError::file(&path, "cannot write", e))?;
    std::fs::remove_dir(&tmp).map_err(|e| RbfError::file(&tmp, "cannot remove", e))?;
    // The shape goes last: a model and a shape from different steps never pair up.
    let [n, d] = model.centres().dims();
    let shape = format!("n = {n}\nd = {d}\neps = {}\n", model.eps());
    let path = dir.join(SHAPE);
    meanfield_core::atomic::write_atomic(&path, shape.as_bytes())
        .map_err(|e| RbfError::file(&path, "cannot write", e))
}

/// Loads the checkpoint in `model_dir`, evaluates it at the points of `input` (a point-cloud
/// CSV `x0,..`) and writes `x0,..,y` to `output`; returns the number of predictions.
///
/// # Errors
/// Missing or corrupt checkpoint, a dimension mismatch, CSV errors.
pub fn predict_file(
    model_dir: &Path,
    input: &Path,
    output: &Path,
    device: &Device,
) -> Result<usize> {
    let shape_path = model_dir.join(SHAPE);
    let text = std::fs::read_to_string(&shape_path)
        .map_err(|e| RbfError::file(&shape_path, "cannot read", e))?;
    let table: toml::Table = text
        .parse()
        .map_err(|e| RbfError::file(&shape_path, "corrupt network shape", e))?;
    let get = |k: &str| {
        table
            .get(k)
            .and_then(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)))
            .ok_or_else(|| CoreError::file(&shape_path, format!("missing number `{k}`")))
    };
    let (n, d, eps) = (get("n")? as usize, get("d")? as usize, get("eps")?);
    let points = Points::read_csv(input)?;
    if points.d() != d {
        return Err(CoreError::file(
            input,
            format!("has dimension {}, the model takes {d}", points.d()),
        )
        .into());
    }
    let path = model_dir.join(CHECKPOINT);
    let skeleton = RbfNetwork::new(Tensor::<2>::zeros([n, d], device), 1.0, eps, false, false);
    let model = skeleton
        .try_load_file(&path)
        .map_err(|e| RbfError::file(&path, "cannot load checkpoint", e))?;
    let y = host_vec(model.forward(points.to_tensor(device)));
    let mut out = String::new();
    let header: Vec<String> = (0..d).map(|k| format!("x{k}")).collect();
    out.push_str(&format!("{},y\n", header.join(",")));
    for (p, v) in points.iter().zip(&y) {
        let row: Vec<String> = p
            .iter()
            .map(|x| format!("{x:.10e}"))
            .chain([format!("{v:.10e}")])
            .collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    meanfield_core::atomic::write_atomic(output, out.as_bytes())
        .map_err(|e| RbfError::file(output, "cannot write", e))?;
    Ok(y.len())
}

#[cfg(test)]
mod tests {
    use meanfield_core::energy::Evaluation;
    use meanfield_core::{Recorder, cpu_device};

    use meanfield_blob::PairwiseBlob;
    use meanfield_blob::overlap::CellsOverlap;
    use meanfield_core::InitConfig;

    use super::*;

    /// Full-batch gradient descent on the centres, with `a_i = 1`, `f0 = 0` and data on a grid
    /// weighted `w_q = h / rhobar(z_q)` (rhobar uniform 1/2 on [-1, 1]), follows the blob
    /// particle flow `dx_i/dt = -N grad_{x_i} E` (closed-form overlap, explicit Euler) with
    /// `dt = lr / N`: the same trajectories to quadrature accuracy.
    #[test]
    fn gradient_descent_is_the_blob_flow() {
        let dir = std::env::temp_dir().join(format!("meanfield-gd-blob-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cells = 2000;
        let h = 2.0 / cells as f64;
        let mut csv = String::from("z0,y,w\n");
        for q in 0..cells {
            csv.push_str(&format!("{},0,{}\n", -1.0 + (q as f64 + 0.5) * h, h / 0.5));
        }
        let data = dir.join("grid.csv");
        std::fs::write(&data, csv).unwrap();
        let (n, eps, lr, steps) = (8, 0.08, 0.002, 25);
        let config: NetworkConfig = toml::from_str(&format!(
            "data = {{ kind = 'csv', path = '{}' }}\neps = {eps}\noptimizer = 'gd'\nlr = {lr}\nsteps = {steps}\n\
             validation_fraction = 0.0\nlog_every = {steps}\n",
            data.display()
        ))
        .unwrap();
        let start = InitConfig::Grid {
            lo: vec![-0.4],
            hi: vec![0.4],
        }
        .sample(n, &mut StdRng::seed_from_u64(0))
        .unwrap();
        let trainer = Trainer::new(config, start.clone(), 0, cpu_device()).unwrap();
        let outcome = trainer.train(&mut Recorder::default(), None).unwrap();
        assert!((outcome.t - steps as f64 * lr / n as f64).abs() < 1e-15);

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
        let dt = lr / n as f64;
        for _ in 0..steps {
            let grad = blob.value_and_gradient(&x, &m).1;
            // Euler step of dx/dt = -(1/m_i) grad E = -N grad E.
            x = x - grad.mul_scalar(n as f64 * dt);
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
        std::fs::remove_dir_all(&dir).ok();
    }

    /// A corrupt checkpoint is refused with burn's record error kept as the source.
    #[test]
    fn a_corrupt_checkpoint_keeps_its_source() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(SHAPE), "n = 2\nd = 1\neps = 0.1\n").unwrap();
        std::fs::write(dir.path().join(CHECKPOINT), b"not a record").unwrap();
        let input = dir.path().join("input.csv");
        std::fs::write(&input, "x0\n0.5\n").unwrap();
        let err =
            predict_file(dir.path(), &input, &dir.path().join("y.csv"), &cpu_device()).unwrap_err();
        assert!(matches!(err, RbfError::File { .. }), "{err:?}");
        assert!(err.to_string().contains("cannot load checkpoint"), "{err}");
        assert!(
            std::error::Error::source(&err).is_some(),
            "the record error is kept"
        );
    }
}
