//! Standard-library family `files`: file system functions with the
//! coreutils semantics build scripts expect (`mkdir`, `copy`, `move`,
//! `remove`, `symlink`, `read`, `write`, `chmod`, `exists`, `find`, `glob`,
//! `install`, `stat`, `newestMtime`, `newestFile`, `touch`).
//!
//! Rules shared by the whole family:
//! - every path argument is resolved against the phase's cwd, and every
//!   path that is created, changed or removed is checked with
//!   [`Context::writable`] first;
//! - a destination written with a trailing `/` (`"$out/bin/"`) names a
//!   directory to put things *into*, created when missing;
//! - an operation on a directory entry itself (removing it, replacing it,
//!   renaming it) never follows a symlink in the last component, so a link
//!   that points out of the build directory can be removed but not written
//!   through.

mod atomic;
mod basic;
mod clone;
mod copy;
mod find;
mod glob;
mod install;
mod mode;
mod mv;
mod newest;
mod stat;

use std::fs;
use std::path::{Path, PathBuf};

use serde::de::{Deserializer, Error as _};
use serde::Deserialize;
use serde_json::Value;

use crate::{Context, Error, Function, Result};

pub(crate) use atomic::{write_atomic, TempFile};
pub(crate) use basic::remove;
pub(crate) use clone::set_mtime_nofollow;
pub(crate) use mode::{process_umask, Mode};
pub(crate) use mv::move_path;

/// This family's functions, for the registry.
pub(crate) fn functions() -> Vec<Function> {
    let mut all = basic::functions();
    all.extend(copy::functions());
    all.extend(mv::functions());
    all.extend(mode::functions());
    all.extend(find::functions());
    all.extend(glob::functions());
    all.extend(install::functions());
    all.extend(stat::functions());
    all.extend(newest::functions());
    all
}

/// An argument that may be one string or a list of strings (`src` of
/// `copy`, say); which one was given matters for where things go.
#[derive(Debug, Clone)]
pub(crate) enum StringOrList {
    /// A single string.
    One(String),
    /// A list of strings.
    Many(Vec<String>),
}

impl StringOrList {
    /// The strings, in order.
    pub(crate) fn items(&self) -> Vec<&str> {
        match self {
            StringOrList::One(s) => vec![s.as_str()],
            StringOrList::Many(list) => list.iter().map(String::as_str).collect(),
        }
    }
}

impl<'de> Deserialize<'de> for StringOrList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(s) => Ok(StringOrList::One(s)),
            Value::Array(items) => items
                .into_iter()
                .map(|item| match item {
                    Value::String(s) => Ok(s),
                    other => Err(D::Error::custom(format!(
                        "expected a list of strings, found {other} in it"
                    ))),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(StringOrList::Many),
            other => Err(D::Error::custom(format!(
                "expected a string or a list of strings, found {other}"
            ))),
        }
    }
}

/// `path` and `paths` of one call merged into one list; neither is an error
/// that says which keys to give.
pub(crate) fn path_list(
    function: &str,
    path: Option<String>,
    paths: Vec<String>,
) -> Result<Vec<String>> {
    let mut all: Vec<String> = path.into_iter().collect();
    all.extend(paths);
    if all.is_empty() {
        return Err(Error::msg(format!(
            "{function}: no path given; pass `path` (one) or `paths` (a list)"
        )));
    }
    Ok(all)
}

/// Whether a path argument was written with a trailing slash, which the
/// family reads as "a directory" (the lexical resolution drops it).
pub(crate) fn names_directory(arg: &str) -> bool {
    arg.len() > 1 && arg.ends_with('/')
}

/// `path` checked for writing as a directory *entry*: when it is a symlink,
/// the link itself is what will be removed or replaced, so the directory
/// holding it is checked rather than where it points.
pub(crate) fn writable_entry(cx: &Context, path: impl AsRef<Path>) -> Result<PathBuf> {
    let path = cx.resolve(path);
    let is_link = fs::symlink_metadata(&path)
        .map(|m| m.file_type().is_symlink())
        .unwrap_or(false);
    let (Some(parent), Some(name), true) = (path.parent(), path.file_name(), is_link) else {
        return cx.writable(&path);
    };
    match cx.writable(parent) {
        Ok(parent) => Ok(parent.join(name)),
        Err(Error::OutsideRoots { roots, .. }) => Err(Error::OutsideRoots { path, roots }),
        Err(e) => Err(e),
    }
}

/// `path` with its symlinks resolved (see [`crate::context::resolve_links`]),
/// so a path that does not exist yet can be compared with real ones.
pub(crate) fn real_path(path: &Path) -> PathBuf {
    crate::context::resolve_links(path).unwrap_or_else(|| path.to_path_buf())
}

/// Refuses to put the directory `src` at `target` inside itself, which
/// would never end (copy) or cannot work (move).
pub(crate) fn refuse_into_itself(function: &str, src: &Path, target: &Path) -> Result<()> {
    if real_path(target).starts_with(real_path(src)) {
        return Err(Error::msg(format!(
            "{function}: cannot {function} directory {} into itself ({})",
            src.display(),
            target.display()
        )));
    }
    Ok(())
}

/// Creates the directory `path` would live in, when it has one.
pub(crate) fn create_parent(path: &Path) -> Result<()> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => {
            fs::create_dir_all(parent).map_err(|e| Error::io("creating directory", parent, e))
        }
        _ => Ok(()),
    }
}

/// Serde default for flags that are on unless turned off.
pub(crate) fn yes() -> bool {
    true
}
