//! The generator and the critic as one burn module: a multilayer perceptron, the mean-field
//! single hidden layer `(1/N) sum_j a_j s(w_j . x + b_j)`, or (generators) the Gaussian
//! `mu + sigma * z`.

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::tensor::{Device, FloatDType, Tensor};
use meanfield_core::RunRng;
use meanfield_core::tensor_from;
use rand::RngExt;
use rand_distr::StandardNormal;

use crate::activation::{apply, slope, times_slope};
use crate::config::{Activation, NetworkKind, NetworkShape, Precision};

/// burn's dtype of a precision.
pub fn float_dtype(precision: Precision) -> FloatDType {
    match precision {
        Precision::F32 => FloatDType::F32,
        Precision::F64 => FloatDType::F64,
    }
}

/// What is not a parameter: the nonlinearities and the output scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Form {
    /// Hidden nonlinearity.
    pub activation: Activation,
    /// Output nonlinearity.
    pub output: Option<Activation>,
    /// `1/N` for the mean-field form, 1 otherwise.
    pub out_scale: f64,
    /// The dtype of the parameters and the arithmetic: inputs are cast to it.
    pub dtype: FloatDType,
}

/// A generator or a critic.
#[derive(Module, Debug)]
pub struct Network {
    layers: Vec<Linear>,
    shift: Option<Param<Tensor<1>>>,
    scale: Option<Param<Tensor<1>>>,
    #[module(skip)]
    form: Form,
}

impl Network {
    /// A freshly initialised network `R^d_in -> R^d_out` of the given shape, drawn from `rng`
    /// (not burn's device-wide generator, which concurrent runs in one process share). MLP
    /// layers as PyTorch's default, `U(+-1/sqrt(fan_in))`; the mean-field neurons are i.i.d. normal
    /// (std `init_std`), independent of N, so that the network is an empirical measure of its
    /// neurons. `precision` is the dtype of the parameters and of the forward pass.
    pub fn new(
        shape: &NetworkShape,
        d_in: usize,
        d_out: usize,
        precision: Precision,
        device: &Device,
        rng: &mut RunRng,
    ) -> Self {
        let form = Form {
            activation: shape.activation,
            output: shape.output,
            out_scale: match shape.kind {
                NetworkKind::MeanField => 1.0 / shape.hidden[0] as f64,
                _ => 1.0,
            },
            dtype: float_dtype(precision),
        };
        if shape.kind == NetworkKind::Gaussian {
            let mu = shape.mean_init.clone().unwrap_or_else(|| vec![0.0; d_out]);
            let sigma = Tensor::<1>::ones([d_out], device)
                .mul_scalar(shape.scale_init)
                .cast(form.dtype);
            let mu = Tensor::<1>::from_floats(mu.as_slice(), device).cast(form.dtype);
            return Self {
                layers: Vec::new(),
                shift: Some(Param::from_tensor(mu)),
                scale: Some(Param::from_tensor(sigma).set_require_grad(shape.train_scale)),
                form,
            };
        }
        let widths: Vec<usize> = std::iter::once(d_in)
            .chain(shape.hidden.iter().copied())
            .chain(std::iter::once(d_out))
            .collect();
        let last = widths.len() - 2;
        let layers = widths
            .windows(2)
            .enumerate()
            .map(|(k, w)| {
                let (fan_in, fan_out) = (w[0], w[1]);
                let mean_field = shape.kind == NetworkKind::MeanField;
                let bias = shape.bias && !(mean_field && k == last);
                // PyTorch's default U(-1/sqrt(fan_in), 1/sqrt(fan_in)), or i.i.d. normal neurons.
                let mut draw = |n: usize| -> Vec<f64> {
                    if mean_field {
                        (0..n)
                            .map(|_| shape.init_std * rng.sample::<f64, _>(StandardNormal))
                            .collect()
                    } else {
                        let bound = 1.0 / (fan_in as f64).sqrt();
                        (0..n).map(|_| rng.random_range(-bound..bound)).collect()
                    }
                };
                let weight = tensor_from(draw(fan_in * fan_out), [fan_in, fan_out], device);
                let bias = bias.then(|| tensor_from(draw(fan_out), [fan_out], device));
                Linear {
                    weight: Param::from_tensor(weight.cast(form.dtype)),
                    bias: bias.map(|b| Param::from_tensor(b.cast(form.dtype))),
                }
            })
            .collect();
        Self {
            layers,
            shift: None,
            scale: None,
            form,
        }
    }

