//! Decodes the written event file independently of the writer (and of prost): TFRecord
//! framing with masked CRC32C by a bitwise CRC, then the Event / Summary / HistogramProto /
//! Image / TensorProto / SummaryMetadata / SessionLog protobufs by hand.

use meanfield_log::{EventLog, HParam};

fn crc32c(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0x82F6_3B78
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn masked(crc: u32) -> u32 {
    crc.rotate_right(15).wrapping_add(0xa282_ead8)
}

/// Splits a TFRecord file into payloads, checking both checksums of every record.
fn records(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let len_bytes = &bytes[at..at + 8];
        let len = u64::from_le_bytes(len_bytes.try_into().unwrap()) as usize;
        let len_crc = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap());
        assert_eq!(len_crc, masked(crc32c(len_bytes)), "length checksum");
        let payload = &bytes[at + 12..at + 12 + len];
        let crc = u32::from_le_bytes(bytes[at + 12 + len..at + 16 + len].try_into().unwrap());
        assert_eq!(crc, masked(crc32c(payload)), "payload checksum");
        out.push(payload.to_vec());
        at += 16 + len;
    }
    out
}

#[derive(Debug)]
enum Field<'a> {
    Varint(u64),
    Fixed64(u64),
    Bytes(&'a [u8]),
    Fixed32(u32),
}

fn varint(buf: &[u8], at: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let b = buf[*at];
        *at += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return v;
        }
        shift += 7;
    }
}

fn fields(buf: &[u8]) -> Vec<(u64, Field<'_>)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < buf.len() {
        let key = varint(buf, &mut at);
        let field = match key & 7 {
            0 => Field::Varint(varint(buf, &mut at)),
            1 => {
                at += 8;
                Field::Fixed64(u64::from_le_bytes(buf[at - 8..at].try_into().unwrap()))
            }
            2 => {
                let len = varint(buf, &mut at) as usize;
                at += len;
                Field::Bytes(&buf[at - len..at])
            }
            5 => {
                at += 4;
                Field::Fixed32(u32::from_le_bytes(buf[at - 4..at].try_into().unwrap()))
            }
            w => panic!("unexpected wire type {w}"),
        };
        out.push((key >> 3, field));
    }
    out
}

#[derive(Debug, Default)]
struct Decoded {
    scalars: Vec<(String, u64, f32)>,
    histograms: Vec<(String, f64, Vec<f64>)>,
    images: Vec<(String, u64, u64, Vec<u8>)>,
    /// `(tag, plugin, text of a string tensor)`.
    plugins: Vec<(String, String, String)>,
    /// Steps of session starts.
    session_starts: Vec<u64>,
    file_version: Option<String>,
}

fn decode(bytes: &[u8]) -> Decoded {
    let mut d = Decoded::default();
    for record in records(bytes) {
        let event = fields(&record);
        let step = event
            .iter()
            .find_map(|(n, f)| match (n, f) {
                (2, Field::Varint(s)) => Some(*s),
                _ => None,
            })
            .unwrap_or(0);
        for (n, f) in &event {
            match (n, f) {
                (3, Field::Bytes(v)) => {
                    d.file_version = Some(String::from_utf8(v.to_vec()).unwrap())
                }
                (7, Field::Bytes(log))
                    if fields(log)
                        .iter()
                        .any(|(k, f)| matches!((k, f), (1, Field::Varint(1)))) =>
                {
                    d.session_starts.push(step);
                }
                _ => {}
            }
            let (5, Field::Bytes(summary)) = (n, f) else {
                continue;
            };
            for (_, value) in fields(summary) {
                let Field::Bytes(value) = value else { continue };
                let mut tag = String::new();
                let (mut plugin, mut text) = (None, String::new());
                for (k, f) in fields(value) {
                    match (k, f) {
                        (9, Field::Bytes(meta)) => {
                            for (k, f) in fields(meta) {
                                if let (1, Field::Bytes(data)) = (k, f) {
                                    for (k, f) in fields(data) {
                                        if let (1, Field::Bytes(name)) = (k, f) {
                                            plugin =
                                                Some(String::from_utf8(name.to_vec()).unwrap());
                                        }
                                    }
                                }
                            }
                        }
                        (8, Field::Bytes(tensor)) => {
                            for (k, f) in fields(tensor) {
                                if let (8, Field::Bytes(s)) = (k, f) {
                                    text = String::from_utf8(s.to_vec()).unwrap();
                                }
                            }
                        }
                        (1, Field::Bytes(t)) => tag = String::from_utf8(t.to_vec()).unwrap(),
                        (2, Field::Fixed32(v)) => {
                            d.scalars.push((tag.clone(), step, f32::from_bits(v)))
                        }
                        (4, Field::Bytes(img)) => {
                            let (mut h, mut w, mut png) = (0, 0, Vec::new());
                            for (k, f) in fields(img) {
                                match (k, f) {
                                    (1, Field::Varint(v)) => h = v,
                                    (2, Field::Varint(v)) => w = v,
                                    (4, Field::Bytes(b)) => png = b.to_vec(),
                                    _ => {}
                                }
                            }
                            d.images.push((tag.clone(), h, w, png));
                        }
                        (5, Field::Bytes(histo)) => {
                            let (mut num, mut counts) = (0.0, Vec::new());
                            for (k, f) in fields(histo) {
                                match (k, f) {
                                    (3, Field::Fixed64(v)) => num = f64::from_bits(v),
                                    (7, Field::Bytes(packed)) => {
                                        counts = packed
                                            .chunks(8)
                                            .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
                                            .collect()
                                    }
                                    _ => {}
                                }
                            }
                            d.histograms.push((tag.clone(), num, counts));
                        }
                        _ => {}
                    }
                }
                if let Some(plugin) = plugin {
                    d.plugins.push((tag, plugin, text));
                }
            }
        }
    }
    d
}

