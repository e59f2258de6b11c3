//! Standard-library family `fixup`: what stdenv's fixup phase does to an
//! output after installation, natively and in parallel.
//!
//! Each function matches the stdenv hook it is named after (the files
//! under nixpkgs' pkgs/build-support/setup-hooks/); where it differs on
//! purpose, its doc says so.

mod audit_tmpdir;
mod batch;
mod libtool;
mod man_pages;
mod move_dirs;
mod move_to_output;
mod patch_shebangs;
mod preserve;
mod search_path;
mod shebang;
mod strip;
mod symlinks;
mod walk;

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::{Context, Error, Function, Result};

/// The arguments of the functions that work on one output directory
/// (`compressManPages`, `pruneLibtoolFiles`, `moveLib64`, `moveSbin`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OutputArgs {
    /// The output directory.
    pub path: String,
}

/// This family's functions, for the registry.
pub(crate) fn functions() -> Vec<Function> {
    let mut functions = vec![
        patch_shebangs::function(),
        strip::function(),
        man_pages::function(),
        libtool::function(),
        move_to_output::function(),
        audit_tmpdir::function(),
    ];
    functions.extend(move_dirs::functions());
    functions.extend(symlinks::functions());
    functions
}

/// `path` checked against the write roots as a directory entry: its parent
/// is resolved, not the entry itself, so a symlink can be removed, renamed
/// or replaced even when it points outside the roots.
pub(crate) fn writable_entry(cx: &Context, path: &Path) -> Result<PathBuf> {
    let path = cx.resolve(path);
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => Ok(cx.writable(parent)?.join(name)),
        _ => Err(Error::msg(format!(
            "{} is not a file or directory that can be changed",
            path.display()
        ))),
    }
}
