//! Whole-module parameter statistics: the share of parameters on the faces of the clipping
//! box `[-c, c]^p`, all values (for histograms) and gradient norms.

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::Gradients;
use burn::tensor::Tensor;
use meanfield_core::host_vec;

/// Every parameter value of `module`, flattened in visiting order.
pub fn values<M: Module>(module: &M) -> Vec<f64> {
    struct Collect(Vec<f64>);
    impl ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.extend(host_vec(param.val()));
        }
    }
    let mut collect = Collect(Vec::new());
    module.visit(&mut collect);
    collect.0
}

/// Share of the parameters with `|p| >= c (1 - 1e-6)`: on a face of the clipping box.
pub fn fraction_at_bound(values: &[f64], c: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let on = values
        .iter()
        .filter(|v| v.abs() >= c * (1.0 - 1e-6))
        .count();
    on as f64 / values.len() as f64
}

/// Euclidean norm of the gradient of every parameter of `module` in `grads`.
pub fn gradient_norm<M: Module>(module: &M, grads: &Gradients) -> f64 {
    struct Norm<'a>(&'a Gradients, f64);
    impl ModuleVisitor for Norm<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if let Some(g) = param.val().grad(self.0) {
                self.1 += g.square().sum().into_scalar::<f64>();
            }
        }
    }
    let mut norm = Norm(grads, 0.0);
    module.visit(&mut norm);
    norm.1.sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_on_the_faces() {
        let c = 0.2;
        let values = [0.2, -0.2, 0.1999999, 0.19, -0.05, 0.0, -0.2, 0.3];
        // |p| >= c (1 - 1e-6): 0.2, -0.2, 0.1999999, -0.2 and 0.3.
        assert!((fraction_at_bound(&values, c) - 5.0 / 8.0).abs() < 1e-12);
        assert_eq!(fraction_at_bound(&[], c), 0.0);
    }
}
