//! Moving an output's directories where nixpkgs expects them: `man`,
//! `doc`, `info` into `share/` (`moveDocs`), `lib64` into `lib` and `sbin`
//! into `bin`, each leaving a symlink behind (`moveLib64`, `moveSbin`),
//! and systemd user units into `share/` (`moveSystemdUserUnits`).

use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use super::OutputArgs;
use crate::{Context, Error, Function, Result};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct DocsArgs {
    path: String,
    force_share: Option<Vec<String>>,
}

/// The registry entries.
pub(crate) fn functions() -> Vec<Function> {
    vec![
        Function::new::<DocsArgs, _>(
            "moveDocs",
            "{path: string, forceShare?: [string]}",
            &["path"],
            "Moves the top-level directories `forceShare` (default man, doc, info) of the \
             output `path` into `<path>/share/`, as stdenv's _moveToShare; when `share/NAME` \
             already exists both are left where they are and it is logged. Returns the new \
             paths.",
            |cx, a: DocsArgs| {
                let names = a
                    .force_share
                    .unwrap_or_else(|| ["man", "doc", "info"].map(String::from).to_vec());
                paths_value(move_docs(cx, Path::new(&a.path), &names)?)
            },
        ),
        Function::new::<OutputArgs, _>(
            "moveLib64",
            "{path: string}",
            &["path"],
            "Moves everything in `<path>/lib64` into `<path>/lib` and replaces lib64 by a \
             symlink to lib, as stdenv's _moveLib64. Nothing is done when lib64 is missing or \
             already a symlink; a name present in both is an error (nothing already in lib is \
             overwritten). Returns the moved entries' new paths.",
            |cx, a: OutputArgs| {
                paths_value(merge_into(
                    cx,
                    Path::new(&a.path),
                    "lib64",
                    "lib",
                    Clobber::Never,
                )?)
            },
        ),
        Function::new::<OutputArgs, _>(
            "moveSbin",
            "{path: string}",
            &["path"],
            "Moves everything in `<path>/sbin` into `<path>/bin` and replaces sbin by a \
             symlink to bin, as stdenv's _moveSbin. Nothing is done when sbin is missing or \
             already a symlink; a file in sbin replaces a file of the same name in bin (with a \
             warning, as `mv` would), while a directory clash is an error. Returns the moved \
             entries' new paths.",
            |cx, a: OutputArgs| {
                paths_value(merge_into(
                    cx,
                    Path::new(&a.path),
                    "sbin",
                    "bin",
                    Clobber::Files,
                )?)
            },
        ),
        Function::new::<OutputArgs, _>(
            "moveSystemdUserUnits",
            "{path: string}",
            &["path"],
            "Moves everything in `<path>/lib/systemd/user` (hidden entries included) into \
             `<path>/share/systemd/user` and leaves an absolute symlink to it behind, as \
             stdenv's _moveSystemdUserUnits (its make-symlinks-relative step later makes the \
             link relative). Nothing is done when there is no lib/systemd/user. Returns the \
             moved entries' new paths.",
            |cx, a: OutputArgs| paths_value(move_systemd_user_units(cx, Path::new(&a.path))?),
        ),
    ]
}

fn paths_value(paths: Vec<PathBuf>) -> Result<Value> {
    Ok(Value::Array(
        paths
            .into_iter()
            .map(|p| Value::String(p.to_string_lossy().into_owned()))
            .collect(),
    ))
}

/// Moves `<output>/NAME` to `<output>/share/NAME` for each name; returns
/// the new paths.
pub(crate) fn move_docs(cx: &Context, output: &Path, names: &[String]) -> Result<Vec<PathBuf>> {
    let output = cx.resolve(output);
    let mut moved = Vec::new();
    for name in names {
        let from = output.join(name);
        if !from.is_dir() {
            continue;
        }
        let to = output.join("share").join(name);
        if to.is_dir() {
            cx.log(format!(
                "moveDocs: both {name}/ and share/{name}/ exist in {}, leaving both",
                output.display()
            ));
            continue;
        }
        cx.log(format!("moving {} to {}", from.display(), to.display()));
        let share = cx.writable(output.join("share"))?;
        fs::create_dir_all(&share).map_err(|e| Error::io("creating directory", &share, e))?;
        rename(cx, &from, &to)?;
        moved.push(to);
    }
    Ok(moved)
}

