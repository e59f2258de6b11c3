//! Carrying a phase's answer into the state the next phase sees.

use std::path::Path;

use phaser_interpreters::Answer;
use serde_json::Value;

use crate::merge_patch::merge_patch_object;
use crate::state::BuildState;

/// Merges an answer into the state: `state`, `env` and `attrs` by JSON
/// Merge Patch, then `cwd` moves the working directory relative to the
/// current one.
pub(super) fn apply(state: &mut BuildState, answer: Answer) -> Result<(), String> {
    if let Some(patch) = &answer.state {
        merge_patch_object(&mut state.state, patch);
    }
    if let Some(Value::Object(env)) = &answer.env {
        for (name, value) in env {
            match value {
                Value::String(text) => {
                    state.env.insert(name.clone(), text.clone());
                }
                _ => {
                    state.env.remove(name);
                }
            }
        }
    }
    if let Some(patch) = &answer.attrs {
        merge_patch_object(&mut state.attrs, patch);
    }
    if let Some(cwd) = &answer.cwd {
        let dir = state.cwd.join(cwd);
        move_into(state, dir, &format!("answered cwd `{cwd}`"))?;
    }
    Ok(())
}

/// Makes `dir` the working directory of the next phase; `what` says what
/// the phase did, for the error when `dir` is not a directory.
fn move_into(state: &mut BuildState, dir: std::path::PathBuf, what: &str) -> Result<(), String> {
    if !dir.is_dir() {
        return Err(format!(
            "it {what}, but {} is not a directory",
            dir.display()
        ));
    }
    state.cwd = dir.canonicalize().unwrap_or(dir);
    Ok(())
}

/// Moves into the source root when the phase set a new one (`before` is
/// the one it started with).
pub(super) fn enter_new_source_root(
    state: &mut BuildState,
    build_top: &Path,
    before: Option<&Value>,
) -> Result<(), String> {
    let after = state.state.get("sourceRoot");
    if after == before {
        return Ok(());
    }
    let Some(Value::String(root)) = after else {
        return Ok(());
    };
    let what = format!("set sourceRoot to `{root}`");
    move_into(state, build_top.join(root), &what)
}
