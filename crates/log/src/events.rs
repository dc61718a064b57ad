//! TensorBoard event files through tensorboard-rs, with its quirks kept in this one file:
//! its `add_histogram` is unimplemented (we bucket here and write raw), its `add_image` swaps
//! height and width in the proto (we build the image summary ourselves from our own PNG), and
//! writes happen on a background thread until [`EventLog::flush`].

use std::io::Cursor;
use std::path::Path;

use protobuf::RepeatedField;
use tensorboard_proto::summary::{Summary, Summary_Image, Summary_Value};
use tensorboard_rs::summary::{histogram_raw, scalar};
use tensorboard_rs::summary_writer::FileWriter;

/// Bucketed summary of a set of values, as TensorBoard stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Count.
    pub num: f64,
    /// Sum.
    pub sum: f64,
    /// Sum of squares.
    pub sum_squares: f64,
    /// Upper edge of each bucket.
    pub bucket_limits: Vec<f64>,
    /// Count per bucket.
    pub bucket_counts: Vec<f64>,
}

impl Histogram {
    /// Buckets finite `values` into `bins` equal-width bins (`None` when there is none).
    pub fn new(values: &[f64], bins: usize) -> Option<Self> {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        if finite.is_empty() || bins == 0 {
            return None;
        }
        let min = finite.iter().copied().fold(f64::INFINITY, f64::min);
        let max = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let width = ((max - min) / bins as f64).max(1e-12);
        let mut counts = vec![0.0; bins];
        for v in &finite {
            counts[(((v - min) / width) as usize).min(bins - 1)] += 1.0;
        }
        Some(Self {
            min,
            max,
            num: finite.len() as f64,
            sum: finite.iter().sum(),
            sum_squares: finite.iter().map(|v| v * v).sum(),
            bucket_limits: (1..=bins).map(|k| min + k as f64 * width).collect(),
            bucket_counts: counts,
        })
    }
}

/// Writer of one TensorBoard event file in a run folder.
pub struct EventLog {
    writer: FileWriter,
}

impl std::fmt::Debug for EventLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EventLog")
    }
}

impl EventLog {
    /// Starts an `events.out.tfevents.*` file in `dir`.
    pub fn new(dir: &Path) -> Self {
        Self {
            writer: FileWriter::new(dir),
        }
    }

    /// A scalar (stored as f32 by TensorBoard).
    pub fn scalar(&mut self, tag: &str, value: f64, step: usize) {
        self.writer.add_summary(scalar(tag, value as f32), step);
    }

    /// A histogram of `values`.
    pub fn histogram(&mut self, tag: &str, values: &[f64], step: usize) {
        if let Some(h) = Histogram::new(values, 30) {
            let summary = histogram_raw(
                tag,
                h.min,
                h.max,
                h.num,
                h.sum,
                h.sum_squares,
                &h.bucket_limits,
                &h.bucket_counts,
            );
            self.writer.add_summary(summary, step);
        }
    }

    /// An RGB image (`rgb.len() == 3 * width * height`, row-major).
    pub fn image(&mut self, tag: &str, rgb: &[u8], width: usize, height: usize, step: usize) {
        let mut png = Vec::new();
        let encoded = image::write_buffer_with_format(
            &mut Cursor::new(&mut png),
            rgb,
            width as u32,
            height as u32,
            image::ExtendedColorType::Rgb8,
            image::ImageFormat::Png,
        );
        if encoded.is_err() {
            return;
        }
        let mut img = Summary_Image::new();
        img.set_height(height as i32);
        img.set_width(width as i32);
        img.set_colorspace(3);
        img.set_encoded_image_string(png);
        let mut value = Summary_Value::new();
        value.set_tag(tag.to_string());
        value.set_image(img);
        let mut summary = Summary::new();
        summary.set_value(RepeatedField::from(vec![value]));
        self.writer.add_summary(summary, step);
    }

    /// Writes everything queued so far to disk.
    pub fn flush(&mut self) {
        self.writer.flush();
    }
}
