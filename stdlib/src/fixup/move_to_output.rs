//! `moveToOutput`: nixpkgs' multiple-outputs helper
//! (pkgs/build-support/setup-hooks/multiple-outputs.sh), natively.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::{Context, Error, Function, Result};

/// The destination that deletes instead of moving.
const REMOVE: &str = "REMOVE";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Args {
    pattern: String,
    dest: String,
    outputs: Vec<String>,
}

/// The registry entry.
pub(crate) fn function() -> Function {
    Function::new::<Args, _>(
        "moveToOutput",
        "{pattern: string, dest: string, outputs: [string]}",
        &["pattern", "dest"],
        "nixpkgs' `moveToOutput PATTERN DEST`: in every output directory of `outputs` other \
         than `dest`, whatever matches the glob `pattern` (relative to the output; `*`, `?` \
         and `[...]` within one path component, not matching a leading dot, as bash's globs) \
         is moved to the same relative path under `dest`, or deleted when `dest` is \
         `REMOVE`. A directory moved onto an existing directory is merged into it (its \
         entries moved there as `mv -t` would; an empty one is just removed), and a directory \
         the move leaves empty is removed together with its parents while they are empty. \
         Broken symlinks are moved too. Returns the new paths (nothing for `REMOVE`).",
        |cx, a: Args| {
            let moved = move_to_output(cx, &a.pattern, &a.dest, &a.outputs)?;
            Ok(Value::Array(
                moved
                    .into_iter()
                    .map(|p| Value::String(p.to_string_lossy().into_owned()))
                    .collect(),
            ))
        },
    )
}

/// Moves what matches `pattern` out of every output but `dest` into
/// `dest` (or removes it); returns the new paths.
pub(crate) fn move_to_output(
    cx: &Context,
    pattern: &str,
    dest: &str,
    outputs: &[String],
) -> Result<Vec<PathBuf>> {
    let mut moved = Vec::new();
    for output in outputs {
        if output == dest {
            continue;
        }
        let root = cx.resolve(output);
        for src in expand(&root, pattern)? {
            if fs::symlink_metadata(&src).is_err() {
                continue;
            }
            if dest == REMOVE {
                cx.log(format!("Removing {}", src.display()));
                crate::files::remove(cx, &src.to_string_lossy(), true, false)?;
            } else {
                let relative = src.strip_prefix(&root).unwrap_or(&src);
                let target = cx.resolve(dest).join(relative);
                cx.log(format!("Moving {} to {}", src.display(), target.display()));
                move_one(cx, &src, &target)?;
                moved.push(target);
            }
            remove_empty_parents(cx, &src, &root)?;
        }
    }
    Ok(moved)
}

/// Moves `src` to `target` as multiple-outputs.sh does: merges into an
/// existing directory, else renames (creating the parents).
fn move_one(cx: &Context, src: &Path, target: &Path) -> Result<()> {
    if src.is_dir() && target.is_dir() {
        let entries = visible_entries(src)?;
        if entries.is_empty() && fs::read_dir(src).is_ok_and(|mut d| d.next().is_none()) {
            let src = crate::fixup::writable_entry(cx, src)?;
            return fs::remove_dir(&src).map_err(|e| Error::io("removing directory", &src, e));
        }
        if entries.is_empty() {
            return Err(Error::msg(format!(
                "moveToOutput: {} holds only hidden entries, which `mv -t {} {}/*` leaves \
                 behind; move them yourself",
                src.display(),
                target.display(),
                src.display()
            )));
        }
        let into = format!("{}/", target.display());
        for entry in entries {
            crate::files::move_path(cx, &entry.to_string_lossy(), &into)?;
        }
        let src = crate::fixup::writable_entry(cx, src)?;
        return fs::remove_dir(&src).map_err(|e| {
            Error::msg(format!(
                "moveToOutput: removing {} after moving its entries: {e} (hidden entries are \
                 not moved, as with `mv -t DEST DIR/*`)",
                src.display()
            ))
        });
    }
    let parent = target.parent().unwrap_or(target);
    let parent = cx.writable(parent)?;
    fs::create_dir_all(&parent).map_err(|e| Error::io("creating directory", &parent, e))?;
    crate::files::move_path(cx, &src.to_string_lossy(), &target.to_string_lossy())
}

/// A directory's entries that `DIR/*` names: not hidden, sorted bytewise.
fn visible_entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| Error::io("reading directory", dir, e))?
        .filter_map(|e| e.ok())
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .collect();
    entries.sort();
    Ok(entries)
}

