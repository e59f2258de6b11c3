//! `patchShebangs`: point scripts' `#!` lines at interpreters found on a
//! search path, as stdenv's hook of that name does, but in parallel and
//! reading only the first line of each file until a rewrite is needed.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Deserialize;
use serde_json::{json, Value};

use super::preserve::{set_mode, Kept};
use super::search_path::SearchPath;
use super::shebang::{self, Decision, Rules};
use super::walk;
use crate::{Context, Error, Function, Result};

const NAME: &str = "patchShebangs";

/// The default store prefix when neither the call nor `NIX_STORE` gives one.
const DEFAULT_STORE: &str = "/nix/store";

/// How `patchShebangs` runs.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// The search path interpreters are looked up on (`PATH` or `HOST_PATH`'s value).
    pub search_path: String,
    /// Also rewrite interpreters already in the store.
    pub update: bool,
    /// The store prefix.
    pub store: String,
}

/// One rewritten script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rewritten {
    /// The script.
    pub path: PathBuf,
    /// Its old first line.
    pub old: String,
    /// Its new first line.
    pub new: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    host: bool,
    #[serde(default)]
    build: bool,
    #[serde(default)]
    update: bool,
    #[serde(default)]
    store: Option<String>,
}

/// The registry entry.
pub(crate) fn function() -> Function {
    Function::new::<Args, _>(
        NAME,
        "{paths: [string], host?: bool, build?: bool, update?: bool, store?: string}",
        &["*paths"],
        "Rewrites the `#!` line of every executable script under `paths` (files or \
         directories; symlinks are not followed) to name an interpreter found on the search \
         path, as stdenv's patchShebangs: `#!/usr/bin/env prog args` becomes `#!/found/prog \
         args`, `#!/usr/bin/env -S prog args` becomes `#!/found/env -S /found/prog args`, \
         `#!/any/dir/prog args` becomes `#!/found/prog args` and an empty interpreter means \
         /bin/sh. `host: true` searches `HOST_PATH`, `build: true` (the default) `PATH`. \
         Interpreters already under `store` (default `NIX_STORE`, else /nix/store) are kept \
         unless `update: true`; programs not on the path are logged and left alone; other \
         `env` options or `NAME=value` are an error naming the file, and then no file is \
         changed. Times and modes are kept. Returns `[{path, old, new}]` for each rewritten \
         file.",
        |cx, a: Args| {
            if a.host && a.build {
                return Err(Error::msg(format!(
                    "{NAME}: give only one of `host` and `build` (host searches HOST_PATH, \
                     build searches PATH)"
                )));
            }
            let var = if a.host { "HOST_PATH" } else { "PATH" };
            let search_path = match cx.var(var) {
                Some(value) => value.to_string(),
                None => {
                    // stdenv's HOST_PATH is empty with strictDeps and no
                    // host inputs: nothing is rewritten then.
                    cx.log(format!(
                        "{NAME}: {var} is not set, so no interpreter is looked up"
                    ));
                    String::new()
                }
            };
            let store = a
                .store
                .or_else(|| cx.var("NIX_STORE").map(String::from))
                .unwrap_or_else(|| String::from(DEFAULT_STORE));
            let options = Options {
                search_path,
                update: a.update,
                store,
            };
            let paths: Vec<PathBuf> = a.paths.iter().map(PathBuf::from).collect();
            let done = patch_shebangs(cx, &paths, &options)?;
            Ok(Value::Array(
                done.into_iter()
                    .map(|r| json!({"path": r.path, "old": r.old, "new": r.new}))
                    .collect(),
            ))
        },
    )
}

/// A script to rewrite, found in the first pass.
struct Plan {
    /// Which of the roots it was found under.
    root: usize,
    path: PathBuf,
    kept: Kept,
    len: u64,
    old: String,
    new: String,
}

/// Patches the scripts under `paths` (resolved against the context's
/// working directory) and returns what was rewritten, sorted by path.
pub(crate) fn patch_shebangs(
    cx: &Context,
    paths: &[PathBuf],
    options: &Options,
) -> Result<Vec<Rewritten>> {
    if paths.is_empty() {
        cx.warn(format!("{NAME}: no paths given, nothing to do"));
        return Ok(Vec::new());
    }
    let roots: Vec<PathBuf> = paths.iter().map(|p| cx.resolve(p)).collect();
    cx.log(format!(
        "patching script interpreter paths in {}",
        roots
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" ")
    ));
    let mut files = Vec::new();
    for (index, root) in roots.iter().enumerate() {
        files.extend(
            walk::list(cx, NAME, root)
                .files
                .into_iter()
                .map(|f| (index, f)),
        );
    }
    let search = SearchPath::new(&options.search_path, cx.cwd());
    let rules = Rules {
        store: &options.store,
        update: options.update,
    };

    // First pass: decide for every file, so an unsupported directive stops
    // the call before any file is changed.
    let decisions: Vec<Result<Option<Plan>>> = files
        .par_iter()
        .map(|(root, path)| plan(cx, *root, path, &rules, &search))
        .collect();
    let mut plans = Vec::new();
    for decision in decisions {
        if let Some(plan) = decision? {
            plans.push(plan);
        }
    }

    // The walk follows no symlinks, so a file under a root is writable
    // exactly when its root is: one check per root instead of resolving
    // every file's path again.
    let mut checked = vec![false; roots.len()];
    for plan in &plans {
        if !checked[plan.root] {
            cx.writable(&roots[plan.root])?;
            checked[plan.root] = true;
        }
    }

    let results: Vec<Result<Rewritten>> = plans.into_par_iter().map(rewrite).collect();
    let mut done = results.into_iter().collect::<Result<Vec<_>>>()?;
    done.sort_by(|a, b| a.path.cmp(&b.path));
    for r in &done {
        cx.log(format!(
            "{}: interpreter directive changed from \"{}\" to \"{}\"",
            r.path.display(),
            r.old,
            r.new
        ));
    }
    Ok(done)
}

