//! One long-lived bash per build (`server.sh`): started early (see
//! [`super::BashInterpreter::start_early`]) or at the first bash phase, it
//! sources the prelude once and forks a subshell for each phase, ahead of
//! its request, which costs a fraction of starting bash and sourcing the
//! prelude again.
//!
//! The runner talks to it over two pipes: requests on its stdin, replies
//! on its fd 3; it hands each request on to the subshell it forked for it
//! through the FIFO `go`. A phase's stdout and stderr come back through
//! the FIFOs `stdout` and `stderr` in the server's directory, copied to
//! the runner's descriptors 1 and 2 as they are while the phase runs
//! (`phaser run` gives each phase pipes of its own there, for its log),
//! and the last lines of stderr kept for the error message, as for a
//! child the runner started itself (see `served_output.rs`).

use std::fs::File;
use std::io::BufReader;
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};

use phaser_stdlib::{process_group::GroupGuard, ProcessGroups};

use super::phase_files::PhaseFiles;
use super::served_output::{self, Fifos};
use crate::attrs_sh::quote;
use crate::child::Finished;

const SERVER: &str = include_str!("server.sh");

/// The environment variables a subshell of the server cannot start with
/// the way a fresh bash does: bash reads them at start-up (options, a
/// startup file, the compatibility level) or resets them (`IFS`, `PWD`,
/// `SHLVL`, ... in [`super::vars::SHELL_OWNED`]). A phase whose environment
/// has one, or a name that is not a shell variable's (which only a fresh
/// process can carry on to its children), runs in a fresh bash instead.
const READ_AT_START: &[&str] = &[
    "BASHOPTS",
    "BASH_COMPAT",
    "BASH_ENV",
    "BASH_LOADABLES_PATH",
    "BASH_XTRACEFD",
    "ENV",
    "GLOBIGNORE",
    "POSIXLY_CORRECT",
    "SHELLOPTS",
    "TMOUT",
];

/// Whether a phase with environment `env` can run in the server's
/// subshell exactly as in a fresh bash.
pub(super) fn can_serve<'a>(mut env: impl Iterator<Item = &'a String>) -> bool {
    env.all(|name| {
        super::vars::is_shell_name(name)
            && !super::vars::SHELL_OWNED.contains(&name.as_str())
            && !READ_AT_START.contains(&name.as_str())
            && !name.starts_with("BASH_FUNC_")
            // The server's own variables (`__phaser_driver`, ...).
            && !name.starts_with("__phaser")
    })
}

/// The running server.
#[derive(Debug)]
pub(super) struct Server {
    child: Child,
    requests: ChildStdin,
    replies: BufReader<std::io::PipeReader>,
    /// Where the server's own complaints go (`server.log`).
    dir: PathBuf,
    /// Whether the FIFOs are there and idle: the last phase's copies saw
    /// their end, so nothing holds them open and a new phase can have
    /// them (making new ones costs a file each on a busy disk).
    fifos_idle: bool,
}

