//! The bash backend: a `bash` subprocess that sees the package the way
//! stdenv shows it (attributes as variables and arrays, outputs by name,
//! stdenv's helper functions) and whose changes become its answer.
//!
//! A phase runs in a subshell of one long-lived bash per build (see
//! [`server`]), or, when its environment needs a fresh process (see
//! [`server::can_serve`]), in a bash of its own; both run the same driver
//! over the same files and give the same answers.
//!
//! A phase's files (see [`phase_files`]): `input.json` (`$PHASER_INPUT`),
//! the explicit answer (`$PHASER_OUTPUT`, optional), `vars.sh`,
//! `script.sh` (inline source), `dump` and the failure record (what the
//! driver reports back). A phase in a bash of its own has them in its
//! scratch directory, with `prelude.sh`; the long-lived bash's phases
//! share those of its directory (`.phaser/tmp/.bash-server`), with
//! `env.sh` and the `stdout` and `stderr` FIFOs; there `env.sh` and
//! `vars.sh` hold only what differs from the variables the long-lived
//! bash declared once (see [`base`]).

mod base;
mod changes;
mod declare_p;
#[cfg(test)]
mod dump_parity_tests;
mod in_server;
mod phase_files;
mod served_output;
mod server;
mod syntax;
mod vars;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::child;
use crate::{
    Answer, Interpreter, Invocation, Language, Location, PhaseError, PhaseInput, Script,
    ScriptSource,
};
use in_server::ServerSlot;
use phase_files::PhaseFiles;

/// What runs each phase (in a subshell of the long-lived bash, or in a
/// fresh bash), and the functions it calls, defined once per bash.
const DRIVER: &str = include_str!("driver.sh");
const DRIVER_FUNCTIONS: &str = include_str!("driver_functions.sh");

/// stdenv's shell options for phases, set before the prelude is sourced.
const OPTIONS: &str = include_str!("options.sh");

/// A bash of its own for one phase: the options, the prelude, the driver.
fn fresh_shell_script() -> &'static str {
    static SCRIPT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SCRIPT
        .get_or_init(|| format!("{OPTIONS}source \"$PHASER_PRELUDE\"\n{DRIVER_FUNCTIONS}{DRIVER}"))
}

/// The prelude's parts, in the order they are sourced.
const PRELUDE_PARTS: &[&str] = &[
    include_str!("prelude/core.sh"),
    include_str!("prelude/substitute.sh"),
    include_str!("prelude/outputs.sh"),
    include_str!("prelude/fixup.sh"),
    include_str!("prelude/unpack.sh"),
    include_str!("prelude/deps.sh"),
];

/// stdenv's helper functions, defined on top of `phaser std`, followed by
/// the list of their names (the driver reports only functions a package
/// defined, not these).
pub fn prelude() -> &'static str {
    static PRELUDE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PRELUDE.get_or_init(|| {
        let mut text = PRELUDE_PARTS.concat();
        let names: Vec<String> = prelude_functions()
            .map(|name| format!("[{name}]=1"))
            .collect();
        text.push_str(&format!(
            "declare -A __phaser_prelude_functions=({})\n",
            names.join(" ")
        ));
        text
    })
}

/// The names of the functions the prelude defines (`name() {` at the start
/// of a line).
fn prelude_functions() -> impl Iterator<Item = &'static str> {
    PRELUDE_PARTS.iter().flat_map(|part| {
        part.lines().filter_map(|line| {
            let (name, _) = line.split_once("() {")?;
            vars::is_shell_name(name).then_some(name)
        })
    })
}

/// Runs bash phases: in subshells of one long-lived bash, or each in a
/// bash of its own.
#[derive(Debug, Clone)]
pub struct BashInterpreter {
    bash: PathBuf,
    phaser_exe: PathBuf,
    /// The long-lived bash, started at the first phase it runs (`None`:
    /// every phase starts a bash of its own).
    server: Option<Arc<Mutex<ServerSlot>>>,
}

impl BashInterpreter {
    /// A backend whose scripts call `phaser_exe` for `phaser std`. Bash
    /// itself is looked up on the runner's PATH once, here, so a plan's
    /// PATH without bash on it still runs bash phases.
    pub fn new(phaser_exe: &Path) -> BashInterpreter {
        let bash = std::env::var_os("PATH")
            .and_then(|path| {
                std::env::split_paths(&path)
                    .map(|dir| dir.join("bash"))
                    .find(|candidate| candidate.is_file())
            })
            .unwrap_or_else(|| PathBuf::from("/bin/bash"));
        BashInterpreter {
            bash,
            phaser_exe: phaser_exe.to_path_buf(),
            server: Some(Arc::default()),
        }
    }

