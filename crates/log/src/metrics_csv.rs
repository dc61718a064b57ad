//! `metrics.csv`: one row per logged step, flushed as it is written.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use meanfield_core::LoggedRow;

use crate::{LogError, Result};

/// Writes `step,t,<names...>`; a name first seen in a later row adds a column.
#[derive(Debug)]
pub struct MetricsCsv {
    path: PathBuf,
    out: BufWriter<File>,
    columns: Vec<String>,
    header_written: bool,
}

impl MetricsCsv {
    /// Creates the file.
    ///
    /// # Errors
    /// [`LogError::Io`].
    pub fn create(path: &Path) -> Result<Self> {
        let file = File::create(path).map_err(|e| LogError::io(path, e))?;
        Ok(Self {
            path: path.to_path_buf(),
            out: BufWriter::new(file),
            columns: Vec::new(),
            header_written: false,
        })
    }

    /// Reopens the file of a resumed run: keeps the header and the rows up to `after_step`
    /// (rewritten atomically), then appends. Returns the kept rows too, for the figures.
    ///
    /// # Errors
    /// [`LogError::Io`].
    pub fn resume(path: &Path, after_step: usize) -> Result<(Self, Vec<LoggedRow>)> {
        let text = std::fs::read_to_string(path).map_err(|e| LogError::io(path, e))?;
        let mut lines = text.lines();
        let header = lines.next().unwrap_or_default();
        let columns: Vec<String> = header.split(',').skip(2).map(str::to_string).collect();
        let mut out = format!("{header}\n");
        let mut rows = Vec::new();
        for line in lines {
            let mut cells = line.split(',');
            let Some(step) = cells.next().and_then(|s| s.parse::<usize>().ok()) else {
                continue;
            };
            if step > after_step {
                continue;
            }
            out.push_str(line);
            out.push('\n');
            let t = cells
                .next()
                .and_then(|s| s.parse().ok())
                .unwrap_or(f64::NAN);
            let values = columns
                .iter()
                .zip(cells)
                .filter_map(|(name, cell)| cell.parse().ok().map(|v| (name.clone(), v)))
                .collect();
            rows.push((step, t, values));
        }
        let mut csv = Self {
            path: path.to_path_buf(),
            out: BufWriter::new(append(path)?),
            columns,
            header_written: !header.is_empty(),
        };
        csv.rewrite(&out)?;
        Ok((csv, rows))
    }

    /// Replaces the file's contents atomically and appends after them from then on.
    fn rewrite(&mut self, text: &str) -> Result<()> {
        meanfield_core::atomic::write_atomic(&self.path, text.as_bytes())
            .map_err(|e| LogError::io(&self.path, e))?;
        self.out = BufWriter::new(append(&self.path)?);
        Ok(())
    }

    /// Appends a row. A value missing from a row is left empty; a name not seen before adds a
    /// column (the file is rewritten with the wider header, the earlier rows empty there), so
    /// metrics that start later than the first row (training losses after a step-0
    /// evaluation) still get their columns.
    ///
    /// # Errors
    /// [`LogError::Io`].
    pub fn row(&mut self, step: usize, t: f64, values: &[(String, f64)]) -> Result<()> {
        let mut new: Vec<String> = Vec::new();
        for (name, _) in values {
            if !self.columns.contains(name) && !new.contains(name) {
                new.push(name.clone());
            }
        }
        let first_row = !self.header_written;
        if first_row || !new.is_empty() {
            self.add_columns(new, first_row)?;
        }
        let cells = self.columns.iter().map(|c| {
            values
                .iter()
                .find(|(k, _)| k == c)
                .map_or(String::new(), |(_, v)| format!("{v:.10e}"))
        });
        let line: Vec<String> = [step.to_string(), format!("{t:.10e}")]
            .into_iter()
            .chain(cells)
            .collect();
        let io = |e| LogError::io(&self.path, e);
        writeln!(self.out, "{}", line.join(",")).map_err(io)?;
        self.out.flush().map_err(io)
    }

    /// Appends `names` to the columns and rewrites the file: the wider header, then the rows so
    /// far with empty cells under the new names.
    fn add_columns(&mut self, names: Vec<String>, first_row: bool) -> Result<()> {
        let io = |e| LogError::io(&self.path, e);
        self.out.flush().map_err(io)?;
        let rows = if first_row {
            String::new()
        } else {
            std::fs::read_to_string(&self.path).map_err(io)?
        };
        let pad = ",".repeat(names.len());
        self.columns.extend(names);
        let header: Vec<&str> = ["step", "t"]
            .into_iter()
            .chain(self.columns.iter().map(String::as_str))
            .collect();
        let mut out = format!("{}\n", header.join(","));
        for line in rows.lines().skip(1) {
            out.push_str(line);
            out.push_str(&pad);
            out.push('\n');
        }
        self.rewrite(&out)?;
        self.header_written = true;
        Ok(())
    }
}

/// `path` opened for appending.
fn append(path: &Path) -> Result<File> {
    OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| LogError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, f64)]) -> Vec<(String, f64)> {
        pairs.iter().map(|&(k, v)| (k.to_string(), v)).collect()
    }

    /// A metric first logged in a later row gets a column; earlier rows are empty there, and
    /// a resumed file keeps the wide header.
    #[test]
    fn later_metrics_get_columns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("metrics.csv");
        let mut csv = MetricsCsv::create(&path).unwrap();
        csv.row(0, 0.0, &values(&[("w1", 2.0)])).unwrap();
        csv.row(1, 0.5, &values(&[("w1", 1.5), ("loss", -0.25)]))
            .unwrap();
        csv.row(2, 1.0, &values(&[("loss", -0.5)])).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "step,t,w1,loss");
        assert_eq!(lines[1], "0,0.0000000000e0,2.0000000000e0,");
        assert_eq!(
            lines[2],
            "1,5.0000000000e-1,1.5000000000e0,-2.5000000000e-1"
        );
        assert_eq!(lines[3], "2,1.0000000000e0,,-5.0000000000e-1");
        drop(csv);
        let (mut resumed, kept) = MetricsCsv::resume(&path, 1).unwrap();
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[1].2, values(&[("w1", 1.5), ("loss", -0.25)]));
        resumed.row(2, 1.0, &values(&[("w1", 1.0)])).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 4);
        assert_eq!(
            text.lines().nth(3).unwrap(),
            "2,1.0000000000e0,1.0000000000e0,"
        );
    }
}
