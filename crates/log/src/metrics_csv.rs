//! `metrics.csv`: one row per logged step, flushed as it is written.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::{LogError, Result};

/// Writes `step,t,<names...>`; the columns are fixed by the first row.
#[derive(Debug)]
pub struct MetricsCsv {
    path: PathBuf,
    out: BufWriter<File>,
    columns: Option<Vec<String>>,
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
            columns: None,
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
            columns: (!header.is_empty()).then_some(columns),
        })
    }

    /// Appends a row; a value missing from a later row is left empty.
    ///
    /// # Errors
    /// [`LogError::Io`].
    pub fn row(&mut self, step: usize, t: f64, values: &[(String, f64)]) -> Result<()> {
        let io = |e| LogError::io(&self.path, e);
        if self.columns.is_none() {
            let names: Vec<String> = values.iter().map(|(k, _)| k.clone()).collect();
            writeln!(self.out, "step,t,{}", names.join(",")).map_err(io)?;
            self.columns = Some(names);
        }
        let columns = self.columns.as_ref().expect("set above");
        let cells: Vec<String> = columns
            .iter()
            .map(|c| {
                values
                    .iter()
                    .find(|(k, _)| k == c)
                    .map_or(String::new(), |(_, v)| format!("{v:.10e}"))
            })
            .collect();
        writeln!(self.out, "{step},{t:.10e},{}", cells.join(",")).map_err(io)?;
        self.out.flush().map_err(io)
    }
}