    /// The same backend, but every phase starts a bash of its own (slower:
    /// the benchmark compares the two).
    pub fn with_a_bash_per_phase(mut self) -> BashInterpreter {
        self.server = None;
        self
    }

    /// Runs the phase in a bash of its own, from the files of its scratch
    /// directory.
    fn run_alone(
        &self,
        script: &Script,
        input: &PhaseInput,
        invocation: &Invocation<'_>,
    ) -> Result<Ran, PhaseError> {
        let fail = |message: String| PhaseError::new(invocation.label, Language::Bash, message);
        let files = PhaseFiles::own(invocation.scratch);
        let (declarations, declared) = vars::declarations(input);
        let script_path = files
            .make_dir()
            .and_then(|()| write_files(&files, script, input))
            .and_then(|written| {
                files.write("vars.sh", declarations.as_bytes())?;
                files.write("prelude.sh", prelude().as_bytes())?;
                Ok(written)
            })
            .map_err(|e| fail(format!("writing the phase's files: {e}")))?;
        let mut command = child::phase_command(&self.bash, input, invocation);
        command
            .arg("--noprofile")
            .arg("--norc")
            .arg("-c")
            .arg(fresh_shell_script())
            .arg(format!("phaser-{}", invocation.label))
            .envs(self.driver_vars(&files, &files.file("prelude.sh"), &script_path, input));
        let finished = child::run(&mut command, None, false, invocation)
            .map_err(|e| fail(format!("could not start {}: {e}", self.bash.display())))?;
        Ok(Ran {
            files,
            finished,
            declared,
        })
    }

    /// The variables the driver reads, as the phase's environment has them.
    fn driver_vars(
        &self,
        files: &PhaseFiles,
        prelude: &Path,
        script: &Path,
        input: &PhaseInput,
    ) -> Vec<(&'static str, std::ffi::OsString)> {
        let os = |path: &Path| path.as_os_str().to_os_string();
        vec![
            ("PHASER_INPUT", os(&files.file("input.json"))),
            ("PHASER_OUTPUT", os(&files.answer)),
            ("PHASER_PRELUDE", os(prelude)),
            ("PHASER_VARS", os(&files.file("vars.sh"))),
            ("PHASER_SCRIPT", os(script)),
            ("PHASER_DUMP", os(&files.dump)),
            ("PHASER_ERRORS", os(&files.errors)),
            ("PHASER_CWD", os(&input.paths.cwd)),
            ("PHASER_EXE", os(&self.phaser_exe)),
        ]
    }
}

/// A phase whose bash ended: where its files are, how it ended, and what
/// its variables declared.
struct Ran {
    files: PhaseFiles,
    finished: child::Finished,
    declared: vars::Declared,
}

/// Clears an earlier phase's reports from `files`' directory (which must
/// be there) and writes the files a phase runs from but its variables:
/// its input and (when inline) its script. Returns the script's path.
fn write_files(
    files: &PhaseFiles,
    script: &Script,
    input: &PhaseInput,
) -> std::io::Result<PathBuf> {
    files.clear_reports()?;
    let script_path = match &script.source {
        ScriptSource::Inline(text) => {
            files.write("script.sh", text.as_bytes())?;
            files.file("script.sh")
        }
        ScriptSource::File(path) => path.clone(),
        ScriptSource::Argv(_) => {
            return Err(std::io::Error::other(
                "a bash body is source text or a file, not an argv",
            ))
        }
    };
    let payload = serde_json::to_vec(input).map_err(std::io::Error::other)?;
    files.write("input.json", &payload)?;
    Ok(script_path)
}

impl Interpreter for BashInterpreter {
    fn language(&self) -> Language {
        Language::Bash
    }

    fn run(
        &self,
        script: &Script,
        input: &PhaseInput,
        invocation: &Invocation<'_>,
    ) -> Result<Answer, PhaseError> {
        let fail = |message: String| PhaseError::new(invocation.label, Language::Bash, message);
        if matches!(script.source, ScriptSource::Argv(_)) {
            return Err(fail(
                "a bash body is source text or a file, not an argv".into(),
            ));
        }
        match &self.server {
            Some(slot) if server::can_serve(input.env.keys()) => {
                // Held until the answer is read: the phases share the files.
                let mut slot = slot.lock().unwrap_or_else(|p| p.into_inner());
                let ran = self.run_in_server(&mut slot, script, input, invocation)?;
                read_answer(ran, script, input, invocation)
            }
            _ => {
                let ran = self.run_alone(script, input, invocation)?;
                read_answer(ran, script, input, invocation)
            }
        }
    }

