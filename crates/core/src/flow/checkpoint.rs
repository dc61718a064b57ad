//! The checkpoint of a particle flow: everything its integration needs to continue bit for bit
//! (positions and masses as exact f64 bits, the step, the adaptive stepper's state, the energy
//! history and the snapshots the figures draw), written atomically as `checkpoint.json`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::stepper::StepperState;
use crate::{CoreError, Points, Result};

/// The checkpoint's file name in a run folder.
pub const FLOW_CHECKPOINT: &str = "checkpoint.json";

/// Format version; a checkpoint of another version is refused.
const VERSION: u32 = 1;

/// f64 values as their exact bits (JSON decimals need not round-trip).
type Bits = Vec<u64>;

fn bits(values: &[f64]) -> Bits {
    values.iter().map(|v| v.to_bits()).collect()
}

fn floats(bits: &[u64]) -> Vec<f64> {
    bits.iter().map(|b| f64::from_bits(*b)).collect()
}

fn named_bits(values: &[(String, f64)]) -> Vec<(String, u64)> {
    values
        .iter()
        .map(|(k, v)| (k.clone(), v.to_bits()))
        .collect()
}

fn named_floats(bits: &[(String, u64)]) -> Vec<(String, f64)> {
    bits.iter()
        .map(|(k, b)| (k.clone(), f64::from_bits(*b)))
        .collect()
}

/// The state of a flow after `step` steps.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowState {
    /// Steps done.
    pub step: usize,
    /// Time reached.
    pub t: f64,
    /// The time step.
    pub dt: f64,
    /// Positions after `step` steps.
    pub positions: Points,
    /// Masses (after a removal, the survivors').
    pub masses: Vec<f64>,
    /// The stepper's state.
    pub stepper: StepperState,
    /// `(t, E)` at every logged step so far.
    pub energy: Vec<(f64, f64)>,
    /// Values recorded once (before a removal).
    pub extra: Vec<(String, f64)>,
    /// The last logged diagnostics.
    pub metrics: Vec<(String, f64)>,
    /// `(step, t, positions)` of the snapshots taken so far.
    pub snapshots: Vec<(usize, f64, Points)>,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    version: u32,
    method: String,
    d: usize,
    step: usize,
    t: u64,
    dt: u64,
    positions: Bits,
    masses: Bits,
    stepper: StepperState,
    energy: Vec<(u64, u64)>,
    extra: Vec<(String, u64)>,
    metrics: Vec<(String, u64)>,
    snapshots: Vec<(usize, u64, Bits)>,
}

impl FlowState {
    /// Writes the state of `method`'s flow into `dir` atomically.
    ///
    /// # Errors
    /// [`CoreError::File`].
    pub fn save(&self, dir: &Path, method: &str) -> Result<()> {
        let d = self.positions.d();
        let stored = Stored {
            version: VERSION,
            method: method.to_string(),
            d,
            step: self.step,
            t: self.t.to_bits(),
            dt: self.dt.to_bits(),
            positions: bits(self.positions.as_slice()),
            masses: bits(&self.masses),
            stepper: self.stepper.clone(),
            energy: self
                .energy
                .iter()
                .map(|(t, e)| (t.to_bits(), e.to_bits()))
                .collect(),
            extra: named_bits(&self.extra),
            metrics: named_bits(&self.metrics),
            snapshots: self
                .snapshots
                .iter()
                .map(|(s, t, p)| (*s, t.to_bits(), bits(p.as_slice())))
                .collect(),
        };
        let path = dir.join(FLOW_CHECKPOINT);
        let text = serde_json::to_vec(&stored).expect("a checkpoint serialises");
        crate::atomic::write_atomic(&path, &text)
            .map_err(|e| CoreError::file(&path, format!("cannot write the checkpoint: {e}")))
    }

    /// Reads the checkpoint in `dir`, refusing one of another method or dimension.
    ///
    /// # Errors
    /// [`CoreError::File`] for a missing, corrupt or mismatched checkpoint.
    pub fn load(dir: &Path, method: &str, d: usize) -> Result<Self> {
        let path = dir.join(FLOW_CHECKPOINT);
        let bad = |m: String| CoreError::file(&path, m);
        let text =
            std::fs::read(&path).map_err(|e| bad(format!("no checkpoint to resume from ({e})")))?;
        let s: Stored =
            serde_json::from_slice(&text).map_err(|e| bad(format!("corrupt checkpoint ({e})")))?;
        if s.version != VERSION {
            return Err(bad(format!(
                "checkpoint format {} (this build reads {VERSION})",
                s.version
            )));
        }
        if s.method != method || s.d != d {
            return Err(bad(format!(
                "is a checkpoint of a `{}` run in d = {}; this config runs `{method}` in d = {d}",
                s.method, s.d
            )));
        }
        let points = |b: &[u64]| {
            Points::new(d, floats(b)).map_err(|e| bad(format!("corrupt checkpoint ({e})")))
        };
        let positions = points(&s.positions)?;
        if s.masses.len() != positions.n() {
            return Err(bad(
                "corrupt checkpoint (masses and positions differ in count)".into(),
            ));
        }
        Ok(Self {
            step: s.step,
            t: f64::from_bits(s.t),
            dt: f64::from_bits(s.dt),
            positions,
            masses: floats(&s.masses),
            stepper: s.stepper,
            energy: s
                .energy
                .iter()
                .map(|(t, e)| (f64::from_bits(*t), f64::from_bits(*e)))
                .collect(),
            extra: named_floats(&s.extra),
            metrics: named_floats(&s.metrics),
            snapshots: s
                .snapshots
                .iter()
                .map(|(step, t, p)| Ok((*step, f64::from_bits(*t), points(p)?)))
                .collect::<Result<_>>()?,
        })
    }
}
