//! Types of the stdenv attributes phaser reads, checked before anything runs.

use serde_json::{Map, Value};

use super::PlanError;

/// What an attribute's value must be.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Bool,
    TextList,
    TextOrTextList,
    StringMap,
    Outputs,
}

fn kind(name: &str) -> Option<Kind> {
    Some(match name {
        "pname" | "version" | "name" | "src" | "sourceRoot" | "buildCommand"
        | "configureScript" | "prefixKey" | "prefix" | "makefile" | "checkTarget"
        | "installCheckTarget" | "distTarget" | "setSourceRoot" | "unpackCmd"
        | "configureStyle" => Kind::Text,
        "srcs" | "patches" => Kind::TextOrTextList,
        "phases" | "prePhases" | "preConfigurePhases" | "preBuildPhases" | "preInstallPhases"
        | "preFixupPhases" | "preDistPhases" | "postPhases" => Kind::TextList,
        "env" => Kind::StringMap,
        "outputs" => Kind::Outputs,
        "enableParallelBuilding" | "enableParallelChecking" | "enableParallelInstalling" => {
            Kind::Bool
        }
        _ if name.ends_with("Flags") || name.ends_with("FlagsArray") => Kind::TextOrTextList,
        _ if is_gate(name) => Kind::Bool,
        _ if name.ends_with("Phase") || is_hook(name) => Kind::Text,
        _ => return None,
    })
}

fn is_gate(name: &str) -> bool {
    ["dont", "do"].iter().any(|prefix| {
        name.strip_prefix(prefix)
            .and_then(|rest| rest.chars().next())
            .is_some_and(|c| c.is_ascii_uppercase())
    })
}

fn is_hook(name: &str) -> bool {
    super::hook_phase(name).is_some() && !name.ends_with("Phases") && !name.ends_with("Hooks")
}

/// Checks the attributes phaser gives a meaning to (others pass
/// untouched): their types, and the values the standard phases interpret
/// (output names, `configureStyle`). Every problem is returned.
pub(super) fn check(file: &str, attrs: &Map<String, Value>) -> Vec<PlanError> {
    let mut problems = Vec::new();
    for (name, value) in attrs {
        let Some(kind) = kind(name) else { continue };
        if !has_kind(kind, value) {
            let expected = match kind {
                Kind::Text => "a string",
                Kind::Bool => "a boolean",
                Kind::TextList => "a list of strings",
                Kind::TextOrTextList => "a list of strings (or one string)",
                Kind::StringMap => "an object of strings",
                Kind::Outputs => "a list of output names, or an object of output name to path",
            };
            problems.push(PlanError::at(file, name, format!("must be {expected}")));
            continue;
        }
        match name.as_str() {
            "outputs" => check_outputs(file, value, &mut problems),
            "configureStyle" => {
                let style = value.as_str().unwrap_or_default();
                if !CONFIGURE_STYLES.contains(&style) {
                    problems.push(PlanError::at(
                        file,
                        name,
                        format!(
                            "`{style}` is not a configure style: use {}",
                            CONFIGURE_STYLES.join(", ")
                        ),
                    ));
                }
            }
            _ => {}
        }
    }
    problems
}

/// The values of `configureStyle` the standard configure phase knows.
const CONFIGURE_STYLES: [&str; 3] = ["autotools", "cmake", "meson"];

fn has_kind(kind: Kind, value: &Value) -> bool {
    match kind {
        Kind::Text => value.is_string(),
        // stdenv reads "1"/"" and Nix may give numbers: all mean set/unset.
        Kind::Bool => matches!(
            value,
            Value::Bool(_) | Value::String(_) | Value::Number(_) | Value::Null
        ),
        Kind::TextList => strings(value),
        Kind::TextOrTextList => value.is_string() || strings(value),
        Kind::StringMap => value
            .as_object()
            .is_some_and(|m| m.values().all(Value::is_string)),
        Kind::Outputs => {
            strings(value)
                || value
                    .as_object()
                    .is_some_and(|m| m.values().all(Value::is_string))
        }
    }
}

/// Output names become file names under `--out-dir` and shell variables
/// (`$dev`): identifiers only, so none reaches outside (`../victim`). Paths
/// given for them (Nix's object form) are absolute.
fn check_outputs(file: &str, value: &Value, problems: &mut Vec<PlanError>) {
    let bad_name = |at: String, name: &str| {
        PlanError::at(
            file,
            at,
            format!("`{name}` is not an output name: use letters, digits and `_`, starting with a letter or `_` (e.g. `out`, `dev`)"),
        )
    };
    match value {
        Value::Array(names) => {
            for (i, name) in names.iter().filter_map(Value::as_str).enumerate() {
                if !is_identifier(name) {
                    problems.push(bad_name(format!("outputs[{i}]"), name));
                }
            }
        }
        Value::Object(map) => {
            for (name, path) in map {
                if !is_identifier(name) {
                    problems.push(bad_name(format!("outputs.{name}"), name));
                } else if !path.as_str().is_some_and(|p| p.starts_with('/')) {
                    problems.push(PlanError::at(
                        file,
                        format!("outputs.{name}"),
                        "must be an absolute path",
                    ));
                }
            }
        }
        _ => {}
    }
}

/// `[A-Za-z_][A-Za-z0-9_]*`.
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn strings(value: &Value) -> bool {
    value
        .as_array()
        .is_some_and(|a| a.iter().all(Value::is_string))
}

/// Whether a gate attribute is set the way stdenv means it: true, a
/// non-empty string, a non-zero number.
pub fn is_set(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Number(n)) => n.as_f64() != Some(0.0),
        _ => false,
    }
}

/// Attributes that name files: relative paths in them are relative to the
/// plan's directory, so they are made absolute once, here.
const PATH_ATTRIBUTES: &[&str] = &["src", "srcs", "patches"];

/// Makes the relative paths in [`PATH_ATTRIBUTES`] absolute against `dir`.
pub(super) fn anchor_paths(attrs: &mut Map<String, Value>, dir: &std::path::Path) {
    let anchor = |value: &mut Value| {
        if let Value::String(path) = value {
            if !path.is_empty() && !std::path::Path::new(path.as_str()).is_absolute() {
                *path = dir.join(path.as_str()).display().to_string();
            }
        }
    };
    for name in PATH_ATTRIBUTES {
        match attrs.get_mut(*name) {
            Some(Value::Array(items)) => items.iter_mut().for_each(anchor),
            Some(value) => anchor(value),
            None => {}
        }
    }
}