/// What may be replaced when merging one directory into another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Clobber {
    /// Nothing: a clash is an error (`mv --no-clobber` then `rmdir`).
    Never,
    /// Non-directories (`mv`).
    Files,
}

/// Moves the entries of `<output>/from` into `<output>/to` and makes
/// `from` a symlink to `to`. Clashes are all checked before anything moves.
pub(crate) fn merge_into(
    cx: &Context,
    output: &Path,
    from: &str,
    to: &str,
    clobber: Clobber,
) -> Result<Vec<PathBuf>> {
    let output = cx.resolve(output);
    let source = output.join(from);
    match fs::symlink_metadata(&source) {
        Ok(meta) if meta.is_dir() => {}
        _ => return Ok(Vec::new()),
    }
    let target = output.join(to);
    let mut entries: Vec<PathBuf> = fs::read_dir(&source)
        .map_err(|e| Error::io("reading directory", &source, e))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .map_err(|e| Error::io("reading directory", &source, e))?;
    entries.sort();
    for entry in &entries {
        let Some(name) = entry.file_name() else {
            continue;
        };
        let Ok(existing) = fs::symlink_metadata(target.join(name)) else {
            continue;
        };
        let entry_is_dir = fs::symlink_metadata(entry).is_ok_and(|m| m.is_dir());
        if clobber == Clobber::Never || existing.is_dir() || entry_is_dir {
            return Err(Error::msg(format!(
                "cannot move {} into {}: {} already exists there; remove one of them before \
                 the fixup",
                entry.display(),
                target.display(),
                name.to_string_lossy()
            )));
        }
    }
    cx.log(format!(
        "moving {}/* to {}",
        source.display(),
        target.display()
    ));
    let target = cx.writable(&target)?;
    fs::create_dir_all(&target).map_err(|e| Error::io("creating directory", &target, e))?;
    let mut moved = Vec::new();
    for entry in entries {
        let Some(name) = entry.file_name() else {
            continue;
        };
        let destination = target.join(name);
        if fs::symlink_metadata(&destination).is_ok() {
            cx.warn(format!(
                "{} replaces {}",
                entry.display(),
                destination.display()
            ));
        }
        rename(cx, &entry, &destination)?;
        moved.push(destination);
    }
    let source = super::writable_entry(cx, &source)?;
    fs::remove_dir(&source).map_err(|e| Error::io("removing directory", &source, e))?;
    std::os::unix::fs::symlink(to, &source)
        .map_err(|e| Error::io("creating the symlink", &source, e))?;
    Ok(moved)
}

fn rename(cx: &Context, from: &Path, to: &Path) -> Result<()> {
    let from = super::writable_entry(cx, from)?;
    let to = super::writable_entry(cx, to)?;
    fs::rename(&from, &to).map_err(|e| Error::io("moving", &from, e))
}

/// `lib/systemd/user` of `output` into `share/systemd/user`, replaced by an
/// absolute symlink.
pub(crate) fn move_systemd_user_units(cx: &Context, output: &Path) -> Result<Vec<PathBuf>> {
    let output = cx.resolve(output);
    let source = output.join("lib/systemd/user");
    if !source.exists() {
        return Ok(Vec::new());
    }
    let target = output.join("share/systemd/user");
    cx.log(format!(
        "moving {}/* to {}",
        source.display(),
        target.display()
    ));
    let writable_target = cx.writable(&target)?;
    fs::create_dir_all(&writable_target)
        .map_err(|e| Error::io("creating directory", &writable_target, e))?;
    let mut entries: Vec<PathBuf> = fs::read_dir(&source)
        .map_err(|e| Error::io("reading directory", &source, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    let mut moved = Vec::new();
    let into = format!("{}/", target.display());
    for entry in entries {
        crate::files::move_path(cx, &entry.to_string_lossy(), &into)?;
        moved.push(target.join(entry.file_name().unwrap_or_default()));
    }
    let source = super::writable_entry(cx, &source)?;
    fs::remove_dir(&source).map_err(|e| Error::io("removing directory", &source, e))?;
    std::os::unix::fs::symlink(&target, &source)
        .map_err(|e| Error::io("creating the symlink", &source, e))?;
    Ok(moved)
}
