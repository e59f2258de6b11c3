//! Keeping a file's mode and times across a rewrite, and getting write
//! permission for it in the meantime.

use std::fs::{self, File, FileTimes, Metadata, Permissions};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::{Error, Result};

/// A file's mode and times as they were before a rewrite.
#[derive(Debug, Clone)]
pub(crate) struct Kept {
    mode: u32,
    times: FileTimes,
}

impl Kept {
    /// Remembers what `meta` (the file's metadata before the change) says.
    pub(crate) fn from(meta: &Metadata) -> Kept {
        let mut times = FileTimes::new();
        if let Ok(modified) = meta.modified() {
            times = times.set_modified(modified);
        }
        if let Ok(accessed) = meta.accessed() {
            times = times.set_accessed(accessed);
        }
        Kept {
            mode: meta.permissions().mode() & 0o7777,
            times,
        }
    }

    /// The permission bits (`0o755`, ...).
    pub(crate) fn mode(&self) -> u32 {
        self.mode
    }

    /// Makes `path` owner-writable when it is not, so it can be opened for
    /// writing by a non-root user; says whether it changed the mode, which
    /// the caller then restores with [`set_mode`].
    pub(crate) fn make_writable(&self, path: &Path) -> Result<bool> {
        if self.mode & 0o200 != 0 {
            return Ok(false);
        }
        set_mode(path, self.mode | 0o200)?;
        Ok(true)
    }

    /// Puts the times back through the open `file`.
    pub(crate) fn restore_times(&self, file: &File, path: &Path) -> Result<()> {
        file.set_times(self.times)
            .map_err(|e| Error::io("restoring the times of", path, e))
    }
}

/// `chmod MODE path`.
pub(crate) fn set_mode(path: &Path, mode: u32) -> Result<()> {
    fs::set_permissions(path, Permissions::from_mode(mode))
        .map_err(|e| Error::io("changing the mode of", path, e))
}
