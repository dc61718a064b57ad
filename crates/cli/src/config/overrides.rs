//! `--set key=value` overrides of a TOML document, and TOML errors as one line.

use meanfield_core::{CoreError, Result};

/// Sets a dotted `key` in `table` to `value` parsed as a TOML value (a bare word is a string).
///
/// # Errors
/// [`CoreError::Config`] when a path segment is not a table or the key is malformed.
pub fn set_key(table: &mut toml::Table, key: &str, value: &str) -> Result<()> {
    let parsed = format!("v = {value}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(value.to_string()));
    set_value(table, key, parsed)
}

/// Sets a dotted `key` in `table` to a TOML value, creating tables on the way.
///
/// # Errors
/// [`CoreError::Config`] when a path segment is not a table or the key is malformed.
pub fn set_value(table: &mut toml::Table, key: &str, value: toml::Value) -> Result<()> {
    let parts: Vec<&str> = key.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(CoreError::config(key, "malformed key (expected a.b.c)"));
    }
    let mut node = table;
    for part in &parts[..parts.len() - 1] {
        let entry = node
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        node = entry.as_table_mut().ok_or_else(|| {
            CoreError::config(
                key,
                format!("`{part}` is not a table, cannot set a key inside it"),
            )
        })?;
    }
    node.insert(parts[parts.len() - 1].to_string(), value);
    Ok(())
}

/// One line from a TOML error: line number, the line's text, and the message.
pub(crate) fn toml_error(text: &str, e: &toml::de::Error) -> CoreError {
    let message = e.message().trim().replace('\n', "; ");
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            CoreError::Syntax {
                line,
                text: text.lines().nth(line - 1).unwrap_or("").trim().to_string(),
                message,
            }
        }
        None => CoreError::config("<document>", message),
    }
}

/// Deserialises a config table (after `--set` overrides, so without line numbers), naming
/// the dotted key of a value of the wrong type.
///
/// # Errors
/// [`CoreError::Config`] with the key and what was expected.
pub(crate) fn from_table<T: serde::de::DeserializeOwned>(table: toml::Table) -> Result<T> {
    serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
        let key = e.path().to_string();
        let message = e.inner().message().trim().replace('\n', "; ");
        CoreError::config(if key == "." { "<document>".into() } else { key }, message)
    })
}
