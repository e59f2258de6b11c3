//! The exec backend: any program that reads the input JSON on stdin and
//! writes its answer JSON to stdout (stderr is its log).

use std::path::{Path, PathBuf};

use crate::child;
use crate::{
    Answer, Interpreter, Invocation, Language, PhaseError, PhaseInput, Script, ScriptSource,
};

/// Runs phases as external programs speaking the JSON protocol.
#[derive(Debug, Default, Clone, Copy)]
pub struct ExecInterpreter;

impl Interpreter for ExecInterpreter {
    fn language(&self) -> Language {
        Language::Exec
    }

    fn run(
        &self,
        script: &Script,
        input: &PhaseInput,
        invocation: &Invocation<'_>,
    ) -> Result<Answer, PhaseError> {
        let fail = |message: String| PhaseError::new(invocation.label, Language::Exec, message);
        let argv = match &script.source {
            ScriptSource::Argv(argv) if !argv.is_empty() => argv.clone(),
            ScriptSource::Argv(_) => return Err(fail("the exec argv is empty".into())),
            ScriptSource::File(path) => vec![path.display().to_string()],
            ScriptSource::Inline(_) => {
                return Err(fail(
                    "exec takes a program and its arguments (a list), not inline source".into(),
                ))
            }
        };
        let program =
            find_program(&argv[0], &input.paths.cwd, input.env.get("PATH")).ok_or_else(|| {
                fail(format!(
                    "program `{}` not found (searched PATH={})",
                    argv[0],
                    input.env.get("PATH").map(String::as_str).unwrap_or("")
                ))
            })?;
        let payload = serde_json::to_vec(input).map_err(|e| fail(e.to_string()))?;
        let mut command = child::phase_command(&program, input, invocation);
        command.args(&argv[1..]);
        // No death signal: std can then posix_spawn the program, the
        // larger part of a short exec phase's cost otherwise.
        let finished = child::run_as(
            child::Spawn::Posix,
            &mut command,
            Some(payload),
            true,
            invocation,
        )
        .map_err(|e| fail(format!("could not start `{}`: {e}", program.display())))?;
        if !finished.status.success() {
            return Err(fail(format!(
                "`{}` {}",
                argv.join(" "),
                child::describe_status(finished.status)
            ))
            .with_stderr_tail(finished.stderr_tail)
            .with_status(child::shell_status(finished.status)));
        }
        Answer::from_bytes(&finished.stdout).map_err(|m| fail(format!("`{}`: {m}", argv[0])))
    }
}

/// `name` looked up the way a shell would: a path with a slash is taken
/// relative to `cwd`; a bare name is searched on `path`.
pub(crate) fn find_program(name: &str, cwd: &Path, path: Option<&String>) -> Option<PathBuf> {
    if name.contains('/') {
        let candidate = cwd.join(name);
        return candidate.exists().then_some(candidate);
    }
    std::env::split_paths(path?)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}
