//! `meanfield info`: version, compiled backends and the devices they give.

use std::process::ExitCode;

use clap::Args;
use meanfield_core::{DeviceChoice, compiled_backends};

/// Print the version, the compiled backends and the devices.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  meanfield info")]
pub struct InfoArgs {}

/// Entry point of `meanfield info`.
pub fn run(_: InfoArgs) -> anyhow::Result<ExitCode> {
    println!("meanfield {}", env!("CARGO_PKG_VERSION"));
    println!("backends: {}", compiled_backends().join(", "));
    for choice in [DeviceChoice::Cpu, DeviceChoice::Wgpu] {
        match choice.device() {
            Ok(device) => println!("device {choice:?}: {device:?}"),
            Err(e) => println!("device {choice:?}: unavailable ({e})"),
        }
    }
    println!(
        "threads: {}",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    Ok(ExitCode::SUCCESS)
}
