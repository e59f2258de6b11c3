//! Running a phase's subprocess: its own process group, stdin fed,
//! stdout captured or passed through, stderr passed through while its
//! last lines are kept for the error message (all on the calling thread,
//! `child_io`, where the kernel has pidfds; from threads otherwise).
//!
//! The phase is over when its process is, as in stdenv, where a phase
//! returns when its script returns: whatever it left running in its
//! process group (`sleep 30 &`, a test server a check phase started) is
//! stopped then and named in the log, rather than holding the phase open
//! through the pipes it inherited.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::fd::FromRawFd;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use phaser_stdlib::process_group;

/// How many lines of standard error an error message shows.
pub(crate) const TAIL_LINES: usize = 12;

/// How long the phase's output pipes may stay open after its process group
/// is gone: only a process that left the group (a daemon calling `setsid`)
/// can still hold them, and the build does not wait for it.
pub(crate) const PIPE_GRACE: Duration = Duration::from_secs(1);

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

/// How a phase's process is started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Spawn {
    /// Forked, to set `PR_SET_PDEATHSIG` before exec: it dies with the
    /// runner ([`ProcessGroups::spawn`](process_group::ProcessGroups::spawn)).
    DiesWithRunner,
    /// `posix_spawn`ed, cheaper (an exec phase: see
    /// [`ProcessGroups::spawn_without_death_signal`](process_group::ProcessGroups::spawn_without_death_signal)).
    Posix,
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
    run_as(
        Spawn::DiesWithRunner,
        command,
        stdin,
        capture_stdout,
        invocation,
    )
}

/// [`run`], started the way `spawn` says.
pub(crate) fn run_as(
    spawn: Spawn,
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
    let (mut child, group) = match spawn {
        Spawn::DiesWithRunner => invocation.groups.spawn(command)?,
        Spawn::Posix => invocation.groups.spawn_without_death_signal(command)?,
    };
    if let Some(exited) = crate::child_io::pidfd(&child) {
        return crate::child_io::serve(&mut child, exited, group, stdin, invocation.label);
    }

    let feeder = match (stdin, child.stdin.take()) {
        (Some(bytes), Some(mut pipe)) => Some(std::thread::spawn(move || {
            // A child that does not read its input closes the pipe: not an error.
            let _ = process_group::feed_child(&mut pipe, &bytes);
        })),
        _ => None,
    };
    let stderr = child.stderr.take().map(StderrCopy::start);
    let stdout = Arc::new(Mutex::new(Vec::new()));
    let stdout_reader = child.stdout.take().map(|mut pipe| {
        let stdout = stdout.clone();
        reader(move || {
            let mut chunk = [0u8; 64 * 1024];
            while let Ok(n) = pipe.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                lock(&stdout).extend_from_slice(&chunk[..n]);
            }
        })
    });

    let status = child.wait()?;
    stop_what_is_left(group, invocation.label);
    if let Some(feeder) = feeder {
        let _ = feeder.join();
    }
    let stdout_held = stdout_reader.is_some_and(|r| r.recv_timeout(PIPE_GRACE).is_err());
    let (stderr_held, stderr_tail) = match stderr {
        Some(copy) => copy.finish(),
        None => (false, Vec::new()),
    };
    say_what_holds_the_pipes(invocation.label, stdout_held, stderr_held);
    let stdout = std::mem::take(&mut *lock(&stdout));
    Ok(Finished {
        status,
        stdout,
        stderr_tail,
    })
}

/// The status a shell reports for a child: its exit code, or 128 + the
/// signal that killed it.
pub(crate) fn shell_status(status: ExitStatus) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt;
    status.code().or_else(|| status.signal().map(|s| 128 + s))
}

/// Copies a phase's stderr to ours on a thread of its own, keeping its
/// last [`TAIL_LINES`] lines for the error message.
pub(crate) struct StderrCopy {
    done: mpsc::Receiver<()>,
    tail: Arc<Mutex<VecDeque<String>>>,
}

