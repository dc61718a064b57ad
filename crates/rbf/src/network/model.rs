//! The network as a burn module: centres `x_i`, output weights `a_i`, `log eps` (one shared or
//! one per neuron) and the output bias `b`.

use std::f64::consts::PI;

use burn::module::{Module, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor};
use meanfield_core::{host_vec, tensor_from};

use meanfield_blob::overlap::squared_distances;

use super::kernel::{Gradient, HostNetwork};

/// `f(z) = b + (1/N) sum_i a_i phi_{eps_i}(|x_i - z|)`, `phi_eps` the normalised Gaussian.
#[derive(Module, Debug)]
pub struct RbfNetwork {
    centres: Param<Tensor<2>>,
    weights: Param<Tensor<1>>,
    log_eps: Param<Tensor<1>>,
    bias: Param<Tensor<1>>,
}

/// Which parameters of an [`RbfNetwork`] are trained (the centres always are).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trainable {
    /// The output weights.
    pub weights: bool,
    /// The widths.
    pub widths: bool,
    /// The bias.
    pub bias: bool,
}

/// The parameters' ids, fixed so that an optimiser state saved by one run (keyed by parameter
/// id) applies to the network its resume rebuilds.
const CENTRES: u64 = 1;
const WEIGHTS: u64 = 2;
const LOG_EPS: u64 = 3;
const BIAS: u64 = 4;

/// A trainable parameter with the id `id`.
fn param<const D: usize>(id: u64, value: Tensor<D>) -> Param<Tensor<D>> {
    let mut param = Param::from_tensor(value);
    param.id = ParamId::from(id);
    param
}

impl RbfNetwork {
    /// From centres `[N, d]`, weights `[N]`, widths `[1]` (shared) or `[N]` and the bias, on
    /// the centres' device.
    pub fn new(
        centres: Tensor<2>,
        weights: Tensor<1>,
        eps: Tensor<1>,
        bias: f64,
        trained: Trainable,
    ) -> Self {
        let device = centres.device();
        let bias = Tensor::<1>::ones([1], &device).mul_scalar(bias);
        Self {
            centres: param(CENTRES, centres),
            weights: param(WEIGHTS, weights).set_require_grad(trained.weights),
            log_eps: param(LOG_EPS, eps.log()).set_require_grad(trained.widths),
            bias: param(BIAS, bias).set_require_grad(trained.bias),
        }
    }

    /// The skeleton a checkpoint of `n` neurons in `d` dimensions with `widths` widths loads
    /// into.
    pub fn skeleton(n: usize, d: usize, widths: usize, device: &burn::tensor::Device) -> Self {
        let fixed = Trainable {
            weights: false,
            widths: false,
            bias: false,
        };
        Self::new(
            Tensor::zeros([n, d], device),
            Tensor::ones([n], device),
            Tensor::ones([widths], device),
            0.0,
            fixed,
        )
    }

    /// The features `phi_{eps_i}(|x_i - z_k|) / N` for `z: [K, d]` -> `[K, N]`.
    pub fn features(&self, z: Tensor<2>) -> Tensor<2> {
        let x = self.centres.val();
        let [n, d] = x.dims();
        let log_eps = self.log_eps.val().unsqueeze_dim::<2>(0);
        let inv_two_eps2 = log_eps.clone().mul_scalar(-2.0).exp().mul_scalar(0.5);
        let norm = log_eps
            .mul_scalar(-(d as f64))
            .exp()
            .mul_scalar((2.0 * PI).powf(-(d as f64) / 2.0) / n as f64);
        (squared_distances(z, x).neg() * inv_two_eps2).exp() * norm
    }

    /// `f(z_k)` for `z: [K, d]` -> `[K]`.
    pub fn forward(&self, z: Tensor<2>) -> Tensor<1> {
        self.features(z)
            .matmul(self.weights.val().unsqueeze_dim::<2>(1))
            .squeeze_dim::<1>(1)
            + self.bias.val()
    }

    /// The centres `[N, d]`.
    pub fn centres(&self) -> Tensor<2> {
        self.centres.val()
    }

    /// The widths `[1]` or `[N]`.
    pub fn widths(&self) -> Tensor<1> {
        self.log_eps.val().exp()
    }

    /// The output weights `[N]`.
    pub fn weights(&self) -> Tensor<1> {
        self.weights.val()
    }

    /// The bias.
    pub fn bias(&self) -> f64 {
        self.bias.val().into_scalar::<f64>()
    }

    /// The parameters on the host, laid out for the CPU kernel.
    pub fn host(&self) -> HostNetwork {
        let [_, d] = self.centres.val().dims();
        HostNetwork::new(
            &host_vec(self.centres.val()),
            d,
            &host_vec(self.weights.val()),
            &host_vec(self.log_eps.val()),
            self.bias(),
        )
    }

