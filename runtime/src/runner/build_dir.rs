//! The build directory of a run: created (or a fresh one under TMPDIR),
//! and its `.phaser/` control directory.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};

use super::observer::Observer;
use crate::plan::Plan;
use crate::state::BuildState;

/// A build directory this run uses.
#[derive(Debug)]
pub(super) struct BuildDir {
    top: PathBuf,
}

impl BuildDir {
    /// Creates `dir` (a fresh directory under TMPDIR when `None`) and its
    /// `.phaser/`.
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
        Ok(BuildDir { top })
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
        let out_dir = std::path::absolute(out_dir)?;
        for output in previous.outputs.values().map(PathBuf::from) {
            if output.starts_with(&out_dir) && output.exists() {
                std::fs::remove_dir_all(&output)
                    .with_context(|| format!("removing {}", output.display()))?;
            }
        }
        Ok(())
    }
}
