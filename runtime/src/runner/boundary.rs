//! The bookkeeping at a phase boundary: the tree manifest (what
//! `--resume` restores), the state file naming it, and the state kept per
//! phase (what `--from` starts from). Timed, because it is phaser's own
//! cost and the closing table shows it as a row of its own.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::boundaries::Boundaries;
use crate::state::BuildState;
use crate::tree_manifest::{TreeManifest, TreeRef};
use crate::tree_watch::TreeTracker;

/// Writes a build's state at each boundary.
pub(super) struct Bookkeeping {
    build_top: PathBuf,
    boundaries: Boundaries,
    /// The build top and the outputs as they are: what a resume puts back.
    tree: TreeTracker,
    /// The tree file the state file on disk names.
    written: Option<TreeRef>,
    /// Whether this run wrote `written` (an earlier run's may hold
    /// another tree than this run saw first).
    wrote_tree: bool,
}

impl Bookkeeping {
    /// Bookkeeping for the build in `build_top` starting from `state`: the
    /// tree is followed from here on (see [`TreeTracker`]).
    pub fn open(build_top: &Path, state: &BuildState) -> anyhow::Result<Bookkeeping> {
        let roots: Vec<PathBuf> = std::iter::once(build_top.to_path_buf())
            .chain(state.outputs.values().map(PathBuf::from))
            .collect();
        let written = BuildState::read(build_top)
            .ok()
            .flatten()
            .and_then(|s| s.tree);
        let known = written
            .and_then(|tree| TreeManifest::recorded_len(build_top, tree))
            .map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX));
        let tree = TreeTracker::start(&roots, &build_top.join(".phaser"), known);
        Ok(Bookkeeping {
            build_top: build_top.to_path_buf(),
            boundaries: Boundaries::read(build_top)?,
            tree,
            written,
            wrote_tree: false,
        })
    }

    /// A phase starts (the tree may be watched while it runs).
    pub fn phase_started(&mut self) {
        self.tree.phase_started();
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

    /// The tree manifest into the tree file the state file on disk does
    /// not name, then the state naming it. A tree unchanged since this
    /// run wrote its manifest is not written again: the state names that
    /// file once more (never written while a state on disk names it).
    fn write_state(&mut self, state: &mut BuildState) -> anyhow::Result<()> {
        let (slot, sequence) = match self.written {
            Some(tree) => (1 - tree.slot.min(1), tree.sequence + 1),
            None => (0, 1),
        };
        let top = &self.build_top;
        let mine = self.written.filter(|_| self.wrote_tree);
        let tree = self
            .tree
            .with_current_changed(|manifest, changed| match mine {
                Some(written) if !changed => Ok(written),
                _ => manifest.write(top, slot, sequence),
            })
            .and_then(|written| written)
            .context("recording the tree for a resume")?;
        self.wrote_tree = true;
        state.tree = Some(tree);
        state
            .write(&self.build_top)
            .context("writing the build state")?;
        self.written = Some(tree);
        Ok(())
    }
}
