//! What the build tree and the outputs looked like when a phase finished,
//! so a resume can put them back exactly there.
//!
//! A manifest records every entry (type, inode, size, mtime, mode), not its
//! contents: copying contents at every phase boundary would cost as much as
//! the build. Restoring therefore removes what the interrupted phase added
//! and puts back modes it changed; if it changed or removed anything that
//! was there before, the tree cannot be restored and the error names the
//! files, so the user can re-run from an earlier phase instead.

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

/// One directory entry as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    /// 'f' file, 'd' directory, 'l' symlink, 'o' anything else.
    kind: char,
    ino: u64,
    size: u64,
    /// Seconds and nanoseconds apart: nanoseconds since the epoch overflow
    /// an i64 in 2262, and files may carry later times.
    mtime: (i64, i64),
    mode: u32,
}

impl Entry {
    fn of(meta: &std::fs::Metadata) -> Entry {
        let kind = if meta.file_type().is_symlink() {
            'l'
        } else if meta.is_dir() {
            'd'
        } else if meta.is_file() {
            'f'
        } else {
            'o'
        };
        Entry {
            kind,
            ino: meta.ino(),
            size: if kind == 'd' { 0 } else { meta.size() },
            mtime: if kind == 'd' {
                (0, 0)
            } else {
                (meta.mtime(), meta.mtime_nsec())
            },
            mode: meta.permissions().mode() & 0o7777,
        }
    }

    /// Same file, same contents as far as the metadata tells (a directory's
    /// own time changes whenever an entry is added, so it is not compared).
    fn same_content(&self, other: &Entry) -> bool {
        self.kind == other.kind
            && (self.kind == 'd'
                || (self.ino == other.ino && self.size == other.size && self.mtime == other.mtime))
    }
}

/// The entries under a set of roots at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeManifest {
    roots: Vec<PathBuf>,
    entries: BTreeMap<PathBuf, Entry>,
}

/// What a restore did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Restored {
    /// Entries the interrupted phase had added, now removed.
    pub removed: usize,
    /// Entries whose mode was put back.
    pub modes: usize,
}

impl TreeManifest {
    /// Records everything under `roots` except `skip` (phaser's own directory).
    pub fn capture(roots: &[PathBuf], skip: &Path) -> anyhow::Result<TreeManifest> {
        let mut entries = BTreeMap::new();
        for root in roots {
            walk(root, skip, &mut |path, meta| {
                entries.insert(path.to_path_buf(), Entry::of(meta));
            })?;
        }
        Ok(TreeManifest {
            roots: roots.to_vec(),
            entries,
        })
    }

    /// How many entries the manifest holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Puts the roots back the way the manifest saw them, or, when that is
    /// impossible, changes nothing and returns the entries that were
    /// modified or removed since.
    pub fn restore(&self, skip: &Path) -> Result<Restored, Vec<PathBuf>> {
        let mut now = BTreeMap::new();
        for root in &self.roots {
            let _ = walk(root, skip, &mut |path, meta| {
                now.insert(path.to_path_buf(), Entry::of(meta));
            });
        }
        let changed: Vec<PathBuf> = self
            .entries
            .iter()
            .filter(|(path, was)| !now.get(*path).is_some_and(|is| was.same_content(is)))
            .map(|(path, _)| path.clone())
            .collect();
        if !changed.is_empty() {
            return Err(changed);
        }
        let mut restored = Restored::default();
        // Added entries, deepest first; an added directory goes with its contents.
        let added: Vec<&PathBuf> = now
            .keys()
            .filter(|p| !self.entries.contains_key(*p))
            .collect();
        for path in added.iter().rev() {
            if self
                .entries
                .keys()
                .any(|kept| kept.starts_with(path) && kept != *path)
            {
                continue;
            }
            let meta = match std::fs::symlink_metadata(path) {
                Ok(meta) => meta,
                Err(_) => continue,
            };
            let result = if meta.is_dir() {
                std::fs::remove_dir_all(path)
            } else {
                std::fs::remove_file(path)
            };
            if result.is_ok() {
                restored.removed += 1;
            }
        }
        for (path, was) in &self.entries {
            if was.kind != 'l' && now.get(path).is_some_and(|is| is.mode != was.mode) {
                let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(was.mode));
                restored.modes += 1;
            }
        }
        Ok(restored)
    }
}

