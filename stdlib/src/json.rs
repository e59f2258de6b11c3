//! Standard-library family `json`: reading and (atomically) writing JSON
//! files.

use std::fs;
use std::os::unix::fs::MetadataExt;

use serde::Deserialize;
use serde_json::Value;

use crate::files::{create_parent, process_umask, write_atomic};
use crate::{Context, Error, Function, Result};

/// The JSON value in the file at `path`.
pub fn read_json(cx: &Context, path: &str) -> Result<Value> {
    let path = cx.resolve(path);
    let bytes = fs::read(&path).map_err(|e| Error::io("reading", &path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        Error::msg(format!(
            "readJson: {} is not valid JSON: {e}",
            path.display()
        ))
    })
}

/// Writes `value` to `path` (compact, or indented with `pretty`, always
/// ending in a newline), replacing the file atomically and keeping its
/// mode; missing parents are created.
pub fn write_json(cx: &Context, path: &str, value: &Value, pretty: bool) -> Result<()> {
    let path = cx.writable(path)?;
    let mut text = if pretty {
        serde_json::to_vec_pretty(value)
    } else {
        serde_json::to_vec(value)
    }
    .map_err(|e| Error::msg(format!("writeJson: {}: {e}", path.display())))?;
    text.push(b'\n');
    create_parent(&path)?;
    let mode = match fs::metadata(&path) {
        Ok(meta) => meta.mode() & 0o7777,
        Err(_) => 0o666 & !process_umask(),
    };
    write_atomic(&path, &text, mode)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReadArgs {
    path: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WriteArgs {
    path: String,
    value: Value,
    #[serde(default)]
    pretty: bool,
}

/// This family's functions, for the registry.
pub(crate) fn functions() -> Vec<Function> {
    vec![
        Function::new(
            "readJson",
            "{path: string}",
            &["path"],
            "Reads and parses a JSON file, returning its value. Invalid JSON is an error naming \
             the file, line and column.",
            |cx: &Context, a: ReadArgs| read_json(cx, &a.path),
        ),
        Function::new(
            "writeJson",
            "{path: string, value: any, pretty?: bool}",
            &["path", "value"],
            "Writes `value` as JSON (compact, or indented with `pretty`; always ending in a \
             newline), replacing the file atomically so readers never see half of it. Missing \
             parent directories are created; an existing file keeps its mode.",
            |cx: &Context, a: WriteArgs| {
                write_json(cx, &a.path, &a.value, a.pretty)?;
                Ok(Value::Null)
            },
        ),
    ]
}