    /// `bash -n` on the scripts: all of them in one bash when they are all
    /// right, each in its own to say which is wrong and where.
    fn check(&self, scripts: &[&Script]) -> Vec<Result<(), String>> {
        syntax::check(&self.bash, scripts)
    }
}

/// The answer of a phase that ran, from what the driver reported in its
/// files, or the error saying where and why it failed.
fn read_answer(
    ran: Ran,
    script: &Script,
    input: &PhaseInput,
    invocation: &Invocation<'_>,
) -> Result<Answer, PhaseError> {
    let Ran {
        files,
        finished,
        declared,
    } = ran;
    let fail = |message: String| PhaseError::new(invocation.label, Language::Bash, message);
    if !finished.status.success() {
        let (location, command) = failure_position(&files.errors, &script.name);
        let what = match command {
            Some(command) => format!("`{command}` {}", child::describe_status(finished.status)),
            None => format!("the script {}", child::describe_status(finished.status)),
        };
        return Err(fail(what)
            .at(location)
            .with_stderr_tail(finished.stderr_tail)
            .with_status(child::shell_status(finished.status)));
    }
    let dump = files.read_dump().ok_or_else(|| {
        fail("the script ended the shell early (an `exit` in a phase body?) so its changes are unknown; use `return` instead".into())
    })?;
    let explicit = std::fs::read(&files.answer).ok();
    if explicit.is_some() {
        // Read once: it must not stay where a later phase could read it.
        let _ = std::fs::remove_file(&files.answer);
    }
    answer(input, &declared, &dump, explicit.as_deref())
        .map_err(|m| fail(m).with_stderr_tail(finished.stderr_tail))
}

/// A bash phase's answer: what the driver's variable `dump` says the
/// script changed, overlaid with the explicit `$PHASER_OUTPUT` answer when
/// it wrote one.
fn answer(
    input: &PhaseInput,
    declared: &vars::Declared,
    dump: &[u8],
    explicit: Option<&[u8]>,
) -> Result<Answer, String> {
    let automatic = changes::Dump::parse(dump)?.answer(input, declared);
    let explicit = match explicit {
        Some(bytes) => Answer::from_bytes(bytes).map_err(|m| format!("$PHASER_OUTPUT: {m}"))?,
        None => Answer::default(),
    };
    Ok(automatic.overlay(explicit))
}

/// The answer a bash phase with `input` gives when the driver dumped
/// `dump` and the script wrote `explicit` to `$PHASER_OUTPUT`: the parsing
/// half of [`BashInterpreter`], without running bash (the fuzz targets
/// feed it arbitrary bytes).
pub fn answer_from_dump(
    input: &PhaseInput,
    dump: &[u8],
    explicit: Option<&[u8]>,
) -> Result<Answer, String> {
    let (_, declared) = vars::declarations(input);
    answer(input, &declared, dump, explicit)
}

/// Where the driver's ERR trap saw the first failure: the script line and the command.
fn failure_position(errors: &Path, name: &str) -> (Option<Location>, Option<String>) {
    let Ok(bytes) = std::fs::read(errors) else {
        return (None, None);
    };
    let fields: Vec<String> = bytes
        .split(|b| *b == 0)
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    let location = fields
        .get(1)
        .and_then(|l| l.parse::<u32>().ok())
        .map(|line| Location {
            file: name.to_string(),
            line,
            column: None,
        });
    (location, fields.get(2).cloned())
}

/// What a bash phase starts with, as one script: stdenv's helper functions
/// and the package's variables for `input`. `phaser shell` sources it so an
/// interactive shell sees exactly what a bash phase sees.
pub fn shell_setup(input: &PhaseInput) -> String {
    format!("{}\n{}", prelude(), shell_variables(input))
}

