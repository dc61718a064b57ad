//! Run-time device selection: the CPU backend (f64) by default, wgpu behind a feature.

use std::sync::Once;

use burn::tensor::{Device, FloatDType};
use serde::{Deserialize, Serialize};

use crate::{CoreError, Result};

/// Which compute device a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    /// The CPU backend selected at build time (`flex` by default), in f64.
    #[default]
    Cpu,
    /// The wgpu backend (f32); needs the `wgpu` cargo feature.
    Wgpu,
}

impl std::str::FromStr for DeviceChoice {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "cpu" => Ok(Self::Cpu),
            "wgpu" => Ok(Self::Wgpu),
            other => Err(CoreError::config(
                "device",
                format!("expected `cpu` or `wgpu`, found `{other}`"),
            )),
        }
    }
}

impl DeviceChoice {
    /// Creates the device (without autodiff; call `.autodiff()` where gradients are needed).
    ///
    /// # Errors
    /// [`CoreError::Device`] when `wgpu` is asked for in a build without the `wgpu` feature.
    pub fn device(self) -> Result<Device> {
        match self {
            Self::Cpu => Ok(cpu_device()),
            Self::Wgpu => wgpu_device(),
        }
    }
}

/// The CPU device, configured once per process to compute in f64.
pub fn cpu_device() -> Device {
    static CONFIGURE: Once = Once::new();
    let device = cpu_base();
    CONFIGURE.call_once(|| {
        let mut d = device.clone();
        // Fails only when a tensor was created before: then the backend default stays.
        let _ = d.configure(FloatDType::F64);
    });
    device
}

#[cfg(feature = "flex")]
fn cpu_base() -> Device {
    Device::flex()
}

#[cfg(all(not(feature = "flex"), feature = "ndarray"))]
#[allow(deprecated)]
fn cpu_base() -> Device {
    Device::ndarray()
}

/// Without a CPU backend feature, burn's default device (which explains what to enable).
#[cfg(not(any(feature = "flex", feature = "ndarray")))]
fn cpu_base() -> Device {
    Device::default()
}

#[cfg(feature = "wgpu")]
fn wgpu_device() -> Result<Device> {
    Ok(Device::wgpu(burn::tensor::DeviceKind::DefaultDevice))
}

#[cfg(not(feature = "wgpu"))]
fn wgpu_device() -> Result<Device> {
    Err(CoreError::Device(
        "this build has no wgpu backend; rebuild with `--features wgpu`".into(),
    ))
}

/// Names of the backends compiled into this build.
pub fn compiled_backends() -> Vec<&'static str> {
    let mut names = Vec::new();
    if cfg!(feature = "flex") {
        names.push("flex (cpu)");
    }
    if cfg!(feature = "ndarray") {
        names.push("ndarray (cpu)");
    }
    if cfg!(feature = "wgpu") {
        names.push("wgpu");
    }
    names
}

/// True when the device computes on the host CPU (fused host kernels are then usable).
pub fn is_cpu(device: &Device) -> bool {
    *device == cpu_base()
}
