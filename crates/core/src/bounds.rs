//! Sizes checked before anything is allocated: the memory a config's sizes imply, the pixels
//! of an image (read from its header before it is decoded) and the length of one line of a
//! text file (so `/dev/zero` or a corrupt CSV cannot make a reader buffer gigabytes).

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use crate::{CoreError, Result};

/// The most memory one size of a config may imply (16 GiB): beyond it the run is refused,
/// with the estimate and the key to change.
pub const MAX_BYTES: f64 = 16.0 * (1u64 << 30) as f64;

/// The most pixels an image may have (8192 x 8192).
pub const MAX_IMAGE_PIXELS: u64 = 1 << 26;

/// The longest line a text input may have (1 MiB).
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Refuses a size under `key` whose estimate `bytes` (for `what`) exceeds [`MAX_BYTES`].
///
/// # Errors
/// [`CoreError::Config`] with the estimate.
pub fn check_bytes(key: &str, what: &str, bytes: f64) -> Result<()> {
    if bytes.is_finite() && bytes <= MAX_BYTES {
        return Ok(());
    }
    Err(CoreError::config(
        key,
        format!(
            "{what} would take about {} (more than the {} limit); lower {key}",
            human_bytes(bytes),
            human_bytes(MAX_BYTES)
        ),
    ))
}

/// `bytes` as `12.3 GiB` (or `1e30 bytes` beyond any unit).
pub fn human_bytes(bytes: f64) -> String {
    const GIB: f64 = (1u64 << 30) as f64;
    if !bytes.is_finite() || bytes >= 1e6 * GIB {
        format!("{bytes:.1e} bytes")
    } else if bytes >= GIB {
        format!("{:.1} GiB", bytes / GIB)
    } else {
        format!("{:.1} MiB", bytes / (1u64 << 20) as f64)
    }
}

/// Decodes the image at `path` after checking from its header that it has at most
/// [`MAX_IMAGE_PIXELS`] pixels.
///
/// # Errors
/// [`CoreError::File`] for a folder, an unreadable or undecodable file, or too many pixels.
pub fn open_image(path: &Path) -> Result<image::DynamicImage> {
    let bad = |m: String| CoreError::file(path, m);
    if path.is_dir() {
        return Err(bad("is a folder, not an image file".into()));
    }
    let reader = image::ImageReader::open(path)
        .and_then(image::ImageReader::with_guessed_format)
        .map_err(|e| bad(format!("cannot read: {e}")))?;
    let (w, h) = reader
        .into_dimensions()
        .map_err(|e| bad(format!("cannot read the image header: {e}")))?;
    if u64::from(w) * u64::from(h) > MAX_IMAGE_PIXELS {
        return Err(bad(format!(
            "{w} x {h} pixels is more than the {MAX_IMAGE_PIXELS} allowed (8192 x 8192); scale it down"
        )));
    }
    image::ImageReader::open(path)
        .and_then(image::ImageReader::with_guessed_format)
        .map_err(|e| bad(format!("cannot read: {e}")))?
        .decode()
        .map_err(|e| bad(format!("cannot decode: {e}")))
}

/// Opens a text file for reading, refusing a folder, with lines capped at
/// [`MAX_LINE_BYTES`].
///
/// # Errors
/// [`CoreError::File`] when it is a folder or cannot be opened.
pub fn open_text(path: &Path) -> Result<LineLimited<BufReader<File>>> {
    if path.is_dir() {
        return Err(CoreError::file(path, "is a folder, not a file"));
    }
    let file = File::open(path).map_err(|e| CoreError::file(path, format!("cannot open: {e}")))?;
    Ok(LineLimited {
        inner: BufReader::new(file),
        since_newline: 0,
    })
}

/// A reader that fails once a line grows beyond [`MAX_LINE_BYTES`].
#[derive(Debug)]
pub struct LineLimited<R> {
    inner: R,
    since_newline: usize,
}

impl<R: Read> Read for LineLimited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            if b == b'\n' {
                self.since_newline = 0;
            } else {
                self.since_newline += 1;
                if self.since_newline > MAX_LINE_BYTES {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("a line is longer than {MAX_LINE_BYTES} bytes (not a CSV file?)"),
                    ));
                }
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_beyond_the_limit_name_key_and_estimate() {
        assert!(check_bytes("particles.n", "the particles", 1e9).is_ok());
        let err = check_bytes("particles.n", "the particles", 1e20)
            .unwrap_err()
            .to_string();
        assert!(err.contains("particles.n") && err.contains("GiB"), "{err}");
        assert!(check_bytes("k", "x", f64::INFINITY).is_err());
    }

    #[test]
    fn an_endless_line_is_an_error_not_a_gigabyte() {
        let mut reader = LineLimited {
            inner: io::repeat(b'0'),
            since_newline: 0,
        };
        let mut sink = Vec::new();
        let err = reader.read_to_end(&mut sink).unwrap_err();
        assert!(err.to_string().contains("longer than"), "{err}");
        assert!(sink.len() <= 2 * MAX_LINE_BYTES);
        assert!(open_text(Path::new("/")).is_err());
    }
}