/// Only the package's variables for `input` (to refresh a shell after a phase ran).
pub fn shell_variables(input: &PhaseInput) -> String {
    format!("{}{}", vars::exports(input), vars::declarations(input).0)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;
    use crate::{Paths, PhaseInfo};

    /// Runs `source` as a bash phase with `attrs`, in a fresh directory.
    fn run(source: &str, attrs: serde_json::Value) -> Result<Answer, PhaseError> {
        let dir = tempfile::tempdir().unwrap();
        let bash = BashInterpreter::new(Path::new("phaser"));
        run_in(&bash, dir.path(), source, attrs)
    }

    /// Runs `source` as a bash phase of `bash` with `attrs`, in `dir`.
    fn run_in(
        bash: &BashInterpreter,
        dir: &Path,
        source: &str,
        attrs: serde_json::Value,
    ) -> Result<Answer, PhaseError> {
        run_input(bash, source, &input(dir, attrs))
    }

    /// The input of a phase with `attrs` in `dir`: `PATH` and `KEEP` in
    /// its environment.
    fn input(dir: &Path, attrs: serde_json::Value) -> PhaseInput {
        let mut env = BTreeMap::new();
        env.insert("PATH".to_string(), "/usr/bin:/bin".to_string());
        env.insert("KEEP".to_string(), "1".to_string());
        PhaseInput {
            phase: PhaseInfo {
                name: "build".into(),
                index: 0,
                hook: None,
            },
            attrs: attrs.as_object().cloned().unwrap(),
            outputs: BTreeMap::new(),
            state: serde_json::Map::new(),
            env,
            paths: Paths {
                build_top: dir.to_path_buf(),
                source_root: None,
                cwd: dir.to_path_buf(),
            },
        }
    }

    /// Runs `source` as a bash phase of `bash` with `input`.
    fn run_input(
        bash: &BashInterpreter,
        source: &str,
        input: &PhaseInput,
    ) -> Result<Answer, PhaseError> {
        let dir = &input.paths.build_top;
        let roots = vec![dir.to_path_buf()];
        let groups = phaser_stdlib::ProcessGroups::new();
        let invocation = Invocation {
            label: "build",
            roots: &roots,
            scratch: &dir.join("scratch"),
            groups: &groups,
        };
        let script = Script::inline(Language::Bash, source, "test.sh");
        bash.run(&script, input, &invocation)
    }

    #[test]
    fn a_bash_started_early_runs_the_phases_and_is_not_started_twice() {
        let dir = tempfile::tempdir().unwrap();
        let bash = BashInterpreter::new(Path::new("phaser"));
        let scratch = dir.path().join("scratch");
        bash.start_early(&scratch, &input(dir.path(), json!({})));
        assert!(dir.path().join(".bash-server/prelude.sh").is_file());
        let first = run_in(&bash, dir.path(), "first=$$", json!({})).unwrap();
        bash.start_early(&scratch, &input(dir.path(), json!({})));
        let second = run_in(&bash, dir.path(), "second=$$", json!({})).unwrap();
        let pid = |answer: &Answer, name: &str| answer.attrs.as_ref().unwrap()[name].clone();
        assert_eq!(pid(&first, "first"), pid(&second, "second"));
    }

    #[test]
    fn no_bash_starts_early_for_an_environment_it_cannot_serve() {
        let dir = tempfile::tempdir().unwrap();
        let bash = BashInterpreter::new(Path::new("phaser"));
        let mut input = input(dir.path(), json!({}));
        input.env.insert("BASH_ENV".into(), "x".into());
        bash.start_early(&dir.path().join("scratch"), &input);
        assert!(!dir.path().join(".bash-server").exists());
    }

    #[test]
    fn changes_become_the_answer_even_with_empty_lists_and_a_changed_ifs() {
        let answer = run(
            "IFS=:; configureFlags+=(--with-x); export NEW=yes; unset KEEP; dontStrip=1",
            json!({"configureFlags": [], "patches": [], "doCheck": false}),
        )
        .unwrap();
        assert_eq!(
            answer.attrs,
            Some(json!({"configureFlags": ["--with-x"], "dontStrip": true}))
        );
        assert_eq!(answer.env, Some(json!({"NEW": "yes", "KEEP": null})));
    }

    #[test]
    fn a_script_that_does_nothing_answers_nothing() {
        let answer = run(":", json!({"patches": [], "name": "x"})).unwrap();
        assert_eq!(answer, Answer::default());
    }

    #[test]
    fn exit_in_a_phase_body_is_reported() {
        let err = run("exit 0", json!({})).unwrap_err().to_string();
        assert!(err.contains("`exit`"), "{err}");
    }
}
