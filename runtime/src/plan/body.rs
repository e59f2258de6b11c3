//! A phase or hook body as a plan writes it: exactly one of `rhai`, `lua`,
//! `bash`, `exec` or `file`, and for phases a place (`before`/`after`).

use std::path::Path;

use phaser_interpreters::{Language, Script, ScriptSource};
use serde_json::{Map, Value};

use super::PlanError;

/// Where a new phase goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// Right before the named phase.
    Before(String),
    /// Right after the named phase.
    After(String),
}

impl Placement {
    /// The phase named.
    pub fn anchor(&self) -> &str {
        match self {
            Placement::Before(name) | Placement::After(name) => name,
        }
    }
}

const BODY_KEYS: [&str; 5] = ["rhai", "lua", "bash", "exec", "file"];

/// Reads a body object at JSON path `at`. `placement_allowed` is false for hooks.
pub(crate) fn parse_body(
    file: &str,
    dir: &Path,
    at: &str,
    value: &Value,
    placement_allowed: bool,
) -> Result<(Script, Option<Placement>), PlanError> {
    let err = |path: String, message: String| PlanError::at(file, path, message);
    let Value::Object(map) = value else {
        return Err(err(
            at.to_string(),
            format!(
                "a body must be an object with one of {}, e.g. {{\"rhai\": \"...\"}}",
                BODY_KEYS.join(", ")
            ),
        ));
    };
    let mut found: Vec<&str> = Vec::new();
    for key in map.keys() {
        if BODY_KEYS.contains(&key.as_str()) {
            found.push(key);
        } else if !(placement_allowed && (key == "before" || key == "after")) {
            let allowed = if placement_allowed {
                "rhai, lua, bash, exec, file, before, after"
            } else {
                "rhai, lua, bash, exec, file (hooks take no before/after)"
            };
            return Err(err(
                format!("{at}.{key}"),
                format!("unknown key; a body takes {allowed}"),
            ));
        }
    }
    let key = match found.as_slice() {
        [one] => *one,
        [] => {
            return Err(err(
                at.to_string(),
                format!(
                    "the body names no interpreter: give one of {}",
                    BODY_KEYS.join(", ")
                ),
            ))
        }
        many => {
            return Err(err(
                at.to_string(),
                format!(
                    "the body gives {} at once; a body is written in exactly one",
                    many.join(" and ")
                ),
            ))
        }
    };
    let script = script(file, dir, &format!("{at}.{key}"), key, &map[key])?;
    Ok((script, placement(file, at, map)?))
}

fn script(file: &str, dir: &Path, at: &str, key: &str, value: &Value) -> Result<Script, PlanError> {
    let err = |message: &str| PlanError::at(file, at, message);
    match key {
        "exec" => {
            let argv = value
                .as_array()
                .filter(|a| !a.is_empty())
                .and_then(|a| {
                    a.iter()
                        .map(|v| v.as_str().map(str::to_string))
                        .collect::<Option<Vec<_>>>()
                })
                .ok_or_else(|| {
                    err("`exec` takes a non-empty list of strings: the program and its arguments")
                })?;
            let mut argv = argv;
            if argv[0].contains('/') && !Path::new(&argv[0]).is_absolute() {
                argv[0] = dir.join(&argv[0]).display().to_string();
            }
            Ok(Script {
                language: Language::Exec,
                source: ScriptSource::Argv(argv),
                name: format!("{file}#{at}"),
            })
        }
        "file" => {
            let path = value
                .as_str()
                .ok_or_else(|| err("`file` takes a path (a string)"))?;
            let path = dir.join(path);
            let language = Language::from_path(&path)
                .ok_or_else(|| err("cannot tell the interpreter from the file name: use .rhai, .lua or .sh (or `exec` for a program)"))?;
            if !path.is_file() {
                return Err(err(&format!("no such script file: {}", path.display())));
            }
            Ok(Script {
                language,
                name: path.display().to_string(),
                source: ScriptSource::File(path),
            })
        }
        _ => {
            let language = Language::from_key(key).expect("key checked against BODY_KEYS");
            let text = value.as_str().ok_or_else(|| {
                err(&format!(
                    "`{key}` takes the script's source text (a string)"
                ))
            })?;
            Ok(Script::inline(language, text, format!("{file}#{at}")))
        }
    }
}

fn placement(
    file: &str,
    at: &str,
    map: &Map<String, Value>,
) -> Result<Option<Placement>, PlanError> {
    let get = |key: &str| -> Result<Option<String>, PlanError> {
        match map.get(key) {
            None => Ok(None),
            Some(Value::String(name)) => Ok(Some(super::normalize_phase_name(name))),
            Some(_) => Err(PlanError::at(
                file,
                format!("{at}.{key}"),
                "takes a phase name (a string)",
            )),
        }
    };
    match (get("before")?, get("after")?) {
        (Some(_), Some(_)) => Err(PlanError::at(
            file,
            at,
            "give `before` or `after`, not both",
        )),
        (Some(name), None) => Ok(Some(Placement::Before(name))),
        (None, Some(name)) => Ok(Some(Placement::After(name))),
        (None, None) => Ok(None),
    }
}
