//! The state after each phase (`.phaser/states.json`), kept so `--from` or
//! `--only` a phase can start from exactly the state it saw the first time.
//!
//! One file for all phases, read once per run and rewritten after each
//! phase, so a phase boundary costs neither a new file nor a re-read.
//! Each state is kept as the JSON text the file holds: a boundary
//! serializes only its own state, not every earlier one again.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::state::BuildState;

/// The states kept after each phase of one build directory.
#[derive(Debug)]
pub struct Boundaries {
    path: PathBuf,
    /// Key and JSON text of each state, in the file's order.
    states: Vec<(String, Vec<u8>)>,
}

impl Boundaries {
    /// Where they are kept for the build in `build_top`.
    pub fn path(build_top: &Path) -> PathBuf {
        build_top.join(".phaser").join("states.json")
    }

    /// Reads the kept states of `build_top` (none yet is fine).
    pub fn read(build_top: &Path) -> anyhow::Result<Boundaries> {
        let path = Boundaries::path(build_top);
        let states: Map<String, Value> = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                anyhow::anyhow!(
                    "{} is not a phaser states file ({e}); remove it to start over",
                    path.display()
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Map::new(),
            Err(e) => return Err(anyhow::anyhow!("reading {}: {e}", path.display())),
        };
        let states = states
            .into_iter()
            .map(|(key, value)| Ok((key, serde_json::to_vec(&value)?)))
            .collect::<serde_json::Result<_>>()?;
        Ok(Boundaries { path, states })
    }

    /// The state kept after phase `index` (`name`), if there is one.
    pub fn get(&self, index: usize, name: &str) -> anyhow::Result<Option<BuildState>> {
        let key = key(index, name);
        match self.states.iter().find(|(k, _)| *k == key) {
            Some((_, text)) => Ok(Some(serde_json::from_slice(text).map_err(|e| {
                anyhow::anyhow!(
                    "{}: the state after `{name}` is not a phaser state ({e})",
                    self.path.display()
                )
            })?)),
            None => Ok(None),
        }
    }

    /// Keeps `state` as the one after phase `index` (`name`) and writes the
    /// file. A phase kept before keeps its place in the file.
    pub fn insert(
        &mut self,
        index: usize,
        name: &str,
        state: &mut BuildState,
    ) -> anyhow::Result<()> {
        // The tree manifest only serves the latest state's resume.
        let tree = state.tree.take();
        let text = serde_json::to_vec(&*state);
        state.tree = tree;
        let (key, text) = (key(index, name), text?);
        match self.states.iter_mut().find(|(k, _)| *k == key) {
            Some((_, kept)) => *kept = text,
            None => self.states.push((key, text)),
        }
        crate::atomic_file::write(&self.path, &self.file_text()?)
            .map_err(|e| anyhow::anyhow!("writing {}: {e}", self.path.display()))
    }

    /// The file: one JSON object of the states by key, as `serde_json`
    /// writes a map.
    fn file_text(&self) -> serde_json::Result<Vec<u8>> {
        let size = self.states.iter().map(|(k, t)| k.len() + t.len() + 4);
        let mut text = Vec::with_capacity(size.sum::<usize>() + 2);
        text.push(b'{');
        for (n, (key, state)) in self.states.iter().enumerate() {
            if n > 0 {
                text.push(b',');
            }
            serde_json::to_writer(&mut text, key)?;
            text.push(b':');
            text.extend_from_slice(state);
        }
        text.push(b'}');
        Ok(text)
    }
}

fn key(index: usize, name: &str) -> String {
    format!("{index:02}-{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(completed: &[&str]) -> BuildState {
        serde_json::from_value(serde_json::json!({
            "version": crate::state::STATE_VERSION,
            "planHash": "0",
            "completed": completed,
            "state": {"sourceRoot": "src \"quoted\"\n"},
            "env": {"out": "/out"},
            "attrs": {"n": 1, "list": [true, null]},
            "outputs": {"out": "/out"},
            "cwd": "/build",
            "tree": {"slot": 1, "sequence": 7},
        }))
        .unwrap()
    }

    #[test]
    fn the_file_is_the_json_object_of_the_states_in_the_order_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut kept = Boundaries::read(dir.path()).unwrap();
        std::fs::create_dir(dir.path().join(".phaser")).unwrap();
        let (mut a, mut b, mut b_again) = (state(&["a"]), state(&["a", "b"]), state(&["x"]));
        kept.insert(0, "a", &mut a).unwrap();
        kept.insert(1, "b", &mut b).unwrap();
        kept.insert(1, "b", &mut b_again).unwrap();
        assert_eq!(a.tree, state(&[]).tree, "the caller's state keeps its tree");

        let text = std::fs::read(Boundaries::path(dir.path())).unwrap();
        let file: Map<String, Value> = serde_json::from_slice(&text).unwrap();
        assert_eq!(file.keys().collect::<Vec<_>>(), ["00-a", "01-b"]);
        assert!(file["00-a"].get("tree").is_none(), "no tree kept: {file:?}");

        let read = Boundaries::read(dir.path()).unwrap();
        let without_tree = |mut s: BuildState| {
            s.tree = None;
            s
        };
        assert_eq!(read.get(0, "a").unwrap(), Some(without_tree(a)));
        assert_eq!(read.get(1, "b").unwrap(), Some(without_tree(b_again)));
        assert_eq!(read.get(2, "c").unwrap(), None);
    }
}
