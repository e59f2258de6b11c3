//! The tree as a patch file changes it, held in memory until every section
//! applied; then written all at once, so a failing patch changes nothing.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs::{self, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::{Context, Error, Result};

/// A file's contents and permission bits.
#[derive(Debug, Clone)]
pub(crate) struct Contents {
    pub bytes: Vec<u8>,
    pub mode: u32,
}

/// Pending changes below one directory.
pub(crate) struct Stage<'a> {
    cx: &'a Context,
    dir: PathBuf,
    /// Changed files by path relative to `dir`: `None` means deleted.
    changes: BTreeMap<Vec<u8>, Option<Contents>>,
}

impl<'a> Stage<'a> {
    /// An empty set of changes to the tree at `dir`.
    pub(crate) fn new(cx: &'a Context, dir: PathBuf) -> Stage<'a> {
        Stage {
            cx,
            dir,
            changes: BTreeMap::new(),
        }
    }

    /// The absolute path of `name`.
    pub(crate) fn path(&self, name: &[u8]) -> PathBuf {
        self.dir.join(OsStr::from_bytes(name))
    }

    /// Whether `name` exists as the patch has left it so far.
    pub(crate) fn exists(&self, name: &[u8]) -> bool {
        match self.changes.get(name) {
            Some(state) => state.is_some(),
            None => fs::symlink_metadata(self.path(name)).is_ok(),
        }
    }

    /// The file `name` as the patch has left it so far, `None` if absent.
    /// Only regular files can be patched.
    pub(crate) fn read(&self, name: &[u8]) -> Result<Option<Contents>> {
        if let Some(state) = self.changes.get(name) {
            return Ok(state.clone());
        }
        let path = self.path(name);
        let meta = match fs::symlink_metadata(&path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("reading", &path, e)),
        };
        if !meta.is_file() {
            return Err(Error::msg(format!(
                "{} is not a regular file (a {}); refusing to patch it",
                path.display(),
                if meta.file_type().is_symlink() {
                    "symbolic link"
                } else {
                    "directory or special file"
                }
            )));
        }
        let bytes = fs::read(&path).map_err(|e| Error::io("reading", &path, e))?;
        Ok(Some(Contents {
            bytes,
            mode: meta.mode() & 0o7777,
        }))
    }

    /// Records the new state of `name`; checks now that it may be written.
    pub(crate) fn set(&mut self, name: &[u8], state: Option<Contents>) -> Result<()> {
        if let Some(why) = bad_name(name) {
            return Err(Error::msg(format!(
                "refusing to patch `{}`: {why}",
                String::from_utf8_lossy(name).replace('\0', "\\0")
            )));
        }
        let path = self.cx.writable(self.path(name))?;
        self.inside(name, &path)?;
        self.changes.insert(name.to_vec(), state);
        Ok(())
    }

    /// Writes every change: new contents go to temporary files first (any
    /// failure removes them and leaves the tree as it was), then deletions
    /// and renames over the originals.
    pub(crate) fn commit(self) -> Result<()> {
        self.preflight()?;
        let mut written: Vec<(PathBuf, PathBuf)> = Vec::new();
        if let Err(e) = self.write_temporaries(&mut written) {
            for (temporary, _) in &written {
                let _ = fs::remove_file(temporary);
            }
            return Err(e);
        }
        for (name, state) in &self.changes {
            if state.is_none() {
                let path = self.path(name);
                match fs::remove_file(&path) {
                    Ok(()) => self.remove_empty_parents(&path),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(Error::io("deleting", &path, e)),
                }
            }
        }
        for (i, (temporary, path)) in written.iter().enumerate() {
            let moved = match path.parent() {
                Some(parent) => fs::create_dir_all(parent)
                    .map_err(|e| Error::io("creating directory", parent, e)),
                None => Ok(()),
            }
            .and_then(|()| {
                fs::rename(temporary, path).map_err(|e| Error::io("replacing", path, e))
            });
            if let Err(e) = moved {
                // No temporary file is left behind in the tree.
                for (temporary, _) in &written[i..] {
                    let _ = fs::remove_file(temporary);
                }
                return Err(e);
            }
        }
        Ok(())
    }