fn event_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("events.out.tfevents.")
        })
        .collect();
    files.sort();
    files
}

#[test]
fn scalars_histograms_images_text_and_hparams_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = EventLog::create(dir.path()).unwrap();
    for step in 0..5 {
        log.scalar("loss/energy", 1.0 / (step + 1) as f64, step)
            .unwrap();
    }
    let values: Vec<f64> = (0..100).map(|i| i as f64 / 10.0).collect();
    log.histogram("positions/x0", &values, 3).unwrap();
    // A non-square image: 4 wide, 2 high, red left half, blue right half.
    let mut rgb = Vec::new();
    for _row in 0..2 {
        for col in 0..4 {
            rgb.extend_from_slice(if col < 2 { &[255, 0, 0] } else { &[0, 0, 255] });
        }
    }
    let figure = meanfield_log::plot::Figure {
        width: 4,
        height: 2,
        rgb,
    };
    log.image("figures/particles", figure.png().unwrap(), 4, 2, 7)
        .unwrap();
    log.text("config", "    seed = 3", 0).unwrap();
    log.hparams(&[("seed".into(), HParam::Number(3.0))], "exp")
        .unwrap();
    log.hparams_end(true).unwrap();
    log.flush().unwrap();
    drop(log);

    let files = event_files(dir.path());
    assert_eq!(files.len(), 1);
    let d = decode(&std::fs::read(&files[0]).unwrap());
    assert_eq!(d.file_version.as_deref(), Some("brain.Event:2"));
    let energy: Vec<(u64, f32)> = d
        .scalars
        .iter()
        .filter(|s| s.0 == "loss/energy")
        .map(|s| (s.1, s.2))
        .collect();
    assert_eq!(energy.len(), 5);
    assert_eq!(energy[4], (4, 0.2));
    let (tag, num, counts) = &d.histograms[0];
    assert_eq!((tag.as_str(), *num), ("positions/x0", 100.0));
    assert_eq!(counts.iter().sum::<f64>(), 100.0);
    let (tag, h, w, png) = &d.images[0];
    assert_eq!((tag.as_str(), *h, *w), ("figures/particles", 2, 4));
    let img = image::load_from_memory(png).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (4, 2));
    assert_eq!(img.get_pixel(0, 1).0, [255, 0, 0]);
    assert_eq!(img.get_pixel(3, 0).0, [0, 0, 255]);
    let plugins: Vec<(&str, &str)> = d
        .plugins
        .iter()
        .map(|(t, p, _)| (t.as_str(), p.as_str()))
        .collect();
    assert_eq!(
        plugins,
        [
            ("config", "text"),
            ("_hparams_/session_start_info", "hparams"),
            ("_hparams_/session_end_info", "hparams")
        ]
    );
    assert_eq!(d.plugins[0].2, "    seed = 3");
}

/// A resumed run's file starts with a session start at the first step it logs again, which
/// makes TensorBoard purge the earlier file's later steps; it sorts after the earlier file.
#[test]
fn a_resumed_file_starts_with_a_purging_session_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = EventLog::create(dir.path()).unwrap();
    first.scalar("loss/energy", 1.0, 9).unwrap();
    first.flush().unwrap();
    let mut second = EventLog::resume(dir.path(), 6).unwrap();
    second.flush().unwrap();
    let files = event_files(dir.path());
    assert_eq!(files.len(), 2);
    assert_eq!(files[1], second.path());
    let d = decode(&std::fs::read(&files[1]).unwrap());
    assert_eq!(d.session_starts, [6]);
}
