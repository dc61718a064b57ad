//! `wgan.data`: where the real samples come from.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// A two-dimensional toy distribution (the WGAN-GP toy script's, generated in code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Toy {
    /// Eight Gaussians on a circle of radius 2, std 0.02, all divided by 1.414.
    #[serde(rename = "8gaussians")]
    EightGaussians,
    /// A 5 x 5 grid {-4, .., 4}^2 of Gaussians with std 0.05, divided by 2.828.
    #[serde(rename = "25gaussians")]
    TwentyFiveGaussians,
    /// The swiss roll (noise 0.25, columns x and z, divided by 7.5).
    #[serde(rename = "swissroll")]
    SwissRoll,
    /// Three concentric rings of radii 1, 2, 3 (divided by 3) with std 0.05.
    #[serde(rename = "rings")]
    Rings,
    /// A 4 x 4 checkerboard on [-2, 2]^2, uniform on the dark cells.
    #[serde(rename = "checkerboard")]
    Checkerboard,
}

/// Where the real samples come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum GanData {
    /// `1/2 N(-spread, std^2) + 1/2 N(spread, std^2)` in 1-D.
    Mixture1d {
        /// Distance of the centres from 0.
        #[serde(default = "one")]
        spread: f64,
        /// Standard deviation of each component.
        std: f64,
    },
    /// Every real sample is the point `at` (the toy system of a generator parameter against a
    /// critic parameter).
    Dirac {
        /// The point.
        at: Vec<f64>,
    },
    /// A 2-D toy.
    Toy {
        /// Which.
        name: Toy,
    },
    /// Images in the IDX format of MNIST (`.gz` or raw), scaled to [-1, 1].
    Idx {
        /// The `idx3-ubyte` file.
        path: PathBuf,
    },
    /// A folder of same-size PNG images (grey or colour), scaled to [-1, 1].
    PngFolder {
        /// The folder.
        path: PathBuf,
    },
}

impl GanData {
    /// The dimension when it is known without reading files.
    pub fn dim(&self) -> Option<usize> {
        match self {
            Self::Mixture1d { .. } => Some(1),
            Self::Dirac { at } => Some(at.len()),
            Self::Toy { .. } => Some(2),
            Self::Idx { .. } | Self::PngFolder { .. } => None,
        }
    }
}

fn one() -> f64 {
    1.0
}
