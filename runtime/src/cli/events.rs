//! Events for machines (`--log-format json`, `--events FILE`): one JSON
//! object per line, each with `event` (its kind) and `t` (seconds since
//! the run started). [`SCHEMA`] describes every kind; `phaser schema
//! --events` prints it.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use serde_json::{json, Map, Value};

use super::terminal::Stream;

/// The JSON Schema (draft 2020-12) of one event line.
pub const SCHEMA: &str = include_str!("events.schema.json");

/// Where events go, and when the run started.
pub struct Events {
    sinks: Mutex<Vec<File>>,
    started: Instant,
}

impl Events {
    /// Events written to each of `sinks` (files or a copy of stderr).
    pub fn new(sinks: Vec<File>) -> Events {
        Events {
            sinks: Mutex::new(sinks),
            started: Instant::now(),
        }
    }

    /// A new (or emptied) events file.
    pub fn file(path: &Path) -> std::io::Result<File> {
        File::create(path)
    }

    /// Writes one event of kind `event` with `fields` (an object).
    pub fn emit(&self, event: &str, fields: Value) {
        let mut object = Map::new();
        object.insert("event".into(), json!(event));
        object.insert("t".into(), json!(self.started.elapsed().as_secs_f64()));
        if let Value::Object(fields) = fields {
            object.extend(fields);
        }
        let mut line = Value::Object(object).to_string();
        line.push('\n');
        let mut sinks = self.sinks.lock().unwrap_or_else(|e| e.into_inner());
        for sink in sinks.iter_mut() {
            // One write per line, so lines from two threads never mix.
            let _ = sink.write_all(line.as_bytes());
        }
    }

    /// A line the build wrote (without its newline).
    pub fn output(&self, phase: Option<&str>, stream: Stream, line: &[u8]) {
        self.emit(
            "output",
            json!({
                "phase": phase,
                "stream": stream.name(),
                "line": String::from_utf8_lossy(line),
            }),
        );
    }
}
