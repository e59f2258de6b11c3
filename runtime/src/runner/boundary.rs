//! The bookkeeping at a phase boundary: the state file with the tree
//! manifest (what `--resume` restores), and the state kept per phase
//! (what `--from` starts from). Timed, because it is phaser's own cost
//! and the closing table shows it as a row of its own.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::boundaries::Boundaries;
use crate::state::BuildState;
use crate::tree_manifest::TreeManifest;

/// Writes a build's state at each boundary.
pub(super) struct Bookkeeping {
    build_top: PathBuf,
    boundaries: Boundaries,
    /// The build top and the outputs: what a resume puts back.
    tree_roots: Vec<PathBuf>,
}

impl Bookkeeping {
    /// Bookkeeping for the build in `build_top` starting from `state`.
    pub fn open(build_top: &Path, state: &BuildState) -> anyhow::Result<Bookkeeping> {
        let tree_roots = std::iter::once(build_top.to_path_buf())
            .chain(state.outputs.values().map(PathBuf::from))
            .collect();
        Ok(Bookkeeping {
            build_top: build_top.to_path_buf(),
            boundaries: Boundaries::read(build_top)?,
            tree_roots,
        })
    }

    /// Records the tree before the first phase, so a build killed in it
    /// can be resumed.
    pub fn record_start(&mut self, state: &mut BuildState) -> anyhow::Result<()> {
        self.write_state(state)
    }

    /// Records the boundary after phase `index` (`name`, already in
    /// `state.completed`); returns the time it took.
    pub fn record(
        &mut self,
        index: usize,
        name: &str,
        state: &mut BuildState,
    ) -> anyhow::Result<Duration> {
        let started = Instant::now();
        self.write_state(state)?;
        self.boundaries.insert(index, name, state)?;
        Ok(started.elapsed())
    }

    fn write_state(&mut self, state: &mut BuildState) -> anyhow::Result<()> {
        let phaser_dir = self.build_top.join(".phaser");
        state.tree = TreeManifest::capture(&self.tree_roots, &phaser_dir)
            .context("recording the tree for a resume")?;
        state
            .write(&self.build_top)
            .context("writing the build state")
    }
}