/// Reads the start of `path` and decides; `None` for files that are not
/// executable scripts or stay as they are.
fn plan(
    cx: &Context,
    root: usize,
    path: &Path,
    rules: &Rules<'_>,
    search: &SearchPath,
) -> Result<Option<Plan>> {
    // Open first and stat the descriptor: one path lookup instead of two.
    let file = match open(path, false) {
        Ok(file) => file,
        // An unreadable file is only an error if it would be considered.
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            let meta = fs::symlink_metadata(path).map_err(|e| Error::io("reading", path, e))?;
            if meta.permissions().mode() & 0o100 == 0 {
                return Ok(None);
            }
            return Err(Error::io("opening", path, e));
        }
        // Replaced by a symlink since the walk (O_NOFOLLOW): not a regular file.
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return Ok(None),
        Err(e) => return Err(Error::io("opening", path, e)),
    };
    let meta = file.metadata().map_err(|e| Error::io("reading", path, e))?;
    if !meta.is_file() || meta.permissions().mode() & 0o100 == 0 {
        return Ok(None);
    }
    let Some(line) = first_line_if_script(file, path)? else {
        return Ok(None);
    };
    let Ok(line) = String::from_utf8(line) else {
        cx.log(format!(
            "{NAME}: {}: the #! line is not UTF-8, leaving it alone",
            path.display()
        ));
        return Ok(None);
    };
    match shebang::decide(&line, rules, |name| search.find(name)) {
        Ok(Decision::Rewrite { old, new }) => Ok(Some(Plan {
            root,
            path: path.to_path_buf(),
            kept: Kept::from(&meta),
            len: meta.len(),
            old,
            new,
        })),
        Ok(Decision::NotFound(reason)) => {
            cx.log(format!(
                "{NAME}: {}: {reason}, leaving \"{}\" alone",
                path.display(),
                line.trim()
            ));
            Ok(None)
        }
        Ok(Decision::Keep) => Ok(None),
        Err(message) => Err(Error::msg(format!("{NAME}: {}: {message}", path.display()))),
    }
}

/// Opens `path` without following a symlink and, where the kernel lets
/// us (we own the file, or are root), without updating its access time:
/// reading thousands of freshly written files would otherwise dirty every
/// inode once more.
fn open(path: &Path, write: bool) -> std::io::Result<File> {
    let options = |flags: i32| {
        let mut options = File::options();
        options
            .read(true)
            .write(write)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | flags);
        options
    };
    match options(libc::O_NOATIME).open(path) {
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => options(0).open(path),
        other => other,
    }
}

/// The first line of `file` (without its newline) if the file starts with
/// `#!`; only the first bytes are read otherwise.
fn first_line_if_script(file: File, path: &Path) -> Result<Option<Vec<u8>>> {
    let mut reader = BufReader::with_capacity(512, file);
    let mut magic = [0u8; 2];
    match reader.read_exact(&mut magic) {
        Ok(()) if &magic == b"#!" => {}
        Ok(()) => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(Error::io("reading", path, e)),
    }
    let mut line = magic.to_vec();
    reader
        .read_until(b'\n', &mut line)
        .map_err(|e| Error::io("reading", path, e))?;
    if line.last() == Some(&b'\n') {
        line.pop();
    }
    Ok(Some(line))
}

/// Replaces the first line of `plan.path` in place (same inode, so hard
/// links see it too), keeping the mode and times. The file was checked to
/// be writable through its root.
fn rewrite(plan: Plan) -> Result<Rewritten> {
    let path = plan.path;
    let kept = plan.kept;
    let changed_mode = kept.make_writable(&path)?;
    let outcome = replace_first_line(&path, plan.len, &plan.new);
    let restored = match &outcome {
        Ok(file) => kept.restore_times(file, &path),
        Err(_) => Ok(()),
    };
    // A read-only file gets its mode back even when the rewrite failed.
    if changed_mode {
        set_mode(&path, kept.mode())?;
    }
    outcome?;
    restored?;
    Ok(Rewritten {
        path,
        old: plan.old,
        new: plan.new,
    })
}

/// Reads `path` (about `len` bytes) and writes it back with `new_line` as
/// its first line, through one descriptor. The file is overwritten and
/// then cut to length rather than truncated first: on ext4, truncating to
/// zero and rewriting makes `close` flush the data, which would cost more
/// than all the rest.
fn replace_first_line(path: &Path, len: u64, new_line: &str) -> Result<File> {
    let mut file = open(path, true).map_err(|e| Error::io("opening", path, e))?;
    let mut content = Vec::with_capacity(len as usize + 1);
    file.read_to_end(&mut content)
        .map_err(|e| Error::io("reading", path, e))?;
    let rest = match memchr::memchr(b'\n', &content) {
        Some(end) => &content[end..],
        None => &[][..],
    };
    let mut new_content = Vec::with_capacity(new_line.len() + rest.len());
    new_content.extend_from_slice(new_line.as_bytes());
    new_content.extend_from_slice(rest);
    file.write_all_at(&new_content, 0)
        .map_err(|e| Error::io("rewriting", path, e))?;
    if (new_content.len()) < content.len() {
        file.set_len(new_content.len() as u64)
            .map_err(|e| Error::io("rewriting", path, e))?;
    }
    Ok(file)
}
