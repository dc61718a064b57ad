//! Whole-module parameter operations: the clipping projection onto the box `[-c, c]^p`, the
//! share of parameters on its faces, all values (for histograms) and gradient norms.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::Gradients;
use burn::tensor::Tensor;
use meanfield_core::host_vec;

/// Projects every parameter of `module` onto `[-c, c]` (weight clipping). The parameters stay
/// trainable leaves with the same ids, so the optimiser state follows them.
pub fn clip<M: Module>(module: M, c: f64) -> M {
    struct Clamp(f64);
    impl ModuleMapper for Clamp {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let c = self.0;
            param.map(|t| {
                let trainable = t.is_require_grad();
                let clamped = t.without_autodiff().clamp(-c, c).autodiff();
                if trainable {
                    clamped.require_grad()
                } else {
                    clamped
                }
            })
        }
    }
    module.map(&mut Clamp(c))
}

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
    use meanfield_core::cpu_device;
    use meanfield_core::wgan_config::{NetworkShape, Precision};

    use super::*;
    use crate::network::Network;

    #[test]
    fn clipping_projects_onto_the_box_and_keeps_the_rest() {
        let device = cpu_device().autodiff();
        let shape = NetworkShape {
            hidden: vec![16],
            ..NetworkShape::default()
        };
        let net = Network::new(
            &shape,
            2,
            1,
            Precision::F64,
            &device,
            &mut rand::SeedableRng::seed_from_u64(1),
        );
        let before = values(&net);
        let c = 0.2;
        let after = values(&clip(net, c));
        assert_eq!(before.len(), after.len());
        for (b, a) in before.iter().zip(&after) {
            assert_eq!(*a, b.clamp(-c, c));
        }
        let expected = before.iter().filter(|b| b.abs() >= c).count() as f64 / before.len() as f64;
        assert!(expected > 0.1);
        assert!((fraction_at_bound(&after, c) - expected).abs() < 1e-12);
    }
}
