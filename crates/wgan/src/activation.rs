//! The nonlinearities of the networks and their derivatives, as tensor expressions (the
//! derivatives are what the input gradient of the gradient penalty is built from).

use burn::tensor::Tensor;
use burn::tensor::activation::{leaky_relu, relu, sigmoid, softplus, tanh};

use crate::config::Activation;

/// Slope of `leaky_relu` for negative inputs.
const LEAKY_SLOPE: f64 = 0.2;

/// `s(x)` elementwise.
pub fn apply<const D: usize>(kind: Activation, x: Tensor<D>) -> Tensor<D> {
    match kind {
        Activation::Relu => relu(x),
        Activation::LeakyRelu => leaky_relu(x, LEAKY_SLOPE),
        Activation::Tanh => tanh(x),
        Activation::Softplus => softplus(x, 1.0),
        Activation::Sigmoid => sigmoid(x),
    }
}

/// `s'(x)` elementwise, differentiable where `s'` is (the ReLU masks are constants).
pub fn slope<const D: usize>(kind: Activation, x: Tensor<D>) -> Tensor<D> {
    match kind {
        Activation::Relu => positive(x),
        Activation::LeakyRelu => positive(x)
            .mul_scalar(1.0 - LEAKY_SLOPE)
            .add_scalar(LEAKY_SLOPE),
        Activation::Tanh => tanh(x).square().neg().add_scalar(1.0),
        Activation::Softplus => sigmoid(x),
        Activation::Sigmoid => {
            let s = sigmoid(x);
            s.clone() * s.neg().add_scalar(1.0)
        }
    }
}

/// `g * s'(x)` elementwise: the chain rule through the nonlinearity. For the ReLU a masked
/// copy of `g` (the mask is a constant), without building `s'(x)` as a float tensor.
pub fn times_slope<const D: usize>(kind: Activation, g: Tensor<D>, x: Tensor<D>) -> Tensor<D> {
    match kind {
        Activation::Relu => g.mask_fill(x.lower_equal_elem(0.0), 0.0),
        _ => g * slope(kind, x),
    }
}

/// `1` where `x > 0`, else `0`, in the dtype of `x`.
fn positive<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    let dtype = x.dtype();
    x.greater_elem(0.0).float().cast(dtype)
}
