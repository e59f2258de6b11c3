//! The variables a bash phase starts with: attributes the way Nix's
//! `.attrs.sh` shows them, outputs by name, and the environment.

use std::fmt::Write;

use serde_json::Value;

use crate::PhaseInput;

/// Variables bash owns or that would break the shell if a plan set them.
const RESERVED: &[&str] = &[
    "BASHOPTS",
    "BASHPID",
    "EUID",
    "GROUPS",
    "HOSTNAME",
    "IFS",
    "LINENO",
    "OLDPWD",
    "OPTARG",
    "OPTIND",
    "PATH",
    "PPID",
    "PS1",
    "PS2",
    "PS4",
    "PWD",
    "RANDOM",
    "SECONDS",
    "SHELLOPTS",
    "SHLVL",
    "UID",
    "outputs",
    "env",
    "phaser",
];

/// Whether `name` can be a bash variable a plan attribute becomes.
pub(super) fn is_attribute_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with("BASH")
        && !name.starts_with("__phaser")
        && !name.starts_with("PHASER_")
        && !RESERVED.contains(&name)
}

/// How a scalar looks in bash: `true` is `1`, `false` the empty string,
/// as in Nix's `.attrs.sh`.
pub(super) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(true) => Some(String::from("1")),
        Value::Bool(false) => Some(String::new()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A bash-quoted word: `'...'` with embedded quotes escaped.
pub(super) fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The script that declares the phase's variables, and the names of the
/// attributes it declared (the ones whose changes become `attrs` changes).
pub(super) fn declarations(input: &PhaseInput) -> (String, Vec<String>) {
    let mut out = String::new();
    let mut tracked = Vec::new();
    for (name, value) in &input.env {
        if is_attribute_name(name) || name == "PATH" {
            let _ = writeln!(out, "export {name}={}", quote(value));
        }
    }
    for (name, value) in &input.attrs {
        if !is_attribute_name(name) || input.outputs.contains_key(name) {
            continue;
        }
        match value {
            Value::Array(items) => {
                let words: Vec<String> = items
                    .iter()
                    .filter_map(|v| scalar_text(v).or_else(|| Some(v.to_string())))
                    .map(|w| quote(&w))
                    .collect();
                let _ = writeln!(out, "declare -a {name}=({})", words.join(" "));
            }
            Value::Object(map) => {
                let words: Vec<String> = map
                    .iter()
                    .filter_map(|(k, v)| {
                        Some(format!("[{}]={}", quote(k), quote(&scalar_text(v)?)))
                    })
                    .collect();
                let _ = writeln!(out, "declare -A {name}=({})", words.join(" "));
                continue;
            }
            Value::Null => continue,
            scalar => {
                let text = scalar_text(scalar).unwrap_or_default();
                let _ = writeln!(out, "export {name}={}", quote(&text));
            }
        }
        tracked.push(name.clone());
    }
    let mut outputs = Vec::new();
    for (name, path) in &input.outputs {
        if is_attribute_name(name) {
            let _ = writeln!(out, "export {name}={}", quote(path));
        }
        outputs.push(format!("[{}]={}", quote(name), quote(path)));
    }
    let _ = writeln!(out, "declare -A outputs=({})", outputs.join(" "));
    // stdenv's `prefix` defaults to $out; a shell variable, not exported.
    if !input.attrs.contains_key("prefix") {
        if let Some(path) = input.outputs.get("out") {
            let _ = writeln!(out, "prefix={}", quote(path));
        }
    }
    if let Some(root) = source_root(input) {
        let _ = writeln!(out, "sourceRoot={}", quote(&root));
    }
    let names: Vec<String> = tracked.iter().map(|n| format!("[{n}]=1")).collect();
    let _ = writeln!(
        out,
        "declare -A __phaser_tracked=({} [sourceRoot]=1)",
        names.join(" ")
    );
    (out, tracked)
}

/// `sourceRoot` as a bash phase sees it: the state's, else the attribute.
pub(super) fn source_root(input: &PhaseInput) -> Option<String> {
    input
        .state
        .get("sourceRoot")
        .or_else(|| input.attrs.get("sourceRoot"))
        .and_then(Value::as_str)
        .map(str::to_string)
}
