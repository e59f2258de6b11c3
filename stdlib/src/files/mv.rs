//! `move`: `mv`, a rename where possible and copy + remove across file
//! systems.

use std::fs;
use std::os::unix::fs::MetadataExt;

use serde::Deserialize;
use serde_json::Value;

use super::basic::remove_tree;
use super::copy::Copier;
use super::{create_parent, names_directory, refuse_into_itself, writable_entry};
use crate::{Context, Error, Function, Result};

/// `mv SRC DEST`: into `dest` when it is an existing directory or ends in
/// `/` (created when missing), else to `dest`, replacing a file there.
pub fn move_path(cx: &Context, src: &str, dest: &str) -> Result<()> {
    let src_path = writable_entry(cx, src)?;
    let meta =
        fs::symlink_metadata(&src_path).map_err(|e| Error::io("move: reading", &src_path, e))?;
    let dest_path = cx.writable(dest)?;
    let dest_is_dir = fs::metadata(&dest_path).is_ok_and(|m| m.is_dir());
    let target = if dest_is_dir || names_directory(dest) {
        let name = src_path
            .file_name()
            .ok_or_else(|| Error::msg(format!("move: {} has no name", src_path.display())))?;
        dest_path.join(name)
    } else {
        dest_path
    };
    let target = writable_entry(cx, &target)?;
    if let Ok(existing) = fs::symlink_metadata(&target) {
        if (existing.dev(), existing.ino()) == (meta.dev(), meta.ino()) {
            return Err(Error::msg(format!(
                "move: {} and {} are the same file",
                src_path.display(),
                target.display()
            )));
        }
    }
    if meta.is_dir() {
        refuse_into_itself("move", &src_path, &target)?;
    }
    create_parent(&target)?;
    match fs::rename(&src_path, &target) {
        Ok(()) => Ok(()),
        Err(e) if e.raw_os_error() == Some(libc::EXDEV) => {
            Copier::new(true).copy_entry(&src_path, &meta, &target)?;
            if meta.is_dir() {
                remove_tree(&src_path, &meta)
            } else {
                fs::remove_file(&src_path).map_err(|e| Error::io("removing", &src_path, e))
            }
        }
        Err(e) => Err(Error::msg(format!(
            "move: renaming {} to {}: {e}{}",
            src_path.display(),
            target.display(),
            if matches!(e.raw_os_error(), Some(libc::ENOTEMPTY | libc::EEXIST)) {
                " (the destination is a non-empty directory; remove it first)"
            } else {
                ""
            }
        ))),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MoveArgs {
    src: String,
    dest: String,
}

pub(super) fn functions() -> Vec<Function> {
    vec![Function::new(
        "move",
        "{src: string, dest: string}",
        &["src", "dest"],
        "Moves a file, symlink or directory like `mv`: into `dest` when it is an existing \
         directory or ends in `/` (created when missing), otherwise to `dest`, replacing a \
         file there (missing parents are created). A rename when source and destination share \
         a file system; otherwise a `copy` that keeps modes, times and symlinks, then removal \
         of the source.",
        |cx: &Context, a: MoveArgs| {
            move_path(cx, &a.src, &a.dest)?;
            Ok(Value::Null)
        },
    )]
}
