//! What the trainer measures and shows at a logged step: exact W1/W2 against the real data,
//! mode coverage, the share of clipped critic parameters, the 1-D dynamics (generated mean,
//! critic slope), histograms and the critic on a grid.

use burn::module::Module;
use meanfield_core::{
    GeneratedSamples, Grid, Observer, Points, Result, flow::padded_box, host_vec, tensor_from,
};

use super::Trainer;
use crate::checkpoint::Models;
use crate::config::{GanData, GanLoss};
use crate::network::Network;
use crate::parameters::{fraction_at_bound, values};
use crate::sample_metrics::{exact_w1_w2, mode_coverage};

impl Trainer {
    /// The metrics' generated samples: the same latent draw at every evaluation.
    pub(super) fn generate_eval(&self, generator: &Network) -> Points {
        let shape = [self.config.eval_samples, self.config.latent_dim];
        let z = self.input(self.eval_latent.clone(), shape);
        let x = host_vec(generator.valid().forward(z.without_autodiff()));
        Points::new(self.data.dim(), x).expect("generator output has the data dimension")
    }

    /// Scalars of the current state, `fake` the generator's metric samples: the training
    /// ones given, exact W1/W2, mode metrics,
    /// the share of clipped critic parameters, and in 1-D the generated mean and spread and
    /// the critic's slope `(D(s) - D(-s)) / 2s` between the modes.
    pub(super) fn evaluate(
        &self,
        models: &Models,
        fake: &Points,
        train: &[(String, f64)],
    ) -> Result<Vec<(String, f64)>> {
        let d = self.data.dim();
        let (w1, w2) = exact_w1_w2(fake.as_slice(), &self.eval_real, d)?;
        let mut out = train.to_vec();
        out.push(("w1_exact".into(), w1));
        out.push(("w2_exact".into(), w2));
        if let Some(modes) = self.data.modes() {
            let (covered, quality) = mode_coverage(fake.as_slice(), d, modes);
            out.push(("modes_covered".into(), covered as f64));
            out.push(("high_quality_share".into(), quality));
        }
        if self.config.loss == GanLoss::WganClip {
            out.push((
                "clip_fraction".into(),
                fraction_at_bound(&values(&models.critic), self.config.clip),
            ));
        }
        if d == 1 {
            let x = fake.as_slice();
            let mean = x.iter().sum::<f64>() / x.len() as f64;
            let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / x.len() as f64;
            out.push(("generated_mean".into(), mean));
            out.push(("generated_std".into(), var.sqrt()));
            let s = match &self.config.data {
                GanData::Mixture1d { spread, .. } => *spread,
                _ => 1.0,
            };
            let at = tensor_from(vec![-s, s], [2, 1], &self.device.clone().without_autodiff());
            let dv = host_vec(models.critic.valid().forward(at));
            out.push(("critic_slope".into(), (dv[1] - dv[0]) / (2.0 * s)));
        }
        Ok(out)
    }

    /// Histograms of both networks' parameters and the generated samples `points` (with the
    /// critic on a grid for 2-D data).
    pub(super) fn report_state(
        &self,
        models: &Models,
        points: &Points,
        step: usize,
        observer: &mut dyn Observer,
    ) -> Result<()> {
        observer.histogram(step, "critic/parameters", &values(&models.critic));
        observer.histogram(step, "generator/parameters", &values(&models.generator));
        let field = if points.d() == 2 {
            Some(self.critic_field(&models.critic, points)?)
        } else {
            None
        };
        observer.samples(
            step,
            step as f64 * self.config.lr(),
            &GeneratedSamples {
                points: points.clone(),
                field,
                image_shape: self.data.image_shape(),
            },
        );
        Ok(())
    }

    /// The critic on a 64 x 64 grid over the box of the real and generated samples.
    pub(super) fn critic_field(&self, critic: &Network, fake: &Points) -> Result<(Grid, Vec<f64>)> {
        let all = self.eval_real.iter().chain(fake.as_slice()).copied();
        let (lo, hi) = padded_box(&Points::new(2, all.collect())?, 0.1);
        let grid = Grid::new(lo, hi, vec![64, 64])?;
        let nodes = grid.centres();
        let cpu = self.device.clone().without_autodiff();
        let values = host_vec(
            critic
                .valid()
                .forward(tensor_from(nodes, [grid.len(), 2], &cpu)),
        );
        Ok((grid, values))
    }
}
