//! New samples from a trained generator (`meanfield sample`).

use std::path::Path;

use burn::module::Module;
use burn::tensor::Device;
use meanfield_core::RunRng;
use meanfield_core::{Points, host_vec, tensor_from};
use rand::SeedableRng;

use crate::checkpoint::load_generator;
use crate::error::Result;
use crate::train::normals;

/// `n` samples `G(z)`, `z ~ N(0, I)` drawn with `seed`, from the generator of the checkpoint
/// in `dir` (a run folder or its checkpoint folder), with the image shape of image data.
///
/// # Errors
/// A missing or corrupt checkpoint.
pub fn sample(
    dir: &Path,
    n: usize,
    seed: u64,
    device: &Device,
) -> Result<(Points, Option<[usize; 3]>)> {
    let (arch, generator) = load_generator(dir, device)?;
    // The latent draws, every hidden layer's activations and the samples.
    let widest = arch
        .generator
        .hidden
        .iter()
        .copied()
        .max()
        .unwrap_or(1)
        .max(arch.data_dim);
    let bytes = 8.0 * n as f64 * (arch.latent_dim + 3 * widest + arch.data_dim) as f64;
    meanfield_core::bounds::check_bytes("--n", "the samples", bytes)?;
    let z = normals(n * arch.latent_dim, &mut RunRng::seed_from_u64(seed));
    let x = generator
        .valid()
        .forward(tensor_from(z, [n, arch.latent_dim], device));
    Ok((Points::new(arch.data_dim, host_vec(x))?, arch.image_shape))
}
