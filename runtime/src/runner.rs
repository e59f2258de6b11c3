//! The runner: one loop that serves a whole build, one phase or a range.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context as _};
use phaser_interpreters::{
    Answer, Interpreters, Invocation, Paths, PhaseError, PhaseInfo, PhaseInput,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::merge_patch::merge_patch_object;
use crate::nix_log::NixLog;
use crate::order::{self, ResolvedPhase};
use crate::plan::{Body, Plan};
use crate::report::{Outcome, PhaseReport, Printer};
use crate::state::{BuildState, STATE_VERSION};
use crate::tree_manifest::TreeManifest;

/// Which phases to run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Range {
    /// Every phase, from a fresh state.
    #[default]
    All,
    /// Only this phase, starting from the state the build directory holds.
    Only(String),
    /// After the last finished phase of the build in the build directory,
    /// with the tree put back the way that phase left it.
    Resume,
    /// From `from` (default: the first) to `to` (default: the last), both included.
    Span {
        /// First phase to run.
        from: Option<String>,
        /// Last phase to run.
        to: Option<String>,
    },
}

/// How to run a plan.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The build directory; a fresh one under TMPDIR when `None` (kept
    /// afterwards, for `--from`).
    pub build_dir: Option<PathBuf>,
    /// Outputs go to `out_dir/NAME` unless the plan gives absolute paths.
    pub out_dir: PathBuf,
    /// Which phases.
    pub range: Range,
    /// The `phaser` binary bash phases call for `phaser std`.
    pub phaser_exe: PathBuf,
}

impl RunOptions {
    /// Options for a whole build with outputs under `out_dir`.
    pub fn new(out_dir: impl Into<PathBuf>) -> RunOptions {
        RunOptions {
            build_dir: None,
            out_dir: out_dir.into(),
            range: Range::All,
            phaser_exe: std::env::current_exe().unwrap_or_else(|_| PathBuf::from("phaser")),
        }
    }
}

/// What a finished run reports.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// The build directory used.
    pub build_top: PathBuf,
    /// Output name to path.
    pub outputs: BTreeMap<String, String>,
    /// One row per phase considered.
    pub phases: Vec<PhaseReport>,
    /// Wall time of the whole run.
    pub total: Duration,
    /// The state after the last phase.
    pub state: BuildState,
    /// Set when a phase failed but `succeedOnFailure` made the build end
    /// well (stdenv wrote the status to `$out/nix-support/failed`): the
    /// failing command's status.
    pub ignored_failure: Option<i32>,
}

/// A build failure: which phase, and the report of what ran before it.
#[derive(Debug)]
pub struct RunFailure {
    /// The error (a [`PhaseError`] for a failing phase).
    pub error: anyhow::Error,
    /// The phases considered so far, the failed one last.
    pub phases: Vec<PhaseReport>,
    /// The build directory, kept for a resume.
    pub build_top: Option<PathBuf>,
}

impl RunFailure {
    /// The status the build ends with, as stdenv's builder's: the failing
    /// command's (a script's exit code, a program's, 128 + a signal), or 1
    /// when no command failed (a bad answer, an internal error).
    pub fn status(&self) -> i32 {
        self.error
            .downcast_ref::<PhaseError>()
            .and_then(|e| e.status)
            .filter(|s| *s != 0)
            .unwrap_or(1)
    }
}

impl std::fmt::Display for RunFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.error)
    }
}

impl std::error::Error for RunFailure {}

/// Runs a plan's phases.
pub struct Runner<'p> {
    plan: &'p Plan,
    options: RunOptions,
    interpreters: Interpreters,
    printer: Printer,
    nix_log: NixLog,
}