    /// Writes each new content to a temporary file beside its destination
    /// (or in the top directory when the destination's directory does not
    /// exist yet, so nothing is created in the tree before all succeeded).
    fn write_temporaries(&self, written: &mut Vec<(PathBuf, PathBuf)>) -> Result<()> {
        for (number, (name, state)) in self.changes.iter().enumerate() {
            let Some(contents) = state else { continue };
            let path = self.path(name);
            let parent = path.parent().filter(|p| p.is_dir()).unwrap_or(&self.dir);
            let temporary = parent.join(format!(".phaser-patch-{}-{number}", std::process::id()));
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
                .mode(0o600)
                .open(&temporary)
                .map_err(|e| Error::io("creating", &temporary, e))?;
            written.push((temporary.clone(), path));
            file.write_all(&contents.bytes)
                .map_err(|e| Error::io("writing", &temporary, e))?;
            file.set_permissions(Permissions::from_mode(contents.mode))
                .map_err(|e| Error::io("setting the mode of", &temporary, e))?;
        }
        Ok(())
    }

    /// Checks, before anything is written, that every change can be made:
    /// no file is to be written where a directory is, or below a file (on
    /// disk, or one this patch creates).
    fn preflight(&self) -> Result<()> {
        for (name, state) in &self.changes {
            let path = self.path(name);
            if state.is_some() && path.is_dir() {
                return Err(Error::msg(format!(
                    "cannot write {}: it is a directory",
                    path.display()
                )));
            }
            let mut ancestor = path.parent();
            while let Some(dir) = ancestor.filter(|d| d.starts_with(&self.dir) && *d != self.dir) {
                let relative = dir
                    .strip_prefix(&self.dir)
                    .map(|r| r.as_os_str().as_bytes())
                    .unwrap_or_default();
                let staged_file = matches!(self.changes.get(relative), Some(Some(_)));
                let on_disk_file = fs::symlink_metadata(dir).is_ok_and(|m| !m.is_dir());
                if staged_file || on_disk_file {
                    return Err(Error::msg(format!(
                        "cannot write {}: {} is a file, not a directory",
                        path.display(),
                        dir.display()
                    )));
                }
                ancestor = dir.parent();
            }
        }
        Ok(())
    }

    /// Removes directories left empty by a deletion, up to `dir`, as GNU
    /// patch does.
    fn remove_empty_parents(&self, path: &Path) {
        let mut current = path.parent();
        while let Some(dir) = current {
            if dir == self.dir || !dir.starts_with(&self.dir) || fs::remove_dir(dir).is_err() {
                break;
            }
            current = dir.parent();
        }
    }

    /// Refuses a path that leaves the patched directory through a
    /// symbolic link.
    fn inside(&self, name: &[u8], path: &Path) -> Result<()> {
        let base = self.dir.canonicalize().unwrap_or_else(|_| self.dir.clone());
        let mut existing = path.parent().unwrap_or(path).to_path_buf();
        while !existing.exists() {
            if !existing.pop() {
                break;
            }
        }
        let real = existing.canonicalize().unwrap_or(existing);
        if real.starts_with(&base) {
            Ok(())
        } else {
            Err(Error::msg(format!(
                "refusing to patch {}: a symbolic link on the way leads out of {}",
                String::from_utf8_lossy(name),
                self.dir.display()
            )))
        }
    }
}

/// Why `name` cannot be a file below the patched directory, if it cannot:
/// empty, a NUL byte, an empty, `.` or `..` component (also a leading or
/// trailing `/`).
fn bad_name(name: &[u8]) -> Option<&'static str> {
    if name.contains(&0) {
        return Some("a file name cannot hold a NUL byte");
    }
    let bad_component = name
        .split(|b| *b == b'/')
        .any(|part| part.is_empty() || part == b"." || part == b"..");
    bad_component.then_some(
        "it is not a relative path of files and directories (an empty, `.` or `..` part)",
    )
}
