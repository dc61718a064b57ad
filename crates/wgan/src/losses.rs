//! The critic's and the generator's losses, both minimised.
//!
//! Sign convention: the critic maximises `E_real D - E_fake D` (the W1 estimate, logged as
//! `w1_estimate`, >= 0 once the critic has learnt anything); its minimised loss `critic_loss`
//! is the negative of that, plus the gradient penalty for WGAN-GP. For the original GAN, `D`
//! is a logit and the critic minimises the logistic loss `E softplus(-D(real)) +
//! E softplus(D(fake))`.

use burn::tensor::Tensor;
use burn::tensor::activation::softplus;

use crate::config::GanLoss;
use crate::network::Network;

/// The critic's loss on one batch and the W1 estimate `E_real D - E_fake D` in it.
pub struct CriticLoss {
    /// The minimised loss `[1]`.
    pub loss: Tensor<1>,
    /// `E_real D - E_fake D` `[1]`.
    pub w1_estimate: Tensor<1>,
}

/// What the critic sees in one step: real and (detached) fake samples `[B, d]`, and for the
/// gradient penalty the interpolation weights `[B, 1]` of `xhat = a real + (1 - a) fake`.
pub struct CriticBatch {
    /// Real samples.
    pub real: Tensor<2>,
    /// Generated samples, detached from the generator.
    pub fake: Tensor<2>,
    /// Interpolation weights in [0, 1].
    pub alpha: Tensor<2>,
}

/// The critic's loss of `kind`.
pub fn critic_loss(
    kind: GanLoss,
    critic: &Network,
    batch: CriticBatch,
    gp_lambda: f64,
) -> CriticLoss {
    let CriticBatch { real, fake, alpha } = batch;
    let b = real.dims()[0];
    // One pass over real and fake together: larger, faster matrix products. The interpolates
    // get a pass of their own: in the joint pass autodiff would also run the forward chain's
    // backward over their rows, whose gradient there is zero (their masks are constants).
    let both = critic.forward(Tensor::cat(vec![real.clone(), fake.clone()], 0));
    let d_real = both.clone().slice(0..b);
    let d_fake = both.slice(b..2 * b);
    let w1_estimate = d_real.clone().mean() - d_fake.clone().mean();
    let loss = match kind {
        GanLoss::WganClip => w1_estimate.clone().neg(),
        GanLoss::WganGp => {
            let xhat = real * alpha.clone() + fake * alpha.neg().add_scalar(1.0);
            let (_, grad) = critic.forward_with_input_gradient(xhat);
            // The floor keeps sqrt's derivative finite where the input gradient is exactly 0
            // (dead ReLUs): there the penalty's subgradient is 0, as for PyTorch's norm.
            let norm = grad.square().sum_dim(1).clamp_min(NORM_FLOOR).sqrt();
            let penalty = norm.sub_scalar(1.0).square().mean().mul_scalar(gp_lambda);
            w1_estimate.clone().neg() + penalty
        }
        GanLoss::Gan => softplus(d_real.neg(), 1.0).mean() + softplus(d_fake, 1.0).mean(),
    };
    CriticLoss { loss, w1_estimate }
}

/// The floor under the squared input-gradient norm of the penalty (its square root, 1e-15, is
/// far below any norm the penalty pulls toward 1).
const NORM_FLOOR: f64 = 1e-30;

/// The generator's loss on generated samples `[B, d]` (attached to the generator):
/// `-E D(G(z))` for the WGANs, the non-saturating `E softplus(-D(G(z)))` for the GAN.
pub fn generator_loss(kind: GanLoss, critic: &Network, fake: Tensor<2>) -> Tensor<1> {
    let d_fake = critic.forward(fake);
    match kind {
        GanLoss::WganClip | GanLoss::WganGp => d_fake.mean().neg(),
        GanLoss::Gan => softplus(d_fake.neg(), 1.0).mean(),
    }
}