impl StderrCopy {
    /// Starts copying from `pipe` until its end.
    pub(crate) fn start(pipe: impl Read + Send + 'static) -> StderrCopy {
        let tail = Arc::new(Mutex::new(VecDeque::with_capacity(TAIL_LINES)));
        let copied = tail.clone();
        let out = our_descriptor(2);
        let done = reader(move || pass_stderr_through(pipe, out, &copied));
        StderrCopy { done, tail }
    }

    /// Waits (at most [`PIPE_GRACE`]) for the pipe's end; whether someone
    /// still holds it open, and the last lines.
    pub(crate) fn finish(self) -> (bool, Vec<String>) {
        let held = self.done.recv_timeout(PIPE_GRACE).is_err();
        let tail = Vec::from(std::mem::take(&mut *lock(&self.tail)));
        (held, tail)
    }
}

/// Copies `pipe` (a phase's stdout that a process it left behind still
/// holds) to our descriptor 1 as it is now, on a thread of its own, until
/// the pipe's end; nobody waits for it.
pub(crate) fn keep_copying_stdout(pipe: impl Read + Send + 'static) {
    let out = our_descriptor(1);
    std::thread::spawn(move || pass_stdout_through(pipe, out));
}

/// Says in the log which of a finished phase's pipes a process outside its
/// group still holds (the build does not wait for it).
pub(crate) fn say_what_holds_the_pipes(label: &str, stdout: bool, stderr: bool) {
    let held = match (stdout, stderr) {
        (false, false) => return,
        (true, false) => "stdout",
        (false, true) => "stderr",
        (true, true) => "stdout and stderr",
    };
    eprintln!(
        "[{label}] a process that left the phase's process group still holds its {held} open; not waiting for it"
    );
}

/// Stops whatever the phase's process left running in its group (dropping
/// the guard kills the group), saying what it was.
pub(crate) fn stop_what_is_left(group: process_group::GroupGuard, label: &str) {
    let left = process_group::members(group.pgid());
    if !left.is_empty() {
        let names: Vec<String> = left
            .iter()
            .map(|(pid, name)| format!("{pid} ({name})"))
            .collect();
        let count = match left.len() {
            1 => String::from("1 process"),
            n => format!("{n} processes"),
        };
        eprintln!(
            "[{label}] stopping {count} the phase left running: {}",
            names.join(", ")
        );
    }
    drop(group);
}

/// Runs `read` on a thread of its own; the receiver gets a message when it
/// is done, so the caller can stop waiting for a pipe someone else holds.
fn reader(read: impl FnOnce() + Send + 'static) -> mpsc::Receiver<()> {
    let (done, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        read();
        let _ = done.send(());
    });
    receiver
}

/// Copies the child's stderr to ours line by line, keeping the last
/// [`TAIL_LINES`] for the error message.
fn pass_stderr_through(
    pipe: impl Read,
    mut out: Option<std::fs::File>,
    tail: &Mutex<VecDeque<String>>,
) {
    let mut reader = BufReader::new(pipe);
    let mut line = Vec::new();
    while matches!(reader.read_until(b'\n', &mut line), Ok(n) if n > 0) {
        if let Some(out) = out.as_mut() {
            let _ = out.write_all(&line);
        }
        let mut tail = lock(tail);
        if tail.len() == TAIL_LINES {
            tail.pop_front();
        }
        tail.push_back(String::from_utf8_lossy(&line).trim_end().to_string());
        line.clear();
    }
}

/// A copy of our descriptor `fd` (1 or 2) as it is now: `phaser run`
/// gives each phase pipes of its own there, for its log, so what a phase
/// writes goes to its own log even when a process it left behind writes
/// it after the next phase started. `None` if `fd` is closed.
pub(crate) fn our_descriptor(fd: i32) -> Option<std::fs::File> {
    // SAFETY: F_DUPFD_CLOEXEC makes a new descriptor we then own.
    let copy = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
    // SAFETY: `copy` is a fresh descriptor nothing else owns.
    (copy >= 0).then(|| unsafe { std::fs::File::from_raw_fd(copy) })
}

/// Copies the child's stdout to `out` as it comes, not through Rust's line
/// buffer.
fn pass_stdout_through(mut pipe: impl Read, mut out: Option<std::fs::File>) {
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        match pipe.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                if let Some(out) = out.as_mut() {
                    let _ = out.write_all(&chunk[..n]);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
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
