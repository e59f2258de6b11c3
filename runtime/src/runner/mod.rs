//! The runner: one build directory, a range of phases, one phase after the
//! other. Each step has a module of its own: the build directory and its
//! lock (`build_dir`), running one phase and deciding how it ended
//! (`phase`), merging an answer (`answer`), the bookkeeping at a phase
//! boundary (`boundary`), and what the run tells the world (`observer`).
//! Nothing here is global: stopping a build goes through its
//! [`phaser_stdlib::Cancel`] token, its children through its own
//! [`ProcessGroups`] set.

mod answer;
mod attrs_files;
mod boundary;
mod build_dir;
mod end;
mod observer;
mod phase;
mod refusal;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use phaser_interpreters::{Interpreters, Language, Paths, PhaseInfo, PhaseInput, Settings};
use phaser_stdlib::{Cancel, ProcessGroups};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::order::ResolvedPhase;
use crate::plan::{Body, Plan};
use crate::report::PhaseReport;
use crate::state::{BuildState, STATE_VERSION};

pub use observer::{Console, Observer};
pub use phase::Interrupted;
pub use refusal::Refusal;

use boundary::Bookkeeping;
use build_dir::BuildDir;
use phase::PhaseEnd;

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
    /// The `phaser` binary bash phases call for `phaser std`; `None`: the
    /// `phaser` found on the plan's `env.PATH`, else the caller's PATH (a
    /// program embedding the runtime is not phaser, so its own executable
    /// would be wrong).
    pub phaser_exe: Option<PathBuf>,
    /// Stops the build when triggered (phaser's CLI does on SIGINT and
    /// SIGTERM): running children are terminated and the run ends with an
    /// [`Interrupted`] error; the interrupted phase is not recorded as
    /// finished.
    pub cancel: Cancel,
}

