//! Directory sources: copied like stdenv's `cp -pr --reflink=auto`, under
//! the directory's name without its Nix store hash.

use std::fs::{self, OpenOptions, Permissions};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use super::target::{set_mtime_nofollow, system_time};
use crate::{Error, Result};

/// `name` without a leading Nix store hash (`<32 base-32 chars>-`), as
/// stdenv's `stripHash` does.
pub(crate) fn strip_store_hash(name: &str) -> &str {
    let bytes = name.as_bytes();
    let hashed = bytes.len() > 33
        && bytes[32] == b'-'
        && bytes[..32]
            .iter()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase());
    if hashed {
        &name[33..]
    } else {
        name
    }
}

/// Copies the directory `src` into `dest` under its stripped name, keeping
/// modes, times and symbolic links; returns the number of entries copied.
pub(super) fn copy(src: &Path, dest: &Path, make_writable: bool) -> Result<u64> {
    let name = src.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
        Error::msg(format!(
            "unpacking {}: the directory has no usable name",
            src.display()
        ))
    })?;
    let root = dest.join(strip_store_hash(name));
    if fs::symlink_metadata(&root).is_ok() {
        return Err(Error::msg(format!(
            "unpacking the directory {}: the destination {} already exists; remove it or unpack \
             into another directory",
            src.display(),
            root.display()
        )));
    }
    let mut dirs: Vec<(PathBuf, fs::Metadata)> = Vec::new();
    let mut entries = 0;
    for item in WalkDir::new(src)
        .follow_links(false)
        .follow_root_links(true)
    {
        let item = item.map_err(|e| {
            let path = e.path().unwrap_or(src).to_path_buf();
            Error::io("reading", path, e.into())
        })?;
        let rel = item.path().strip_prefix(src).unwrap_or(Path::new(""));
        let to = root.join(rel);
        let meta = if item.depth() == 0 {
            fs::metadata(item.path())
        } else {
            fs::symlink_metadata(item.path())
        }
        .map_err(|e| Error::io("reading", item.path(), e))?;
        let kind = meta.file_type();
        if kind.is_dir() {
            fs::create_dir(&to).map_err(|e| Error::io("creating directory", &to, e))?;
            dirs.push((to, meta));
        } else if kind.is_symlink() {
            let link = fs::read_link(item.path())
                .map_err(|e| Error::io("reading the link", item.path(), e))?;
            std::os::unix::fs::symlink(&link, &to)
                .map_err(|e| Error::io("creating the symbolic link", &to, e))?;
            set_mtime_nofollow(&to, meta.mtime(), meta.mtime_nsec())?;
        } else if kind.is_file() {
            copy_file(item.path(), &to, &meta, make_writable)?;
        } else {
            return Err(Error::msg(format!(
                "unpacking the directory {}: {} is a device, fifo or socket, which source trees may \
                 not contain",
                src.display(),
                item.path().display()
            )));
        }
        entries += 1;
    }
    // Deepest first: a directory's time changes while its children are added.
    for (path, meta) in dirs.iter().rev() {
        let mode = (meta.mode() & 0o777) | if make_writable { 0o200 } else { 0 };
        let handle = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(path)
            .map_err(|e| Error::io("opening the directory", path, e))?;
        handle
            .set_permissions(Permissions::from_mode(mode))
            .map_err(|e| Error::io("setting the mode of", path, e))?;
        handle
            .set_modified(
                system_time(meta.mtime())
                    + std::time::Duration::from_nanos(meta.mtime_nsec() as u64),
            )
            .map_err(|e| Error::io("setting the time of", path, e))?;
    }
    Ok(entries)
}

fn copy_file(from: &Path, to: &Path, meta: &fs::Metadata, make_writable: bool) -> Result<()> {
    // std::fs::copy uses copy_file_range(2), which reflinks on file systems
    // that can (btrfs, xfs) and copies in the kernel elsewhere.
    fs::copy(from, to).map_err(|e| Error::io("copying to", to, e))?;
    set_mtime_nofollow(to, meta.mtime(), meta.mtime_nsec())?;
    let mode = (meta.mode() & 0o777) | if make_writable { 0o200 } else { 0 };
    fs::set_permissions(to, Permissions::from_mode(mode))
        .map_err(|e| Error::io("setting the mode of", to, e))
}

#[cfg(test)]
mod tests {
    use super::strip_store_hash;

    #[test]
    fn store_hashes_are_stripped() {
        assert_eq!(
            strip_store_hash("0c6yqn9cg6kfx3yd3ph8bq6jcp6zhbxj-hello-2.10"),
            "hello-2.10"
        );
        assert_eq!(strip_store_hash("hello-2.10"), "hello-2.10");
        assert_eq!(strip_store_hash("short-hello"), "short-hello");
    }
}
