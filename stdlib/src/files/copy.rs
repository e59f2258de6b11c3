//! `copy`: `cp -a` — recursive, symlinks copied as symlinks, hard links
//! within the copy kept, modes and timestamps preserved, file contents
//! reflinked or kernel-copied where the file system allows.
//!
//! Where a source goes (the `cp -r` rules):
//! - into `dest` (as `dest/<source name>`) when `dest` is an existing
//!   directory (a symlink to one counts), ends in `/` (created when
//!   missing), or several sources are given;
//! - otherwise to `dest` itself; missing parent directories are created.
//!
//! A directory copied onto an existing directory merges into it, as
//! `cp -r` does; existing files are replaced (not written through, so a
//! symlink at the destination is replaced, not followed) unless
//! `overwrite` is false.

use std::collections::HashMap;
use std::fs::{self, Metadata, OpenOptions, Permissions};
use std::io;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use super::clone::{copy_contents, set_file_times, set_path_times};
use super::{
    create_parent, names_directory, refuse_into_itself, writable_entry, yes, StringOrList,
};
use crate::{Context, Error, Function, Result};

/// `cp -a SRC... DEST` with the rules in the module documentation.
pub fn copy(cx: &Context, src: &StringOrList, dest: &str, overwrite: bool) -> Result<()> {
    let dest_path = cx.writable(dest)?;
    let dest_is_dir = fs::metadata(&dest_path).is_ok_and(|m| m.is_dir());
    let into = dest_is_dir || names_directory(dest) || matches!(src, StringOrList::Many(_));
    if into && !dest_is_dir {
        fs::create_dir_all(&dest_path)
            .map_err(|e| Error::io("creating directory", &dest_path, e))?;
    }
    let mut copier = Copier::new(overwrite);
    for source in src.items() {
        let src_path = cx.resolve(source);
        // `dir/` and `link/` mean the directory itself, as for cp.
        let meta = if names_directory(source) {
            fs::metadata(&src_path)
        } else {
            fs::symlink_metadata(&src_path)
        }
        .map_err(|e| Error::io("copy: reading", &src_path, e))?;
        let target = if into {
            let name = src_path.file_name().ok_or_else(|| {
                Error::msg(format!(
                    "copy: {} has no name to copy it under; give the destination's full path",
                    src_path.display()
                ))
            })?;
            dest_path.join(name)
        } else {
            dest_path.clone()
        };
        let target = writable_entry(cx, &target)?;
        if meta.is_dir() {
            refuse_into_itself("copy", &src_path, &target)?;
        }
        create_parent(&target)?;
        copier.copy_entry(&src_path, &meta, &target)?;
    }
    Ok(())
}

/// One copy operation's state: files already copied that have further hard
/// links, so later links to them become links in the copy too.
pub(crate) struct Copier {
    overwrite: bool,
    links: HashMap<(u64, u64), PathBuf>,
}

impl Copier {
    /// A copier that replaces existing non-directories when `overwrite`.
    pub(crate) fn new(overwrite: bool) -> Copier {
        Copier {
            overwrite,
            links: HashMap::new(),
        }
    }

    /// Copies `src` (whose metadata, not following symlinks, is `meta`) to
    /// `dest`, whose parent exists.
    pub(crate) fn copy_entry(&mut self, src: &Path, meta: &Metadata, dest: &Path) -> Result<()> {
        let file_type = meta.file_type();
        if file_type.is_dir() {
            self.copy_dir(src, meta, dest)
        } else if file_type.is_symlink() {
            self.copy_symlink(src, meta, dest)
        } else if file_type.is_file() {
            self.copy_file(src, meta, dest)
        } else {
            Err(Error::msg(format!(
                "copy: {} is a device, socket or FIFO, which copy does not reproduce; \
                 remove it from the source or create it in the destination yourself",
                src.display()
            )))
        }
    }

