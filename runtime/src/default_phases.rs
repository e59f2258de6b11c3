//! The standard phases' bodies: Rhai scripts kept in `runtime/phases/` and
//! compiled into the binary, so a phaser without a C compiler runs them and
//! users can read and copy them (`phaser plan PLAN --show PHASE`).

use phaser_interpreters::{Language, Script};

/// `(name, source)` of every built-in phase body.
const BODIES: &[(&str, &str)] = &[];

/// The built-in body of standard phase `name`, if phaser has one.
pub fn body(name: &str) -> Option<Script> {
    BODIES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(n, text)| Script::inline(Language::Rhai, *text, format!("phaser:phases/{n}.rhai")))
}
