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

/// The source of standard phase `name` as shipped (without the shared
/// helpers), for `phaser plan --show`.
pub fn source(name: &str) -> Option<&'static str> {
    BODIES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}
