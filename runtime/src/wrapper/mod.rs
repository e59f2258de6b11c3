//! phaser as the compiler and linker wrapper: the same binary, started
//! under the name `cc`, `gcc`, `g++`, `c++` or `ld` from a directory the
//! runner puts first on `PATH`, does what nixpkgs' cc-wrapper and
//! bintools-wrapper do (pkgs/build-support/cc-wrapper/cc-wrapper.sh,
//! pkgs/build-support/bintools-wrapper/ld-wrapper.sh) and then execs the
//! real tool, the next one of that name on `PATH`:
//!
//! - `NIX_CFLAGS_COMPILE` (`-frandom-seed`, the dependencies' `-isystem`)
//!   and `NIX_CFLAGS_COMPILE_BEFORE` reach every compiler call;
//! - a link also gets `NIX_CFLAGS_LINK`, `NIX_LDFLAGS` (the dependencies'
//!   `-L`) and `NIX_LDFLAGS_BEFORE`, and a run path entry for every
//!   library directory it really links from ([`link`]);
//! - outside Nix's fixed `/build`, `-ffile-prefix-map` maps the build
//!   directory to `/build`, so where a build ran leaves no trace in what
//!   it made (debug info, `__FILE__`, and so the GNU build id).
//!
//! `NIX_DEBUG=1` prints the added flags. The wrapper reads nothing but
//! its environment and starts no other process: it costs one exec.

mod cc;
mod ld;
mod link;
mod response_file;

use std::ffi::{OsStr, OsString};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

/// The names phaser answers to as a wrapper.
pub const WRAPPED: [&str; 5] = ["cc", "gcc", "g++", "c++", "ld"];

/// The wrappers' directory, relative to the build directory.
pub const DIR: &str = ".phaser/bin";

/// The variable naming the wrappers' directory, which the search for the
/// real tool skips.
pub const DIR_VAR: &str = "PHASER_WRAPPER_DIR";

/// The variable listing (`:`-separated) the prefixes a run path may point
/// into besides `NIX_STORE`: the dependencies and the outputs.
pub const PREFIXES_VAR: &str = "PHASER_RPATH_PREFIXES";

/// Set by the compiler wrapper for the compiler it runs: the linker the
/// compiler starts has its flags already and passes through.
const LINKING_VAR: &str = "PHASER_CC_LINKS";

/// Runs as the wrapper when the process was started under one of
/// [`WRAPPED`]'s names, and returns the exit status (only when the real
/// tool could not be started: otherwise this process becomes it).
pub fn run_if_called_as_tool() -> Option<i32> {
    let mut args = std::env::args_os();
    let argv0 = args.next()?;
    let name = Path::new(&argv0).file_name()?.to_str()?;
    let name = WRAPPED.iter().find(|w| **w == name)?;
    Some(run(name, args.collect()))
}

fn run(name: &str, args: Vec<OsString>) -> i32 {
    let Some(real) = find_real_tool(name) else {
        eprintln!(
            "phaser (as {name}): no `{name}` on PATH besides phaser's wrapper in {}: install it, or put its directory on the plan's PATH",
            std::env::var(DIR_VAR).unwrap_or_default()
        );
        return 127;
    };
    let flags = Flags::from_env();
    let wrapped = match name {
        "ld" => ld::wrap(&args, &flags),
        _ => cc::wrap(&args, &flags),
    };
    if flags.debug {
        print_debug(&real, &wrapped, &args);
    }
    let mut command = std::process::Command::new(&real);
    command
        .args(&wrapped.before)
        .args(&args)
        .args(&wrapped.after);
    if wrapped.links {
        command.env(LINKING_VAR, "1");
    }
    let error = command.exec();
    eprintln!(
        "phaser (as {name}): could not run {}: {error}",
        real.display()
    );
    126
}

/// What the wrapper adds around the caller's arguments.
#[derive(Debug, Default, PartialEq)]
struct Wrapped {
    before: Vec<OsString>,
    after: Vec<OsString>,
    /// The compiler will link: its linker must not add flags again.
    links: bool,
}

/// The variables the wrappers read, as nixpkgs' wrappers name them.
#[derive(Debug, Default, Clone)]
struct Flags {
    cflags_compile: String,
    cflags_compile_before: String,
    cflags_link: String,
    ldflags: String,
    ldflags_before: String,
    ldflags_after: String,
    /// `NIX_BUILD_TOP`, mapped to `/build` when it is elsewhere.
    build_top: Option<String>,
    /// Where run paths may point: `NIX_STORE` and [`PREFIXES_VAR`].
    prefixes: Vec<String>,
    /// The compiler started the linker (its flags are in already).
    called_by_cc: bool,
    debug: bool,
}

