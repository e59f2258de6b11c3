//! The builder side of a split build: what phaser's Nix builder mode does
//! when `.attrs.json` carries [`SPLIT_ATTR`]: bring in the previous
//! phase's result, run this derivation's phases, hand the tree on.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, bail, Context as _};
use serde_json::Value;

use super::{own_phase_strings, SPLIT_ATTR, TREE_OUTPUT};
use crate::handoff::{self, Rewrites, Transfer};
use crate::runner::{outputs, plan_hash, Range};
use crate::state::BuildState;
use crate::Plan;

/// One derivation of a split build, as the builder finds it in `.attrs.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitBuild {
    /// The phase this derivation is for.
    pub phase: String,
    /// First phase of the range it runs.
    pub from: String,
    /// Last phase of the range it runs.
    pub to: String,
    /// The previous derivation's outputs by name, its tree as [`TREE_OUTPUT`];
    /// empty for the first derivation.
    pub previous: BTreeMap<String, String>,
    /// This derivation's tree output; `None` for the last derivation.
    pub tree: Option<String>,
}

impl SplitBuild {
    /// Takes the split settings out of a plan loaded from `.attrs.json`:
    /// removes [`SPLIT_ATTR`], and [`TREE_OUTPUT`] from `outputs`, so the
    /// phases see the plan's own attributes and outputs only. `None` for an
    /// ordinary (whole) build.
    pub fn take(plan: &mut Plan) -> anyhow::Result<Option<SplitBuild>> {
        let Some(settings) = plan.attrs.remove(SPLIT_ATTR) else {
            return Ok(None);
        };
        let text = |key: &str| -> anyhow::Result<String> {
            settings
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| anyhow!("`{SPLIT_ATTR}.{key}` must be a phase name (a string); regenerate the expression with `phaser split`"))
        };
        let previous = match settings.get("previous") {
            None => BTreeMap::new(),
            Some(Value::Object(map)) => map
                .iter()
                .map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect::<Option<_>>()
                .ok_or_else(|| {
                    anyhow!("`{SPLIT_ATTR}.previous` must map output names to store paths")
                })?,
            Some(_) => bail!("`{SPLIT_ATTR}.previous` must map output names to store paths"),
        };
        let tree = match plan.attrs.get_mut("outputs") {
            Some(Value::Object(outputs)) => outputs
                .remove(TREE_OUTPUT)
                .and_then(|v| v.as_str().map(str::to_string)),
            _ => None,
        };
        Ok(Some(SplitBuild {
            phase: text("phase")?,
            from: text("from")?,
            to: text("to")?,
            previous,
            tree,
        }))
    }

    /// The phases this derivation runs.
    pub fn range(&self) -> Range {
        Range::Span {
            from: Some(self.from.clone()),
            to: Some(self.to.clone()),
        }
    }

    /// Brings in the previous derivation's tree (into `build_top`) and
    /// outputs (into this one's), its output paths rewritten to this
    /// derivation's, then adjusts the carried state for this derivation.
    /// `None` for the first derivation, which starts from nothing.
    pub fn restore_previous(
        &self,
        plan: &Plan,
        build_top: &Path,
    ) -> anyhow::Result<Option<Transfer>> {
        let Some(tree) = self.previous.get(TREE_OUTPUT) else {
            if self.previous.is_empty() {
                return Ok(None);
            }
            bail!("`{SPLIT_ATTR}.previous` has no `{TREE_OUTPUT}`: regenerate the expression with `phaser split`");
        };
        let own = outputs(&plan.attrs, build_top);
        let mut previous = self.previous.clone();
        previous.remove(TREE_OUTPUT);
        let mut rewrites = Rewrites::new();
        for (name, path) in &own {
            if let Some(old) = previous.get(name) {
                rewrites.add(old, path).map_err(|e| anyhow!(e))?;
            }
        }
        // Nothing a phase sees names the tree output, but a rewrite costs
        // one more scan and keeps the chain free of stale references.
        if let Some(mine) = &self.tree {
            rewrites.add(tree, mine).map_err(|e| anyhow!(e))?;
        }
        let transfer = handoff::restore(Path::new(tree), build_top, &previous, &own, &rewrites)?;
        self.adjust_state(plan, build_top)?;
        Ok(Some(transfer))
    }

    /// After the phases: copies the build tree into this derivation's tree
    /// output. `None` for the last derivation, which has no tree output.
    pub fn save_tree(&self, plan: &Plan, build_top: &Path) -> anyhow::Result<Option<Transfer>> {
        let Some(tree) = &self.tree else {
            return Ok(None);
        };
        let own = outputs(&plan.attrs, build_top);
        Ok(Some(handoff::save(build_top, Path::new(tree), &own)?))
    }

    /// The states the previous derivation wrote (`state.json` and the copy
    /// at each phase boundary, which the runner starts from) were made from
    /// its own plan: this phase's strings (`installPhase`, `preInstall`,
    /// ...) were blank there, so they come back here (a bash body's
    /// `runHook postInstall` reads them); the core count is this machine's;
    /// the plan hash is this plan's, since every derivation's plan differs
    /// by design.
    fn adjust_state(&self, plan: &Plan, build_top: &Path) -> anyhow::Result<()> {
        let adjust = |state: &mut BuildState| {
            for key in own_phase_strings(&self.phase) {
                if let Some(Value::String(text)) = plan.attrs.get(&key) {
                    if state.attrs.get(&key) == Some(&Value::String(String::new())) {
                        state.attrs.insert(key, Value::String(text.clone()));
                    }
                }
            }
            if state.env.contains_key("NIX_BUILD_CORES") {
                state
                    .env
                    .insert("NIX_BUILD_CORES".into(), crate::build_cores().to_string());
            }
            state.plan_hash = plan_hash(&plan.source);
            // Inode numbers of the previous derivation's file system.
            state.tree = None;
        };
        let mut state = BuildState::read(build_top)?.ok_or_else(|| {
            anyhow!(
                "the previous phase's tree has no {}: was it built by `phaser split`?",
                BuildState::path(build_top).display()
            )
        })?;
        adjust(&mut state);
        state
            .write(build_top)
            .context("writing the adjusted build state")?;
        let mut boundaries = crate::Boundaries::read(build_top)?;
        for (index, phase) in crate::order::resolve(plan)?.iter().enumerate() {
            if let Some(mut state) = boundaries.get(index, &phase.name)? {
                adjust(&mut state);
                boundaries.insert(index, &phase.name, &mut state)?;
            }
        }
        Ok(())
    }
}
