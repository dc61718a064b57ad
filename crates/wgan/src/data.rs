//! The real samples: generated mixtures and 2-D toys (seeded), or a table of images read from
//! an IDX file or a folder of PNGs.

use std::f64::consts::PI;
use std::io::Read;
use std::path::Path;

use meanfield_core::RunRng;
use meanfield_core::{CoreError, Result};
use rand::RngExt;
use rand_distr::StandardNormal;

use crate::config::{GanData, Toy};

/// The modes of a Gaussian mixture: centres `[K * d]` and the common standard deviation.
#[derive(Debug, Clone, PartialEq)]
pub struct Modes {
    /// Centres, row-major `[K, d]`.
    pub centres: Vec<f64>,
    /// Standard deviation of every component.
    pub std: f64,
}

/// Channels, height and width of image data.
pub type ImageShape = [usize; 3];

/// A source of real samples in `R^d`.
#[derive(Debug, Clone)]
pub struct RealData {
    source: Source,
    d: usize,
    image: Option<ImageShape>,
}

#[derive(Debug, Clone)]
enum Source {
    Mixture(Modes),
    Dirac(Vec<f64>),
    SwissRoll,
    Rings,
    Checkerboard,
    Table(Vec<f64>),
}

impl RealData {
    /// Builds the source; image files are read and checked here.
    ///
    /// # Errors
    /// [`CoreError::File`] for unreadable, corrupt, truncated, empty or mixed-size data.
    pub fn from_config(config: &GanData) -> Result<Self> {
        let generated = |source, d| Self {
            source,
            d,
            image: None,
        };
        Ok(match config {
            GanData::Mixture1d { spread, std } => generated(
                Source::Mixture(Modes {
                    centres: vec![-spread, *spread],
                    std: *std,
                }),
                1,
            ),
            GanData::Dirac { at } => generated(Source::Dirac(at.clone()), at.len()),
            GanData::Toy { name } => generated(toy_source(*name), 2),
            GanData::Idx { path } => {
                let (shape, table) = read_idx(path)?;
                Self::table(shape, table)
            }
            GanData::PngFolder { path } => {
                let (shape, table) = read_png_folder(path)?;
                Self::table(shape, table)
            }
        })
    }

    fn table(shape: ImageShape, table: Vec<f64>) -> Self {
        Self {
            source: Source::Table(table),
            d: shape.iter().product(),
            image: Some(shape),
        }
    }

    /// Dimension of a sample.
    pub fn dim(&self) -> usize {
        self.d
    }

    /// The image shape of image data.
    pub fn image_shape(&self) -> Option<ImageShape> {
        self.image
    }

    /// The mixture's modes (for the modes-covered and high-quality metrics).
    pub fn modes(&self) -> Option<&Modes> {
        match &self.source {
            Source::Mixture(m) => Some(m),
            _ => None,
        }
    }

    /// `n` samples, row-major `[n, d]`; a table is sampled with replacement.
    pub fn sample(&self, n: usize, rng: &mut RunRng) -> Vec<f64> {
        let mut out = Vec::with_capacity(n * self.d);
        let normal = |rng: &mut RunRng| -> f64 { rng.sample(StandardNormal) };
        for _ in 0..n {
            match &self.source {
                Source::Mixture(m) => {
                    let k = rng.random_range(0..m.centres.len() / self.d);
                    for j in 0..self.d {
                        out.push(m.centres[k * self.d + j] + m.std * normal(rng));
                    }
                }
                Source::Dirac(at) => out.extend_from_slice(at),
                Source::SwissRoll => {
                    let t = 1.5 * PI * (1.0 + 2.0 * rng.random::<f64>());
                    let (x, z) = (t * t.cos(), t * t.sin());
                    out.push((x + 0.25 * normal(rng)) / 7.5);
                    out.push((z + 0.25 * normal(rng)) / 7.5);
                }
                Source::Rings => {
                    let r = f64::from(rng.random_range(1..=3u8));
                    let a = 2.0 * PI * rng.random::<f64>();
                    out.push((r * a.cos() + 0.05 * normal(rng)) / 3.0);
                    out.push((r * a.sin() + 0.05 * normal(rng)) / 3.0);
                }
                Source::Checkerboard => {
                    // A uniform point of a dark cell of the 4 x 4 board on [-2, 2]^2.
                    let (i, j) = loop {
                        let (i, j) = (rng.random_range(0..4), rng.random_range(0..4));
                        if (i + j) % 2 == 0 {
                            break (i, j);
                        }
                    };
                    out.push(-2.0 + f64::from(i) + rng.random::<f64>());
                    out.push(-2.0 + f64::from(j) + rng.random::<f64>());
                }
                Source::Table(t) => {
                    let k = rng.random_range(0..t.len() / self.d);
                    out.extend_from_slice(&t[k * self.d..(k + 1) * self.d]);
                }
            }
        }
        out
    }
}

