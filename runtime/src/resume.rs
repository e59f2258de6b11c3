//! Where a run starts: a fresh state; for `--from`/`--only` a phase, the
//! state the phase before it left, on the tree as it is now (a fix made by
//! hand in the build directory stays); for `--resume`, the last finished
//! phase with the tree put back exactly the way that phase left it (after
//! a crash or a kill).

use std::path::Path;

use anyhow::{anyhow, bail};

use crate::boundaries::Boundaries;
use crate::order::ResolvedPhase;
use crate::plan_digest::PlanDigest;
use crate::runner::{Range, Refusal};
use crate::state::BuildState;
use crate::tree_manifest::TreeManifest;

/// The phases to run (`first..=last`, empty when `first > last`) and the
/// state the first of them starts from.
pub(crate) struct Start {
    pub first: usize,
    pub last: usize,
    pub state: BuildState,
}

/// Decides where the run starts.
pub(crate) fn start(
    range: &Range,
    phases: &[ResolvedPhase],
    digest: &PlanDigest,
    build_top: &Path,
    fresh: impl FnOnce() -> anyhow::Result<BuildState>,
) -> anyhow::Result<Start> {
    if phases.is_empty() {
        bail!("the plan has no phases to run");
    }
    let find = |name: &str| {
        crate::order::position(phases, name).map_err(|e| anyhow!(Refusal::Usage(e.to_string())))
    };
    let last = phases.len() - 1;
    match range {
        Range::All => Ok(Start {
            first: 0,
            last,
            state: fresh()?,
        }),
        Range::Span { from: None, to } => {
            let end = to.as_deref().map(find).transpose()?.unwrap_or(last);
            Ok(Start {
                first: 0,
                last: end,
                state: fresh()?,
            })
        }
        Range::Only(name) => {
            let i = find(name)?;
            from_phase(phases, i, i, build_top, fresh)
        }
        Range::Span {
            from: Some(from),
            to,
        } => {
            let i = find(from)?;
            let end = to.as_deref().map(find).transpose()?.unwrap_or(last);
            if end < i {
                return Err(Refusal::Usage(format!(
                    "--to {} comes before --from {} in the phase order",
                    phases[end].name, phases[i].name
                ))
                .into());
            }
            from_phase(phases, i, end, build_top, fresh)
        }
        Range::Resume => resume(phases, digest, build_top),
    }
}

/// `--from`/`--only` phase `i`: the state kept after the phase before it,
/// and the tree left as it is.
fn from_phase(
    phases: &[ResolvedPhase],
    i: usize,
    last: usize,
    build_top: &Path,
    fresh: impl FnOnce() -> anyhow::Result<BuildState>,
) -> anyhow::Result<Start> {
    if i == 0 {
        return Ok(Start {
            first: 0,
            last,
            state: fresh()?,
        });
    }
    // The phase whose end this run starts from: the one before `i`, looking
    // past phases a gate skips (they change nothing).
    let boundaries = Boundaries::read(build_top)?;
    let mut j = i - 1;
    while j > 0 && phases[j].skipped.is_some() && boundaries.get(j, &phases[j].name)?.is_none() {
        j -= 1;
    }
    let before = &phases[j].name;
    let saved = BuildState::read(build_top)?.filter(|s| s.completed.last() == Some(before));
    let state = match boundaries.get(j, before)? {
        Some(state) => state,
        None if saved.is_some() => saved.expect("checked above"),
        None => {
            return Err(Refusal::MissingState(format!(
                "{} has no state after `{before}`: run the phases before `{}` first (e.g. `phaser run PLAN --build-dir {} --to {before}`)",
                build_top.display(),
                phases[i].name,
                build_top.display()
            ))
            .into())
        }
    };
    Ok(Start {
        first: i,
        last,
        state,
    })
}

/// `--resume`: after the last finished phase, with the tree restored.
fn resume(
    phases: &[ResolvedPhase],
    digest: &PlanDigest,
    build_top: &Path,
) -> anyhow::Result<Start> {
    let last = phases.len() - 1;
    let Some(state) = BuildState::read(build_top)? else {
        return Err(Refusal::MissingState(format!(
            "nothing to resume: {} has no state file; run the build without --resume",
            build_top.display()
        ))
        .into());
    };
    let first = phases
        .iter()
        .position(|p| !state.completed.contains(&p.name));
    let Some(first) = first else {
        eprintln!("phaser: every phase of this build has finished; nothing to resume");
        return Ok(Start {
            first: phases.len(),
            last,
            state,
        });
    };
    let (changed_phases, changed_attrs) = digest.changes_since(&state.plan_digest);
    if !changed_phases.is_empty() || !changed_attrs.is_empty() {
        let mut what = Vec::new();
        if !changed_phases.is_empty() {
            what.push(format!("phases changed: {}", changed_phases.join(", ")));
        }
        if !changed_attrs.is_empty() {
            what.push(format!("attributes changed: {}", changed_attrs.join(", ")));
        }
        return Err(Refusal::Usage(format!(
            "the plan changed since this build started ({}); say where to continue with `--from PHASE` (the first unfinished phase is `{}`)",
            what.join("; "),
            phases[first].name
        ))
        .into());
    }
    if let Some(tree) = state.tree {
        let manifest = TreeManifest::read(build_top, tree).map_err(|e| {
            anyhow!(Refusal::MissingState(format!(
                "cannot put the tree back where the last finished phase left it ({e:#}); continue on the tree as it is with `--from {}`",
                phases[first].name
            )))
        })?;
        match manifest.restore(&build_top.join(".phaser")) {
            Ok(restored) if restored.removed + restored.modes > 0 => eprintln!(
                "phaser: put the tree back where `{}` left it ({} entries the interrupted phase added removed, {} modes restored)",
                state.completed.last().map(String::as_str).unwrap_or("the start"),
                restored.removed,
                restored.modes
            ),
            Ok(_) => {}
            Err(changed) => {
                let examples: Vec<String> = changed.iter().take(5).map(|p| p.display().to_string()).collect();
                return Err(Refusal::MissingState(format!(
                    "cannot put the tree back where the last finished phase left it: the interrupted phase `{}` changed {} file(s) that were there before ({}); re-run from an earlier phase with `--from`, or continue on the tree as it is with `--from {}`",
                    phases[first].name,
                    changed.len(),
                    examples.join(", "),
                    phases[first].name
                ))
                .into());
            }
        }
    }
    Ok(Start { first, last, state })
}
