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
    /// Prefixes: a list of paths, or one string of white-space separated
    /// ones (stdenv without structured attributes).
    Paths,
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
        _ if FLAG_LISTS.contains(&name) => Kind::TextOrTextList,
        _ if crate::deps::DEPENDENCY_ATTRIBUTES.contains(&name) => Kind::Paths,
        _ if GATES.contains(&name) => Kind::Bool,
        _ if name.ends_with("Phase") || is_hook(name) => Kind::Text,
        _ => return None,
    })
}

/// The flag lists stdenv's phases pass to their tools
/// (pkgs/stdenv/generic/setup.sh), and the cmake and meson hooks'.
/// Other attributes ending in `Flags` (`setOutputFlags`, say) are left
/// alone: only these are lists.
const FLAG_LISTS: &[&str] = &[
    "configureFlags",
    "configureFlagsArray",
    "makeFlags",
    "makeFlagsArray",
    "buildFlags",
    "buildFlagsArray",
    "checkFlags",
    "checkFlagsArray",
    "installFlags",
    "installFlagsArray",
    "installCheckFlags",
    "installCheckFlagsArray",
    "distFlags",
    "distFlagsArray",
    "patchFlags",
    "cmakeFlags",
    "mesonFlags",
    "ninjaFlags",
];

/// The switches of stdenv's phases (genericBuild's gates) and of its
/// default fixup hooks.
const GATES: &[&str] = &[
    "dontUnpack",
    "dontPatch",
    "dontConfigure",
    "dontBuild",
    "doCheck",
    "dontInstall",
    "dontFixup",
    "doInstallCheck",
    "doDist",
    "dontStrip",
    "dontPatchShebangs",
    "dontGzipMan",
    "dontPruneLibtoolFiles",
    "dontMoveLib64",
    "dontMoveSbin",
    "dontAddPrefix",
    "dontAddDisableDepTrack",
    "dontDisableStatic",
    "dontFixLibtool",
    "dontMakeSourcesWritable",
    "dontCopyDist",
    "dontPatchELF",
    "dontCheckForBrokenSymlinks",
    "strictDeps",
];

fn is_hook(name: &str) -> bool {
    super::hook_phase(name).is_some() && !name.ends_with("Phases") && !name.ends_with("Hooks")
}

/// Checks the attributes phaser gives a meaning to (others pass
/// untouched): their types, and the values the standard phases interpret
/// (output names, `configureStyle`). Every problem is returned.
pub(crate) fn check(file: &str, attrs: &Map<String, Value>) -> Vec<PlanError> {
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
                Kind::Paths => "a list of paths (installed prefixes: store paths, or earlier `phaser run` outputs)",
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
        Kind::Paths => value.is_string() || strings(value),
        Kind::TextOrTextList => value.is_string() || scalars(value),
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

/// A list whose items Nix's `.attrs.sh` can show as words (strings,
/// numbers, booleans, null).
fn scalars(value: &Value) -> bool {
    value
        .as_array()
        .is_some_and(|a| a.iter().all(|v| !v.is_array() && !v.is_object()))
}

/// Whether an attribute is "set" the way stdenv tests it (`-n
/// "${name:-}"`) on the variable `.attrs.sh` gives it: true, a non-empty
/// string, any whole number (0 too: bash sees "0"), a list whose first
/// item is one of those; false, null, a fraction (left undeclared) or an
/// empty list are not.
pub fn is_set(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Number(n)) => {
            n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        Some(Value::Array(items)) => is_set(items.first()),
        _ => false,
    }
}

/// Attributes that name files: relative paths in them are relative to the
/// plan's directory, so they are made absolute once, here.
const PATH_ATTRIBUTES: &[&str] = &["src", "srcs", "patches", "setupHook", "setupHooks"];

/// Makes the relative paths in [`PATH_ATTRIBUTES`] and the dependency
/// lists absolute against `dir`.
pub(super) fn anchor_paths(attrs: &mut Map<String, Value>, dir: &std::path::Path) {
    let absolute = |path: &str| -> String {
        if path.is_empty() || std::path::Path::new(path).is_absolute() {
            path.to_string()
        } else {
            dir.join(path).display().to_string()
        }
    };
    let anchor = |value: &mut Value| {
        if let Value::String(path) = value {
            *path = absolute(path);
        }
    };
    for name in crate::deps::DEPENDENCY_ATTRIBUTES {
        match attrs.get_mut(*name) {
            Some(Value::Array(items)) => items.iter_mut().for_each(anchor),
            Some(Value::String(list)) => {
                let words: Vec<String> = list.split_whitespace().map(absolute).collect();
                *list = words.join(" ");
            }
            _ => {}
        }
    }
    for name in PATH_ATTRIBUTES {
        match attrs.get_mut(*name) {
            Some(Value::Array(items)) => items.iter_mut().for_each(anchor),
            Some(value) => anchor(value),
            None => {}
        }
    }
}
