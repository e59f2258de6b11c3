//! Standard-library family `process`: `run`, a program with arguments in
//! the phase's environment, streamed or captured, where a failure is an
//! error that shows the command, how it ended and its last stderr lines.

mod lookup;
mod output;
mod quote;

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::files::yes;
use crate::{Context, Error, Function, Result};

/// How long a timed-out command gets between SIGTERM and SIGKILL.
const KILL_GRACE: Duration = Duration::from_secs(1);

/// What [`run`] should start and how.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Program and arguments; the program is looked up on the phase's PATH.
    pub argv: Vec<String>,
    /// Changes to the phase's environment: a value sets, `None` removes.
    pub env: BTreeMap<String, Option<String>>,
    /// Working directory, relative to the phase's; the phase's by default.
    pub cwd: Option<String>,
    /// Text fed to standard input; without it stdin is `/dev/null`.
    pub stdin: Option<String>,
    /// Keep stdout and stderr and return them instead of streaming them.
    pub capture: bool,
    /// Kill the command's process group after this long.
    pub timeout: Option<Duration>,
    /// An unsuccessful end is an error (else it is only reported).
    pub check: bool,
}

/// How a command ended.
#[derive(Debug, Clone)]
pub struct RunOutput {
    /// The exit status, or 128 + the signal number, as a shell reports it.
    pub status: i32,
    /// The signal that killed it, if one did.
    pub signal: Option<i32>,
    /// Whether it was killed for running out of time.
    pub timed_out: bool,
    /// Its standard output, when captured.
    pub stdout: Option<Vec<u8>>,
    /// Its standard error, when captured.
    pub stderr: Option<Vec<u8>>,
}

/// Runs a command in its own process group with exactly the phase's
/// environment (plus `opts.env`), waits for it and for its output.
pub fn run(cx: &Context, opts: &RunOptions) -> Result<RunOutput> {
    let Some((program, args)) = opts.argv.split_first() else {
        return Err(Error::msg(
            "run: argv is empty; give the program and its arguments",
        ));
    };
    let cwd = match &opts.cwd {
        Some(dir) => cx.resolve(dir),
        None => cx.cwd().to_path_buf(),
    };
    if !cwd.is_dir() {
        return Err(Error::msg(format!(
            "run: working directory {} does not exist (for `{}`)",
            cwd.display(),
            quote::command_line(&opts.argv)
        )));
    }
    let mut env = cx.env().clone();
    for (name, value) in &opts.env {
        match value {
            Some(value) => env.insert(name.clone(), value.clone()),
            None => env.remove(name),
        };
    }
    let exe = lookup::find_program(program, env.get("PATH").map(String::as_str), &cwd)?;

    let mut command = Command::new(&exe);
    command
        .arg0(program)
        .args(args)
        .env_clear()
        .envs(&env)
        .current_dir(&cwd)
        // Without /dev (a bootstrap chroot) there is no /dev/null to open:
        // a pipe closed right after the spawn gives the same empty input.
        .stdin(
            if opts.stdin.is_some() || !Path::new("/dev/null").exists() {
                Stdio::piped()
            } else {
                Stdio::null()
            },
        )
        .stdout(if opts.capture {
            Stdio::piped()
        } else {
            Stdio::inherit()
        })
        .stderr(Stdio::piped());
    let (mut child, group) = cx.groups().spawn(&mut command).map_err(|e| {
        let hint = match e.raw_os_error() {
            Some(libc::ENOENT) => " (if it is a script, its #! interpreter may be missing)",
            Some(libc::EACCES) => " (is it executable?)",
            Some(libc::ENOEXEC) => " (not a program this system can run)",
            _ => "",
        };
        Error::msg(format!("run: cannot start {}: {e}{hint}", exe.display()))
    })?;

    let feeder = match (opts.stdin.clone(), child.stdin.take()) {
        (Some(data), Some(mut pipe)) => Some(thread::spawn(move || {
            // A child that exits without reading its input is not an error.
            let _ = crate::process_group::feed_child(&mut pipe, data.as_bytes());
        })),
        _ => None,
    };
    let stdout_reader = child.stdout.take().map(|mut pipe| {
        thread::spawn(move || {
            let mut all = Vec::new();
            pipe.read_to_end(&mut all).map(|_| all)
        })
    });
    let stderr_reader = child.stderr.take().map(|pipe| {
        let capture = opts.capture;
        thread::spawn(move || output::drain_stderr(pipe, capture))
    });

    let waited = wait(child, group.pgid(), opts.timeout);
    // Whatever the command left running in its group goes now, so the
    // pipes it holds close and the readers below finish.
    drop(group);
    let (status, timed_out) = waited.map_err(|e| {
        Error::msg(format!(
            "run: waiting for `{}`: {e}",
            quote::command_line(&opts.argv)
        ))
    })?;
    if let Some(feeder) = feeder {
        let _ = feeder.join();
    }
    let stdout = match stdout_reader {
        Some(reader) => Some(join_reader(reader, "stdout")?),
        None => None,
    };
    let (stderr, tail) = match stderr_reader {
        Some(reader) => join_reader(reader, "stderr")?,
        None => (Vec::new(), output::Tail::default()),
    };

    let signal = status.signal();
    let result = RunOutput {
        status: status.code().unwrap_or(128 + signal.unwrap_or(0)),
        signal,
        timed_out,
        stdout,
        stderr: opts.capture.then_some(stderr),
    };
    if opts.check && (timed_out || !status.success()) {
        return Err(command_error(&opts.argv, &result, opts.timeout, tail));
    }
    Ok(result)
}

