//! The blob energy for any target through the factorised overlap: `J` tabulated once
//! ([`crate::engine::JGrid`]), the pair sum on the host; the quadrature over the same grid is
//! the reference and the path of non-CPU devices.

use burn::tensor::Tensor;
use meanfield_core::{Points, host_vec, tensor_from};

use crate::engine::PairEngine;
use crate::quadrature::QuadratureBlob;

/// Factorised pair sum with its quadrature reference.
#[derive(Debug)]
pub struct FactorisedBlob {
    engine: PairEngine,
    reference: QuadratureBlob,
}

impl FactorisedBlob {
    /// The engine (whose factor is tabulated from `reference`'s grid and weights) and the
    /// quadrature it reproduces.
    pub fn new(engine: PairEngine, reference: QuadratureBlob) -> Self {
        Self { engine, reference }
    }

    /// Energy and gradient: the engine for CPU tensors (unless `[energy] evaluation =
    /// "tensor"`), the quadrature's tensor path elsewhere.
    ///
    /// # Shapes
    /// `x: [n, d]`, `m: [n]` -> `(E, [n, d])`.
    pub fn value_and_gradient(&self, x: &Tensor<2>, m: &Tensor<1>) -> (f64, Tensor<2>) {
        if !self.reference.is_fused_on(&x.device()) {
            return self.reference.tensor(x, m);
        }
        let [n, d] = x.dims();
        let points = Points::from_tensor(x);
        let (energy, grad) =
            self.engine
                .value_and_gradient(points.as_slice(), &host_vec(m.clone()), d);
        (energy, tensor_from(grad, [n, d], &x.device()))
    }
}