/// Removes `src`'s parent when the move left it empty, and then its
/// parents while they are empty, never above `root`'s parent (stdenv's
/// `rmdir -p` stops at the first directory that is not empty).
fn remove_empty_parents(cx: &Context, src: &Path, root: &Path) -> Result<()> {
    let Some(parent) = src.parent() else {
        return Ok(());
    };
    let is_empty = |dir: &Path| {
        fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir())
            && fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none())
    };
    if !is_empty(parent) {
        return Ok(());
    }
    cx.log(format!(
        "Removing empty {}/ and (possibly) its parents",
        parent.display()
    ));
    let stop = root.parent().unwrap_or(root);
    let mut dir = parent.to_path_buf();
    while dir.starts_with(stop) && dir != stop && is_empty(&dir) {
        let Ok(writable) = crate::fixup::writable_entry(cx, &dir) else {
            break;
        };
        if fs::remove_dir(&writable).is_err() {
            break;
        }
        match dir.parent() {
            Some(up) => dir = up.to_path_buf(),
            None => break,
        }
    }
    Ok(())
}

/// The paths `ROOT/PATTERN` names in bash with nullglob: a pattern without
/// glob characters names itself (existing or not), one with them the
/// existing paths it matches, in byte order.
fn expand(root: &Path, pattern: &str) -> Result<Vec<PathBuf>> {
    let mut paths = vec![root.to_path_buf()];
    for component in pattern.split('/').filter(|c| !c.is_empty()) {
        if !component.contains(['*', '?', '[']) {
            for path in &mut paths {
                path.push(component);
            }
            continue;
        }
        let glob = globset::GlobBuilder::new(component)
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|e| Error::msg(format!("moveToOutput: bad pattern `{pattern}`: {e}")))?
            .compile_matcher();
        let mut next = Vec::new();
        for dir in &paths {
            let Ok(entries) = fs::read_dir(dir) else {
                continue;
            };
            let mut matched: Vec<PathBuf> = entries
                .filter_map(|e| e.ok())
                .filter(|e| {
                    let name = e.file_name();
                    let name = name.to_string_lossy();
                    (!name.starts_with('.') || component.starts_with('.')) && glob.is_match(&*name)
                })
                .map(|e| e.path())
                .collect();
            matched.sort();
            next.extend(matched);
        }
        paths = next;
    }
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Roots;

    fn setup() -> (tempfile::TempDir, Context, String, String) {
        let dir = tempfile::tempdir().unwrap();
        let cx = Context::new(dir.path()).with_roots(Roots::Only(vec![dir.path().into()]));
        let out = dir.path().join("out").display().to_string();
        let dev = dir.path().join("dev").display().to_string();
        (dir, cx, out, dev)
    }

    fn put(path: &str) {
        fs::create_dir_all(Path::new(path).parent().unwrap()).unwrap();
        fs::write(path, path).unwrap();
    }

    #[test]
    fn moves_matches_merges_directories_and_prunes_empty_parents() {
        let (_dir, cx, out, dev) = setup();
        put(&format!("{out}/lib/pkgconfig/a.pc"));
        put(&format!("{out}/lib/libx.so"));
        put(&format!("{out}/share/doc/x/README"));
        put(&format!("{dev}/share/doc/y/NOTES"));
        let outputs = vec![out.clone(), dev.clone()];
        move_to_output(&cx, "lib/pkgconfig", &dev, &outputs).unwrap();
        assert!(Path::new(&format!("{dev}/lib/pkgconfig/a.pc")).exists());
        assert!(Path::new(&format!("{out}/lib/libx.so")).exists());
        move_to_output(&cx, "share/doc", &dev, &outputs).unwrap();
        assert!(Path::new(&format!("{dev}/share/doc/x/README")).exists());
        assert!(Path::new(&format!("{dev}/share/doc/y/NOTES")).exists());
        assert!(
            !Path::new(&format!("{out}/share")).exists(),
            "empty share/ removed"
        );
        assert!(
            Path::new(&out).exists(),
            "the output itself stays while lib/ is there"
        );
    }

    #[test]
    fn globs_match_one_component_and_skip_hidden_names() {
        let (_dir, cx, out, dev) = setup();
        put(&format!("{out}/bin/foo-config"));
        put(&format!("{out}/bin/.hidden-config"));
        put(&format!("{out}/bin/bar"));
        let moved = move_to_output(&cx, "bin/*-config", &dev, &[out.clone(), dev.clone()]).unwrap();
        assert_eq!(moved, vec![PathBuf::from(format!("{dev}/bin/foo-config"))]);
        assert!(Path::new(&format!("{out}/bin/.hidden-config")).exists());
    }

    #[test]
    fn remove_deletes_and_a_broken_symlink_moves() {
        let (_dir, cx, out, dev) = setup();
        put(&format!("{out}/share/gtk-doc/html/index.html"));
        fs::create_dir_all(format!("{out}/lib")).unwrap();
        std::os::unix::fs::symlink("nowhere", format!("{out}/lib/dangling")).unwrap();
        put(&format!("{out}/lib/keep"));
        let outputs = vec![out.clone(), dev.clone()];
        move_to_output(&cx, "share/gtk-doc", REMOVE, &outputs).unwrap();
        assert!(!Path::new(&format!("{out}/share")).exists());
        move_to_output(&cx, "lib/dangling", &dev, &outputs).unwrap();
        assert!(fs::symlink_metadata(format!("{dev}/lib/dangling")).is_ok());
    }
}
