//! The model checkpoint of a run folder: burn's burnpack record of the network and its shape
//! (neurons, dimension, number of widths) beside it.

use std::path::Path;

use burn::module::Module;
use burn::tensor::Device;
use meanfield_core::CoreError;

use super::RbfNetwork;
use crate::error::{RbfError, Result};

/// File name of the checkpoint inside a run folder.
pub const CHECKPOINT: &str = "model.bpk";
/// File name of the network's shape beside the checkpoint.
pub const SHAPE: &str = "network.toml";

/// Writes the burnpack record and the network's shape, each atomically (the record into a
/// temporary folder, then renamed over the last one; the shape last, so that a model and a
/// shape from different steps never pair up).
///
/// # Errors
/// [`RbfError::File`] naming the file that could not be written.
pub fn save_checkpoint(model: &RbfNetwork, dir: &Path) -> Result<()> {
    let tmp = dir.join(".checkpoint.tmp");
    std::fs::create_dir_all(&tmp).map_err(|e| RbfError::file(&tmp, "cannot create", e))?;
    let written = tmp.join(CHECKPOINT);
    let saved = model
        .clone()
        .save_file(&written)
        .map_err(|e| RbfError::file(&written, "cannot write checkpoint", e));
    if saved.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
        return saved;
    }
    let path = dir.join(CHECKPOINT);
    std::fs::rename(&written, &path).map_err(|e| RbfError::file(&path, "cannot write", e))?;
    std::fs::remove_dir(&tmp).map_err(|e| RbfError::file(&tmp, "cannot remove", e))?;
    let [n, d] = model.centres().dims();
    let widths = model.widths().dims()[0];
    let shape = format!("n = {n}\nd = {d}\nwidths = {widths}\n");
    let path = dir.join(SHAPE);
    meanfield_core::atomic::write_atomic(&path, shape.as_bytes())
        .map_err(|e| RbfError::file(&path, "cannot write", e))
}

/// Loads the checkpoint of `model_dir` onto `device`.
///
/// # Errors
/// [`RbfError::File`] for a missing or corrupt shape or record.
pub fn load_checkpoint(model_dir: &Path, device: &Device) -> Result<RbfNetwork> {
    let shape_path = model_dir.join(SHAPE);
    let text = std::fs::read_to_string(&shape_path)
        .map_err(|e| RbfError::file(&shape_path, "cannot read", e))?;
    let table: toml::Table = text
        .parse()
        .map_err(|e| RbfError::file(&shape_path, "corrupt network shape", e))?;
    let get = |k: &str| {
        table
            .get(k)
            .and_then(toml::Value::as_integer)
            .and_then(|i| usize::try_from(i).ok())
            .filter(|i| *i >= 1 && *i <= 1 << 24)
            .ok_or_else(|| {
                CoreError::file(&shape_path, format!("missing or out-of-range count `{k}`"))
            })
    };
    let (n, d, widths) = (get("n")?, get("d")?, get("widths")?);
    if widths != 1 && widths != n {
        return Err(
            CoreError::file(&shape_path, format!("{widths} widths for {n} neurons")).into(),
        );
    }
    let path = model_dir.join(CHECKPOINT);
    RbfNetwork::skeleton(n, d, widths, device)
        .try_load_file(&path)
        .map_err(|e| RbfError::file(&path, "cannot load checkpoint", e))
}

#[cfg(test)]
mod tests {
    use meanfield_core::cpu_device;

    use super::*;

    /// A corrupt checkpoint is refused with burn's record error kept as the source.
    #[test]
    fn a_corrupt_checkpoint_keeps_its_source() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(SHAPE), "n = 2\nd = 1\nwidths = 1\n").unwrap();
        std::fs::write(dir.path().join(CHECKPOINT), b"not a record").unwrap();
        let err = load_checkpoint(dir.path(), &cpu_device()).unwrap_err();
        assert!(matches!(err, RbfError::File { .. }), "{err:?}");
        assert!(err.to_string().contains("cannot load checkpoint"), "{err}");
        assert!(
            std::error::Error::source(&err).is_some(),
            "the record error is kept"
        );
    }

    /// A saved network loads back with the same predictions, per-neuron widths and bias
    /// included.
    #[test]
    fn a_checkpoint_round_trips() {
        use burn::tensor::Tensor;
        let device = cpu_device();
        let dir = tempfile::tempdir().unwrap();
        let t = |v: Vec<f64>, n| meanfield_core::tensor_from(v, [n], &device);
        let all = crate::network::Trainable {
            weights: true,
            widths: true,
            bias: true,
        };
        let model = RbfNetwork::new(
            meanfield_core::tensor_from(vec![0.0, 0.5, -0.5, 1.0, 0.2, 0.1], [3, 2], &device),
            t(vec![1.0, -2.0, 0.5], 3),
            t(vec![0.3, 0.2, 0.4], 3),
            0.7,
            all,
        );
        save_checkpoint(&model, dir.path()).unwrap();
        let back = load_checkpoint(dir.path(), &device).unwrap();
        let z = Tensor::<2>::ones([4, 2], &device).mul_scalar(0.3);
        let (a, b) = (
            meanfield_core::host_vec(model.forward(z.clone())),
            meanfield_core::host_vec(back.forward(z)),
        );
        assert_eq!(a, b);
        assert!((back.bias() - 0.7).abs() < 1e-15);
    }
}