    fn copy_dir(&mut self, src: &Path, meta: &Metadata, dest: &Path) -> Result<()> {
        match fs::symlink_metadata(dest) {
            Ok(existing) if existing.is_dir() => {
                // Merging into a read-only directory: open it up while
                // filling; it gets the source's mode at the end anyway.
                if existing.mode() & 0o700 != 0o700 {
                    set_mode(dest, existing.mode() | 0o700)?;
                }
            }
            Ok(_) => {
                return Err(Error::msg(format!(
                    "copy: cannot overwrite non-directory {} with directory {}",
                    dest.display(),
                    src.display()
                )))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir(dest).map_err(|e| Error::io("creating directory", dest, e))?
            }
            Err(e) => return Err(Error::io("checking", dest, e)),
        }
        let mut entries = fs::read_dir(src)
            .and_then(|list| list.collect::<io::Result<Vec<_>>>())
            .map_err(|e| Error::io("reading directory", src, e))?;
        // Sorted, so which of several hard links becomes the file is stable.
        entries.sort_by_key(|entry| entry.file_name());
        for entry in entries {
            let path = entry.path();
            let child = entry
                .metadata()
                .map_err(|e| Error::io("checking", &path, e))?;
            self.copy_entry(&path, &child, &dest.join(entry.file_name()))?;
        }
        // Mode and times last: a read-only mode would stop the filling, and
        // every file created inside changed the mtime.
        set_mode(dest, meta.mode())?;
        set_path_times(dest, meta).map_err(|e| Error::io("setting the times of", dest, e))
    }

    fn copy_symlink(&mut self, src: &Path, meta: &Metadata, dest: &Path) -> Result<()> {
        let target = fs::read_link(src).map_err(|e| Error::io("reading symlink", src, e))?;
        self.clear(src, dest)?;
        std::os::unix::fs::symlink(&target, dest)
            .map_err(|e| Error::io("creating symlink", dest, e))?;
        set_path_times(dest, meta).map_err(|e| Error::io("setting the times of", dest, e))
    }

    fn copy_file(&mut self, src: &Path, meta: &Metadata, dest: &Path) -> Result<()> {
        let key = (meta.dev(), meta.ino());
        if meta.nlink() > 1 {
            if let Some(first) = self.links.get(&key) {
                self.clear(src, dest)?;
                return fs::hard_link(first, dest)
                    .map_err(|e| Error::io("creating hard link", dest, e));
            }
        }
        self.clear(src, dest)?;
        let input = fs::File::open(src).map_err(|e| Error::io("reading", src, e))?;
        let output = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(dest)
            .map_err(|e| Error::io("creating", dest, e))?;
        copy_contents(&input, &output).map_err(|e| Error::io("copying to", dest, e))?;
        output
            .set_permissions(Permissions::from_mode(meta.mode() & 0o7777))
            .map_err(|e| Error::io("setting the mode of", dest, e))?;
        set_file_times(&output, meta).map_err(|e| Error::io("setting the times of", dest, e))?;
        if meta.nlink() > 1 {
            self.links.insert(key, dest.to_path_buf());
        }
        Ok(())
    }

    /// Makes room for a non-directory at `dest`.
    fn clear(&self, src: &Path, dest: &Path) -> Result<()> {
        match fs::symlink_metadata(dest) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io("checking", dest, e)),
            Ok(meta) if meta.is_dir() => Err(Error::msg(format!(
                "copy: cannot overwrite directory {} with non-directory {}",
                dest.display(),
                src.display()
            ))),
            Ok(_) if !self.overwrite => Err(Error::msg(format!(
                "copy: {} already exists; pass overwrite: true to replace it",
                dest.display()
            ))),
            Ok(_) => fs::remove_file(dest).map_err(|e| Error::io("replacing", dest, e)),
        }
    }
}

fn set_mode(path: &Path, mode: u32) -> Result<()> {
    fs::set_permissions(path, Permissions::from_mode(mode & 0o7777))
        .map_err(|e| Error::io("setting the mode of", path, e))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CopyArgs {
    src: StringOrList,
    dest: String,
    #[serde(default = "yes")]
    overwrite: bool,
}

pub(super) fn functions() -> Vec<Function> {
    vec![Function::new(
        "copy",
        "{src: string | [string], dest: string, overwrite?: bool}",
        &["src", "dest"],
        "Copies files and directory trees like `cp -a`: recursive, symlinks stay symlinks, \
         hard links within the copy stay linked, modes and access/modification times are \
         kept (ownership is not); contents are reflinked or copied by the kernel where the \
         file system allows. A source goes *into* `dest` when `dest` is an existing directory, \
         ends in `/` (then it is created) or `src` is a list; otherwise it is copied *to* \
         `dest`, creating missing parents. A directory onto an existing directory merges \
         (like `cp -r`). Existing files and symlinks are replaced, never written through, \
         unless `overwrite: false` makes that an error. A source written `dir/` follows a \
         symlink. Devices, sockets and FIFOs are refused.",
        |cx: &Context, a: CopyArgs| {
            copy(cx, &a.src, &a.dest, a.overwrite)?;
            Ok(Value::Null)
        },
    )]
}
