//! TensorBoard event files, written by our own small writer: TFRecord framing (length, masked
//! CRC32C of the length, payload, masked CRC32C of the payload) around `prost`-encoded
//! `Event` messages ([`proto`]). Writes happen on the caller's thread and every error is
//! returned, so a full disk is an error line, never a panic.

mod histogram;
pub mod proto;

pub use histogram::Histogram;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use prost::Message;

use crate::{LogError, Result};
use proto::{
    DT_STRING, Event, HParamsData, HParamsPluginData, HistogramProto, Image, Kind, PluginData,
    ProtoKind, ProtoValue, SESSION_START, SessionEndInfo, SessionLog, SessionStartInfo, Summary,
    SummaryMetadata, TensorProto, TensorShapeProto, Value, What,
};

/// The prefix of an event file's name, which TensorBoard looks for.
pub const EVENT_FILE_PREFIX: &str = "events.out.tfevents.";

/// A hyperparameter's value in TensorBoard's HPARAMS table.
#[derive(Debug, Clone, PartialEq)]
pub enum HParam {
    /// A number.
    Number(f64),
    /// A string.
    Text(String),
    /// A bool.
    Bool(bool),
}

/// Writer of one TensorBoard event file in a run folder.
pub struct EventLog {
    path: PathBuf,
    out: BufWriter<File>,
}

impl std::fmt::Debug for EventLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EventLog({})", self.path.display())
    }
}