fn toy_source(toy: Toy) -> Source {
    match toy {
        Toy::EightGaussians => {
            let s = 1.414;
            let centres = (0..8)
                .flat_map(|k| {
                    let a = PI * k as f64 / 4.0;
                    [2.0 * a.cos() / s, 2.0 * a.sin() / s]
                })
                .collect();
            Source::Mixture(Modes {
                centres,
                std: 0.02 / s,
            })
        }
        Toy::TwentyFiveGaussians => {
            let s = 2.828;
            let centres = (0..25)
                .flat_map(|k| {
                    let (i, j) = ((k / 5) as f64, (k % 5) as f64);
                    [(2.0 * i - 4.0) / s, (2.0 * j - 4.0) / s]
                })
                .collect();
            Source::Mixture(Modes {
                centres,
                std: 0.05 / s,
            })
        }
        Toy::SwissRoll => Source::SwissRoll,
        Toy::Rings => Source::Rings,
        Toy::Checkerboard => Source::Checkerboard,
    }
}

/// Reads an `idx3-ubyte` image file (gzip-compressed or raw): pixels scaled to [-1, 1].
///
/// # Errors
/// [`CoreError::File`] for a bad magic number, a truncated file or zero images.
pub fn read_idx(path: &Path) -> Result<(ImageShape, Vec<f64>)> {
    let fail = |m: String| CoreError::file(path, m);
    let raw = std::fs::read(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .map_err(|e| fail(format!("corrupt gzip stream: {e}")))?;
        out
    } else {
        raw
    };
    if bytes.len() < 16 || bytes[..3] != [0, 0, 8] || bytes[3] != 3 {
        return Err(fail(
            "not an IDX image file: expected magic 0x00000803 (u8, 3 dimensions) and a 16-byte header"
                .into(),
        ));
    }
    let dim = |k: usize| {
        u32::from_be_bytes([
            bytes[4 + 4 * k],
            bytes[5 + 4 * k],
            bytes[6 + 4 * k],
            bytes[7 + 4 * k],
        ]) as usize
    };
    let (n, h, w) = (dim(0), dim(1), dim(2));
    if n == 0 || h == 0 || w == 0 {
        return Err(fail(format!("empty data set: header says {n} x {h} x {w}")));
    }
    let Some(expected) = n.checked_mul(h).and_then(|nh| nh.checked_mul(w)) else {
        return Err(fail(format!(
            "corrupt header: {n} x {h} x {w} pixels overflow the address space"
        )));
    };
    let pixels = &bytes[16..];
    if pixels.len() < expected {
        return Err(fail(format!(
            "truncated: the header promises {n} images of {h} x {w} ({expected} bytes), found {} bytes",
            pixels.len()
        )));
    }
    let table = pixels[..expected]
        .iter()
        .map(|p| f64::from(*p) / 127.5 - 1.0)
        .collect();
    Ok(([1, h, w], table))
}

