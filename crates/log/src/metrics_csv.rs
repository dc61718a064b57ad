//! `metrics.csv`: one row per logged step, flushed as it is written.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

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

    /// Reopens the file of a resumed run: keeps the header and the rows up to `after_step`,
    /// then appends.
    ///
    /// # Errors
    /// [`LogError::Io`].
    pub fn resume(path: &Path, after_step: usize) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| LogError::io(path, e))?;
        let mut lines = text.lines();
        let header = lines.next().unwrap_or_default();
        let kept: Vec<&str> = lines
            .filter(|l| {
                l.split(',')
                    .next()
                    .and_then(|s| s.parse::<usize>().ok())
                    .is_some_and(|s| s <= after_step)
            })
            .collect();
        let mut file = File::create(path).map_err(|e| LogError::io(path, e))?;
        let columns = header.split(',').skip(2).map(str::to_string).collect();
        let mut out = String::new();
        for line in std::iter::once(header).chain(kept) {
            out.push_str(line);
            out.push('\n');
        }
        file.write_all(out.as_bytes())
            .map_err(|e| LogError::io(path, e))?;
        Ok(Self {
            path: path.to_path_buf(),
            out: BufWriter::new(file),
            columns,
            header_written: !header.is_empty(),
        })
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
        let mut out = BufWriter::new(File::create(&self.path).map_err(io)?);
        let header: Vec<&str> = ["step", "t"]
            .into_iter()
            .chain(self.columns.iter().map(String::as_str))
            .collect();
        writeln!(out, "{}", header.join(",")).map_err(io)?;
        for line in rows.lines().skip(1) {
            writeln!(out, "{line}{pad}").map_err(io)?;
        }
        self.out = out;
        self.header_written = true;
        Ok(())
    }
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
        let mut resumed = MetricsCsv::resume(&path, 1).unwrap();
        resumed.row(2, 1.0, &values(&[("w1", 1.0)])).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 4);
        assert_eq!(
            text.lines().nth(3).unwrap(),
            "2,1.0000000000e0,1.0000000000e0,"
        );
    }
}
