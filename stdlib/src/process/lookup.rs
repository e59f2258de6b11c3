//! Finding the program to run on the phase's `PATH` (never the runner's).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// The executable `name` refers to: a name with a `/` is a path (relative
/// to `cwd`, where the child starts, as in a shell); any other name is
/// looked up in the directories of `path` in order (an empty entry is
/// `cwd`, as POSIX says).
pub(crate) fn find_program(name: &str, path: Option<&str>, cwd: &Path) -> Result<PathBuf> {
    if name.is_empty() {
        return Err(Error::msg("run: the program name (argv[0]) is empty"));
    }
    if name.contains('/') {
        let program = cwd.join(name);
        if fs::symlink_metadata(&program).is_err() {
            return Err(Error::msg(format!(
                "run: program {} does not exist",
                program.display()
            )));
        }
        return Ok(program);
    }
    let Some(path) = path else {
        return Err(Error::msg(format!(
            "run: cannot look up `{name}`: PATH is not set in the phase's environment; \
             set PATH or give the program's full path"
        )));
    };
    for dir in path.split(':') {
        let candidate = if dir.is_empty() {
            cwd.join(name)
        } else {
            cwd.join(dir).join(name)
        };
        if is_executable(&candidate) {
            return Ok(candidate);
        }
    }
    Err(Error::msg(format!(
        "run: program `{name}` not found on PATH ({path}); add the package that provides it \
         to the build inputs, or its directory to PATH"
    )))
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_path_in_order_and_skips_non_executables() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        fs::create_dir(&a).unwrap();
        fs::create_dir(&b).unwrap();
        fs::write(a.join("tool"), "").unwrap();
        fs::write(b.join("tool"), "").unwrap();
        fs::set_permissions(b.join("tool"), fs::Permissions::from_mode(0o755)).unwrap();
        let path = format!("{}:{}", a.display(), b.display());
        assert_eq!(
            find_program("tool", Some(&path), dir.path()).unwrap(),
            b.join("tool")
        );
        let err = find_program("nope", Some(&path), dir.path()).unwrap_err();
        assert!(
            err.to_string().contains("`nope` not found on PATH"),
            "{err}"
        );
        assert!(err.to_string().contains(&path), "{err}");
    }

    #[test]
    fn relative_paths_start_at_the_childs_directory() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("configure"), "").unwrap();
        assert_eq!(
            find_program("./configure", None, dir.path()).unwrap(),
            dir.path().join("./configure")
        );
        assert!(find_program("cc", None, dir.path())
            .unwrap_err()
            .to_string()
            .contains("PATH is not set"));
    }
}