/// Reads every `*.png` of a folder (sorted by name), all of one size; grey unless one of them
/// has colour. Pixels scaled to [-1, 1], channels first.
///
/// # Errors
/// [`CoreError::File`] for an unreadable folder or image, mixed sizes or no PNG at all.
pub fn read_png_folder(dir: &Path) -> Result<(ImageShape, Vec<f64>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| CoreError::file(dir, format!("cannot read folder: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("png")))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(CoreError::file(dir, "empty data set: no *.png file"));
    }
    let images = files
        .iter()
        .map(|f| meanfield_core::bounds::open_image(f))
        .collect::<Result<Vec<_>>>()?;
    let (w, h) = (images[0].width(), images[0].height());
    if let Some((f, img)) = files
        .iter()
        .zip(&images)
        .find(|(_, i)| (i.width(), i.height()) != (w, h))
    {
        return Err(CoreError::file(
            f,
            format!(
                "is {} x {}, but {} is {w} x {h}: a PNG folder needs images of one size",
                img.width(),
                img.height(),
                files[0].display()
            ),
        ));
    }
    let colour = images.iter().any(|i| i.color().has_color());
    let channels = if colour { 3 } else { 1 };
    let mut table = Vec::with_capacity(images.len() * channels * (w * h) as usize);
    for img in &images {
        if colour {
            let rgb = img.to_rgb8();
            for c in 0..3 {
                table.extend(rgb.pixels().map(|p| f64::from(p[c]) / 127.5 - 1.0));
            }
        } else {
            table.extend(
                img.to_luma8()
                    .pixels()
                    .map(|p| f64::from(p[0]) / 127.5 - 1.0),
            );
        }
    }
    Ok(([channels, h as usize, w as usize], table))
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn toys_have_the_reference_scale() {
        let mut rng = RunRng::seed_from_u64(0);
        let eight = RealData::from_config(&GanData::Toy {
            name: Toy::EightGaussians,
        })
        .unwrap();
        let x = eight.sample(2000, &mut rng);
        let radius: f64 = x
            .chunks(2)
            .map(|p| (p[0] * p[0] + p[1] * p[1]).sqrt())
            .sum::<f64>()
            / 2000.0;
        assert!((radius - 2.0 / 1.414).abs() < 0.01, "{radius}");
        let board = RealData::from_config(&GanData::Toy {
            name: Toy::Checkerboard,
        })
        .unwrap();
        for p in board.sample(500, &mut rng).chunks(2) {
            let (i, j) = ((p[0] + 2.0).floor() as i64, (p[1] + 2.0).floor() as i64);
            assert_eq!((i + j) % 2, 0, "{p:?}");
        }
    }

    #[test]
    fn shipped_digits_read_and_bad_idx_files_are_refused() {
        let digits = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../datasets/digits/digits-images-idx3-ubyte.gz");
        let (shape, table) = read_idx(&digits).unwrap();
        assert_eq!(shape, [1, 8, 8]);
        assert_eq!(table.len(), 1797 * 64);
        assert!(table.iter().all(|p| (-1.0..=1.0).contains(p)));
        let dir = tempfile::tempdir().unwrap();
        let mut header = vec![0, 0, 8, 3];
        for v in [10u32, 8, 8] {
            header.extend(v.to_be_bytes());
        }
        let truncated = dir.path().join("short.idx");
        std::fs::write(&truncated, [header.clone(), vec![0; 100]].concat()).unwrap();
        let err = read_idx(&truncated).unwrap_err().to_string();
        assert!(err.contains("truncated"), "{err}");
        let garbage = dir.path().join("bad.idx");
        std::fs::write(&garbage, b"hello world, not an idx file").unwrap();
        assert!(
            read_idx(&garbage)
                .unwrap_err()
                .to_string()
                .contains("magic")
        );
        let gz = dir.path().join("corrupt.gz");
        std::fs::write(&gz, [0x1f, 0x8b, 8, 0, 1, 2, 3]).unwrap();
        assert!(read_idx(&gz).unwrap_err().to_string().contains("gzip"));
        let mut huge = vec![0, 0, 8, 3];
        for v in [u32::MAX, u32::MAX, u32::MAX] {
            huge.extend(v.to_be_bytes());
        }
        let overflowing = dir.path().join("huge.idx");
        std::fs::write(&overflowing, [huge, vec![0; 64]].concat()).unwrap();
        let err = read_idx(&overflowing).unwrap_err().to_string();
        assert!(err.contains("overflow"), "{err}");
    }

    #[test]
    fn png_folders_need_one_size() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            read_png_folder(dir.path())
                .unwrap_err()
                .to_string()
                .contains("empty")
        );
        image::GrayImage::new(4, 4)
            .save(dir.path().join("a.png"))
            .unwrap();
        image::GrayImage::from_pixel(4, 4, image::Luma([255]))
            .save(dir.path().join("b.png"))
            .unwrap();
        let (shape, table) = read_png_folder(dir.path()).unwrap();
        assert_eq!(shape, [1, 4, 4]);
        assert_eq!((table[0], table[31]), (-1.0, 1.0));
        image::GrayImage::new(5, 4)
            .save(dir.path().join("c.png"))
            .unwrap();
        let err = read_png_folder(dir.path()).unwrap_err().to_string();
        assert!(err.contains("one size") && err.contains("c.png"), "{err}");
    }
}
