//! Shared setup for the `core_*` integration tests: a temporary build
//! directory that is also the only write root, and calls through the
//! registry by name, as users make them.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;

use phaser_stdlib::{registry, Context, Roots};
use serde_json::Value;
use tempfile::TempDir;

/// A temporary directory and a context whose cwd and only write root it is,
/// with the test process's PATH.
pub fn setup() -> (TempDir, Context) {
    let dir = tempfile::tempdir().unwrap();
    let cx = context_in(dir.path());
    (dir, cx)
}

/// A context rooted at `dir` (cwd and only write root) with PATH.
pub fn context_in(dir: &Path) -> Context {
    let mut env = BTreeMap::new();
    env.insert(
        "PATH".to_string(),
        std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into()),
    );
    Context::new(dir)
        .with_env(env)
        .with_roots(Roots::Only(vec![dir.into()]))
}

/// Calls `name` through the registry and expects success.
pub fn call(cx: &Context, name: &str, args: Value) -> Value {
    match registry().call(cx, name, args.clone()) {
        Ok(value) => value,
        Err(e) => panic!("{name}({args}) failed: {e}"),
    }
}

/// Calls `name` through the registry and expects an error; returns its message.
pub fn fail(cx: &Context, name: &str, args: Value) -> String {
    match registry().call(cx, name, args.clone()) {
        Ok(value) => panic!("{name}({args}) succeeded with {value}, expected an error"),
        Err(e) => e.to_string(),
    }
}

/// Calls `name` with positional arguments, the way the bindings do.
pub fn call_positional(cx: &Context, name: &str, positional: Vec<Value>) -> Value {
    let function = registry().get(name).unwrap();
    let args = function
        .arguments(positional, serde_json::Map::new())
        .unwrap();
    function.call(cx, args).unwrap()
}

/// Calls `name` with positional arguments and expects an error; returns its message.
pub fn fail_positional(cx: &Context, name: &str, positional: Vec<Value>) -> String {
    let function = registry().get(name).unwrap();
    let args = function
        .arguments(positional, serde_json::Map::new())
        .unwrap();
    match function.call(cx, args) {
        Ok(value) => panic!("{name} succeeded with {value}, expected an error"),
        Err(e) => e.to_string(),
    }
}

/// The permission bits of `path` (not following a symlink).
pub fn mode_of(path: impl AsRef<Path>) -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
}
