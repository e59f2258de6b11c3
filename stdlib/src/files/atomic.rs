//! Replacing a file so that readers see the old content or the new one,
//! never half of it: write a temporary file beside it, then rename.

use std::fs::{self, File, OpenOptions, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Error, Result};

/// A temporary file beside its destination, removed on drop unless
/// [`TempFile::persist`] renamed it into place.
#[derive(Debug)]
pub(crate) struct TempFile {
    path: PathBuf,
    persisted: bool,
}

impl TempFile {
    /// Creates a new, empty file (mode 0600) in `dest`'s directory, so the
    /// final rename never crosses a file system.
    pub(crate) fn beside(dest: &Path) -> io::Result<(TempFile, File)> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let name = dest
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?;
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let mut tmp_name = std::ffi::OsString::from(".");
            tmp_name.push(name);
            tmp_name.push(format!(".phaser-tmp.{}.{n}", std::process::id()));
            let path = dest.with_file_name(tmp_name);
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
            {
                Ok(file) => {
                    return Ok((
                        TempFile {
                            path,
                            persisted: false,
                        },
                        file,
                    ))
                }
                // A leftover of a killed run with the same pid: try the next name.
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Where the temporary file is.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the temporary file to `dest`, replacing what was there.
    pub(crate) fn persist(mut self, dest: &Path) -> io::Result<()> {
        fs::rename(&self.path, dest)?;
        self.persisted = true;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.persisted {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Replaces `dest` with `data` atomically, giving it `mode`. The directory
/// must exist.
pub(crate) fn write_atomic(dest: &Path, data: &[u8], mode: u32) -> Result<()> {
    let (tmp, mut file) = TempFile::beside(dest)
        .map_err(|e| Error::io("creating a temporary file beside", dest, e))?;
    file.write_all(data)
        .map_err(|e| Error::io("writing", tmp.path(), e))?;
    file.set_permissions(Permissions::from_mode(mode))
        .map_err(|e| Error::io("setting the mode of", tmp.path(), e))?;
    drop(file);
    tmp.persist(dest)
        .map_err(|e| Error::io("renaming a temporary file onto", dest, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_and_mode_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("f");
        fs::write(&dest, "old").unwrap();
        write_atomic(&dest, b"new", 0o751).unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"new");
        assert_eq!(
            fs::metadata(&dest).unwrap().permissions().mode() & 0o7777,
            0o751
        );
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_dropped_temporary_file_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let (tmp, _file) = TempFile::beside(&dir.path().join("f")).unwrap();
        let path = tmp.path().to_path_buf();
        assert!(path.exists());
        drop(tmp);
        assert!(!path.exists());
    }
}
