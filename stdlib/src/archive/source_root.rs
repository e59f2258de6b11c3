//! stdenv's rule for `sourceRoot`: the one directory unpacking added.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fs;
use std::path::Path;

use crate::{Error, Result};

/// The names in `dir`.
pub(super) fn listing(dir: &Path) -> Result<BTreeSet<OsString>> {
    let entries = fs::read_dir(dir).map_err(|e| Error::io("listing", dir, e))?;
    entries
        .map(|entry| {
            entry
                .map(|e| e.file_name())
                .map_err(|e| Error::io("listing", dir, e))
        })
        .collect()
}

/// The single directory in `dir` not in `before`. Like stdenv's `for i in
/// *; do [ -d "$i" ]`, hidden names are not considered and a symbolic link
/// to a directory counts as one.
pub(super) fn added_directory(
    dir: &Path,
    before: &BTreeSet<OsString>,
    src: &Path,
) -> Result<String> {
    let added: Vec<String> = listing(dir)?
        .into_iter()
        .filter(|name| !before.contains(name))
        .filter(|name| !name.as_encoded_bytes().starts_with(b"."))
        .filter(|name| dir.join(name).is_dir())
        .map(|name| name.to_string_lossy().into_owned())
        .collect();
    match added.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(Error::msg(format!(
            "unpacker appears to have produced no directories (unpacking {} into {}); pass \
             `sourceRoot: false` and choose the source root yourself if the archive has no top-level directory",
            src.display(),
            dir.display()
        ))),
        many => Err(Error::msg(format!(
            "unpacker produced multiple directories ({}) unpacking {} into {}; pass `sourceRoot: false` \
             and choose the source root yourself",
            many.join(", "),
            src.display(),
            dir.display()
        ))),
    }
}
