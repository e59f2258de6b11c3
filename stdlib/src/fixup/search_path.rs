//! Looking programs up on a colon-separated search path, the way bash's
//! `type -P` does, with a cache shared by the threads of one call.

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// A search path (`PATH`, `HOST_PATH`) and the answers found on it so far.
///
/// Fixup functions ask for the same few names (`bash`, `sh`, `perl`)
/// thousands of times; each name is looked up once per call.
#[derive(Debug)]
pub(crate) struct SearchPath {
    dirs: Vec<PathBuf>,
    cwd: PathBuf,
    found: Mutex<HashMap<String, Option<String>>>,
}

impl SearchPath {
    /// The directories of `value` (`a:b:c`); an empty entry means the
    /// working directory, as in bash.
    pub(crate) fn new(value: &str, cwd: &Path) -> SearchPath {
        let dirs = if value.is_empty() {
            Vec::new()
        } else {
            value
                .split(':')
                .map(|dir| {
                    if dir.is_empty() {
                        cwd.to_path_buf()
                    } else {
                        PathBuf::from(dir)
                    }
                })
                .collect()
        };
        SearchPath {
            dirs,
            cwd: cwd.to_path_buf(),
            found: Mutex::new(HashMap::new()),
        }
    }

    /// Where `name` is: `dir/name` for the first directory holding an
    /// executable file of that name, spelled as the path spells it (not
    /// canonicalized, like `type -P`). A name with a slash is taken as a
    /// path and returned as given when it is executable.
    pub(crate) fn find(&self, name: &str) -> Option<String> {
        if name.is_empty() {
            return None;
        }
        if let Some(hit) = self.cached(name) {
            return hit;
        }
        let hit = if name.contains('/') {
            is_executable(&self.cwd.join(name)).then(|| name.to_string())
        } else {
            self.dirs
                .iter()
                .map(|dir| dir.join(name))
                .find(|candidate| is_executable(candidate))
                .map(|path| path.to_string_lossy().into_owned())
        };
        if let Ok(mut found) = self.found.lock() {
            found.insert(name.to_string(), hit.clone());
        }
        hit
    }

    fn cached(&self, name: &str) -> Option<Option<String>> {
        self.found.lock().ok()?.get(name).cloned()
    }
}

/// A regular file (after following links) with an execute bit.
fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn executable(path: &Path) {
        fs::write(path, "#!/bin/sh\n").unwrap();
        fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn the_first_directory_with_an_executable_wins() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        fs::create_dir_all(&a).unwrap();
        fs::create_dir_all(&b).unwrap();
        fs::write(a.join("tool"), "not executable").unwrap();
        executable(&b.join("tool"));
        let path = SearchPath::new(&format!("{}:{}", a.display(), b.display()), dir.path());
        assert_eq!(
            path.find("tool"),
            Some(b.join("tool").to_string_lossy().into_owned())
        );
        assert_eq!(path.find("missing"), None);
        assert_eq!(path.find(""), None);
        // Cached answers stay the same.
        assert_eq!(
            path.find("tool"),
            Some(b.join("tool").to_string_lossy().into_owned())
        );
    }

    #[test]
    fn an_empty_path_finds_nothing_and_an_empty_entry_is_the_cwd() {
        let dir = tempfile::tempdir().unwrap();
        executable(&dir.path().join("here"));
        assert_eq!(SearchPath::new("", dir.path()).find("here"), None);
        let found = SearchPath::new("/nonexistent:", dir.path()).find("here");
        assert_eq!(
            found,
            Some(dir.path().join("here").to_string_lossy().into_owned())
        );
    }
}
