//! The state after each phase (`.phaser/states.json`), kept so `--from` or
//! `--only` a phase can start from exactly the state it saw the first time.
//!
//! One file for all phases, read once per run and rewritten after each
//! phase, so a phase boundary costs neither a new file nor a re-read.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::state::BuildState;

/// The states kept after each phase of one build directory.
#[derive(Debug)]
pub struct Boundaries {
    path: PathBuf,
    states: Map<String, Value>,
}

impl Boundaries {
    /// Where they are kept for the build in `build_top`.
    pub fn path(build_top: &Path) -> PathBuf {
        build_top.join(".phaser").join("states.json")
    }

    /// Reads the kept states of `build_top` (none yet is fine).
    pub fn read(build_top: &Path) -> anyhow::Result<Boundaries> {
        let path = Boundaries::path(build_top);
        let states = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                anyhow::anyhow!(
                    "{} is not a phaser states file ({e}); remove it to start over",
                    path.display()
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Map::new(),
            Err(e) => return Err(anyhow::anyhow!("reading {}: {e}", path.display())),
        };
        Ok(Boundaries { path, states })
    }

    /// The state kept after phase `index` (`name`), if there is one.
    pub fn get(&self, index: usize, name: &str) -> anyhow::Result<Option<BuildState>> {
        match self.states.get(&key(index, name)) {
            Some(value) => Ok(Some(serde_json::from_value(value.clone()).map_err(
                |e| {
                    anyhow::anyhow!(
                        "{}: the state after `{name}` is not a phaser state ({e})",
                        self.path.display()
                    )
                },
            )?)),
            None => Ok(None),
        }
    }

    /// Keeps `state` as the one after phase `index` (`name`) and writes the file.
    pub fn insert(&mut self, index: usize, name: &str, state: &BuildState) -> anyhow::Result<()> {
        let mut value = serde_json::to_value(state)?;
        // The tree manifest only serves the latest state's resume.
        if let Value::Object(map) = &mut value {
            map.remove("tree");
        }
        self.states.insert(key(index, name), value);
        crate::atomic_file::write(&self.path, &serde_json::to_vec(&self.states)?)
            .map_err(|e| anyhow::anyhow!("writing {}: {e}", self.path.display()))
    }
}

fn key(index: usize, name: &str) -> String {
    format!("{index:02}-{name}")
}