    /// The host gradient `g` as burn's gradients on `device`, zero for the parameters that
    /// are not trained (burn's L-BFGS flattens every parameter, so each needs a gradient; a
    /// zero one leaves it where it is under every optimiser here).
    pub fn gradients(&self, mut g: Gradient, device: &Device) -> GradientsParams {
        if !self.weights.val().is_require_grad() {
            g.weights.fill(0.0);
        }
        if !self.log_eps.val().is_require_grad() {
            g.log_eps.fill(0.0);
        }
        if !self.bias.val().is_require_grad() {
            g.bias = 0.0;
        }
        let mut grads = GradientsParams::new();
        let [n, d] = self.centres.val().dims();
        let w = g.log_eps.len();
        grads.register(self.centres.id, tensor_from(g.centres, [n, d], device));
        grads.register(self.weights.id, tensor_from(g.weights, [n], device));
        grads.register(self.log_eps.id, tensor_from(g.log_eps, [w], device));
        grads.register(self.bias.id, tensor_from(vec![g.bias], [1], device));
        grads
    }

    /// Zero gradients on `device` for the parameters `grads` lacks (burn's autodiff leaves
    /// out those that are not trained).
    pub fn complete(&self, mut grads: GradientsParams, device: &Device) -> GradientsParams {
        let [n, d] = self.centres.val().dims();
        if grads.get::<2>(self.centres.id).is_none() {
            grads.register(self.centres.id, Tensor::<2>::zeros([n, d], device));
        }
        let w = self.log_eps.val().dims()[0];
        for (id, len) in [
            (self.weights.id, n),
            (self.log_eps.id, w),
            (self.bias.id, 1),
        ] {
            if grads.get::<1>(id).is_none() {
                grads.register(id, Tensor::<1>::zeros([len], device));
            }
        }
        grads
    }

    /// The same network with the output weights `a` and bias `b` (trained as before).
    pub fn with_output(self, a: Vec<f64>, b: f64) -> Self {
        let device = self.centres.val().device();
        let n = a.len();
        let trained = (
            self.weights.val().is_require_grad(),
            self.bias.val().is_require_grad(),
        );
        Self {
            weights: param(WEIGHTS, tensor_from(a, [n], &device)).set_require_grad(trained.0),
            bias: param(BIAS, tensor_from(vec![b], [1], &device)).set_require_grad(trained.1),
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use meanfield_core::cpu_device;

    use super::*;

    /// The fused kernel's predictions, loss and gradient (centres, weights, widths, bias)
    /// equal burn's forward and autodiff, for a shared and a per-neuron width in 1-3 D.
    #[test]
    fn kernel_matches_burn_autodiff() {
        let device = cpu_device().autodiff();
        let all = Trainable {
            weights: true,
            widths: true,
            bias: true,
        };
        for (d, widths) in [(1, 1), (2, 5), (3, 1), (3, 5)] {
            let (n, k) = (5, 700);
            let wave = |i: usize, f: f64| (i as f64 * f).sin() * 0.8;
            let x: Vec<f64> = (0..n * d).map(|i| wave(i, 1.7)).collect();
            let a: Vec<f64> = (0..n).map(|i| 1.0 + wave(i, 2.3)).collect();
            let eps: Vec<f64> = (0..widths).map(|i| 0.3 + 0.1 * wave(i, 0.9)).collect();
            let z: Vec<f64> = (0..k * d).map(|i| wave(i, 0.77)).collect();
            let y: Vec<f64> = (0..k).map(|i| wave(i, 0.31)).collect();
            let w: Vec<f64> = (0..k).map(|i| (1.0 + wave(i, 0.13)) / k as f64).collect();
            let model = RbfNetwork::new(
                tensor_from(x, [n, d], &device),
                tensor_from(a, [n], &device),
                tensor_from(eps, [widths], &device),
                0.3,
                all,
            );
            let zt = tensor_from(z.clone(), [k, d], &device);
            let f = model.forward(zt.clone());
            let loss = ((f.clone() - tensor_from(y.clone(), [k], &device)).square()
                * tensor_from(w.clone(), [k], &device))
            .sum()
            .mul_scalar(0.5);
            let reference = loss.clone().into_scalar::<f64>();
            let mut grads = GradientsParams::from_grads(loss.backward(), &model);
            let host = model.host();
            let close = |a: &[f64], b: &[f64], what: &str| {
                for (a, b) in a.iter().zip(b) {
                    assert!(
                        (a - b).abs() <= 1e-11 * (1.0 + b.abs()),
                        "{what}: {a} vs {b}"
                    );
                }
            };
            close(&host.predict(&z), &host_vec(f), "f");
            let (value, g) = host.loss_and_gradient(&z, &y, &w);
            close(&[value], &[reference], "loss");
            let mut ours = model.gradients(g, &cpu_device());
            let id = model.centres.id;
            close(
                &host_vec(ours.remove::<2>(id).unwrap()),
                &host_vec(grads.remove::<2>(id).unwrap()),
                "centres",
            );
            for (id, name) in [
                (model.weights.id, "weights"),
                (model.log_eps.id, "log_eps"),
                (model.bias.id, "bias"),
            ] {
                close(
                    &host_vec(ours.remove::<1>(id).unwrap()),
                    &host_vec(grads.remove::<1>(id).unwrap()),
                    name,
                );
            }
        }
    }
}
