//! Running one phase (its `pre` hooks, body and `post` hooks) and deciding
//! how it ended. [`decide`] is the one place an outcome is decided: a
//! phase that was running when the build was cancelled ended
//! [`PhaseEnd::Interrupted`], whatever its body returned, so it is never
//! recorded as finished.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::anyhow;
use phaser_interpreters::{Invocation, Language, PhaseError};
use phaser_stdlib::Cancel;

use super::{answer, phase_input, Build, Runner};
use crate::order::ResolvedPhase;
use crate::plan::Body;
use crate::report::{Outcome, PhaseReport};

/// How a phase ended.
pub(super) enum PhaseEnd {
    /// It ran (or a gate skipped it, or it has no body): record it as finished.
    Finished,
    /// Its body or a hook failed.
    Failed(anyhow::Error),
    /// The build was cancelled while it ran.
    Interrupted(Interrupted),
}

/// A run stopped through its [`Cancel`] token: during a phase, or before
/// the next one started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interrupted {
    /// The phase that was running (or about to run).
    pub phase: String,
    /// Whether it had started.
    pub during: bool,
    /// The reason given to [`Cancel::cancel`].
    pub reason: Option<String>,
}

impl Interrupted {
    pub(super) fn before(phase: &str, cancel: &Cancel) -> Interrupted {
        Interrupted {
            phase: phase.to_string(),
            during: false,
            reason: cancel.reason(),
        }
    }

    fn during(phase: &str, cancel: &Cancel) -> Interrupted {
        Interrupted {
            during: true,
            ..Interrupted::before(phase, cancel)
        }
    }
}

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let by = self
            .reason
            .as_deref()
            .map(|r| format!(" by {r}"))
            .unwrap_or_default();
        let when = if self.during { "during" } else { "before" };
        write!(f, "stopped{by} {when} phase `{}`", self.phase)
    }
}

impl std::error::Error for Interrupted {}

/// The phase's outcome, from what its bodies returned and whether the build
/// was cancelled meanwhile.
fn decide(phase: &str, result: anyhow::Result<()>, cancel: &Cancel) -> PhaseEnd {
    if cancel.is_cancelled() {
        return PhaseEnd::Interrupted(Interrupted::during(phase, cancel));
    }
    match result {
        Ok(()) => PhaseEnd::Finished,
        Err(error) => PhaseEnd::Failed(error),
    }
}

