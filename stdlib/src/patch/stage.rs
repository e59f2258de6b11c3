//! The tree as a patch file changes it, held in memory until every section
//! applied; then written all at once, so a failing patch changes nothing.
//! Backups are made as GNU patch makes them: of a file's state before the
//! patch file, decided by the first change to it.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs::{self, FileTimes, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::backup::Backup;
use super::time::Timestamp;
use crate::{Context, Error, Result};

/// A file's contents, permission bits and modification time.
#[derive(Debug, Clone)]
pub(crate) struct Contents {
    pub bytes: Vec<u8>,
    /// `None`: a new file's (0666 less the umask).
    pub mode: Option<u32>,
    /// The modification time as the patch leaves the file; `None`: the
    /// time it is written.
    pub time: Option<Timestamp>,
}

/// One file's pending change.
struct Change {
    /// The new state; `None` means deleted.
    state: Option<Contents>,
    /// Back the file up (as it was before the patch) first.
    backup: bool,
    /// Not changed at all, only backed up (by a copy).
    kept: bool,
}

/// Pending changes below one directory.
pub(crate) struct Stage<'a> {
    cx: &'a Context,
    dir: PathBuf,
    /// Changed files by path relative to `dir`.
    changes: BTreeMap<Vec<u8>, Change>,
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

    /// The directory the names are relative to.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The absolute path of `name`.
    pub(crate) fn path(&self, name: &[u8]) -> PathBuf {
        self.dir.join(OsStr::from_bytes(name))
    }

    /// Whether `name` exists as the patch has left it so far.
    pub(crate) fn exists(&self, name: &[u8]) -> bool {
        match self.changes.get(name) {
            Some(change) => change.state.is_some(),
            None => fs::symlink_metadata(self.path(name)).is_ok(),
        }
    }

    /// Whether this process may write `name` itself (GNU patch's
    /// `access(W_OK)`; the file is replaced anyway, like GNU patch does).
    pub(crate) fn writable(&self, name: &[u8]) -> bool {
        let Ok(path) = std::ffi::CString::new(self.path(name).into_os_string().into_vec()) else {
            return false;
        };
        // SAFETY: a valid NUL-terminated path.
        unsafe { libc::access(path.as_ptr(), libc::W_OK) == 0 }
    }

    /// The file `name` as the patch has left it so far, `None` if absent.
    /// Only regular files can be patched.
    pub(crate) fn read(&self, name: &[u8]) -> Result<Option<Contents>> {
        if let Some(change) = self.changes.get(name) {
            return Ok(change.state.clone());
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
        let time = Timestamp {
            seconds: meta.mtime(),
            nanos: u32::try_from(meta.mtime_nsec()).unwrap_or(0),
        };
        Ok(Some(Contents {
            bytes,
            mode: Some(meta.mode() & 0o7777),
            time: Some(time),
        }))
    }

    /// Records the new state of `name` (`None`: deleted), and whether the
    /// file is backed up first; checks now that it may be written. The
    /// first change to a file decides its backup, as in GNU patch (a file
    /// deleted and then created again: the creation decides).
    pub(crate) fn set(&mut self, name: &[u8], state: Option<Contents>, backup: bool) -> Result<()> {
        refuse_bad_name(name)?;
        let path = self.cx.writable(self.path(name))?;
        self.inside(name, &path)?;
        let backup = match self.changes.get(name) {
            Some(earlier) if earlier.kept => earlier.backup || backup,
            Some(earlier) if earlier.state.is_some() || state.is_none() => earlier.backup,
            _ => backup,
        };
        let change = Change {
            state,
            backup,
            kept: false,
        };
        self.changes.insert(name.to_vec(), change);
        Ok(())
    }

    /// Records that `name` (now `contents`) is left as it is but backed up
    /// by a copy, as GNU patch does for a git diff that changes nothing in
    /// it (`-b`); nothing when an earlier change decided already.
    pub(crate) fn keep(&mut self, name: &[u8], contents: Contents) -> Result<()> {
        match self.changes.get_mut(name) {
            Some(earlier) if earlier.kept => earlier.backup = true,
            Some(_) => {}
            None => {
                refuse_bad_name(name)?;
                self.inside(name, &self.cx.writable(self.path(name))?)?;
                let change = Change {
                    state: Some(contents),
                    backup: true,
                    kept: true,
                };
                self.changes.insert(name.to_vec(), change);
            }
        }
        Ok(())
    }

    /// Writes every change: new contents go to temporary files first (any
    /// failure removes them and leaves the tree as it was), then backups,
    /// deletions and renames over the originals. Returns the backups made:
    /// (file, backup), relative to the directory.
    pub(crate) fn commit(self, backup: &Backup) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        self.preflight()?;
        let mut written: Vec<(PathBuf, PathBuf)> = Vec::new();
        let backups = self.backup_names(backup)?;
        if let Err(e) = self.write_temporaries(&mut written) {
            for (temporary, _) in &written {
                let _ = fs::remove_file(temporary);
            }
            return Err(e);
        }
        for (name, backup) in &backups {
            self.back_up(name, backup, self.changes[name].kept)?;
        }
        for (name, change) in &self.changes {
            if change.state.is_none() {
                let path = self.path(name);
                // Backed up files are gone already; their directories may
                // be empty now, as GNU patch also sees.
                match fs::remove_file(&path) {
                    Ok(()) => self.remove_empty_parents(&path),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        self.remove_empty_parents(&path)
                    }
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
        Ok(backups)
    }

    /// Checks, before anything is written, that every change can be made:
    /// no file written over a directory, none below a file (on disk or
    /// staged).
    fn preflight(&self) -> Result<()> {
        for (name, change) in &self.changes {
            let path = self.path(name);
            if change.state.is_some() && !change.kept && path.is_dir() {
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
                let staged_file = self
                    .changes
                    .get(relative)
                    .is_some_and(|c| c.state.is_some());
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

    /// The backup name of each file to back up; checks they may be written.
    fn backup_names(&self, backup: &Backup) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut names = Vec::new();
        for (name, _) in self.changes.iter().filter(|(_, c)| c.backup) {
            let backup_name = backup.name_for(&self.dir, name);
            let path = self.cx.writable(self.path(&backup_name))?;
            self.inside(&backup_name, &path)?;
            names.push((name.clone(), backup_name));
        }
        Ok(names)
    }

    /// Moves `name` to `backup` (keeping its inode, mode and times, as GNU
    /// patch renames it), copies it there when it stays (`copy`), or
    /// creates an empty `backup` when `name` did not exist.
    fn back_up(&self, name: &[u8], backup: &[u8], copy: bool) -> Result<()> {
        let (from, to) = (self.path(name), self.path(backup));
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io("creating directory", parent, e))?;
        }
        match fs::symlink_metadata(&from) {
            // GNU patch gives the copy the times of the file it would
            // have written: now.
            Ok(_) if copy => fs::copy(&from, &to)
                .map(drop)
                .map_err(|e| Error::io("backing up", &from, e)),
            Ok(_) => fs::rename(&from, &to).map_err(|e| Error::io("backing up", &from, e)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let _ = fs::remove_file(&to);
                OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .mode(0o666)
                    .open(&to)
                    .map(drop)
                    .map_err(|e| Error::io("creating the backup", &to, e))
            }
            Err(e) => Err(Error::io("backing up", &from, e)),
        }
    }

    /// Writes each new content to a temporary file beside its destination
    /// (or in the top directory when the destination's directory does not
    /// exist yet, so nothing is created in the tree before all succeeded).
    fn write_temporaries(&self, written: &mut Vec<(PathBuf, PathBuf)>) -> Result<()> {
        for (number, (name, change)) in self.changes.iter().enumerate() {
            let Some(contents) = change.state.as_ref().filter(|_| !change.kept) else {
                continue;
            };
            let path = self.path(name);
            let parent = path.parent().filter(|p| p.is_dir()).unwrap_or(&self.dir);
            let temporary = parent.join(format!(".phaser-patch-{}-{number}", std::process::id()));
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
                .mode(if contents.mode.is_some() {
                    0o600
                } else {
                    0o666
                })
                .open(&temporary)
                .map_err(|e| Error::io("creating", &temporary, e))?;
            written.push((temporary.clone(), path));
            file.write_all(&contents.bytes)
                .map_err(|e| Error::io("writing", &temporary, e))?;
            if let Some(mode) = contents.mode {
                file.set_permissions(Permissions::from_mode(mode))
                    .map_err(|e| Error::io("setting the mode of", &temporary, e))?;
            }
            if let Some(time) = contents.time {
                let time = system_time(time);
                file.set_times(FileTimes::new().set_accessed(time).set_modified(time))
                    .map_err(|e| Error::io("setting the times of", &temporary, e))?;
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

/// Refuses a name that cannot be a file below the patched directory:
/// empty, with a NUL byte, or with an empty, `.` or `..` component (also a
/// leading or trailing `/`).
fn refuse_bad_name(name: &[u8]) -> Result<()> {
    let why = if name.contains(&0) {
        "a file name cannot hold a NUL byte"
    } else if name
        .split(|b| *b == b'/')
        .any(|part| part.is_empty() || part == b"." || part == b"..")
    {
        "it is not a relative path of files and directories (an empty, `.` or `..` part)"
    } else {
        return Ok(());
    };
    Err(Error::msg(format!(
        "refusing to patch `{}`: {why}",
        String::from_utf8_lossy(name).replace('\0', "\\0")
    )))
}

fn system_time(time: Timestamp) -> SystemTime {
    let nanos = Duration::from_nanos(u64::from(time.nanos));
    match u64::try_from(time.seconds) {
        Ok(seconds) => SystemTime::UNIX_EPOCH + Duration::from_secs(seconds) + nanos,
        Err(_) => SystemTime::UNIX_EPOCH - Duration::from_secs(time.seconds.unsigned_abs()) + nanos,
    }
}
