//! `meanfield sample --checkpoint DIR --n N --out samples.csv`: draw from a trained generator.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use meanfield_core::DeviceChoice;
use meanfield_log::plot::image_grid;

/// Draw samples from the generator of a WGAN run (its folder or its checkpoint folder).
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  meanfield run experiments/wgan_digits.toml --out runs/digits\n  meanfield sample --checkpoint runs/digits --n 64 --out digits.csv   # also digits.png"
)]
pub struct SampleArgs {
    /// The run folder (or its `checkpoint` folder).
    #[arg(long)]
    pub checkpoint: PathBuf,
    /// Number of samples.
    #[arg(long, default_value_t = 1000)]
    pub n: usize,
    /// Output CSV (`x0,x1,...`); for image models a PNG grid is written beside it.
    #[arg(long)]
    pub out: PathBuf,
    /// Seed of the latent draw.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// Entry point of `meanfield sample`.
pub fn run(args: SampleArgs) -> anyhow::Result<ExitCode> {
    if args.n == 0 {
        bail!("--n must be >= 1");
    }
    let device = DeviceChoice::Cpu.device()?;
    let (points, image) =
        meanfield_wgan::sampling::sample(&args.checkpoint, args.n, args.seed, &device)
            .with_context(|| format!("sample from {}", args.checkpoint.display()))?;
    points.write_csv(&args.out)?;
    eprintln!("{} samples -> {}", points.n(), args.out.display());
    if let Some(shape) = image {
        let png = args.out.with_extension("png");
        image_grid(points.as_slice(), shape, 8, 4).save_png(&png)?;
        eprintln!("image grid -> {}", png.display());
    }
    println!("{}", args.out.display());
    Ok(ExitCode::SUCCESS)
}