impl EventLog {
    /// Starts a new event file in `dir`, named after the time and numbered after the event
    /// files already there, so TensorBoard reads the files of a resumed run in order.
    ///
    /// # Errors
    /// [`LogError::Io`].
    pub fn create(dir: &Path) -> Result<Self> {
        let earlier = std::fs::read_dir(dir)
            .map_err(|e| LogError::io(dir, e))?
            .filter_map(|e| e.ok())
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(EVENT_FILE_PREFIX)
            })
            .count();
        let secs = now().floor() as u64;
        let path = dir.join(format!(
            "{EVENT_FILE_PREFIX}{secs:010}.meanfield-{earlier:04}"
        ));
        let file = File::create_new(&path).map_err(|e| LogError::io(&path, e))?;
        let mut log = Self {
            path,
            out: BufWriter::new(file),
        };
        log.event(0, What::FileVersion("brain.Event:2".into()))?;
        Ok(log)
    }

    /// Starts a new event file for a run resumed at `step`: its first record is a session
    /// start at `step`, on which TensorBoard purges whatever earlier files logged at `step`
    /// and after (the steps between the checkpoint and the interrupt).
    ///
    /// # Errors
    /// [`LogError::Io`].
    pub fn resume(dir: &Path, step: usize) -> Result<Self> {
        let mut log = Self::create(dir)?;
        log.event(
            step,
            What::SessionLog(SessionLog {
                status: SESSION_START,
            }),
        )?;
        Ok(log)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A scalar (stored as f32 by TensorBoard).
    ///
    /// # Errors
    /// [`LogError::Io`].
    pub fn scalar(&mut self, tag: &str, value: f64, step: usize) -> Result<()> {
        self.value(step, tag, None, Kind::SimpleValue(value as f32))
    }

    /// A histogram of the finite `values` in 30 buckets (nothing when none is finite).
    ///
    /// # Errors
    /// [`LogError::Io`].
    pub fn histogram(&mut self, tag: &str, values: &[f64], step: usize) -> Result<()> {
        let Some(h) = Histogram::new(values, 30) else {
            return Ok(());
        };
        let histo = HistogramProto {
            min: h.min,
            max: h.max,
            num: h.num,
            sum: h.sum,
            sum_squares: h.sum_squares,
            bucket_limit: h.bucket_limits,
            bucket: h.bucket_counts,
        };
        self.value(step, tag, None, Kind::Histo(histo))
    }

    /// An RGB image given as PNG bytes of `width` x `height` pixels.
    ///
    /// # Errors
    /// [`LogError::Io`].
    pub fn image(
        &mut self,
        tag: &str,
        png: Vec<u8>,
        width: u32,
        height: u32,
        step: usize,
    ) -> Result<()> {
        let image = Image {
            height: i32::try_from(height).unwrap_or(i32::MAX),
            width: i32::try_from(width).unwrap_or(i32::MAX),
            colorspace: 3,
            encoded_image_string: png,
        };
        self.value(step, tag, None, Kind::Image(image))
    }

    /// A text summary (markdown), shown by TensorBoard's TEXT tab.
    ///
    /// # Errors
    /// [`LogError::Io`].
    pub fn text(&mut self, tag: &str, markdown: &str, step: usize) -> Result<()> {
        let tensor = TensorProto {
            dtype: DT_STRING,
            tensor_shape: Some(TensorShapeProto {}),
            string_val: vec![markdown.as_bytes().to_vec()],
        };
        self.value(
            step,
            tag,
            Some(plugin("text", Vec::new())),
            Kind::Tensor(tensor),
        )
    }

    /// The run's hyperparameters, one row of TensorBoard's HPARAMS table; `group` puts the
    /// variants of one experiment together.
    ///
    /// # Errors
    /// [`LogError::Io`].
    pub fn hparams(&mut self, hparams: &[(String, HParam)], group: &str) -> Result<()> {
        let start = SessionStartInfo {
            hparams: hparams
                .iter()
                .map(|(k, v)| (k.clone(), proto_value(v)))
                .collect(),
            group_name: group.to_string(),
            start_time_secs: now(),
        };
        self.hparams_data(
            "_hparams_/session_start_info",
            HParamsData::SessionStartInfo(start),
        )
    }

    /// Closes the run's row of the HPARAMS table: it ended well (`ok`) or not.
    ///
    /// # Errors
    /// [`LogError::Io`].
    pub fn hparams_end(&mut self, ok: bool) -> Result<()> {
        let end = SessionEndInfo {
            status: if ok { 1 } else { 2 },
            end_time_secs: now(),
        };
        self.hparams_data(
            "_hparams_/session_end_info",
            HParamsData::SessionEndInfo(end),
        )
    }

    fn hparams_data(&mut self, tag: &str, data: HParamsData) -> Result<()> {
        let content = HParamsPluginData {
            version: 0,
            data: Some(data),
        }
        .encode_to_vec();
        let value = Value {
            tag: tag.to_string(),
            metadata: Some(plugin("hparams", content)),
            kind: None,
        };
        self.event(0, What::Summary(Summary { value: vec![value] }))
    }

    /// Writes everything buffered so far to the file.
    ///
    /// # Errors
    /// [`LogError::Io`].
    pub fn flush(&mut self) -> Result<()> {
        self.out.flush().map_err(|e| LogError::io(&self.path, e))
    }

    fn value(
        &mut self,
        step: usize,
        tag: &str,
        metadata: Option<SummaryMetadata>,
        kind: Kind,
    ) -> Result<()> {
        let value = Value {
            tag: tag.to_string(),
            metadata,
            kind: Some(kind),
        };
        self.event(step, What::Summary(Summary { value: vec![value] }))
    }

    fn event(&mut self, step: usize, what: What) -> Result<()> {
        let event = Event {
            wall_time: now(),
            step: i64::try_from(step).unwrap_or(i64::MAX),
            what: Some(what),
        };
        let record = tf_record(&event.encode_to_vec());
        self.out
            .write_all(&record)
            .map_err(|e| LogError::io(&self.path, e))
    }
}

/// One TFRecord: the payload's length (u64, little-endian), the masked CRC32C of those 8
/// bytes, the payload, and its masked CRC32C.
pub fn tf_record(payload: &[u8]) -> Vec<u8> {
    let len = (payload.len() as u64).to_le_bytes();
    let mut record = Vec::with_capacity(payload.len() + 16);
    record.extend_from_slice(&len);
    record.extend_from_slice(&masked_crc(&len).to_le_bytes());
    record.extend_from_slice(payload);
    record.extend_from_slice(&masked_crc(payload).to_le_bytes());
    record
}

/// TFRecord's masked CRC32C.
fn masked_crc(bytes: &[u8]) -> u32 {
    crc32c::crc32c(bytes)
        .rotate_right(15)
        .wrapping_add(0xa282_ead8)
}

fn plugin(name: &str, content: Vec<u8>) -> SummaryMetadata {
    SummaryMetadata {
        plugin_data: Some(PluginData {
            plugin_name: name.to_string(),
            content,
        }),
    }
}

fn proto_value(v: &HParam) -> ProtoValue {
    ProtoValue {
        kind: Some(match v {
            HParam::Number(x) => ProtoKind::Number(*x),
            HParam::Text(s) => ProtoKind::String(s.clone()),
            HParam::Bool(b) => ProtoKind::Bool(*b),
        }),
    }
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}
