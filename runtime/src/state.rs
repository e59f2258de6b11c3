//! The build state file, `<buildTop>/.phaser/state.json`: everything the
//! next phase needs, written atomically after every phase so a build can be
//! resumed or a single phase re-run.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The state file's format version.
pub const STATE_VERSION: u32 = 1;

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
}

impl BuildState {
    /// Where the state of the build in `build_top` lives.
    pub fn path(build_top: &Path) -> PathBuf {
        build_top.join(".phaser").join("state.json")
    }

    /// Reads the state file of `build_top`, if there is one.
    pub fn read(build_top: &Path) -> anyhow::Result<Option<BuildState>> {
        let path = BuildState::path(build_top);
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

    /// Writes the state file atomically: a temporary file in the same
    /// directory, flushed to disk, then renamed over the old one. A kill at
    /// any moment leaves either the old state or the new one, never half.
    pub fn write(&self, build_top: &Path) -> anyhow::Result<()> {
        let path = BuildState::path(build_top);
        let dir = path.parent().expect("state path has a parent");
        std::fs::create_dir_all(dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        serde_json::to_writer_pretty(&mut tmp, self)?;
        tmp.write_all(b"\n")?;
        tmp.as_file().sync_all()?;
        tmp.persist(&path)
            .map_err(|e| anyhow::anyhow!("writing {}: {}", path.display(), e.error))?;
        Ok(())
    }
}
