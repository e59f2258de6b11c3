//! The standard phases' bodies: Rhai scripts kept in `runtime/phases/` and
//! compiled into the binary, so a phaser without a C compiler runs them and
//! users can read and copy them (`phaser plan PLAN --show PHASE`).
//!
//! `phases/lib.rhai` holds helpers every phase uses; it is appended to each
//! phase (Rhai hoists functions), which keeps line numbers in errors equal
//! to the lines of the phase's own file.

use phaser_interpreters::{Language, Script};

const LIB: &str = include_str!("../phases/lib.rhai");

/// `(name, source)` of every built-in phase body.
const BODIES: &[(&str, &str)] = &[
    ("unpack", include_str!("../phases/unpack.rhai")),
    ("patch", include_str!("../phases/patch.rhai")),
    ("configure", include_str!("../phases/configure.rhai")),
    ("build", include_str!("../phases/build.rhai")),
    ("check", include_str!("../phases/check.rhai")),
    ("install", include_str!("../phases/install.rhai")),
    ("fixup", include_str!("../phases/fixup.rhai")),
    ("installCheck", include_str!("../phases/installCheck.rhai")),
    ("dist", include_str!("../phases/dist.rhai")),
];

/// The built-in body of standard phase `name`, if phaser has one.
pub fn body(name: &str) -> Option<Script> {
    BODIES.iter().find(|(n, _)| *n == name).map(|(n, text)| {
        Script::inline(
            Language::Rhai,
            format!("{text}\n// ---- phases/lib.rhai ----\n{LIB}"),
            format!("phaser:phases/{n}.rhai"),
        )
    })
}

/// Parts of standard phases that stdenv runs outside the phase's hooks:
/// `(phase, where, source)`, where is `open` (before the pre hooks) or
/// `close` (after the post hooks).
const EDGES: &[(&str, &str, &str)] = &[
    (
        "unpack",
        "close",
        include_str!("../phases/unpack.close.rhai"),
    ),
    ("fixup", "open", include_str!("../phases/fixup.open.rhai")),
    ("fixup", "close", include_str!("../phases/fixup.close.rhai")),
];

fn edge(name: &str, place: &str) -> Option<Script> {
    EDGES
        .iter()
        .find(|(n, p, _)| *n == name && *p == place)
        .map(|(n, p, text)| {
            Script::inline(
                Language::Rhai,
                format!("{text}\n// ---- phases/lib.rhai ----\n{LIB}"),
                format!("phaser:phases/{n}.{p}.rhai"),
            )
        })
}

/// What standard phase `name` does before its pre hooks, if anything
/// (fixup: make the outputs writable before preFixup, as stdenv does).
pub fn opening(name: &str) -> Option<Script> {
    edge(name, "open")
}

/// What standard phase `name` does after its post hooks, if anything
/// (unpack: SOURCE_DATE_EPOCH from the source root postUnpack settled on;
/// fixup: the default postFixup hooks, which run after the package's own).
pub fn closing(name: &str) -> Option<Script> {
    edge(name, "close")
}

/// The standard unpack in bash, stdenv's own algorithm over the native
/// unpacker: what a build gets whose unpacking depends on bash hooks
/// (see [`needs_bash_unpack`]).
pub fn bash_unpack() -> Script {
    Script::inline(
        Language::Bash,
        "__phaser_unpack_sources\n",
        "phaser:phases/unpack (bash, for unpackCmd/setSourceRoot)",
    )
}

/// Whether a build's unpacking depends on bash hooks: `unpackCmd`,
/// `setSourceRoot`, or entries of its own in `unpackCmdHooks`.
pub fn needs_bash_unpack(attrs: &serde_json::Map<String, serde_json::Value>) -> bool {
    let set = |name: &str| crate::plan::attributes::is_set(attrs.get(name));
    set("unpackCmd")
        || set("setSourceRoot")
        || attrs
            .get("unpackCmdHooks")
            .and_then(|v| v.as_array())
            .is_some_and(|hooks| !hooks.is_empty())
}

/// The source of standard phase `name` as shipped (without the shared
/// helpers), for `phaser plan --show`.
pub fn source(name: &str) -> Option<&'static str> {
    BODIES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}
