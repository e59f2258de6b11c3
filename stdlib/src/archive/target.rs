//! The confined writer every archive format extracts through.
//!
//! Each entry's name is checked before anything is written: no absolute
//! paths, no `..`, and every directory on the way down must be a real
//! directory, never a symbolic link (not even one the same archive created a
//! moment ago). Files are created with `O_CREAT|O_EXCL|O_NOFOLLOW` after the
//! old entry of that name is unlinked, so nothing is ever written through a
//! link. Hard links may only point at entries already unpacked inside the
//! target. Directory modes and times are applied at the end, deepest first,
//! so a read-only directory in the archive does not block its own contents.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions, Permissions};
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::{Error, Result};

/// Bytes copied per read: large reads keep decompressors streaming.
const COPY_BUFFER: usize = 256 * 1024;

/// Extracts entries below one root directory, refusing anything that would
/// land outside it.
pub(super) struct Target<'a> {
    root: PathBuf,
    archive: &'a Path,
    strip: usize,
    make_writable: bool,
    /// Directories below the root known to be real directories; a directory
    /// is never replaced, so once checked it stays safe to write into.
    verified: HashSet<PathBuf>,
    dirs: Vec<DirAttrs>,
    entries: u64,
    buffer: Vec<u8>,
}

struct DirAttrs {
    path: PathBuf,
    mode: u32,
    mtime: Option<i64>,
}

impl<'a> Target<'a> {
    /// A target writing below `root` (which must exist) for `archive`.
    pub(super) fn new(root: PathBuf, archive: &'a Path, strip: usize, make_writable: bool) -> Self {
        let mut verified = HashSet::new();
        verified.insert(root.clone());
        Target {
            root,
            archive,
            strip,
            make_writable,
            verified,
            dirs: Vec::new(),
            entries: 0,
            buffer: Vec::new(),
        }
    }

    /// An error about the archive itself (corrupt, truncated, unreadable).
    pub(super) fn corrupt(&self, e: impl std::fmt::Display) -> Error {
        Error::msg(format!(
            "unpacking {}: the archive is corrupt or truncated: {e}",
            self.archive.display()
        ))
    }

    /// An error refusing one entry, naming it.
    pub(super) fn refuse(&self, name: &[u8], why: impl std::fmt::Display) -> Error {
        Error::msg(format!(
            "refusing to unpack {}: entry `{}` {why}; nothing outside {} was written, but the \
             entries before it were unpacked",
            self.archive.display(),
            String::from_utf8_lossy(name),
            self.root.display()
        ))
    }

    /// Creates a regular file with `data` as its contents.
    pub(super) fn file(
        &mut self,
        name: &[u8],
        mode: u32,
        mtime: Option<i64>,
        data: &mut dyn Read,
    ) -> Result<()> {
        let Some(rel) = self.destination(name)? else {
            return Ok(());
        };
        let mode = self.file_mode(mode);
        let (path, mut file) = self.create(name, &rel, "a file", "creating", |path| {
            OpenOptions::new()
                .write(true)
                .create_new(true)
                .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
                .mode(mode)
                .open(path)
        })?;
        self.copy(name, data, &mut file, &path)?;
        // The umask narrowed the mode given to open(2).
        file.set_permissions(Permissions::from_mode(mode))
            .map_err(|e| Error::io("setting the mode of", &path, e))?;
        if let Some(mtime) = mtime {
            file.set_modified(system_time(mtime))
                .map_err(|e| Error::io("setting the time of", &path, e))?;
        }
        self.entries += 1;
        Ok(())
    }

