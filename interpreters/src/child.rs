//! Running a phase's subprocess: its own process group, stdin fed from a
//! thread, stdout captured or passed through, stderr passed through while
//! its last lines are kept for the error message.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, ExitStatus, Stdio};

/// How many lines of standard error an error message shows.
pub(crate) const TAIL_LINES: usize = 12;

/// `program` set up to run a phase: exactly the phase's environment (never
/// the runner's), its working directory, and what `phaser std` inside it
/// needs to confine writes, record its children and name the phase in its
/// log.
pub(crate) fn phase_command(
    program: impl AsRef<std::ffi::OsStr>,
    input: &crate::PhaseInput,
    invocation: &crate::Invocation<'_>,
) -> Command {
    let mut command = Command::new(program);
    command
        .env_clear()
        .envs(&input.env)
        .env(
            phaser_stdlib::WRITE_ROOTS_VAR,
            std::env::join_paths(invocation.roots).unwrap_or_default(),
        )
        .env(phaser_stdlib::PHASE_VAR, invocation.label)
        .current_dir(&input.paths.cwd);
    if let Some(record) = invocation.groups.record_file() {
        command.env(phaser_stdlib::GROUPS_VAR, record);
    }
    command
}

/// What a finished child left.
pub(crate) struct Finished {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr_tail: Vec<String>,
}

/// Runs `command` (in a new group of `invocation`'s set) to completion.
/// With `capture_stdout`, stdout is collected (exec's answer channel);
/// otherwise it goes to the runner's stdout.
pub(crate) fn run(
    command: &mut Command,
    stdin: Option<Vec<u8>>,
    capture_stdout: bool,
    invocation: &crate::Invocation<'_>,
) -> std::io::Result<Finished> {
    command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(if capture_stdout {
            Stdio::piped()
        } else {
            Stdio::inherit()
        })
        .stderr(Stdio::piped());
    let (mut child, _group) = invocation.groups.spawn(command)?;

    let feeder = match (stdin, child.stdin.take()) {
        (Some(bytes), Some(mut pipe)) => Some(std::thread::spawn(move || {
            // A child that does not read its input closes the pipe: not an error.
            let _ = pipe.write_all(&bytes);
        })),
        _ => None,
    };
    let stderr = child.stderr.take().map(|pipe| {
        std::thread::spawn(move || {
            let mut tail = VecDeque::with_capacity(TAIL_LINES);
            let mut reader = BufReader::new(pipe);
            let mut line = Vec::new();
            let mut out = std::io::stderr();
            while matches!(reader.read_until(b'\n', &mut line), Ok(n) if n > 0) {
                let _ = out.write_all(&line);
                if tail.len() == TAIL_LINES {
                    tail.pop_front();
                }
                tail.push_back(String::from_utf8_lossy(&line).trim_end().to_string());
                line.clear();
            }
            Vec::from(tail)
        })
    });
    let mut stdout = Vec::new();
    if let Some(mut pipe) = child.stdout.take() {
        pipe.read_to_end(&mut stdout)?;
    }
    let status = child.wait()?;
    if let Some(feeder) = feeder {
        let _ = feeder.join();
    }
    let stderr_tail = stderr
        .map(|t| t.join().unwrap_or_default())
        .unwrap_or_default();
    Ok(Finished {
        status,
        stdout,
        stderr_tail,
    })
}

/// "exited with status 2" or "was killed by signal 9 (SIGKILL)".
pub(crate) fn describe_status(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(signal)) => format!("was killed by signal {signal}"),
        _ => String::from("ended abnormally"),
    }
}