    /// Every layer's weight and bias.
    fn layer_values(&self) -> Vec<(Tensor<2>, Option<Tensor<1>>)> {
        self.layers
            .iter()
            .map(|l| (l.weight.val(), l.bias.as_ref().map(Param::val)))
            .collect()
    }

    /// `[B, d_in] -> [B, d_out]`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let x = x.cast(self.form.dtype);
        if let (Some(mu), Some(sigma)) = (&self.shift, &self.scale) {
            return x * sigma.val().unsqueeze_dim::<2>(0) + mu.val().unsqueeze_dim::<2>(0);
        }
        let out = pre_output(self.form.activation, &self.layer_values(), x, None)
            .mul_scalar(self.form.out_scale);
        match self.form.output {
            Some(kind) => apply(kind, out),
            None => out,
        }
    }

    /// For a scalar network (a critic), `D(x)` `[B, 1]` and `grad_x D(x)` `[B, d_in]`. The
    /// gradient is written out layer by layer as a tensor expression, so that autodiff can
    /// differentiate it again with respect to the parameters (the gradient penalty; burn has
    /// no double backward).
    pub fn forward_with_input_gradient(&self, x: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let x = x.cast(self.form.dtype);
        let [b, d] = x.dims();
        if let (Some(mu), Some(sigma)) = (&self.shift, &self.scale) {
            let y = x * sigma.val().unsqueeze_dim::<2>(0) + mu.val().unsqueeze_dim::<2>(0);
            let g = sigma.val().unsqueeze_dim::<2>(0).expand([b, d]);
            return (y, g);
        }
        let layers = self.layer_values();
        let mut pre = Vec::with_capacity(layers.len());
        let z = pre_output(self.form.activation, &layers, x, Some(&mut pre));
        let scaled = z.mul_scalar(self.form.out_scale);
        let (y, mut g) = match self.form.output {
            Some(kind) => (
                apply(kind, scaled.clone()),
                slope(kind, scaled).mul_scalar(self.form.out_scale),
            ),
            None => (
                scaled.clone(),
                scaled.ones_like().mul_scalar(self.form.out_scale),
            ),
        };
        for (k, (weight, _)) in layers.into_iter().enumerate().rev() {
            g = g.matmul(weight.transpose());
            if k > 0 {
                g = times_slope(self.form.activation, g, pre[k - 1].clone());
            }
        }
        (y, g)
    }

    /// Number of scalar parameters.
    pub fn parameter_count(&self) -> usize {
        self.num_params()
    }
}

/// `x W + b`.
fn affine(x: Tensor<2>, (weight, bias): &(Tensor<2>, Option<Tensor<1>>)) -> Tensor<2> {
    let y = x.matmul(weight.clone());
    match bias {
        Some(b) => y + b.clone().unsqueeze_dim::<2>(0),
        None => y,
    }
}

/// The last layer's output (before scale and output nonlinearity); every hidden
/// pre-activation is pushed onto `pre` when given (the input gradient's masks), and otherwise
/// not kept, so that the nonlinearity may overwrite it.
fn pre_output(
    activation: Activation,
    layers: &[(Tensor<2>, Option<Tensor<1>>)],
    x: Tensor<2>,
    mut pre: Option<&mut Vec<Tensor<2>>>,
) -> Tensor<2> {
    let mut h = x;
    for (k, layer) in layers.iter().enumerate() {
        let z = affine(h, layer);
        if k + 1 == layers.len() {
            return z;
        }
        if let Some(pre) = pre.as_deref_mut() {
            pre.push(z.clone());
        }
        h = apply(activation, z);
    }
    h
}

