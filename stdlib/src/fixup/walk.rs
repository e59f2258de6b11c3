//! Listing the files of a tree the way `find -P ROOT` does: symlinks are
//! never followed, not even a root that is one.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::Context;

/// Entries of one kind, collected from a walk.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    /// Regular files.
    pub files: Vec<PathBuf>,
    /// Symbolic links (to anything).
    pub symlinks: Vec<PathBuf>,
}

/// The regular files and symlinks under `root` (or `root` itself when it
/// is one). Unreadable directories are warned about and skipped, as `find`
/// reports them and goes on; a missing root is warned about the same way.
pub(crate) fn list(cx: &Context, function: &str, root: &Path) -> Listing {
    let mut listing = Listing::default();
    for entry in WalkDir::new(root).follow_root_links(false) {
        match entry {
            Ok(entry) => {
                let kind = entry.file_type();
                if kind.is_file() {
                    listing.files.push(entry.into_path());
                } else if kind.is_symlink() {
                    listing.symlinks.push(entry.into_path());
                }
            }
            Err(e) => cx.warn(format!("{function}: skipping {e}")),
        }
    }
    listing
}

/// Whether `name` (a file name) ends in one of `extensions` (without dots).
pub(crate) fn has_extension(name: &Path, extensions: &[&str]) -> bool {
    name.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| extensions.contains(&e))
}
