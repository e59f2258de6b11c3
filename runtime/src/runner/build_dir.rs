//! The build directory of a run: created (or a fresh one under TMPDIR),
//! its `.phaser/` control directory, and the lock that keeps a second run
//! out of it while this one uses it.

use std::fs::File;
use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};

use super::observer::Observer;
use crate::plan::Plan;
use crate::state::BuildState;

/// A build directory this run holds: until it drops, another run on the
/// same directory is refused (two runs would delete each other's tree).
#[derive(Debug)]
pub(super) struct BuildDir {
    top: PathBuf,
    _lock: File,
}

impl BuildDir {
    /// Creates `dir` (a fresh directory under TMPDIR when `None`) and its
    /// `.phaser/`, and takes the lock.
    pub fn open(dir: Option<&Path>, plan: &Plan) -> anyhow::Result<BuildDir> {
        let dir = match dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating the build directory {}", dir.display()))?;
                dir.to_path_buf()
            }
            None => tempfile::Builder::new()
                .prefix(&format!("phaser-{}-", plan.display_name()))
                .tempdir()
                .context("creating a build directory under TMPDIR")?
                .keep(),
        };
        let top = dir
            .canonicalize()
            .with_context(|| format!("opening the build directory {}", dir.display()))?;
        let control = top.join(".phaser");
        match std::fs::symlink_metadata(&control) {
            Ok(meta) if !meta.is_dir() => bail!(
                "{} is not a directory (a symlink or a file where phaser keeps its state); remove it",
                control.display()
            ),
            Ok(_) => {}
            Err(_) => std::fs::create_dir(&control)
                .with_context(|| format!("creating {}", control.display()))?,
        }
        let lock = lock(&control.join("lock"), &top)?;
        // Scratch directories of phases live below `.phaser/tmp`: a symlink
        // put in its place is not followed.
        let scratch = control.join("tmp");
        if std::fs::symlink_metadata(&scratch).is_ok_and(|m| m.file_type().is_symlink()) {
            std::fs::remove_file(&scratch)
                .with_context(|| format!("removing the symlink {}", scratch.display()))?;
        }
        Ok(BuildDir { top, _lock: lock })
    }

    /// The build directory (absolute, symlinks resolved).
    pub fn top(&self) -> &Path {
        &self.top
    }

    /// Where the process groups of the build's children are written down.
    pub fn groups_file(&self) -> PathBuf {
        self.top.join(".phaser").join("groups")
    }

    /// A run from the first phase in a build directory that holds an
    /// earlier phaser build starts from nothing, as stdenv always does:
    /// the earlier tree goes, and so do its outputs under `out_dir`
    /// (phaser made them; outputs elsewhere, as Nix gives them, are left
    /// alone). A directory without phaser's state is not touched.
    pub fn start_over(&self, out_dir: &Path, observer: &dyn Observer) -> anyhow::Result<()> {
        let Ok(Some(previous)) = BuildState::read(&self.top) else {
            return Ok(());
        };
        observer.note(&format!(
            "starting over in {}: removing the earlier build there (use --resume or --from to continue it instead)",
            self.top.display()
        ));
        for entry in std::fs::read_dir(&self.top)?.flatten() {
            let path = entry.path();
            if entry.file_name() == ".phaser" {
                let _ = std::fs::remove_file(crate::boundaries::Boundaries::path(&self.top));
                continue;
            }
            let removed = if path.is_dir() && !path.is_symlink() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            removed.with_context(|| format!("removing {}", path.display()))?;
        }
        // Where the outputs really are, not how their paths read: a name
        // with `..` or a symlink must not take the removal elsewhere.
        let Ok(out_dir) = std::path::absolute(out_dir).and_then(|d| d.canonicalize()) else {
            return Ok(());
        };
        for output in previous.outputs.values() {
            let Ok(real) = Path::new(output).canonicalize() else {
                continue;
            };
            if real.parent() == Some(out_dir.as_path()) && real.is_dir() {
                std::fs::remove_dir_all(&real)
                    .with_context(|| format!("removing {}", real.display()))?;
            }
        }
        Ok(())
    }
}

/// Takes an exclusive `flock` on `path` (never through a symlink) and
/// writes this process's id into it, for the message another run gets.
fn lock(path: &Path, top: &Path) -> anyhow::Result<File> {
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
        .with_context(|| format!("opening {}", path.display()))?;
    // SAFETY: flock(2) on a descriptor we own.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        let error = std::io::Error::last_os_error();
        if error.raw_os_error() == Some(libc::EWOULDBLOCK) {
            let holder = std::fs::read_to_string(path).unwrap_or_default();
            let holder = holder.trim();
            let by = if holder.is_empty() {
                String::new()
            } else {
                format!(" (pid {holder})")
            };
            return Err(super::Refusal::Busy(format!(
                "another phaser run{by} is using the build directory {}; wait for it to finish, or give this run another --build-dir",
                top.display()
            ))
            .into());
        }
        return Err(error).with_context(|| format!("locking {}", path.display()));
    }
    file.set_len(0)?;
    write!(file, "{}", std::process::id())?;
    Ok(file)
}