impl Flags {
    fn from_env() -> Flags {
        let var = |name: &str| std::env::var(name).unwrap_or_default();
        let mut prefixes: Vec<String> = var(PREFIXES_VAR)
            .split(':')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        let store = var("NIX_STORE");
        if !store.is_empty() {
            prefixes.push(store);
        }
        Flags {
            cflags_compile: var("NIX_CFLAGS_COMPILE"),
            cflags_compile_before: var("NIX_CFLAGS_COMPILE_BEFORE"),
            cflags_link: var("NIX_CFLAGS_LINK"),
            ldflags: var("NIX_LDFLAGS"),
            ldflags_before: var("NIX_LDFLAGS_BEFORE"),
            ldflags_after: var("NIX_LDFLAGS_AFTER"),
            build_top: std::env::var("NIX_BUILD_TOP")
                .ok()
                .filter(|t| !t.is_empty()),
            prefixes,
            called_by_cc: std::env::var_os(LINKING_VAR).is_some(),
            debug: var("NIX_DEBUG").trim().parse::<i32>().unwrap_or(0) >= 1,
        }
    }
}

/// The words of a flags variable, split on white space as the wrappers'
/// unquoted expansions split them.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split_ascii_whitespace()
}

/// The next `name` on `PATH` that is not phaser's wrapper: the wrappers'
/// directory is skipped, and so is any file that is this very binary (a
/// second copy of the directory must not make the wrapper run itself).
/// One `stat` per candidate: this runs for every compiler call.
fn find_real_tool(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let path = std::env::var_os("PATH")?;
    let own_dir = std::env::var_os(DIR_VAR).map(PathBuf::from);
    let own = std::fs::metadata("/proc/self/exe")
        .ok()
        .map(|m| (m.dev(), m.ino()));
    for dir in std::env::split_paths(&path) {
        if dir.as_os_str().is_empty() || own_dir.as_deref() == Some(dir.as_path()) {
            continue;
        }
        let candidate = dir.join(name);
        let Ok(meta) = std::fs::metadata(&candidate) else {
            continue;
        };
        if !meta.is_file() || meta.permissions().mode() & 0o111 == 0 {
            continue;
        }
        if own == Some((meta.dev(), meta.ino())) {
            continue;
        }
        return Some(candidate);
    }
    None
}

fn print_debug(real: &Path, wrapped: &Wrapped, args: &[OsString]) {
    let list = |title: &str, items: &[OsString]| {
        eprintln!("{title} to {}:", real.display());
        for item in items {
            eprintln!("  {}", item.to_string_lossy());
        }
    };
    list("extra flags before", &wrapped.before);
    list("original flags", args);
    list("extra flags after", &wrapped.after);
}

/// Creates the wrappers' directory `dir` with one symlink to `phaser_exe`
/// per wrapped name (replacing what is there: the binary may have moved
/// since an earlier run in the same build directory).
///
/// Only the first name gets a symlink of its own; the others are hard
/// links to that symlink. A new inode costs ext4 several tenths of a ms
/// (a no-op run's largest cost), a new name to an existing one a few µs;
/// a hard link to a symlink is still a symlink, and the wrapper goes by
/// the name it was called as, not by the link's inode.
pub fn install(dir: &Path, phaser_exe: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let exe = std::path::absolute(phaser_exe)?;
    let first = dir.join(WRAPPED[0]);
    for name in WRAPPED {
        let link = dir.join(name);
        if std::fs::read_link(&link).is_ok_and(|t| t == exe) {
            continue;
        }
        let _ = std::fs::remove_file(&link);
        // linkat without AT_SYMLINK_FOLLOW (std's hard_link on Linux)
        // links the symlink itself; where that fails, a symlink of its own.
        if link == first || std::fs::hard_link(&first, &link).is_err() {
            std::os::unix::fs::symlink(&exe, &link)?;
        }
    }
    Ok(())
}

/// Puts the wrappers of the build in `build_top` first on `env`'s `PATH`
/// and tells them where run paths may point: `prefixes` (the
/// dependencies and the outputs).
pub fn enable<'a>(
    env: &mut std::collections::BTreeMap<String, String>,
    build_top: &Path,
    prefixes: impl Iterator<Item = &'a str>,
) {
    let dir = build_top.join(DIR).display().to_string();
    let path = match env.get("PATH").filter(|p| !p.is_empty()) {
        Some(rest) => format!("{dir}:{rest}"),
        None => dir.clone(),
    };
    env.insert("PATH".into(), path);
    env.insert(DIR_VAR.into(), dir);
    let prefixes: Vec<&str> = prefixes.collect();
    env.insert(PREFIXES_VAR.into(), prefixes.join(":"));
}

/// `s` as an `OsString`.
fn os(s: impl AsRef<OsStr>) -> OsString {
    s.as_ref().to_os_string()
}
