//! The build state file, `<buildTop>/.phaser/state.json`: everything the
//! next phase needs, written atomically after every phase so a build can be
//! resumed or a single phase re-run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The state file's format version (2: the tree manifest in a file of its own).
pub const STATE_VERSION: u32 = 2;

/// What the runner carries from phase to phase.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BuildState {
    /// [`STATE_VERSION`].
    pub version: u32,
    /// sha256 of the plan, to notice a changed plan on resume.
    pub plan_hash: String,
    /// Phases that finished, in order.
    pub completed: Vec<String>,
    /// The merged `state` answers.
    pub state: Map<String, Value>,
    /// The environment processes get.
    pub env: BTreeMap<String, String>,
    /// The attributes after `attrs` answers.
    pub attrs: Map<String, Value>,
    /// Output name to path.
    pub outputs: BTreeMap<String, String>,
    /// The working directory the next phase starts in.
    pub cwd: PathBuf,
    /// Fingerprints of the plan's parts, to say what changed on a resume.
    #[serde(default)]
    pub plan_digest: crate::plan_digest::PlanDigest,
    /// The tree file holding the tree and outputs as this state's last
    /// phase left them, which `--resume` restores (see
    /// [`crate::tree_manifest`]: the state names the file and the write,
    /// so a kill between the two writes never pairs a state with another
    /// phase's tree).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tree: Option<crate::tree_manifest::TreeRef>,
}

impl BuildState {
    /// Where the state of the build in `build_top` lives.
    pub fn path(build_top: &Path) -> PathBuf {
        build_top.join(".phaser").join("state.json")
    }

    /// Reads the state file of `build_top`, if there is one.
    pub fn read(build_top: &Path) -> anyhow::Result<Option<BuildState>> {
        BuildState::read_file(&BuildState::path(build_top))
    }

    fn read_file(path: &Path) -> anyhow::Result<Option<BuildState>> {
        let path = path.to_path_buf();
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(anyhow::anyhow!("reading {}: {e}", path.display())),
        };
        let state: BuildState = serde_json::from_slice(&bytes).map_err(|e| {
            anyhow::anyhow!(
                "{} is not a phaser state file ({e}); remove it to start over",
                path.display()
            )
        })?;
        if state.version != STATE_VERSION {
            anyhow::bail!("{} has format version {}, this phaser writes {STATE_VERSION}; start a fresh build directory", path.display(), state.version);
        }
        Ok(Some(state))
    }

    /// Writes the state file atomically: the whole text goes into a
    /// scratch file beside it (`state.json.tmp`), which then takes the
    /// state file's place in one rename. A kill at any moment (even
    /// `kill -9` of phaser) leaves either the old state or the new one in
    /// `state.json`, never half: only the scratch file is ever written to,
    /// and what was written before the rename is already the kernel's.
    ///
    /// Two things a no-op phase would otherwise pay for, measured on ext4
    /// under load (`cargo bench -p phaser --bench dispatch`):
    ///
    /// - No fsync. It cost 0.3–15 ms per phase, and only guards against a
    ///   power loss or kernel crash, after which a half-done build directory
    ///   is suspect anyway (Nix throws it away). A state file that then
    ///   reads as garbage is refused by [`BuildState::read`], with a message
    ///   saying to start over; nothing else is lost.
    /// - No new file per write, and no rename over an existing file: on
    ///   ext4, renaming over a file or truncating one to zero makes the
    ///   kernel flush the new data then and there (its `auto_da_alloc`
    ///   heuristic), and creating a file allocates an inode; together
    ///   several ms per phase. So the scratch file is kept and overwritten
    ///   in place, and swapped with the state file (see `replace`). One
    ///   scratch name is enough: only one run at a time holds a build
    ///   directory (`.phaser/lock`).
    pub fn write(&self, build_top: &Path) -> anyhow::Result<()> {
        let path = BuildState::path(build_top);
        let dir = path.parent().expect("state path has a parent");
        std::fs::create_dir_all(dir)?;
        // One buffer, one write: serde_json writes token by token, which
        // to an unbuffered file is hundreds of system calls.
        let mut text = serde_json::to_vec_pretty(self)?;
        text.push(b'\n');
        crate::atomic_file::write(&path, &text)
            .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(completed: &[&str]) -> BuildState {
        BuildState {
            version: STATE_VERSION,
            plan_hash: String::from("0"),
            completed: completed.iter().map(|c| c.to_string()).collect(),
            state: Map::new(),
            env: BTreeMap::new(),
            attrs: Map::new(),
            outputs: BTreeMap::new(),
            cwd: PathBuf::from("/"),
            plan_digest: Default::default(),
            tree: None,
        }
    }

    #[test]
    fn each_write_replaces_the_whole_state_even_a_longer_one() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(BuildState::read(dir.path()).unwrap(), None);
        let long = state(&["unpack", "patch", "configure", "build", "check"]);
        let short = state(&["unpack"]);
        for expected in [&short, &long, &short, &short] {
            expected.write(dir.path()).unwrap();
            let read = BuildState::read(dir.path()).unwrap();
            assert_eq!(read.as_ref(), Some(expected));
        }
    }
}
