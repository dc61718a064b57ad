//! Checks shared by every config section (a leaf module: it knows no section). Each error
//! names the dotted key and what was expected.

use crate::{CoreError, Result};

/// Checks that `v` is finite and > 0.
///
/// # Errors
/// [`CoreError::Config`] under `key`.
pub fn check_positive(key: &str, v: f64) -> Result<()> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(CoreError::config(
            key,
            format!("must be finite and > 0, found {v}"),
        ))
    }
}

/// Checks a vector's length (non-empty; equal to `expected` when given) and finiteness.
///
/// # Errors
/// [`CoreError::Config`] under `key`.
pub fn check_len(key: &str, v: &[f64], expected: Option<usize>) -> Result<()> {
    if v.is_empty() {
        return Err(CoreError::config(key, "must not be empty"));
    }
    if let Some(n) = expected.filter(|n| *n != v.len()) {
        return Err(CoreError::config(
            key,
            format!("has {} entries, expected {n} (the dimension)", v.len()),
        ));
    }
    if let Some(x) = v.iter().find(|x| !x.is_finite()) {
        return Err(CoreError::config(key, format!("must be finite, found {x}")));
    }
    Ok(())
}

/// Checks a box: equal lengths, finite, `lo < hi` on every axis.
///
/// # Errors
/// [`CoreError::Config`] under `key.lo` / `key.hi`.
pub fn check_box(key: &str, lo: &[f64], hi: &[f64]) -> Result<()> {
    check_len(&format!("{key}.lo"), lo, None)?;
    check_len(&format!("{key}.hi"), hi, Some(lo.len()))?;
    if let Some(k) = (0..lo.len()).find(|k| lo[*k] >= hi[*k]) {
        return Err(CoreError::config(
            format!("{key}.hi"),
            format!("axis {k}: need lo < hi, found [{}, {}]", lo[k], hi[k]),
        ));
    }
    Ok(())
}

/// Checks an optional box given as two optional corners: both or neither.
///
/// # Errors
/// [`CoreError::Config`] under `key_lo` when only one corner is given, else [`check_box`]'s.
pub fn check_optional_box(key: &str, lo: Option<&[f64]>, hi: Option<&[f64]>) -> Result<()> {
    let field = key.rsplit('.').next().unwrap_or(key);
    match (lo, hi) {
        (Some(lo), Some(hi)) => check_box(key, lo, hi),
        (None, None) => Ok(()),
        _ => Err(CoreError::config(
            format!("{key}_lo"),
            format!("give both {field}_lo and {field}_hi, or neither"),
        )),
    }
}