impl<'p> Runner<'p> {
    /// A runner for `plan`.
    pub fn new(plan: &'p Plan, options: RunOptions) -> Runner<'p> {
        let interpreters = Interpreters::new(&options.phaser_exe);
        Runner {
            plan,
            options,
            interpreters,
            printer: Printer::new(),
            nix_log: NixLog::from_env(),
        }
    }

    /// Runs the selected phases. On failure the build directory and the
    /// state of the last finished phase stay where they are.
    pub fn run(&self) -> Result<RunReport, RunFailure> {
        let started = Instant::now();
        let mut rows = Vec::new();
        let mut build_top = None;
        match self.run_inner(started, &mut rows, &mut build_top) {
            Ok(report) => Ok(report),
            Err(error) => Err(RunFailure {
                error,
                phases: rows,
                build_top,
            }),
        }
    }

    fn run_inner(
        &self,
        started: Instant,
        rows: &mut Vec<PhaseReport>,
        build_top_out: &mut Option<PathBuf>,
    ) -> anyhow::Result<RunReport> {
        // Seeds first: a bootstrap must not start from files it cannot vouch for.
        if let Some(manifest) = &self.plan.seeds {
            let seeds = crate::seeds::verify(manifest)?;
            self.printer.note(&format!(
                "seeds: {} files ({} bytes) match {}",
                seeds.files,
                seeds.bytes,
                manifest.display()
            ));
        }
        let phases = order::resolve(self.plan)?;
        let build_top = self.build_top()?;
        *build_top_out = Some(build_top.clone());
        self.install_wrappers(&build_top)?;
        // Whatever a killed earlier run left running must not write into
        // the tree while this run restores or uses it.
        let groups = build_top.join(".phaser").join("groups");
        phaser_stdlib::process_group::kill_recorded(&groups);
        phaser_stdlib::process_group::record_groups_in(Some(groups));
        let digest = crate::plan_digest::PlanDigest::of(self.plan, &phases);
        let crate::resume::Start {
            first,
            last,
            mut state,
        } = crate::resume::start(&self.options.range, &phases, &digest, &build_top, || {
            self.start_over(&build_top)?;
            self.initial_state(&build_top)
        })?;
        state.plan_digest = digest;
        let mut boundaries = crate::boundaries::Boundaries::read(&build_top)?;
        let tree_roots: Vec<PathBuf> = std::iter::once(build_top.clone())
            .chain(state.outputs.values().map(PathBuf::from))
            .collect();
        if state.completed.is_empty() {
            // A build killed in its first phase can still be resumed.
            state.tree = TreeManifest::capture(&tree_roots, &build_top.join(".phaser"))?;
            state.write(&build_top).context("writing the build state")?;
        }
        let roots = self.write_roots(&build_top, &state);

        crate::signals::install(BuildState::path(&build_top).display().to_string()).ok();
        let total = phases.len();
        for (index, phase) in phases.iter().enumerate().take(last + 1).skip(first) {
            let detail = match crate::stdenv_hooks::phase_set_by_hook(&state.attrs, &phase.name)
                .filter(|_| phase.provenance == crate::order::Provenance::Default)
            {
                Some(script) => format!(
                    "(bash, set by a setup hook: {}Phase={})",
                    phase.name,
                    script.text().unwrap_or_default().trim()
                ),
                None => format!("({}, {})", phase.interpreter(), phase.provenance),
            };
            if let Some(why) = &phase.skipped {
                rows.push(PhaseReport {
                    name: phase.name.clone(),
                    interpreter: phase.interpreter(),
                    duration: Duration::ZERO,
                    child_time: Duration::ZERO,
                    outcome: Outcome::Skipped(why.clone()),
                });
                state.completed.push(phase.name.clone());
                state.write(&build_top)?;
                boundaries.insert(index, &phase.name, &state)?;
                continue;
            }
            self.printer.header(index, total, &phase.name, &detail);
            self.nix_log.set_phase(&phase.name);
            crate::signals::set_running(Some(&phase.name));
            let phase_started = Instant::now();
            let children_before = phaser_stdlib::process_group::child_wall_time();
            let result = self.run_phase(phase, index, &mut state, &build_top, &roots);
            let duration = phase_started.elapsed();
            let child_time = phaser_stdlib::process_group::child_wall_time() - children_before;
            if result.is_err() {
                crate::signals::wait_if_stopping();
            }
            let outcome = match (&result, &phase.body) {
                (Err(_), _) => Outcome::Failed,
                (Ok(()), None) => Outcome::NoBody,
                (Ok(()), Some(_)) => Outcome::Ran,
            };
            rows.push(PhaseReport {
                name: phase.name.clone(),
                interpreter: phase.interpreter(),
                duration,
                child_time,
                outcome,
            });
            if let Err(error) = result {
                let status = RunFailure {
                    error,
                    phases: Vec::new(),
                    build_top: None,
                };
                let code = status.status();
                self.end_of_build(&state, "failureHook", code, index, &build_top, &roots);
                if crate::plan::attributes::is_set(state.attrs.get("succeedOnFailure")) {
                    self.record_ignored_failure(&state, code)?;
                    return Ok(RunReport {
                        build_top,
                        outputs: state.outputs.clone(),
                        phases: rows.clone(),
                        total: started.elapsed(),
                        state,
                        ignored_failure: Some(code),
                    });
                }
                return Err(status.error);
            }
            state.completed.push(phase.name.clone());
            state.tree = TreeManifest::capture(&tree_roots, &build_top.join(".phaser"))
                .context("recording the tree for a resume")?;
            state.write(&build_top).context("writing the build state")?;
            boundaries.insert(index, &phase.name, &state)?;
            crate::signals::set_running(None);
        }
        if last + 1 == phases.len() {
            self.end_of_build(&state, "exitHook", 0, last, &build_top, &roots);
        }
        let report = RunReport {
            build_top,
            outputs: state.outputs.clone(),
            phases: rows.clone(),
            total: started.elapsed(),
            state,
            ignored_failure: None,
        };
        Ok(report)
    }

    /// Where standard-library calls of the build in `build_top` may write:
    /// the build directory, TMPDIR, the outputs, the plan's write roots.
    fn write_roots(&self, build_top: &Path, state: &BuildState) -> Vec<PathBuf> {
        let tmpdir = PathBuf::from(
            state
                .env
                .get("TMPDIR")
                .cloned()
                .unwrap_or_else(|| "/tmp".into()),
        );
        let mut roots = vec![build_top.to_path_buf(), tmpdir];
        roots.extend(state.outputs.values().map(PathBuf::from));
        roots.extend(self.plan.write_roots.iter().cloned());
        roots
    }

    /// The compiler and linker wrappers (`cc`, `ld`, ... as this phaser) in
    /// the directory the environment puts first on PATH; made on every
    /// run, since the binary may have moved since the last.
    fn install_wrappers(&self, build_top: &Path) -> anyhow::Result<()> {
        if !self.plan.compiler_wrapper {
            return Ok(());
        }
        let dir = build_top.join(crate::wrapper::DIR);
        crate::wrapper::install(&dir, &self.options.phaser_exe)
            .with_context(|| format!("creating the compiler wrappers in {}", dir.display()))
    }

    /// The dependencies' setup hooks, sourced in a bash step before the
    /// first phase (see [`crate::deps::setup_hooks`]); what they change
    /// is in `state` afterwards, as a phase's answer would be.
    fn run_setup_hooks(&self, state: &mut BuildState, build_top: &Path) -> anyhow::Result<()> {
        let deps = &self.plan.dependencies;
        let Some(script) = crate::deps::setup_hooks::script(deps) else {
            return Ok(());
        };
        self.printer.note(&format!(
            "dependencies: sourcing the setup hooks of {}",
            deps.unique()
                .iter()
                .filter(|p| p.is_file() || p.join("nix-support/setup-hook").is_file())
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        let roots = self.write_roots(build_top, state);
        self.install_wrappers(build_top)?;
        self.run_body(
            &Body::Script(script),
            crate::deps::setup_hooks::STEP,
            None,
            0,
            state,
            build_top,
            &roots,
        )
    }

    /// stdenv's exitHandler: `runHook failureHook` after a failure,
    /// `runHook exitHook` after a successful build. Like there, their own
    /// failures are reported and change nothing.
    fn end_of_build(
        &self,
        state: &BuildState,
        hook: &str,
        status: i32,
        index: usize,
        build_top: &Path,
        roots: &[PathBuf],
    ) {
        let Some(script) = crate::stdenv_hooks::end_of_build(&state.attrs, hook, status) else {
            return;
        };
        let mut scratch_state = state.clone();
        if let Err(e) = self.run_body(
            &Body::Script(script),
            "build",
            Some(hook),
            index,
            &mut scratch_state,
            build_top,
            roots,
        ) {
            self.printer
                .note(&format!("{hook} failed (ignored, as by stdenv): {e:#}"));
        }
    }

    /// succeedOnFailure: `$out/nix-support/failed` holds the failing
    /// status, and the build ends well.
    fn record_ignored_failure(&self, state: &BuildState, status: i32) -> anyhow::Result<()> {
        self.printer
            .note(&format!("build failed with exit code {status} (ignored)"));
        let out = state.outputs.get("out").ok_or_else(|| {
            anyhow!("succeedOnFailure needs an `out` output to record the failure in")
        })?;
        let dir = Path::new(out).join("nix-support");
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        std::fs::write(dir.join("failed"), status.to_string())
            .with_context(|| format!("writing {}/failed", dir.display()))
    }

    /// Prints the closing table for a report's phases.
    pub fn print_table(&self, phases: &[PhaseReport], total: Duration) {
        self.printer.table(phases, total);
    }

    fn run_phase(
        &self,
        phase: &ResolvedPhase,
        index: usize,
        state: &mut BuildState,
        build_top: &Path,
        roots: &[PathBuf],
    ) -> anyhow::Result<()> {
        let root_before = state.state.get("sourceRoot").cloned();
        if phase.body.is_none() {
            self.printer
                .note(&format!("`{}` has no body yet: nothing to do", phase.name));
        }
        // A standard phase's own parts that stdenv runs outside its hooks,
        // and stdenv's bash unpack for builds whose unpacking needs bash.
        let standard = phase.provenance == crate::order::Provenance::Default;
        // A setup hook may have given the phase a bash body (`configurePhase=
        // cmakeConfigurePhase`), which replaces the standard one whole.
        let set_by_hook = standard
            .then(|| crate::stdenv_hooks::phase_set_by_hook(&state.attrs, &phase.name))
            .flatten();
        let dynamic = set_by_hook.is_some();
        let standard = standard && !dynamic;
        let edge = |f: fn(&str) -> Option<phaser_interpreters::Script>| {
            standard.then(|| f(&phase.name)).flatten().map(Body::Script)
        };
        let (opening, closing) = (
            edge(crate::default_phases::opening),
            edge(crate::default_phases::closing),
        );
        let body = match &phase.body {
            Some(_)
                if standard
                    && phase.name == "unpack"
                    && crate::default_phases::needs_bash_unpack(&state.attrs) =>
            {
                Some(Body::Script(crate::default_phases::bash_unpack()))
            }
            _ if set_by_hook.is_some() => set_by_hook.map(Body::Script),
            other => other.clone(),
        };
        let pre_name = format!("pre{}", crate::plan::capitalize(&phase.name));
        let post_name = format!("post{}", crate::plan::capitalize(&phase.name));
        // The package's own `preXHooks` entries, unless the body runs
        // `runHook preX` itself; read when the moment comes, since a bash
        // phase before may have added some. A body a setup hook set that
        // runs them also runs the top-level `preX` string.
        let runs_itself = |name: &str| matches!(&body, Some(Body::Script(s)) if crate::stdenv_hooks::body_runs(s, &state.state, name));
        let own_pre = !runs_itself(&pre_name);
        let own_post = !runs_itself(&post_name);
        // A top-level string hook's `from` is its own name.
        let string_hook = |h: &crate::order::Hook| h.from == h.name;
        let mut steps: Vec<(Body, Option<String>)> = Vec::new();
        steps.extend(opening.map(|b| (b, None)));
        steps.extend(
            phase
                .pre
                .iter()
                .filter(|h| !(dynamic && !own_pre && string_hook(h)))
                .map(|h| (h.body.clone(), Some(h.name.clone()))),
        );
        for (body, hook) in steps {
            self.run_body(
                &body,
                &phase.name,
                hook.as_deref(),
                index,
                state,
                build_top,
                roots,
            )?;
        }
        if own_pre {
            if let Some(s) = crate::stdenv_hooks::entries_of(&state.attrs, &pre_name) {
                self.run_body(
                    &Body::Script(s),
                    &phase.name,
                    Some(&pre_name),
                    index,
                    state,
                    build_top,
                    roots,
                )?;
            }
        }
        if let Some(body) = &body {
            self.run_body(body, &phase.name, None, index, state, build_top, roots)?;
        }
        if standard && phase.name == "fixup" {
            if let Some(s) = crate::stdenv_hooks::fixup_output(&state.attrs, &state.outputs) {
                self.run_body(
                    &Body::Script(s),
                    &phase.name,
                    Some("fixupOutput"),
                    index,
                    state,
                    build_top,
                    roots,
                )?;
            }
        }
        for hook in phase
            .post
            .iter()
            .filter(|h| !(dynamic && !own_post && string_hook(h)))
        {
            self.run_body(
                &hook.body,
                &phase.name,
                Some(&hook.name),
                index,
                state,
                build_top,
                roots,
            )?;
        }
        if own_post {
            if let Some(s) = crate::stdenv_hooks::entries_of(&state.attrs, &post_name) {
                self.run_body(
                    &Body::Script(s),
                    &phase.name,
                    Some(&post_name),
                    index,
                    state,
                    build_top,
                    roots,
                )?;
            }
        }
        if let Some(close) = &closing {
            self.run_body(close, &phase.name, None, index, state, build_top, roots)?;
        }
        // As in stdenv, the move into the source root comes after the whole
        // phase: `postUnpack` still runs in the build directory and may
        // change `sourceRoot` (`sourceRoot=$sourceRoot/src`).
        let root_after = state.state.get("sourceRoot").cloned();
        if root_after != root_before {
            if let Some(Value::String(root)) = root_after {
                let dir = build_top.join(&root);
                if !dir.is_dir() {
                    bail!(PhaseError::new(
                        &phase.name,
                        phase
                            .language()
                            .unwrap_or(phaser_interpreters::Language::Exec),
                        format!(
                            "it set sourceRoot to `{root}`, but {} is not a directory",
                            dir.display()
                        )
                    ));
                }
                state.cwd = dir.canonicalize().unwrap_or(dir);
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn run_body(
        &self,
        body: &Body,
        phase: &str,
        hook: Option<&str>,
        index: usize,
        state: &mut BuildState,
        build_top: &Path,
        roots: &[PathBuf],
    ) -> anyhow::Result<()> {
        let label = match hook {
            Some(hook) => format!("{phase}/{hook}"),
            None => phase.to_string(),
        };
        let input = phase_input(state, build_top, phase, index, hook);
        let scratch = build_top
            .join(".phaser")
            .join("tmp")
            .join(label.replace('/', "-"));
        let invocation = Invocation {
            label: &label,
            roots,
            scratch: &scratch,
        };
        let answer = match body {
            Body::Script(script) => self.interpreters.run(script, &input, &invocation)?,
            Body::Native(f) => {
                f(&input).map_err(|m| anyhow!("phase `{label}` (native) failed: {m}"))?
            }
        };
        apply(state, answer).map_err(|m| PhaseError::new(&label, body_language(body), m))?;
        Ok(())
    }

    fn build_top(&self) -> anyhow::Result<PathBuf> {
        let dir = match &self.options.build_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating the build directory {}", dir.display()))?;
                dir.clone()
            }
            None => tempfile::Builder::new()
                .prefix(&format!("phaser-{}-", self.plan.display_name()))
                .tempdir()
                .context("creating a build directory under TMPDIR")?
                .keep(),
        };
        Ok(dir.canonicalize()?)
    }

    /// A run from the first phase in a build directory that holds an
    /// earlier phaser build starts from nothing, as stdenv always does:
    /// the earlier tree goes, and so do its outputs under `--out-dir`
    /// (phaser made them; outputs elsewhere, as Nix gives them, are left
    /// alone). A directory without phaser's state is not touched.
    fn start_over(&self, build_top: &Path) -> anyhow::Result<()> {
        let Ok(Some(previous)) = BuildState::read(build_top) else {
            return Ok(());
        };
        self.printer.note(&format!(
            "starting over in {}: removing the earlier build there (use --resume or --from to continue it instead)",
            build_top.display()
        ));
        for entry in std::fs::read_dir(build_top)?.flatten() {
            let path = entry.path();
            if entry.file_name() == ".phaser" {
                let _ = std::fs::remove_file(crate::boundaries::Boundaries::path(build_top));
                continue;
            }
            let removed = if path.is_dir() && !path.is_symlink() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            removed.with_context(|| format!("removing {}", path.display()))?;
        }
        let out_dir = std::path::absolute(&self.options.out_dir)?;
        for output in previous.outputs.values().map(PathBuf::from) {
            if output.starts_with(&out_dir) && output.exists() {
                std::fs::remove_dir_all(&output)
                    .with_context(|| format!("removing {}", output.display()))?;
            }
        }
        Ok(())
    }

    /// The state before the first phase, for a build in `build_top`.
    pub fn initial_state(&self, build_top: &Path) -> anyhow::Result<BuildState> {
        let out_dir = std::path::absolute(&self.options.out_dir)?;
        let outputs = outputs(&self.plan.attrs, &out_dir);
        if outputs
            .values()
            .any(|p| p.starts_with(&out_dir.display().to_string()))
        {
            std::fs::create_dir_all(&out_dir)
                .with_context(|| format!("creating {}", out_dir.display()))?;
        }
        let mut env = crate::env::initial_env(&self.plan.attrs, &outputs, build_top);
        let mut attrs = self.plan.attrs.clone();
        attrs.remove("phaser");
        let deps = &self.plan.dependencies;
        deps.prepare(&mut attrs, &mut env);
        let prefixes: Vec<String> = deps
            .unique()
            .iter()
            .map(|p| p.display().to_string())
            .chain(outputs.values().cloned())
            .collect();
        if self.plan.compiler_wrapper {
            crate::wrapper::enable(&mut env, build_top, prefixes.iter().map(String::as_str));
        }
        // multiple-outputs.sh's choices, which every phase reads.
        let chosen = crate::outputs::output_variables(&attrs, &outputs)
            .map_err(|m| anyhow!("{}: {m}", self.plan.file))?;
        for (name, value) in chosen {
            attrs.entry(name).or_insert(Value::String(value));
        }
        attrs
            .entry("NIX_NO_SELF_RPATH")
            .or_insert(Value::String("1".into()));
        // mkDerivation's `name`, when the plan gives pname and version only.
        if let (None, Some(Value::String(pname)), Some(Value::String(version))) =
            (attrs.get("name"), attrs.get("pname"), attrs.get("version"))
        {
            let name = format!("{pname}-{version}");
            attrs.insert("name".into(), Value::String(name));
        }
        let mut written = self.plan.attrs.clone();
        if let Some(name) = attrs.get("name") {
            written.entry("name").or_insert(name.clone());
        }
        write_structured_attrs(build_top, &written, &outputs)?;
        let mut state = BuildState {
            version: STATE_VERSION,
            plan_hash: plan_hash(&self.plan.source),
            completed: Vec::new(),
            state: serde_json::Map::new(),
            env,
            attrs,
            outputs,
            cwd: build_top.to_path_buf(),
            plan_digest: Default::default(),
            tree: Default::default(),
        };
        self.run_setup_hooks(&mut state, build_top)?;
        Ok(state)
    }
}

/// Writes `.attrs.json` and `.attrs.sh` into the build directory, as Nix
/// does for a derivation with `__structuredAttrs = true` (stdenv's own
/// tests read both); under Nix they are already there and stay as Nix
/// wrote them.
fn write_structured_attrs(
    build_top: &Path,
    plan_attrs: &serde_json::Map<String, Value>,
    outputs: &BTreeMap<String, String>,
) -> anyhow::Result<()> {
    let json_file = build_top.join(".attrs.json");
    if json_file.exists() {
        return Ok(());
    }
    let mut attrs = plan_attrs.clone();
    attrs.remove("phaser");
    attrs.insert(
        "outputs".into(),
        Value::Object(
            outputs
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        ),
    );
    // Nix writes the keys of every object in order.
    fn sorted(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                Value::Object(
                    keys.into_iter()
                        .map(|k| (k.clone(), sorted(&map[k])))
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    let text = serde_json::to_vec(&sorted(&Value::Object(attrs.clone())))?;
    std::fs::write(&json_file, text).with_context(|| format!("writing {}", json_file.display()))?;
    let sh_file = build_top.join(".attrs.sh");
    std::fs::write(
        &sh_file,
        phaser_interpreters::structured_attrs_shell(&attrs),
    )
    .with_context(|| format!("writing {}", sh_file.display()))?;
    Ok(())
}

fn body_language(body: &Body) -> phaser_interpreters::Language {
    match body {
        Body::Script(script) => script.language,
        Body::Native(_) => phaser_interpreters::Language::Exec,
    }
}

/// Merges an answer into the state: `state`, `env` and `attrs` by JSON
/// Merge Patch, then `cwd` moves the working directory relative to the
/// current one.
fn apply(state: &mut BuildState, answer: Answer) -> Result<(), String> {
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
        if !dir.is_dir() {
            return Err(format!(
                "it answered cwd `{cwd}`, but {} is not a directory",
                dir.display()
            ));
        }
        state.cwd = dir.canonicalize().unwrap_or(dir);
    }
    Ok(())
}

/// Output paths: the plan's `outputs` object as given (Nix), or each name
/// of its `outputs` list (default `["out"]`) under `out_dir`.
pub fn outputs(attrs: &serde_json::Map<String, Value>, out_dir: &Path) -> BTreeMap<String, String> {
    match attrs.get("outputs") {
        Some(Value::Object(map)) => map
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect(),
        Some(Value::Array(names)) => names
            .iter()
            .filter_map(Value::as_str)
            .map(|n| (n.to_string(), out_dir.join(n).display().to_string()))
            .collect(),
        _ => BTreeMap::from([("out".to_string(), out_dir.join("out").display().to_string())]),
    }
}

/// sha256 of the plan's JSON (as loaded), hex.
pub fn plan_hash(source: &Value) -> String {
    let digest = Sha256::digest(serde_json::to_vec(source).unwrap_or_default());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The protocol input a phase (or one of its hooks) gets from `state`.
pub fn phase_input(
    state: &BuildState,
    build_top: &Path,
    phase: &str,
    index: usize,
    hook: Option<&str>,
) -> PhaseInput {
    PhaseInput {
        phase: PhaseInfo {
            name: phase.to_string(),
            index,
            hook: hook.map(str::to_string),
        },
        attrs: state.attrs.clone(),
        outputs: state.outputs.clone(),
        state: state.state.clone(),
        env: state.env.clone(),
        paths: Paths {
            build_top: build_top.to_path_buf(),
            source_root: state
                .state
                .get("sourceRoot")
                .and_then(Value::as_str)
                .map(|r| build_top.join(r)),
            cwd: state.cwd.clone(),
        },
    }
}
