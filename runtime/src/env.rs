//! The environment phases start with: clean, not the caller's.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

/// stdenv's default `SOURCE_DATE_EPOCH` (1980-01-01).
pub const DEFAULT_SOURCE_DATE_EPOCH: &str = "315532800";

/// The environment of the first phase: `PATH` (the plan's `env.PATH`, else
/// the caller's), `HOME=/homeless-shelter`, `NIX_BUILD_CORES`, `TZ=UTC`,
/// `SOURCE_DATE_EPOCH`, every output by name, the plan's `env` attribute,
/// and, as Nix sets them whatever the derivation says, `NIX_BUILD_TOP` and
/// `TMPDIR`, `TMP`, `TEMP`, `TEMPDIR`, all the build directory: the build's
/// temporary files stay in it, never in a shared `/tmp`. Nothing else of the
/// caller's leaks in.
pub fn initial_env(
    attrs: &serde_json::Map<String, Value>,
    outputs: &BTreeMap<String, String>,
    build_top: &Path,
) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    let caller = |name: &str| std::env::var(name).ok();
    env.insert(
        "PATH".into(),
        caller("PATH").unwrap_or_else(|| "/usr/bin:/bin".into()),
    );
    env.insert("HOME".into(), "/homeless-shelter".into());
    env.insert("NIX_BUILD_CORES".into(), build_cores().to_string());
    env.insert("TZ".into(), "UTC".into());
    env.insert("SOURCE_DATE_EPOCH".into(), DEFAULT_SOURCE_DATE_EPOCH.into());

    if let Some(term) = caller("TERM") {
        env.insert("TERM".into(), term);
    }
    for (name, path) in outputs {
        env.insert(name.clone(), path.clone());
    }
    if let Some(Value::Object(extra)) = attrs.get("env") {
        for (name, value) in extra {
            if let Some(text) = value.as_str() {
                env.insert(name.clone(), text.to_string());
            }
        }
    }
    let top = build_top.display().to_string();
    for name in ["NIX_BUILD_TOP", "TMPDIR", "TMP", "TEMP", "TEMPDIR"] {
        env.insert(name.into(), top.clone());
    }
    // stdenv passes SHELL=$SHELL to make and sets CONFIG_SHELL for configure;
    // bash is looked up on the PATH phases get (the plan's, under Nix),
    // unless the plan names a shell itself.
    if !env.contains_key("SHELL") {
        if let Some(bash) = find_on_path(&env["PATH"], "bash") {
            env.insert("SHELL".into(), bash);
        }
    }
    if let Some(shell) = env.get("SHELL").cloned() {
        env.entry("CONFIG_SHELL".into()).or_insert(shell);
    }
    env
}

/// `NIX_BUILD_CORES` as stdenv normalises it: the caller's value, with 0
/// (or nothing) meaning every core.
pub fn build_cores() -> usize {
    let all = || {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    };
    match std::env::var("NIX_BUILD_CORES")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        Some(0) | None => all(),
        Some(n) => n,
    }
}

/// The first `name` on `path` that is a file.
pub(crate) fn find_on_path(path: &str, name: &str) -> Option<String> {
    std::env::split_paths(path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .map(|p| p.display().to_string())
}