    /// Creates a directory (or keeps an existing one); its mode and time are
    /// applied by [`Target::finish`].
    pub(super) fn dir(&mut self, name: &[u8], mode: u32, mtime: Option<i64>) -> Result<()> {
        let Some(rel) = self.destination(name)? else {
            return Ok(());
        };
        self.parents(name, &rel, true)?;
        let path = self.root.join(&rel);
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                remove(&path)?;
                create_dir(&path)?;
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => create_dir(&path)?,
            Err(e) => return Err(Error::io("inspecting", &path, e)),
        }
        self.verified.insert(path.clone());
        self.dirs.push(DirAttrs { path, mode, mtime });
        self.entries += 1;
        Ok(())
    }

    /// Creates a symbolic link. Its target may point anywhere: it is never
    /// followed while unpacking.
    pub(super) fn symlink(&mut self, name: &[u8], link: &[u8], mtime: Option<i64>) -> Result<()> {
        let Some(rel) = self.destination(name)? else {
            return Ok(());
        };
        if link.is_empty() {
            return Err(self.refuse(name, "is a symbolic link with an empty target"));
        }
        let target = OsStr::from_bytes(link);
        let (path, ()) = self.create(
            name,
            &rel,
            "a symbolic link",
            "creating the symbolic link",
            |path| std::os::unix::fs::symlink(target, path),
        )?;
        if let Some(mtime) = mtime {
            set_mtime_nofollow(&path, mtime, 0)?;
        }
        self.entries += 1;
        Ok(())
    }

    /// Creates a hard link to an entry unpacked earlier.
    pub(super) fn hardlink(&mut self, name: &[u8], link: &[u8]) -> Result<()> {
        let Some(rel) = self.destination(name)? else {
            return Ok(());
        };
        let shown = String::from_utf8_lossy(link);
        let source_rel = match self.components(link) {
            Err(why) => {
                return Err(self.refuse(name, format!("is a hard link to `{shown}`, which {why}")));
            }
            Ok(None) => {
                return Err(self.refuse(
                    name,
                    format!("is a hard link to `{shown}`, which is not unpacked (stripComponents removed it)"),
                ));
            }
            Ok(Some(source_rel)) => source_rel,
        };
        self.parents(name, &source_rel, false)?;
        let source = self.root.join(&source_rel);
        match fs::symlink_metadata(&source) {
            Ok(meta) if meta.is_dir() => {
                return Err(self.refuse(name, format!("is a hard link to the directory `{shown}`")));
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(self.refuse(
                    name,
                    format!(
                        "is a hard link to `{shown}`, which the archive did not create before it"
                    ),
                ));
            }
            Err(e) => return Err(Error::io("inspecting", &source, e)),
        }
        // link(2) does not follow a symbolic link named as its source.
        self.create(
            name,
            &rel,
            "a hard link",
            "creating the hard link",
            |path| fs::hard_link(&source, path),
        )?;
        self.entries += 1;
        Ok(())
    }

    /// Refuses a device, fifo or other special entry.
    pub(super) fn special(&self, name: &[u8], what: &str) -> Error {
        self.refuse(
            name,
            format!("is a {what}; source archives may not contain devices, fifos or sockets"),
        )
    }

    /// Applies directory modes and times, deepest first, and returns the
    /// number of entries unpacked.
    pub(super) fn finish(mut self) -> Result<u64> {
        self.dirs
            .sort_by_key(|d| std::cmp::Reverse(d.path.components().count()));
        for dir in &self.dirs {
            let mode = (dir.mode & 0o777) | if self.make_writable { 0o200 } else { 0 };
            // Opening with O_NOFOLLOW|O_DIRECTORY makes sure the chmod lands
            // on the directory that was unpacked, not on a link's target.
            let handle = OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NOFOLLOW | libc::O_DIRECTORY | libc::O_CLOEXEC)
                .open(&dir.path)
                .map_err(|e| Error::io("opening the directory", &dir.path, e))?;
            handle
                .set_permissions(Permissions::from_mode(mode))
                .map_err(|e| Error::io("setting the mode of", &dir.path, e))?;
            if let Some(mtime) = dir.mtime {
                handle
                    .set_modified(system_time(mtime))
                    .map_err(|e| Error::io("setting the time of", &dir.path, e))?;
            }
        }
        Ok(self.entries)
    }

    /// The entry's path relative to the root, or `None` when stripping
    /// leaves nothing (or only the root itself).
    fn destination(&self, name: &[u8]) -> Result<Option<PathBuf>> {
        self.components(name).map_err(|why| self.refuse(name, why))
    }

    fn components(&self, name: &[u8]) -> std::result::Result<Option<PathBuf>, &'static str> {
        if name.is_empty() {
            return Err("has an empty name");
        }
        if name[0] == b'/' {
            return Err("is an absolute path");
        }
        let parts: Vec<&[u8]> = name
            .split(|b| *b == b'/')
            .filter(|p| !p.is_empty())
            .collect();
        if parts.iter().any(|p| *p == b"..") {
            return Err("has a `..` component that leaves the target directory");
        }
        // Like GNU tar, `.` counts as a component for stripping.
        let kept: PathBuf = parts
            .into_iter()
            .skip(self.strip)
            .filter(|p| *p != b".")
            .map(OsStr::from_bytes)
            .collect();
        Ok((!kept.as_os_str().is_empty()).then_some(kept))
    }

    /// Makes sure every directory above `rel` is a real directory inside the
    /// root, creating missing ones when `create`.
    fn parents(&mut self, name: &[u8], rel: &Path, create: bool) -> Result<()> {
        let Some(parent) = rel.parent() else {
            return Ok(());
        };
        if self.verified.contains(&self.root.join(parent)) {
            return Ok(());
        }
        let mut path = self.root.clone();
        let mut shown = PathBuf::new();
        for part in parent.components() {
            path.push(part);
            shown.push(part);
            if self.verified.contains(&path) {
                continue;
            }
            match fs::symlink_metadata(&path) {
                Ok(meta) if meta.is_dir() => {}
                Ok(meta) if meta.file_type().is_symlink() => {
                    return Err(self.refuse(
                        name,
                        format!(
                            "would be written through the symbolic link `{}`",
                            shown.display()
                        ),
                    ));
                }
                Ok(_) => {
                    return Err(self.refuse(
                        name,
                        format!(
                            "needs `{}` to be a directory, but it is not",
                            shown.display()
                        ),
                    ));
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound && create => create_dir(&path)?,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    return Err(self.refuse(
                        name,
                        format!("refers to `{}`, which does not exist", shown.display()),
                    ));
                }
                Err(e) => return Err(Error::io("inspecting", &path, e)),
            }
            self.verified.insert(path.clone());
        }
        Ok(())
    }

    /// Checks the parents of `rel`, then runs `make` (which must fail
    /// with `AlreadyExists` rather than reuse anything at the path). A file
    /// or link already there is removed and `make` tried again; a directory
    /// is never replaced. Trying first saves a stat per entry.
    fn create<T>(
        &mut self,
        name: &[u8],
        rel: &Path,
        what: &str,
        action: &'static str,
        make: impl Fn(&Path) -> io::Result<T>,
    ) -> Result<(PathBuf, T)> {
        self.parents(name, rel, true)?;
        let path = self.root.join(rel);
        match make(&path) {
            Ok(made) => return Ok((path, made)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(Error::io(action, &path, e)),
        }
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => {
                return Err(self.refuse(
                    name,
                    format!(
                        "would replace the directory `{}` with {what}",
                        rel.display()
                    ),
                ));
            }
            Ok(_) => remove(&path)?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io("inspecting", &path, e)),
        }
        let made = make(&path).map_err(|e| Error::io(action, &path, e))?;
        Ok((path, made))
    }

    fn file_mode(&self, mode: u32) -> u32 {
        // Set-id bits have no business in a source tree.
        (mode & 0o777) | if self.make_writable { 0o200 } else { 0 }
    }

    fn copy(
        &mut self,
        name: &[u8],
        data: &mut dyn Read,
        file: &mut File,
        path: &Path,
    ) -> Result<()> {
        let mut buffer = std::mem::take(&mut self.buffer);
        buffer.resize(COPY_BUFFER, 0);
        let result = loop {
            let n = match data.read(&mut buffer) {
                Ok(0) => break Ok(()),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    break Err(self.corrupt(format!(
                        "reading entry `{}`: {e}",
                        String::from_utf8_lossy(name)
                    )))
                }
            };
            if let Err(e) = file.write_all(&buffer[..n]) {
                break Err(Error::io("writing", path, e));
            }
        };
        self.buffer = buffer;
        result
    }
}

fn create_dir(path: &Path) -> Result<()> {
    fs::create_dir(path).map_err(|e| Error::io("creating directory", path, e))
}

fn remove(path: &Path) -> Result<()> {
    fs::remove_file(path).map_err(|e| Error::io("replacing", path, e))
}

/// Seconds since the epoch as a `SystemTime` (negative ones too).
pub(super) fn system_time(secs: i64) -> SystemTime {
    if secs >= 0 {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs as u64)
    } else {
        SystemTime::UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
    }
}

/// Sets the modification time of `path`, of a symbolic link itself rather
/// than its target.
pub(super) fn set_mtime_nofollow(path: &Path, secs: i64, nanos: i64) -> Result<()> {
    crate::files::set_mtime_nofollow(path, secs, nanos)
        .map_err(|e| Error::io("setting the time of", path, e))
}
