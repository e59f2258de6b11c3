//! The phase protocol: what a phase is given and what it answers.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The one JSON object a phase receives.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PhaseInput {
    /// Which phase this is.
    pub phase: PhaseInfo,
    /// The package's attributes, typed, as in Nix structured attrs (after
    /// the `attrs` changes of earlier phases).
    pub attrs: Map<String, Value>,
    /// Output name to absolute path (`out`, `dev`, ...).
    pub outputs: BTreeMap<String, String>,
    /// What earlier phases answered under `state`, merged.
    pub state: Map<String, Value>,
    /// The environment processes get.
    pub env: BTreeMap<String, String>,
    /// Where things are.
    pub paths: Paths,
}

/// The phase's name and place in the order.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PhaseInfo {
    /// The phase name (`build`, `lint`, ...).
    pub name: String,
    /// Its position in the resolved order, from 0.
    pub index: usize,
    /// Set when a hook of the phase runs (`preBuild`, `postInstall`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hook: Option<String>,
}

/// Directories a phase works with.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Paths {
    /// The build directory (stdenv's `$NIX_BUILD_TOP`).
    pub build_top: PathBuf,
    /// The unpacked source, once a phase has set `state.sourceRoot`.
    pub source_root: Option<PathBuf>,
    /// The working directory the phase starts in.
    pub cwd: PathBuf,
}

/// What a phase answers. Every part is optional; an empty object is fine.
///
/// `state`, `env` and `attrs` are merged into what later phases see with
/// JSON Merge Patch (RFC 7396); `cwd` moves the working directory,
/// relative to the current one.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// Changes to the shared state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<Value>,
    /// Changes to the environment (`null` unsets a variable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<Value>,
    /// Changes to the attributes later phases see.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attrs: Option<Value>,
    /// A new working directory, relative to the current one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
}

impl Answer {
    /// Reads an answer from a JSON value, checking its shape: `state` and
    /// `attrs` must be objects, `env` an object of strings or nulls.
    pub fn from_value(value: Value) -> Result<Answer, String> {
        let value = match value {
            Value::Null => return Ok(Answer::default()),
            Value::Object(_) => value,
            other => {
                return Err(format!(
                    "the answer must be an object like {{\"state\": {{...}}}}, not {}",
                    describe(&other)
                ))
            }
        };
        let answer: Answer = serde_json::from_value(value)
            .map_err(|e| format!("{e} (an answer may have the keys state, env, attrs and cwd)"))?;
        for (key, part) in [("state", &answer.state), ("attrs", &answer.attrs)] {
            if let Some(part) = part {
                if !part.is_object() {
                    return Err(format!("`{key}` must be an object, not {}", describe(part)));
                }
            }
        }
        if let Some(env) = &answer.env {
            let Some(env) = env.as_object() else {
                return Err(format!("`env` must be an object, not {}", describe(env)));
            };
            for (name, value) in env {
                if !(value.is_string() || value.is_null()) {
                    return Err(format!(
                        "`env.{name}` must be a string (or null to unset it), not {}",
                        describe(value)
                    ));
                }
            }
        }
        Ok(answer)
    }

    /// Parses an answer from the bytes a bash or exec phase wrote. Empty
    /// (or all-whitespace) output is an empty answer.
    pub fn from_bytes(bytes: &[u8]) -> Result<Answer, String> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Answer::default());
        }
        let value: Value = serde_json::from_slice(bytes).map_err(|e| {
            format!(
                "the answer is not valid JSON ({e}); it starts with: {}",
                first_bytes(bytes)
            )
        })?;
        Answer::from_value(value)
    }

    /// Layers `other` over `self`: objects merge key by key (`other` wins),
    /// a `cwd` in `other` replaces this one.
    pub fn overlay(mut self, other: Answer) -> Answer {
        fn merge(base: &mut Option<Value>, top: Option<Value>) {
            match (base.as_mut(), top) {
                (Some(Value::Object(b)), Some(Value::Object(t))) => b.extend(t),
                (_, Some(t)) => *base = Some(t),
                (_, None) => {}
            }
        }
        merge(&mut self.state, other.state);
        merge(&mut self.env, other.env);
        merge(&mut self.attrs, other.attrs);
        if other.cwd.is_some() {
            self.cwd = other.cwd;
        }
        self
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The first bytes of some output, quoted for an error message.
pub(crate) fn first_bytes(bytes: &[u8]) -> String {
    let shown = &bytes[..bytes.len().min(80)];
    let text = String::from_utf8_lossy(shown);
    let more = if bytes.len() > shown.len() { "..." } else { "" };
    format!("{text:?}{more}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn empty_output_is_an_empty_answer() {
        assert_eq!(Answer::from_bytes(b"  \n").unwrap(), Answer::default());
    }

    #[test]
    fn invalid_json_says_so_and_shows_the_first_bytes() {
        let err = Answer::from_bytes(b"hello world").unwrap_err();
        assert!(err.contains("not valid JSON"), "{err}");
        assert!(err.contains("\"hello world\""), "{err}");
    }

    #[test]
    fn unknown_keys_and_wrong_types_are_refused() {
        let err = Answer::from_value(json!({"stat": {}})).unwrap_err();
        assert!(err.contains("stat"), "{err}");
        let err = Answer::from_value(json!({"env": {"A": 1}})).unwrap_err();
        assert!(err.contains("env.A"), "{err}");
        assert!(Answer::from_value(json!([1])).is_err());
    }
}
