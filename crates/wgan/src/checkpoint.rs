//! Checkpoints: both networks and both optimiser states (burnpack records, loaded in the
//! dtype they were written in), the step and the architecture, written
//! into a temporary folder and renamed over the previous checkpoint, so a crash mid-write
//! leaves the last good one.

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::tensor::Device;
use meanfield_core::CoreError;
use meanfield_core::RunRng;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use crate::config::{NetworkShape, Precision};
use crate::error::{Result, WganError};
use crate::network::Network;
use crate::optimizer::Optimizer;
use crate::record::load_in_dtype;

/// Folder of the checkpoint inside a run folder.
pub const CHECKPOINT_DIR: &str = "checkpoint";

const ARCHITECTURE: &str = "architecture.toml";
const GENERATOR: &str = "generator.bpk";
const CRITIC: &str = "critic.bpk";
const GENERATOR_OPT: &str = "generator_optimizer.bpk";
const CRITIC_OPT: &str = "critic_optimizer.bpk";

/// What must match for a checkpoint to be loaded into a model, and the step it was taken at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Architecture {
    /// Generator steps done when the checkpoint was written.
    pub step: usize,
    /// Latent dimension.
    pub latent_dim: usize,
    /// Data dimension.
    pub data_dim: usize,
    /// `[channels, height, width]` for image data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_shape: Option<[usize; 3]>,
    /// The generator's shape.
    pub generator: NetworkShape,
    /// The critic's shape.
    pub critic: NetworkShape,
    /// Precision of both.
    #[serde(default)]
    pub precision: Precision,
}

impl Architecture {
    /// Whether `other` describes the same networks (steps aside).
    pub fn same_networks(&self, other: &Self) -> bool {
        (
            self.latent_dim,
            self.data_dim,
            &self.generator,
            &self.critic,
        ) == (
            other.latent_dim,
            other.data_dim,
            &other.generator,
            &other.critic,
        )
    }

    /// A fresh generator of this architecture (also the skeleton a checkpoint loads into).
    pub fn generator(&self, device: &Device, rng: &mut RunRng) -> Network {
        let (d_in, d_out) = (self.latent_dim, self.data_dim);
        Network::new(&self.generator, d_in, d_out, self.precision, device, rng)
    }

    /// A fresh critic of this architecture.
    pub fn critic(&self, device: &Device, rng: &mut RunRng) -> Network {
        Network::new(&self.critic, self.data_dim, 1, self.precision, device, rng)
    }
}

/// Networks and optimisers in training.
#[derive(Clone)]
pub struct Models {
    /// The generator.
    pub generator: Network,
    /// The critic.
    pub critic: Network,
    /// The generator's optimiser.
    pub generator_optimizer: Optimizer,
    /// The critic's optimiser.
    pub critic_optimizer: Optimizer,
}

fn file_err(
    path: &Path,
    what: &'static str,
    e: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> WganError {
    WganError::Checkpoint {
        path: path.to_path_buf(),
        what,
        source: e.into(),
    }
}

/// Writes `models` and `architecture` to `run_dir/checkpoint` atomically.
///
/// # Errors
/// [`WganError::Checkpoint`] on write errors (the previous checkpoint is then intact).
pub fn save(run_dir: &Path, models: &Models, architecture: &Architecture) -> Result<()> {
    let tmp = run_dir.join(format!("{CHECKPOINT_DIR}.tmp"));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| file_err(&tmp, "cannot create", e))?;
    let write = |name: &str| tmp.join(name);
    let text = toml::to_string(architecture).expect("architecture serialises");
    std::fs::write(write(ARCHITECTURE), text)
        .map_err(|e| file_err(&write(ARCHITECTURE), "cannot write", e))?;
    for (name, net) in [(GENERATOR, &models.generator), (CRITIC, &models.critic)] {
        net.clone()
            .save_file(write(name))
            .map_err(|e| file_err(&write(name), "cannot write", e))?;
    }
    for (name, opt) in [
        (GENERATOR_OPT, &models.generator_optimizer),
        (CRITIC_OPT, &models.critic_optimizer),
    ] {
        opt.save(&write(name))
            .map_err(|e| file_err(&write(name), "cannot write", e))?;
    }
    let target = run_dir.join(CHECKPOINT_DIR);
    let old = run_dir.join(format!("{CHECKPOINT_DIR}.old"));
    let _ = std::fs::remove_dir_all(&old);
    if target.exists() {
        std::fs::rename(&target, &old).map_err(|e| file_err(&target, "cannot replace", e))?;
    }
    std::fs::rename(&tmp, &target).map_err(|e| file_err(&target, "cannot write", e))?;
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// The checkpoint folder of a run folder, or the folder itself when it is a checkpoint.
pub fn locate(dir: &Path) -> PathBuf {
    if dir.join(ARCHITECTURE).exists() {
        dir.to_path_buf()
    } else {
        dir.join(CHECKPOINT_DIR)
    }
}

/// Reads the architecture of the checkpoint in `dir` (a run folder or a checkpoint folder).
///
/// # Errors
/// [`WganError::Checkpoint`] when there is no readable checkpoint.
pub fn architecture(dir: &Path) -> Result<Architecture> {
    let path = locate(dir).join(ARCHITECTURE);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| file_err(&path, "no checkpoint here (cannot read)", e))?;
    toml::from_str(&text).map_err(|e| file_err(&path, "corrupt checkpoint", e))
}

/// Loads the generator of the checkpoint in `dir` (for sampling).
///
/// # Errors
/// [`WganError::Checkpoint`] for a missing or corrupt checkpoint.
pub fn load_generator(dir: &Path, device: &Device) -> Result<(Architecture, Network)> {
    let arch = architecture(dir)?;
    let path = locate(dir).join(GENERATOR);
    let generator = arch.generator(device, &mut RunRng::seed_from_u64(0));
    let generator = load_in_dtype(generator, &path)
        .map_err(|e| file_err(&path, "cannot load the generator", e))?;
    Ok((arch, generator))
}

/// Loads a checkpoint into `fresh` models of the `expected` architecture and returns them with
/// the step they were taken at.
///
/// # Errors
/// [`WganError::Checkpoint`] for a missing or corrupt checkpoint, [`CoreError::File`] for one
/// of another architecture.
pub fn load(dir: &Path, fresh: Models, expected: &Architecture) -> Result<(Models, usize)> {
    let found = architecture(dir)?;
    let at = locate(dir);
    if !found.same_networks(expected) {
        return Err(CoreError::file(
            &at,
            format!(
                "is a checkpoint of another architecture (latent {}, data {}, generator {:?}, critic {:?}); this config has latent {}, data {}, generator {:?}, critic {:?}",
                found.latent_dim,
                found.data_dim,
                found.generator.hidden,
                found.critic.hidden,
                expected.latent_dim,
                expected.data_dim,
                expected.generator.hidden,
                expected.critic.hidden
            ),
        )
        .into());
    }
    let load_net = |net: Network, name: &str| {
        let path = at.join(name);
        load_in_dtype(net, &path).map_err(|e| file_err(&path, "cannot load", e))
    };
    let load_opt = |opt: Optimizer, name: &str| {
        let path = at.join(name);
        opt.load(&path)
            .map_err(|e| file_err(&path, "cannot load", e))
    };
    let models = Models {
        generator: load_net(fresh.generator, GENERATOR)?,
        critic: load_net(fresh.critic, CRITIC)?,
        generator_optimizer: load_opt(fresh.generator_optimizer, GENERATOR_OPT)?,
        critic_optimizer: load_opt(fresh.critic_optimizer, CRITIC_OPT)?,
    };
    Ok((models, found.step))
}