/// Calls `visit` for `root` and everything below it, never following
/// symlinks, skipping `skip`. A missing root is simply empty.
fn walk(
    root: &Path,
    skip: &Path,
    visit: &mut dyn FnMut(&Path, &std::fs::Metadata),
) -> anyhow::Result<()> {
    let meta = match std::fs::symlink_metadata(root) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("reading {}", root.display())),
    };
    visit(root, &meta);
    if !meta.is_dir() {
        return Ok(());
    }
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path == skip {
                continue;
            }
            let Ok(meta) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            visit(&path, &meta);
            if meta.is_dir() {
                stack.push(path);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_entries_go_and_changed_modes_come_back() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        std::fs::create_dir(root.join("src")).unwrap();
        std::fs::write(root.join("src/a.c"), "a").unwrap();
        std::fs::create_dir(root.join(".phaser")).unwrap();
        let manifest =
            TreeManifest::capture(std::slice::from_ref(&root), &root.join(".phaser")).unwrap();
        // The interrupted phase adds files and a directory, and chmods.
        std::fs::write(root.join("src/a.o"), "o").unwrap();
        std::fs::create_dir_all(root.join("build/deep")).unwrap();
        std::fs::write(root.join("build/deep/x"), "x").unwrap();
        std::fs::set_permissions(root.join("src/a.c"), std::fs::Permissions::from_mode(0o600))
            .unwrap();
        std::fs::write(root.join(".phaser/state.json"), "{}").unwrap();
        let restored = manifest.restore(&root.join(".phaser")).unwrap();
        assert_eq!(restored.modes, 1);
        assert!(!root.join("src/a.o").exists() && !root.join("build").exists());
        assert!(root.join("src/a.c").exists() && root.join(".phaser/state.json").exists());
    }

    #[test]
    fn a_modified_file_makes_the_restore_refuse_and_change_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        std::fs::write(root.join("config.h"), "old").unwrap();
        let manifest =
            TreeManifest::capture(std::slice::from_ref(&root), &root.join(".phaser")).unwrap();
        std::fs::write(root.join("new.o"), "o").unwrap();
        std::fs::write(root.join("config.h"), "newer contents").unwrap();
        let changed = manifest.restore(&root.join(".phaser")).unwrap_err();
        assert_eq!(changed, vec![root.join("config.h")]);
        assert!(
            root.join("new.o").exists(),
            "nothing is removed when the restore is refused"
        );
    }

    /// Sets `path`'s modification time to `secs` seconds after the epoch.
    fn set_mtime(path: &Path, secs: i64) {
        use std::os::unix::ffi::OsStrExt;
        let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
        let times = [
            libc::timespec {
                tv_sec: 0,
                tv_nsec: libc::UTIME_OMIT,
            },
            libc::timespec {
                tv_sec: secs,
                tv_nsec: 0,
            },
        ];
        // SAFETY: a valid path and two timespecs, as utimensat(2) takes.
        let done = unsafe { libc::utimensat(libc::AT_FDCWD, c.as_ptr(), times.as_ptr(), 0) };
        assert_eq!(done, 0, "{}", std::io::Error::last_os_error());
    }

    #[test]
    fn times_after_2262_are_recorded_and_compared_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let file = root.join("from-the-future");
        std::fs::write(&file, "x").unwrap();
        // 2286 and 2317: past what nanoseconds in an i64 can hold (2262),
        // and tar and ext4 both allow them.
        set_mtime(&file, 10_000_000_000);
        let manifest =
            TreeManifest::capture(std::slice::from_ref(&root), &root.join(".phaser")).unwrap();
        assert!(manifest.restore(&root.join(".phaser")).is_ok());
        set_mtime(&file, 11_000_000_000);
        let changed = manifest.restore(&root.join(".phaser")).unwrap_err();
        assert_eq!(changed, vec![file]);
    }
}
