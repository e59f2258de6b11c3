//! The files phaser itself keeps in a build tree (the state file, the
//! scratch files of a bash phase, records): rewritten often, so written
//! over in place, and never through a symlink, since anything in the tree
//! (a phase, an unpacked archive) could have put one there.

use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Makes `bytes` the whole content of `path`, owner-readable only.
///
/// It writes over what is there and then cuts it to length rather than
/// truncating first, as `std::fs::write` does: ext4 answers a
/// truncate-to-zero followed by a write with an immediate flush of the
/// file (its `auto_da_alloc` heuristic), which costs milliseconds per file
/// on a busy disk. The file is opened as [`open_in_place`] opens it: a
/// symlink at `path` is replaced, never followed.
pub fn overwrite(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = open_in_place(path)?;
    let before = file.metadata()?.len();
    file.write_all(bytes)?;
    // Cut only what is left of a longer old content: a truncate to the
    // same length still costs ext4 a pass over the file's blocks.
    if before > bytes.len() as u64 {
        file.set_len(bytes.len() as u64)?;
    }
    Ok(())
}

/// `path` opened for writing over what is there (created, owner-readable
/// only, if missing; never truncated). A symlink at `path` is replaced by
/// a new file, never followed; anything else but a file is an error.
pub fn open_in_place(path: &Path) -> io::Result<File> {
    let open = || {
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(path)
    };
    let file = match open() {
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            std::fs::remove_file(path)?;
            open()?
        }
        other => other?,
    };
    if !file.metadata()?.is_file() {
        return Err(io::Error::other(format!(
            "{} is not a file",
            path.display()
        )));
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symlink_in_the_way_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let path = dir.path().join("state.json.tmp");
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        overwrite(&path, b"{}").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{}");
        overwrite(&path, b"1").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "1");
    }
}