impl Server {
    /// Starts bash with `prelude` (stdenv's options and functions) in
    /// `dir`, a directory of its own; it then sources `base`, the
    /// variables every phase starts from (see [`super::base`]).
    pub fn start(
        bash: &Path,
        dir: &Path,
        prelude: &str,
        driver_functions: &str,
        driver: &str,
        base: &str,
    ) -> std::io::Result<Server> {
        std::fs::create_dir_all(dir)?;
        let prelude_file = dir.join("prelude.sh");
        phaser_stdlib::control_file::overwrite(&prelude_file, prelude.as_bytes())?;
        phaser_stdlib::control_file::overwrite(&dir.join("base.sh"), base.as_bytes())?;
        make_fifo(&dir.join("go"))?;
        let log_file = dir.join("server.log");
        phaser_stdlib::control_file::overwrite(&log_file, b"")?;
        let log = std::fs::OpenOptions::new()
            .append(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&log_file)?;
        let script = format!(
            "{}source {}\n{driver_functions}__phaser_driver={}\n__phaser_dir={}\n{SERVER}",
            super::OPTIONS,
            quote(&prelude_file.to_string_lossy()),
            quote(driver),
            quote(&dir.to_string_lossy()),
        );
        // std's pipe: both ends closed on exec (fd 3 is a dup2 copy).
        let (replies, reply_end) = std::io::pipe()?;
        let reply_fd = reply_end.as_raw_fd();
        let mut command = Command::new(bash);
        command
            .env_clear()
            .args(["--noprofile", "--norc", "-c", &script, "phaser-bash"])
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(log)
            .process_group(0);
        // SAFETY: dup2 and prctl are async-signal-safe; nothing else runs
        // between fork and exec. dup2 clears close-on-exec on the copies.
        unsafe {
            command.pre_exec(move || {
                if libc::dup2(reply_fd, 3) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let mut child = command.spawn()?;
        drop(reply_end);
        let requests = child.stdin.take().expect("stdin is piped");
        Ok(Server {
            child,
            requests,
            replies: BufReader::new(replies),
            dir: dir.to_path_buf(),
            fifos_idle: false,
        })
    }

    /// Whether the server's process is still there.
    pub fn is_alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Runs the phase whose files are `files` (`env.sh`, and what the
    /// driver reads) in a subshell, in a process group kept in `groups`.
    /// `Err(None)` means the request did not reach a running server (start
    /// a new one and ask again); `Err(Some(message))` that the server died
    /// with the phase under way.
    pub fn run(
        &mut self,
        files: &PhaseFiles,
        label: &str,
        groups: &ProcessGroups,
    ) -> Result<Finished, Option<String>> {
        let scratch = &files.dir;
        let reuse = std::mem::take(&mut self.fifos_idle);
        let fifo = |name: &str| {
            let path = scratch.join(name);
            open_fifo(&path, reuse).map_err(|e| {
                Some(format!(
                    "making the FIFO {} for the phase's {name}: {e}",
                    path.display()
                ))
            })
        };
        let (stdout, stdout_keeper) = fifo("stdout")?;
        let (stderr, stderr_keeper) = fifo("stderr")?;

        let mut request = Vec::with_capacity(label.len() + 1);
        request.extend_from_slice(label.as_bytes());
        request.push(0);
        // (A server that died meanwhile has no reader left: the write fails
        // with EPIPE, which must not end the build as SIGPIPE would.)
        if crate::child_io::write_without_sigpipe(&self.requests, &request)
            .map_or(true, |n| n < request.len())
        {
            return Err(None);
        }
        let Some(pid) = self.reply("started ") else {
            return Err(None);
        };
        let Ok(pgid) = pid.parse::<i32>() else {
            return Err(Some(format!("the bash server said `started {pid}`")));
        };
        let group: GroupGuard = groups.adopt(pgid);
        let fifos = Fifos {
            stdout,
            stderr,
            keepers: (stdout_keeper, stderr_keeper),
        };
        let served = served_output::serve(fifos, &mut self.replies, group, label)
            .map_err(|e| Some(format!("copying the phase's output: {e}")))?;
        self.fifos_idle = !served.held;
        let stderr_tail = served.stderr_tail;
        let status = served.done;
        let Some(status) = status.and_then(|s| s.parse::<i32>().ok()) else {
            return Err(Some(format!(
                "the long-lived bash running the phase died{}",
                self.last_words()
            )));
        };
        Ok(Finished {
            status: exit_status(status, files),
            stdout: Vec::new(),
            stderr_tail,
        })
    }

    /// The rest of the server's next reply line, which must start with `word`.
    fn reply(&mut self, word: &str) -> Option<String> {
        served_output::read_line(&mut self.replies, word)
    }

    /// What the server last wrote to its log (but job notices, `[1]+
    /// Done ...`), for an error message.
    fn last_words(&self) -> String {
        let text = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
        match text
            .lines()
            .rfind(|line| !line.starts_with('[') && !line.trim().is_empty())
        {
            Some(line) => format!(": {line}"),
            None => String::new(),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Its stdin closing ends the loop; the group's SIGKILL makes sure.
        unsafe { libc::kill(-(self.child.id() as i32), libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

/// The status `bash`'s `wait` reported as a process status: above 128 it
/// is a signal when the driver recorded neither a failing command nor its
/// changes (a subshell killed before it could), an exit code otherwise.
fn exit_status(status: i32, files: &PhaseFiles) -> ExitStatus {
    let signal = status - 128;
    let killed = (1..=64).contains(&signal) && !files.driver_reported();
    if killed {
        ExitStatus::from_raw(signal)
    } else {
        ExitStatus::from_raw((status & 0xff) << 8)
    }
}

/// A new FIFO at `path`, in place of whatever was there.
fn make_fifo(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    // SAFETY: a valid NUL-terminated path.
    if unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// The FIFO at `path` (a fresh one unless `reuse` says the one there is
/// idle), opened for reading, and a writing end the runner keeps until
/// the phase is over, so the reader sees the end of the stream only once
/// the phase and whatever it started have closed theirs. The reading end
/// stays non-blocking, for `poll`.
fn open_fifo(path: &Path, reuse: bool) -> std::io::Result<(File, File)> {
    use std::os::unix::fs::FileTypeExt;
    let idle = reuse && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_fifo());
    if !idle {
        make_fifo(path)?;
    }
    // Opening the reading end blocks until a writer comes, unless
    // non-blocking; the keeper is that writer.
    let reader = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC | libc::O_NOFOLLOW)
        .open(path)?;
    let keeper = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_CLOEXEC | libc::O_NOFOLLOW)
        .open(path)?;
    Ok((reader, keeper))
}

#[cfg(test)]
mod tests {
    use super::can_serve;

    #[test]
    fn only_an_environment_a_subshell_can_start_with_is_served() {
        let serves = |names: &[&str]| {
            let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            can_serve(names.iter())
        };
        assert!(serves(&["PATH", "HOME", "NIX_CFLAGS_COMPILE"]));
        for name in [
            "a-b",
            "SHELLOPTS",
            "BASH_ENV",
            "BASH_FUNC_f%%",
            "IFS",
            "__phaser_driver",
        ] {
            assert!(!serves(&["PATH", name]), "{name}");
        }
    }
}
