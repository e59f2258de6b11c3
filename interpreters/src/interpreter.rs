//! The trait every backend implements, and the set of backends a runner uses.

use std::path::{Path, PathBuf};

use phaser_stdlib::{Cancel, ProcessGroups};

use crate::{Answer, Language, PhaseError, PhaseInput, Script};

/// What a backend needs besides the protocol input.
#[derive(Debug, Clone)]
pub struct Invocation<'a> {
    /// The phase, or `phase/hook` while a hook runs: used in errors and logs.
    pub label: &'a str,
    /// Directories standard-library calls may write to.
    pub roots: &'a [PathBuf],
    /// A private directory for this run's temporary files (a bash phase
    /// in a bash of its own writes its input, answer and variable files
    /// there; the long-lived bash's phases share `.bash-server` beside it).
    pub scratch: &'a Path,
    /// The process groups the phase's child processes join (the runner's:
    /// stopping the build stops them).
    pub groups: &'a ProcessGroups,
}

/// How a runner's backends are set up.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The `phaser` binary bash phases call for `phaser std`.
    pub phaser_exe: PathBuf,
    /// Stops the running script: Rhai and Lua check it as they go (child
    /// processes are stopped through their [`ProcessGroups`]).
    pub cancel: Cancel,
    /// The most operations one Rhai script may take (`None`: no limit).
    pub rhai_max_operations: Option<u64>,
    /// Bash phases run in subshells of one long-lived bash (`true`, the
    /// default) or each in a bash of its own.
    pub one_bash_per_build: bool,
}

impl Settings {
    /// Bash phases call `phaser_exe`; nothing cancels, no limits.
    pub fn new(phaser_exe: impl Into<PathBuf>) -> Settings {
        Settings {
            phaser_exe: phaser_exe.into(),
            cancel: Cancel::new(),
            rhai_max_operations: None,
            one_bash_per_build: true,
        }
    }
}

/// Runs one script with one input and returns its answer.
///
/// Implementations must not keep anything from one call to the next that a
/// script could observe: every hand-off between phases goes through the
/// answer.
pub trait Interpreter {
    /// The language this backend runs.
    fn language(&self) -> Language;

    /// Runs `script` with `input`.
    fn run(
        &self,
        script: &Script,
        input: &PhaseInput,
        invocation: &Invocation<'_>,
    ) -> Result<Answer, PhaseError>;

    /// Checks `scripts` without running them: their syntax, where the
    /// language has one to check before running. One result per script,
    /// in order; an error says what is wrong and where (`line N: ...`).
    fn check(&self, scripts: &[&Script]) -> Vec<Result<(), String>> {
        scripts.iter().map(|_| Ok(())).collect()
    }
}

/// One backend per language, created on first use (a Lua state or Rhai
/// engine costs something to build, and a plan may not use it).
pub struct Interpreters {
    settings: Settings,
    #[cfg(feature = "rhai")]
    rhai: std::cell::OnceCell<crate::RhaiInterpreter>,
    #[cfg(feature = "lua")]
    lua: std::cell::OnceCell<crate::LuaInterpreter>,
    #[cfg(feature = "bash")]
    bash: std::cell::OnceCell<crate::BashInterpreter>,
    #[cfg(feature = "exec")]
    exec: crate::ExecInterpreter,
}

impl Interpreters {
    /// The backends this build of phaser has, set up with `settings`.
    pub fn new(settings: Settings) -> Interpreters {
        Interpreters {
            settings,
            #[cfg(feature = "rhai")]
            rhai: std::cell::OnceCell::new(),
            #[cfg(feature = "lua")]
            lua: std::cell::OnceCell::new(),
            #[cfg(feature = "bash")]
            bash: std::cell::OnceCell::new(),
            #[cfg(feature = "exec")]
            exec: crate::ExecInterpreter,
        }
    }

    /// The backend for `language`, or an error saying how to get it.
    pub fn get(&self, language: Language) -> Result<&dyn Interpreter, String> {
        let missing = || {
            format!(
                "this phaser was built without the `{language}` interpreter; rebuild with `--features {language}`"
            )
        };
        match language {
            #[cfg(feature = "rhai")]
            Language::Rhai => Ok(self
                .rhai
                .get_or_init(|| crate::RhaiInterpreter::with_settings(&self.settings))),
            #[cfg(feature = "lua")]
            Language::Lua => Ok(self
                .lua
                .get_or_init(|| crate::LuaInterpreter::with_cancel(&self.settings.cancel))),
            #[cfg(feature = "bash")]
            Language::Bash => Ok(self.bash()),
            #[cfg(feature = "exec")]
            Language::Exec => Ok(&self.exec),
            #[allow(unreachable_patterns)]
            _ => Err(missing()),
        }
    }

    /// Whether this build has the backend for `language`.
    pub fn has(&self, language: Language) -> bool {
        self.get(language).is_ok()
    }

    /// Checks `scripts` (all in `language`) without running them; a
    /// backend this build lacks is an error for each.
    pub fn check(&self, language: Language, scripts: &[&Script]) -> Vec<Result<(), String>> {
        match self.get(language) {
            Ok(backend) => backend.check(scripts),
            Err(missing) => scripts.iter().map(|_| Err(missing.clone())).collect(),
        }
    }

    /// Runs `script` with the backend for its language.
    pub fn run(
        &self,
        script: &Script,
        input: &PhaseInput,
        invocation: &Invocation<'_>,
    ) -> Result<Answer, PhaseError> {
        let backend = self
            .get(script.language)
            .map_err(|m| PhaseError::new(invocation.label, script.language, m))?;
        backend.run(script, input, invocation)
    }

    /// Starts the bash backend's long-lived bash ahead of the first bash
    /// phase, beside the phases' scratch directory `scratch`, when a phase
    /// with `input` would run in it (see
    /// [`crate::BashInterpreter::start_early`]). Nothing without bash.
    pub fn start_bash_early(&self, scratch: &Path, input: &PhaseInput) {
        #[cfg(feature = "bash")]
        self.bash().start_early(scratch, input);
        #[cfg(not(feature = "bash"))]
        let _ = (scratch, input);
    }

    #[cfg(feature = "bash")]
    fn bash(&self) -> &crate::BashInterpreter {
        self.bash.get_or_init(|| {
            let bash = crate::BashInterpreter::new(&self.settings.phaser_exe);
            if self.settings.one_bash_per_build {
                bash
            } else {
                bash.with_a_bash_per_phase()
            }
        })
    }

    /// Ends the backends when the process ends right after: a long-lived
    /// bash is stopped and reaped as dropping them would, but the embedded
    /// engines' memory is left to the process's exit (freeing a Rhai
    /// engine's function tables costs about a ms of a short run).
    pub fn end_with_process(self) {
        #[cfg(feature = "bash")]
        drop(self.bash);
        #[cfg(feature = "rhai")]
        std::mem::forget(self.rhai);
        #[cfg(feature = "lua")]
        std::mem::forget(self.lua);
    }
}
