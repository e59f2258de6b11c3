//! Replacing a small file atomically and cheaply, again and again: the
//! state file after every phase, the tree manifest, the boundary states.
//!
//! A kill at any moment leaves the old content or the new one, never half.
//! Creating a new temporary file each time (and truncating) costs ext4 an
//! inode allocation and an immediate flush (`auto_da_alloc`), several ms
//! per phase on this kind of machine; so one scratch file per target,
//! `NAME.tmp`, is kept and overwritten in place, then swapped with the
//! target. Only one run writes a build directory at a time: the runner
//! holds a lock on it (`.phaser/lock`).

use std::path::Path;

/// Makes `bytes` the content of `path` atomically (via `path` + `.tmp`).
pub(crate) fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut scratch = path.as_os_str().to_owned();
    scratch.push(".tmp");
    let scratch = std::path::PathBuf::from(scratch);
    phaser_stdlib::control_file::overwrite(&scratch, bytes).and_then(|()| replace(&scratch, path))
}

/// Puts `scratch` where `path` is, atomically. Where `path` exists (every
/// write but the first) and the system can, the two swap names
/// (`renameat2(RENAME_EXCHANGE)`, Linux 3.15+), so the scratch file lives
/// on to be overwritten next time; otherwise a plain rename.
fn replace(scratch: &Path, path: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    if exchange(scratch, path).is_ok() {
        return Ok(());
    }
    std::fs::rename(scratch, path)
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(std::io::Error::other);
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: two valid NUL-terminated paths, resolved from the current
    // directory (they are absolute here anyway).
    let done = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if done == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}