/// Waits for `child`, killing its process group `pgid` when `timeout`
/// passes first (SIGTERM, then SIGKILL after a grace period). Returns the
/// status and whether it timed out.
fn wait(mut child: Child, pgid: i32, timeout: Option<Duration>) -> io::Result<(ExitStatus, bool)> {
    let Some(limit) = timeout else {
        return child.wait().map(|status| (status, false));
    };
    let (sender, receiver) = mpsc::channel();
    let waiter = thread::spawn(move || {
        let _ = sender.send(child.wait());
    });
    let outcome = match receiver.recv_timeout(limit) {
        Ok(status) => status.map(|s| (s, false)),
        Err(mpsc::RecvTimeoutError::Timeout) => {
            signal_group(pgid, libc::SIGTERM);
            let status = match receiver.recv_timeout(KILL_GRACE) {
                Ok(status) => status,
                Err(_) => {
                    signal_group(pgid, libc::SIGKILL);
                    receiver
                        .recv()
                        .unwrap_or_else(|_| Err(io::Error::other("waiter vanished")))
                }
            };
            status.map(|s| (s, true))
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(io::Error::other("waiter vanished")),
    };
    let _ = waiter.join();
    outcome
}

fn signal_group(pgid: i32, signal: i32) {
    // SAFETY: kill(2) on a process group we created and have not released.
    unsafe {
        libc::kill(-pgid, signal);
    }
}

fn join_reader<T>(reader: thread::JoinHandle<io::Result<T>>, which: &str) -> Result<T> {
    reader
        .join()
        .map_err(|_| Error::msg(format!("run: the thread reading {which} panicked")))?
        .map_err(|e| Error::msg(format!("run: reading the command's {which}: {e}")))
}

/// The [`Error::Command`] for a command that did not succeed.
fn command_error(
    argv: &[String],
    result: &RunOutput,
    timeout: Option<Duration>,
    tail: output::Tail,
) -> Error {
    let status = if result.timed_out {
        let secs = timeout.map(|t| t.as_secs_f64()).unwrap_or_default();
        format!("timed out after {secs}s and was killed")
    } else if let Some(signal) = result.signal {
        match quote::signal_name(signal) {
            Some(name) => format!("was killed by signal {signal} ({name})"),
            None => format!("was killed by signal {signal}"),
        }
    } else {
        format!("exited with status {}", result.status)
    };
    let lines = tail.into_lines();
    let tail = if lines.is_empty() {
        String::new()
    } else {
        format!(
            "\n--- last {} line(s) of its stderr ---\n{}",
            lines.len(),
            lines.join("\n")
        )
    };
    Error::Command {
        command: quote::command_line(argv),
        status,
        code: result.status,
        tail,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RunArgs {
    argv: Vec<String>,
    #[serde(default)]
    env: BTreeMap<String, Option<String>>,
    #[serde(default)]
    cwd: Option<String>,
    #[serde(default)]
    stdin: Option<String>,
    #[serde(default)]
    capture: bool,
    #[serde(default)]
    timeout: Option<f64>,
    #[serde(default = "yes")]
    check: bool,
}

/// This family's functions, for the registry.
pub(crate) fn functions() -> Vec<Function> {
    vec![Function::new(
        "run",
        "{argv: [string], env?: {string: string | null}, cwd?: string, stdin?: string, \
         capture?: bool, timeout?: number, check?: bool}",
        &["*argv"],
        "Runs a program (looked up on the phase's PATH, as changed by `env`; a name with `/` \
         is relative to `cwd`) \
         in its own process group, with exactly the phase's environment plus `env` (a null \
         value removes a variable), in `cwd` (default: the phase's directory), with `stdin` as \
         its input (default /dev/null). Output streams to the build log unless `capture`. \
         `timeout` (seconds) sends SIGTERM, then SIGKILL a second later. With `check` (the \
         default) an unsuccessful end is an error naming the command, its exit status, signal \
         or timeout, and its last 20 stderr lines. Returns `{status, signal?, timedOut?, \
         stdout?, stderr?}`; status is the exit code, or 128 + signal; captured output is text \
         (invalid UTF-8 replaced).",
        |cx: &Context, a: RunArgs| {
            let timeout = match a.timeout {
                None => None,
                Some(secs) if secs > 0.0 && Duration::try_from_secs_f64(secs).is_ok() => {
                    Some(Duration::from_secs_f64(secs))
                }
                Some(secs) => {
                    return Err(Error::msg(format!(
                        "run: timeout must be a positive number of seconds, not {secs}"
                    )))
                }
            };
            let opts = RunOptions {
                argv: a.argv,
                env: a.env,
                cwd: a.cwd,
                stdin: a.stdin,
                capture: a.capture,
                timeout,
                check: a.check,
            };
            let out = run(cx, &opts)?;
            let mut answer = Map::new();
            answer.insert("status".into(), json!(out.status));
            if let Some(signal) = out.signal {
                answer.insert("signal".into(), json!(signal));
            }
            if out.timed_out {
                answer.insert("timedOut".into(), json!(true));
            }
            for (key, bytes) in [("stdout", out.stdout), ("stderr", out.stderr)] {
                if let Some(bytes) = bytes {
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    answer.insert(key.into(), Value::String(text));
                }
            }
            Ok(Value::Object(answer))
        },
    )]
}