#[cfg(test)]
mod tests {
    use burn::tensor::TensorData;
    use meanfield_core::{cpu_device, host_vec};
    use rand::SeedableRng;

    use super::*;

    fn shape(kind: NetworkKind, hidden: Vec<usize>, activation: Activation) -> NetworkShape {
        NetworkShape {
            kind,
            hidden,
            activation,
            output: Some(Activation::Tanh),
            ..NetworkShape::default()
        }
    }

    /// The hand-written input gradient equals burn's first-order autodiff of `sum_b D(x_b)`.
    #[test]
    fn input_gradient_matches_autodiff() {
        let device = cpu_device().autodiff();
        let x: Vec<f64> = (0..15).map(|k| (k as f64 * 0.37).sin()).collect();
        for kind in [
            Activation::Relu,
            Activation::LeakyRelu,
            Activation::Tanh,
            Activation::Softplus,
            Activation::Sigmoid,
        ] {
            for (form, hidden) in [
                (NetworkKind::Mlp, vec![7, 5]),
                (NetworkKind::MeanField, vec![9]),
                (NetworkKind::Mlp, vec![]),
            ] {
                let net = Network::new(
                    &shape(form, hidden, kind),
                    3,
                    1,
                    Precision::F64,
                    &device,
                    &mut RunRng::seed_from_u64(3),
                );
                let xt = Tensor::<2>::from_data(TensorData::new(x.clone(), [5, 3]), &device)
                    .require_grad();
                let (y, g) = net.forward_with_input_gradient(xt.clone());
                let direct = host_vec(net.forward(xt.clone()));
                for (a, b) in host_vec(y.clone()).iter().zip(&direct) {
                    assert!((a - b).abs() < 1e-12);
                }
                let grads = y.sum().backward();
                let auto = host_vec(xt.grad(&grads).unwrap());
                for (a, b) in host_vec(g).iter().zip(&auto) {
                    assert!((a - b).abs() < 1e-10, "{kind:?} {form:?}: {a} vs {b}");
                }
            }
        }
    }

    /// The gradient of the penalty `sum_b |grad_x D(x_b)|^2` with respect to a first-layer
    /// weight matches central differences: the double derivative is right.
    #[test]
    fn penalty_gradient_matches_differences() {
        let device = cpu_device().autodiff();
        let net = Network::new(
            &shape(NetworkKind::Mlp, vec![6, 4], Activation::Tanh),
            2,
            1,
            Precision::F64,
            &device,
            &mut RunRng::seed_from_u64(5),
        );
        let x = Tensor::<2>::from_data(
            TensorData::new(vec![0.3, -0.2, 0.9, 0.4, -0.7, 0.1], [3, 2]),
            &device,
        );
        let penalty = |n: &Network| n.forward_with_input_gradient(x.clone()).1.square().sum();
        let grads = penalty(&net).backward();
        let analytic = host_vec(net.layers[0].weight.val().grad(&grads).unwrap());
        let w0 = host_vec(net.layers[0].weight.val());
        let h = 1e-6;
        for idx in [0, 3, 7, 11] {
            let shifted = |delta: f64| {
                let mut w = w0.clone();
                w[idx] += delta;
                let mut n = net.clone();
                n.layers[0].weight =
                    Param::from_tensor(Tensor::from_data(TensorData::new(w, [2, 6]), &device));
                penalty(&n).into_scalar::<f64>()
            };
            let numeric = (shifted(h) - shifted(-h)) / (2.0 * h);
            assert!(
                (analytic[idx] - numeric).abs() < 1e-6 * (1.0 + numeric.abs()),
                "{idx}: {} vs {numeric}",
                analytic[idx]
            );
        }
    }
}
