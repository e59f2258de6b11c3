//! Standard-library family `log`: a line in the build log.

use serde::Deserialize;
use serde_json::Value;

use crate::{Context, Function};

/// How loud a log line is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Ordinary progress.
    #[default]
    Info,
    /// Something the user should look at.
    #[serde(alias = "warning")]
    Warn,
}

/// Writes `message` to the build log at `level`.
pub fn log(cx: &Context, message: &str, level: Level) {
    match level {
        Level::Info => cx.log(message),
        Level::Warn => cx.warn(message),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogArgs {
    message: Value,
    #[serde(default)]
    level: Level,
}

/// This family's functions, for the registry.
pub(crate) fn functions() -> Vec<Function> {
    vec![Function::new(
        "log",
        "{message: any, level?: \"info\"|\"warn\"}",
        &["message"],
        "Writes a line to the build log, prefixed with the phase's name (`level: \"warn\"` \
         marks it as a warning). A message that is not a string is written as JSON.",
        |cx: &Context, a: LogArgs| {
            let text = match a.message {
                Value::String(text) => text,
                other => other.to_string(),
            };
            log(cx, &text, a.level);
            Ok(Value::Null)
        },
    )]
}
