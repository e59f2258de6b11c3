//! The environment phases start with: clean, not the caller's, and with
//! what a Nix build and stdenv's setup export before the first phase.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

/// stdenv's default `SOURCE_DATE_EPOCH` (1980-01-01).
pub const DEFAULT_SOURCE_DATE_EPOCH: &str = "315532800";

/// The store directory when the caller names none.
pub const DEFAULT_NIX_STORE: &str = "/nix/store";

/// The variables stdenv's cc-wrapper and bintools-wrapper setup hooks
/// export for the host platform (pkgs/build-support/cc-wrapper/setup-hook.sh,
/// pkgs/build-support/bintools-wrapper/setup-hook.sh), as they name the
/// tools: phaser builds with the tools on PATH under these names.
const TOOLCHAIN: &[(&str, &str)] = &[
    ("CC", "gcc"),
    ("CXX", "g++"),
    ("AR", "ar"),
    ("AS", "as"),
    ("LD", "ld"),
    ("NM", "nm"),
    ("OBJCOPY", "objcopy"),
    ("OBJDUMP", "objdump"),
    ("RANLIB", "ranlib"),
    ("READELF", "readelf"),
    ("SIZE", "size"),
    ("STRINGS", "strings"),
    ("STRIP", "strip"),
];

/// The environment of the first phase, as a Nix sandbox and stdenv's
/// setup give it (pkgs/stdenv/generic/setup.sh and its default hooks):
///
/// - from Nix: `PATH` (the plan's `env.PATH`, else the caller's),
///   `HOME=/homeless-shelter`, `NIX_BUILD_TOP` and `TMPDIR`/`TMP`/`TEMP`/
///   `TEMPDIR` all the build directory (whatever the plan's `env` says),
///   `NIX_BUILD_CORES` (the caller's,
///   1 when unset, every core for 0), `NIX_STORE`, `NIX_LOG_FD` (the
///   caller's, else 2: stderr), `NIX_ATTRS_JSON_FILE`
///   and `NIX_ATTRS_SH_FILE`, every output by name, and the plan's `env`;
/// - from setup.sh: `SHELL`, `CONFIG_SHELL` and `shell` (bash on the
///   phases' PATH), `HOST_PATH` (PATH, unless `strictDeps`), `TZ=UTC`, `SOURCE_DATE_EPOCH`,
///   `GZIP_NO_TIMESTAMPS=1`, `XDG_DATA_DIRS`, `NIX_SSL_CERT_FILE` and
///   `SSL_CERT_FILE` pointing nowhere, `NIX_LDFLAGS` with the library
///   output's run path, and `NIX_CFLAGS_COMPILE` with
///   reproducible-builds.sh's `-frandom-seed`;
/// - from the compiler wrappers' hooks: `CC`, `CXX`, `AR`, `LD`, `STRIP`, ...
///
/// Nothing else of the caller's leaks in (`TERM` aside).
pub fn initial_env(
    attrs: &serde_json::Map<String, Value>,
    outputs: &BTreeMap<String, String>,
    build_top: &Path,
) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    let caller = |name: &str| std::env::var(name).ok();
    let mut set = |name: &str, value: String| {
        env.insert(name.to_string(), value);
    };
    let top = build_top.display().to_string();
    set(
        "PATH",
        caller("PATH").unwrap_or_else(|| "/usr/bin:/bin".into()),
    );
    set("HOME", "/homeless-shelter".into());
    set("NIX_BUILD_CORES", build_cores().to_string());
    set(
        "NIX_STORE",
        caller("NIX_STORE").unwrap_or_else(|| DEFAULT_NIX_STORE.into()),
    );
    set("NIX_ATTRS_JSON_FILE", format!("{top}/.attrs.json"));
    set("NIX_ATTRS_SH_FILE", format!("{top}/.attrs.sh"));
    set("TZ", "UTC".into());
    set("SOURCE_DATE_EPOCH", DEFAULT_SOURCE_DATE_EPOCH.into());
    set("GZIP_NO_TIMESTAMPS", "1".into());
    set("XDG_DATA_DIRS", String::new());
    set("NIX_SSL_CERT_FILE", "/no-cert-file.crt".into());
    set("SSL_CERT_FILE", "/no-cert-file.crt".into());
    for (name, tool) in TOOLCHAIN {
        set(name, tool.to_string());
    }
    if let Some(term) = caller("TERM") {
        set("TERM", term);
    }
    // Nix gives every builder a log channel; stdenv's nixErrorLog and
    // friends write there. Outside Nix it is the build's stderr.
    set(
        "NIX_LOG_FD",
        caller("NIX_LOG_FD").unwrap_or_else(|| "2".into()),
    );
    for (name, path) in outputs {
        set(name, path.clone());
    }
    // multiple-outputs.sh puts the library output's lib/ first in the run
    // path (and sets NIX_NO_SELF_RPATH, so setup.sh adds no $out/lib).
    let library = crate::outputs::library_output_path(attrs, outputs);
    if let Some(lib) = library {
        set("NIX_LDFLAGS", format!("-rpath {lib}/lib "));
    }
    // reproducible-builds.sh: the first ten characters of the out path's
    // last component seed GCC's random numbers.
    if let Some(out) = outputs.get("out") {
        let base = Path::new(out)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let seed: String = base.chars().take(10).collect();
        set("NIX_CFLAGS_COMPILE", format!(" -frandom-seed={seed}"));
    }
    if let Some(Value::Object(extra)) = attrs.get("env") {
        for (name, value) in extra {
            if let Some(text) = text(value) {
                set(name, text);
            }
        }
    }
    // As Nix sets them whatever the derivation says: the build's temporary
    // files stay in the build directory, never in a shared /tmp.
    for name in ["NIX_BUILD_TOP", "TMPDIR", "TMP", "TEMP", "TEMPDIR"] {
        set(name, top.clone());
    }
    // stdenv passes SHELL=$SHELL to make and sets CONFIG_SHELL for
    // configure; bash is looked up on the PATH phases get (the plan's,
    // under Nix), unless the plan names a shell itself.
    if !env.contains_key("SHELL") {
        if let Some(bash) = find_on_path(&env["PATH"], "bash") {
            env.insert("SHELL".into(), bash);
        }
    }
    if let Some(shell) = env.get("SHELL").cloned() {
        env.entry("CONFIG_SHELL".into()).or_insert(shell.clone());
        env.entry("shell".into()).or_insert(shell);
    }
    // Without strictDeps the tools on PATH serve the host too (setup.sh
    // adds the initial path to HOST_PATH); with it, only host inputs do,
    // and stdenv leaves HOST_PATH a plain, empty shell variable.
    let strict = crate::plan::attributes::is_set(attrs.get("strictDeps"));
    if !env.contains_key("HOST_PATH") && !strict {
        let host = env["PATH"].clone();
        env.insert("HOST_PATH".into(), host);
    }
    env
}

/// How an `env` attribute's value reaches the environment: strings as they
/// are, numbers in decimal, `true` as `1`, `false` as the empty string
/// (Nix's rules for the environment).
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(true) => Some("1".into()),
        Value::Bool(false) => Some(String::new()),
        _ => None,
    }
}

/// `NIX_BUILD_CORES` as stdenv normalises it: the caller's value, 1 when
/// unset or not a number, every core for 0 (or less).
pub fn build_cores() -> usize {
    let all = || {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    };
    match std::env::var("NIX_BUILD_CORES")
        .ok()
        .map(|v| v.trim().parse::<i64>())
    {
        None => 1,
        Some(Ok(n)) if n <= 0 => all(),
        Some(Ok(n)) => n as usize,
        Some(Err(_)) => 1,
    }
}

/// The first `name` on `path` that is a file.
pub(crate) fn find_on_path(path: &str, name: &str) -> Option<String> {
    std::env::split_paths(path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .map(|p| p.display().to_string())
}