impl Runner<'_> {
    /// Runs phase `index` of `total`: its report row and how it ended.
    pub(super) fn run_phase(
        &self,
        build: &mut Build,
        index: usize,
        total: usize,
        phase: &ResolvedPhase,
    ) -> (PhaseReport, PhaseEnd) {
        let phase = &set_by_setup_hook(phase, &build.state.attrs);
        let row = |duration, child_time, outcome| PhaseReport {
            name: phase.name.clone(),
            interpreter: phase.interpreter(),
            duration,
            child_time,
            outcome,
        };
        if let Some(why) = &phase.skipped {
            let skipped = Outcome::Skipped(why.clone());
            return (
                row(Duration::ZERO, Duration::ZERO, skipped),
                PhaseEnd::Finished,
            );
        }
        self.observer.phase_started(index, total, phase);
        let started = Instant::now();
        let children_before = build.groups.child_wall_time();
        let result = self.run_bodies(build, index, phase);
        let duration = started.elapsed();
        let child_time = build.groups.child_wall_time() - children_before;
        let end = decide(&phase.name, result, &self.options.cancel);
        let outcome = match (&end, &phase.body) {
            (PhaseEnd::Interrupted(_), _) => Outcome::Interrupted,
            (PhaseEnd::Failed(_), _) => Outcome::Failed,
            (PhaseEnd::Finished, None) => Outcome::NoBody,
            (PhaseEnd::Finished, Some(_)) => Outcome::Ran,
        };
        (row(duration, child_time, outcome), end)
    }

    /// The phase's hooks and body in order, stopping at the first failure
    /// or when the build is cancelled; then the move into a new `sourceRoot`.
    fn run_bodies(
        &self,
        build: &mut Build,
        index: usize,
        phase: &ResolvedPhase,
    ) -> anyhow::Result<()> {
        let root_before = build.state.state.get("sourceRoot").cloned();
        if phase.body.is_none() {
            self.observer
                .note(&format!("`{}` has no body yet: nothing to do", phase.name));
        }
        for (body, hook) in self.steps(build, phase) {
            if self.options.cancel.is_cancelled() {
                return Ok(());
            }
            // A package's own hook-list entries are read when their moment
            // comes: a bash phase before may have added some.
            let body = match body {
                Step::Body(body) => body,
                Step::OwnHooks(point) => {
                    match crate::stdenv_hooks::entries_of(&build.state.attrs, &point) {
                        Some(script) => Body::Script(script),
                        None => continue,
                    }
                }
                Step::FixupOutput => {
                    let state = &build.state;
                    match crate::stdenv_hooks::fixup_output(&state.attrs, &state.outputs) {
                        Some(script) => Body::Script(script),
                        None => continue,
                    }
                }
            };
            self.run_body(build, &body, &phase.name, hook.as_deref(), index)?;
        }
        // As in stdenv, the move into the source root comes after the whole
        // phase: `postUnpack` still runs in the build directory and may
        // change `sourceRoot` (`sourceRoot=$sourceRoot/src`).
        answer::enter_new_source_root(&mut build.state, build.dir.top(), root_before.as_ref())
            .map_err(|m| PhaseError::new(&phase.name, language(phase.body.as_ref()), m))?;
        Ok(())
    }

    /// What runs for `phase`, in order: a standard phase's opening part
    /// (what stdenv does before the pre hooks), the pre hooks, the package's
    /// own `preXHooks` entries (unless a bash body runs `runHook preX`
    /// itself), the body (stdenv's bash unpack when unpacking needs bash
    /// hooks), fixup's per-output `fixupOutput` hook, the post hooks and
    /// entries, and a standard phase's closing part.
    fn steps(&self, build: &Build, phase: &ResolvedPhase) -> Vec<(Step, Option<String>)> {
        let standard = phase.provenance == crate::order::Provenance::Default;
        let by_setup_hook = matches!(phase.provenance, crate::order::Provenance::SetupHook(_));
        let edge = |f: fn(&str) -> Option<phaser_interpreters::Script>| {
            standard.then(|| f(&phase.name)).flatten().map(Body::Script)
        };
        let body = match &phase.body {
            Some(_)
                if standard
                    && phase.name == "unpack"
                    && crate::default_phases::needs_bash_unpack(&build.state.attrs) =>
            {
                Some(Body::Script(crate::default_phases::bash_unpack()))
            }
            other => other.clone(),
        };
        let functions = &build.state.state;
        let runs_itself = |point: &str| matches!(&body, Some(Body::Script(s)) if crate::stdenv_hooks::body_runs(s, functions, point));
        // A body a setup hook set that runs `runHook preX` itself also
        // runs the top-level `preX` string (a string hook's `from` is its
        // own name).
        let string_hook_runs_inside = |hook: &crate::order::Hook| {
            by_setup_hook && hook.from == hook.name && runs_itself(&hook.name)
        };
        let capitalized = crate::plan::capitalize(&phase.name);
        let (pre, post) = (format!("pre{capitalized}"), format!("post{capitalized}"));
        let mut steps = Vec::new();
        if let Some(opening) = edge(crate::default_phases::opening) {
            steps.push((Step::Body(opening), None));
        }
        for hook in phase.pre.iter().filter(|h| !string_hook_runs_inside(h)) {
            steps.push((Step::Body(hook.body.clone()), Some(hook.name.clone())));
        }
        if !runs_itself(&pre) {
            steps.push((Step::OwnHooks(pre.clone()), Some(pre)));
        }
        if let Some(body) = body.clone() {
            steps.push((Step::Body(body), None));
        }
        if standard && phase.name == "fixup" {
            steps.push((Step::FixupOutput, Some("fixupOutput".into())));
        }
        for hook in phase.post.iter().filter(|h| !string_hook_runs_inside(h)) {
            steps.push((Step::Body(hook.body.clone()), Some(hook.name.clone())));
        }
        if !runs_itself(&post) {
            steps.push((Step::OwnHooks(post.clone()), Some(post)));
        }
        if let Some(closing) = edge(crate::default_phases::closing) {
            steps.push((Step::Body(closing), None));
        }
        steps
    }

    /// Runs one body (the phase's or a hook's) and merges its answer.
    pub(super) fn run_body(
        &self,
        build: &mut Build,
        body: &Body,
        phase: &str,
        hook: Option<&str>,
        index: usize,
    ) -> anyhow::Result<()> {
        let label = match hook {
            Some(hook) => format!("{phase}/{hook}"),
            None => phase.to_string(),
        };
        let top = build.dir.top();
        let input = phase_input(&build.state, top, phase, index, hook);
        let scratch = scratch_dir(top, &label);
        let invocation = Invocation {
            label: &label,
            roots: &build.roots,
            scratch: &scratch,
            groups: &build.groups,
        };
        let answer = match body {
            Body::Script(script) => self.interpreters.run(script, &input, &invocation)?,
            Body::Native(f) => {
                f(&input).map_err(|m| anyhow!("phase `{label}` (native) failed: {m}"))?
            }
        };
        answer::apply(&mut build.state, answer)
            .map_err(|m| PhaseError::new(&label, language(Some(body)), m))?;
        Ok(())
    }
}

/// `phase` with the bash body a dependency's setup hook gave it by setting
/// `<name>Phase` (nixpkgs' cmake hook sets `configurePhase=
/// cmakeConfigurePhase`), when it is a standard phase the plan gives no
/// body of its own; otherwise `phase` as it is.
fn set_by_setup_hook<'a>(
    phase: &'a ResolvedPhase,
    attrs: &serde_json::Map<String, serde_json::Value>,
) -> std::borrow::Cow<'a, ResolvedPhase> {
    use crate::order::Provenance;
    if phase.provenance != Provenance::Default {
        return std::borrow::Cow::Borrowed(phase);
    }
    match crate::stdenv_hooks::phase_set_by_hook(attrs, &phase.name) {
        Some(script) => {
            let setting = format!(
                "{}Phase={}",
                phase.name,
                script.text().unwrap_or_default().trim()
            );
            let mut replaced = phase.clone();
            replaced.body = Some(Body::Script(script));
            replaced.provenance = Provenance::SetupHook(setting);
            std::borrow::Cow::Owned(replaced)
        }
        None => std::borrow::Cow::Borrowed(phase),
    }
}

/// One step of a phase (see [`Runner::steps`]).
enum Step {
    /// A body known before the phase starts.
    Body(Body),
    /// The package's own entries of the hook list of this hook point.
    OwnHooks(String),
    /// fixup's per-output hook.
    FixupOutput,
}

/// The private directory of one body's run (bash writes its files there).
pub(super) fn scratch_dir(build_top: &Path, label: &str) -> std::path::PathBuf {
    build_top
        .join(".phaser")
        .join("tmp")
        .join(label.replace('/', "-"))
}

/// The language errors name for a body (native bodies count as exec).
fn language(body: Option<&Body>) -> Language {
    match body {
        Some(Body::Script(script)) => script.language,
        _ => Language::Exec,
    }
}
