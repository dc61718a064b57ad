//! Decodes the written event file independently of tensorboard-rs: TFRecord framing with
//! masked CRC32C, then the Event / Summary / HistogramProto / Image protobufs by hand.

use meanfield_log::EventLog;

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
            let (5, Field::Bytes(summary)) = (n, f) else {
                continue;
            };
            for (_, value) in fields(summary) {
                let Field::Bytes(value) = value else { continue };
                let mut tag = String::new();
                for (k, f) in fields(value) {
                    match (k, f) {
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
            }
        }
    }
    d
}

#[test]
fn scalars_histograms_and_images_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = EventLog::new(dir.path());
    for step in 0..5 {
        log.scalar("energy", 1.0 / (step + 1) as f64, step);
    }
    let values: Vec<f64> = (0..100).map(|i| i as f64 / 10.0).collect();
    log.histogram("positions/x0", &values, 3);
    // A non-square image: 4 wide, 2 high, red left half, blue right half.
    let mut rgb = Vec::new();
    for _row in 0..2 {
        for col in 0..4 {
            rgb.extend_from_slice(if col < 2 { &[255, 0, 0] } else { &[0, 0, 255] });
        }
    }
    log.image("particles", &rgb, 4, 2, 7);
    log.flush();
    drop(log);
    std::thread::sleep(std::time::Duration::from_millis(300));

    let file = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("events.out.tfevents.")
        })
        .expect("an event file");
    let d = decode(&std::fs::read(file).unwrap());

    let energy: Vec<(u64, f32)> = d
        .scalars
        .iter()
        .filter(|s| s.0 == "energy")
        .map(|s| (s.1, s.2))
        .collect();
    assert_eq!(energy.len(), 5);
    assert_eq!(energy[4], (4, 0.2));
    let (tag, num, counts) = &d.histograms[0];
    assert_eq!((tag.as_str(), *num), ("positions/x0", 100.0));
    assert_eq!(counts.iter().sum::<f64>(), 100.0);
    let (tag, h, w, png) = &d.images[0];
    assert_eq!((tag.as_str(), *h, *w), ("particles", 2, 4));
    let img = image::load_from_memory(png).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (4, 2));
    assert_eq!(img.get_pixel(0, 1).0, [255, 0, 0]);
    assert_eq!(img.get_pixel(3, 0).0, [0, 0, 255]);
}