impl RunOptions {
    /// Options for a whole build with outputs under `out_dir`.
    pub fn new(out_dir: impl Into<PathBuf>) -> RunOptions {
        RunOptions {
            build_dir: None,
            out_dir: out_dir.into(),
            range: Range::All,
            phaser_exe: None,
            cancel: Cancel::new(),
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
    /// Time spent at phase boundaries: writing the state, recording the
    /// tree for a resume.
    pub bookkeeping: Duration,
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
    /// The error: a [`phaser_interpreters::PhaseError`] for a failing
    /// phase, [`Interrupted`] for a cancelled run, [`crate::PlanErrors`]
    /// for a plan [`crate::check()`] found wrong (nothing ran), [`Refusal`]
    /// for a run that did not start.
    pub error: anyhow::Error,
    /// The phases considered so far, the failed one last.
    pub phases: Vec<PhaseReport>,
    /// Time spent at phase boundaries before the failure.
    pub bookkeeping: Duration,
    /// The build directory, kept for a resume.
    pub build_top: Option<PathBuf>,
}

impl RunFailure {
    /// The status the build ends with, as stdenv's builder's: the failing
    /// command's (a script's exit code, a program's, 128 + a signal), or 1
    /// when no command failed (a bad answer, an internal error).
    pub fn status(&self) -> i32 {
        end::status_of(&self.error)
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
    observer: Box<dyn Observer>,
    /// The phaser bash phases call, and the compiler wrapper's binary.
    phaser_exe: PathBuf,
}

/// What a run has done so far, kept for the report when it fails.
#[derive(Default)]
struct Progress {
    rows: Vec<PhaseReport>,
    bookkeeping: Duration,
    build_top: Option<PathBuf>,
}

/// One build in progress: where it is, what it carries from phase to
/// phase, and whom its children belong to.
struct Build {
    dir: BuildDir,
    state: BuildState,
    bookkeeping: Bookkeeping,
    /// Where standard-library writes may go: the build top and the outputs.
    roots: Vec<PathBuf>,
    groups: ProcessGroups,
}

impl<'p> Runner<'p> {
    /// A runner for `plan` that reports to the console (and to Nix when
    /// `NIX_LOG_FD` is set).
    pub fn new(plan: &'p Plan, options: RunOptions) -> Runner<'p> {
        let phaser_exe = options
            .phaser_exe
            .clone()
            .or_else(|| phaser_on_path(plan))
            .unwrap_or_else(|| {
                PathBuf::from("/nonexistent/phaser (none on PATH: set RunOptions::phaser_exe)")
            });
        let mut settings = Settings::new(phaser_exe.clone());
        settings.cancel = options.cancel.clone();
        settings.rhai_max_operations = plan.rhai_max_operations;
        Runner {
            plan,
            options,
            interpreters: Interpreters::new(settings),
            observer: Box::new(Console::new()),
            phaser_exe,
        }
    }

    /// Reports the run to `observer` instead of the console.
    pub fn with_observer(mut self, observer: Box<dyn Observer>) -> Runner<'p> {
        self.observer = observer;
        self
    }

    /// Runs the selected phases. On failure the build directory and the
    /// state of the last finished phase stay where they are.
    pub fn run(&self) -> Result<RunReport, RunFailure> {
        let started = Instant::now();
        let mut progress = Progress::default();
        match self.run_phases(&mut progress) {
            Ok((build, ignored_failure)) => Ok(RunReport {
                build_top: build.dir.top().to_path_buf(),
                outputs: build.state.outputs.clone(),
                phases: progress.rows,
                bookkeeping: progress.bookkeeping,
                total: started.elapsed(),
                state: build.state,
                ignored_failure,
            }),
            Err(error) => Err(RunFailure {
                error,
                phases: progress.rows,
                bookkeeping: progress.bookkeeping,
                build_top: progress.build_top,
            }),
        }
    }

    /// Ends the runner when the process ends right after (phaser's own
    /// command line): children are stopped as dropping it would, the
    /// interpreters' memory is left to the exit
    /// ([`Interpreters::end_with_process`]).
    pub fn end_with_process(self) {
        self.interpreters.end_with_process();
    }

    /// The phases in the range; a failure that `succeedOnFailure` turned
    /// into a good end comes back as its status.
    fn run_phases(&self, progress: &mut Progress) -> anyhow::Result<(Build, Option<i32>)> {
        // Before anything runs: every problem of the plan, at once.
        let phases = crate::check::check_with(self.plan, &self.interpreters)?;
        self.verify_seeds()?;
        let (mut build, first, last) = self.open(&phases, progress)?;
        let _watch = self.options.cancel.watch(&build.groups);
        for (index, phase) in phases.iter().enumerate().take(last + 1).skip(first) {
            if self.options.cancel.is_cancelled() {
                return Err(Interrupted::before(&phase.name, &self.options.cancel).into());
            }
            build.bookkeeping.phase_started();
            let (row, end) = self.run_phase(&mut build, index, phases.len(), phase);
            self.observer.phase_finished(&row);
            progress.rows.push(row);
            match end {
                PhaseEnd::Finished => {
                    let spent = build.finish_phase(index, &phase.name)?;
                    progress.bookkeeping += spent;
                }
                PhaseEnd::Failed(error) => {
                    let status = end::status_of(&error);
                    self.end_of_build(&mut build, "failureHook", status, index);
                    if crate::plan::attributes::is_set(build.state.attrs.get("succeedOnFailure")) {
                        self.record_ignored_failure(&build, status)?;
                        return Ok((build, Some(status)));
                    }
                    return Err(error);
                }
                PhaseEnd::Interrupted(interrupted) => return Err(interrupted.into()),
            }
        }
        if last + 1 == phases.len() {
            self.end_of_build(&mut build, "exitHook", 0, last);
        }
        Ok((build, None))
    }

    /// Seeds first: a bootstrap must not start from files it cannot vouch for.
    fn verify_seeds(&self) -> anyhow::Result<()> {
        if let Some(manifest) = &self.plan.seeds {
            let seeds = crate::seeds::verify(manifest)?;
            self.observer.note(&format!(
                "seeds: {} files ({} bytes) match {}",
                seeds.files,
                seeds.bytes,
                manifest.display()
            ));
        }
        Ok(())
    }

    /// Takes the build directory and decides where the run starts: the
    /// build, and the first and last phase to run.
    fn open(
        &self,
        phases: &[ResolvedPhase],
        progress: &mut Progress,
    ) -> anyhow::Result<(Build, usize, usize)> {
        let dir = BuildDir::open(self.options.build_dir.as_deref(), self.plan)?;
        progress.build_top = Some(dir.top().to_path_buf());
        self.observer.build_opened(dir.top());
        self.install_wrappers(dir.top())?;
        // Whatever a killed earlier run left running must not write into
        // the tree while this run restores or uses it.
        phaser_stdlib::process_group::kill_recorded(&dir.groups_file());
        let groups = ProcessGroups::recorded_in(dir.groups_file());
        let digest = crate::plan_digest::PlanDigest::of(self.plan, phases);
        let fresh = std::cell::Cell::new(false);
        let crate::resume::Start {
            first,
            last,
            mut state,
        } = crate::resume::start(&self.options.range, phases, &digest, dir.top(), || {
            dir.start_over(&self.options.out_dir, self.observer.as_ref())?;
            fresh.set(true);
            self.initial_state(dir.top())
        })?;
        state.plan_digest = digest;
        // (`first > last`: nothing to run.)
        let to_run = phases.get(first..=last).unwrap_or_default();
        if let Some(phase) = to_run.first().filter(|_| runs_bash(to_run, &state)) {
            let input = phase_input(&state, dir.top(), &phase.name, first, None);
            let scratch = phase::scratch_dir(dir.top(), &phase.name);
            self.interpreters.start_bash_early(&scratch, &input);
        }
        let bookkeeping = Bookkeeping::open(dir.top(), &state)?;
        let mut roots = vec![dir.top().to_path_buf()];
        roots.extend(state.outputs.values().map(PathBuf::from));
        roots.extend(self.plan.write_roots.iter().cloned());
        let mut build = Build {
            dir,
            state,
            bookkeeping,
            roots,
            groups,
        };
        if fresh.get() {
            self.run_setup_hooks(&mut build)?;
        }
        if build.state.completed.is_empty() {
            // A build killed in its first phase can still be resumed.
            build.bookkeeping.record_start(&mut build.state)?;
        }
        Ok((build, first, last))
    }

    /// Prints the closing table for a report's phases.
    pub fn print_table(&self, phases: &[PhaseReport], bookkeeping: Duration, total: Duration) {
        crate::report::Printer::new().table(phases, bookkeeping, total);
    }

    /// The state before the first phase, for a build in `build_top`.
    pub fn initial_state(&self, build_top: &Path) -> anyhow::Result<BuildState> {
        let out_dir = std::path::absolute(&self.options.out_dir)?;
        let outputs = outputs(&self.plan.attrs, &out_dir);
        if outputs.values().any(|p| Path::new(p).starts_with(&out_dir)) {
            std::fs::create_dir_all(&out_dir)
                .with_context(|| format!("creating {}", out_dir.display()))?;
        }
        let mut env = crate::env::initial_env(&self.plan.attrs, &outputs, build_top);
        let mut attrs = self.plan.attrs.clone();
        attrs.remove("phaser");
        let deps = &self.plan.dependencies;
        deps.prepare(&mut attrs, &mut env);
        if self.plan.compiler_wrapper {
            let prefixes: Vec<String> = deps
                .unique()
                .iter()
                .map(|p| p.display().to_string())
                .chain(outputs.values().cloned())
                .collect();
            crate::wrapper::enable(&mut env, build_top, prefixes.iter().map(String::as_str));
        }
        // multiple-outputs.sh's choices, which every phase reads.
        let chosen = crate::outputs::output_variables(&attrs, &outputs)
            .map_err(|m| anyhow::anyhow!(Refusal::Setup(format!("{}: {m}", self.plan.file))))?;
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
        attrs_files::write(build_top, &written, &outputs)?;
        Ok(BuildState {
            version: STATE_VERSION,
            plan_hash: plan_hash(&self.plan.source),
            completed: Vec::new(),
            state: serde_json::Map::new(),
            env,
            attrs,
            outputs,
            cwd: build_top.to_path_buf(),
            plan_digest: Default::default(),
            tree: None,
        })
    }
}

impl Runner<'_> {
    /// The compiler and linker wrappers (`cc`, `ld`, ... as this phaser) in
    /// the directory the environment puts first on PATH; made on every
    /// run, since the binary may have moved since the last. Without a
    /// phaser binary (an embedding program found none) there are none,
    /// and the tools run as they are.
    fn install_wrappers(&self, build_top: &Path) -> anyhow::Result<()> {
        if !self.plan.compiler_wrapper || !self.phaser_exe.is_file() {
            return Ok(());
        }
        let dir = build_top.join(crate::wrapper::DIR);
        crate::wrapper::install(&dir, &self.phaser_exe)
            .with_context(|| format!("creating the compiler wrappers in {}", dir.display()))
    }

    /// The dependencies' setup hooks, sourced in a bash step before the
    /// first phase (see [`crate::deps::setup_hooks`]); what they change
    /// is in the state afterwards, as a phase's answer would be.
    fn run_setup_hooks(&self, build: &mut Build) -> anyhow::Result<()> {
        let deps = &self.plan.dependencies;
        let Some(script) = crate::deps::setup_hooks::script(deps) else {
            return Ok(());
        };
        let hooked: Vec<String> = deps
            .unique()
            .iter()
            .filter(|p| p.is_file() || p.join("nix-support/setup-hook").is_file())
            .map(|p| p.display().to_string())
            .collect();
        self.observer.note(&format!(
            "dependencies: sourcing the setup hooks of {}",
            hooked.join(", ")
        ));
        let step = crate::deps::setup_hooks::STEP;
        self.run_body(build, &crate::plan::Body::Script(script), step, None, 0)
    }
}

impl Build {
    /// Records phase `index` as finished: the state and tree manifest a
    /// resume starts from, and the state `--from` the next phase starts
    /// from. Returns the time it took.
    fn finish_phase(&mut self, index: usize, name: &str) -> anyhow::Result<Duration> {
        self.state.completed.push(name.to_string());
        self.bookkeeping.record(index, name, &mut self.state)
    }
}

/// The `phaser` bash phases call when the options name none: the first on
/// the plan's `env.PATH`, else on the caller's PATH (absolute, since bash
/// phases call it as `$PHASER_EXE`).
fn phaser_on_path(plan: &Plan) -> Option<PathBuf> {
    let plan_path = plan
        .attrs
        .get("env")
        .and_then(|env| env.get("PATH"))
        .and_then(Value::as_str)
        .map(str::to_string);
    plan_path
        .into_iter()
        .chain(std::env::var("PATH").ok())
        .find_map(|path| crate::env::find_on_path(&path, "phaser"))
        .map(|found| std::path::absolute(&found).unwrap_or_else(|_| PathBuf::from(found)))
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

/// Whether `phases` have a bash body or hook, or unpack through stdenv's
/// bash: then the long-lived bash is worth starting before the first.
fn runs_bash(phases: &[ResolvedPhase], state: &BuildState) -> bool {
    let bash = |body: &Body| matches!(body, Body::Script(s) if s.language == Language::Bash);
    phases.iter().any(|phase| {
        phase.body.as_ref().is_some_and(bash)
            || phase
                .pre
                .iter()
                .chain(&phase.post)
                .any(|hook| bash(&hook.body))
            || (phase.name == "unpack" && crate::default_phases::needs_bash_unpack(&state.attrs))
    })
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
