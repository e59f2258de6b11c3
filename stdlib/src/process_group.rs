//! Child processes in their own process groups, so a stopped build takes
//! every process it started with it.
//!
//! Each child started through [`ProcessGroups::spawn`] leads a new process
//! group and is kept in its [`ProcessGroups`] set until its [`GroupGuard`]
//! drops. A runner has one set (phases' contexts share it), so stopping a
//! build ([`ProcessGroups::terminate`], which a [`crate::Cancel`] calls)
//! signals a phase's `make`, the compilers it started and a `sleep 1000 &`
//! left behind in a bash phase, not only the direct child, and nothing of
//! another build running in the same process.
//!
//! A set can also write every group down in a file ([`ProcessGroups::recorded_in`]),
//! so a later run can stop what a `kill -9`ed runner left behind
//! ([`kill_recorded`]); `phaser std` started from a bash phase records its
//! children in the same file (the runner passes it in [`GROUPS_VAR`]).

use std::collections::BTreeSet;
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The environment variable naming the file a phase's processes record
/// their process groups in (see [`ProcessGroups::recorded_in`]).
pub const GROUPS_VAR: &str = "PHASER_PROCESS_GROUPS";

/// How long [`ProcessGroups::terminate`] waits between SIGTERM and SIGKILL.
pub const TERMINATE_GRACE: Duration = Duration::from_millis(200);

/// The process groups of one build's children.
#[derive(Debug, Clone, Default)]
pub struct ProcessGroups {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    live: Mutex<Live>,
    /// Nanoseconds children spent alive, from spawn to their guard's drop.
    child_nanos: AtomicU64,
    record: Option<PathBuf>,
}

#[derive(Debug, Default)]
struct Live {
    groups: BTreeSet<i32>,
    /// Set by [`ProcessGroups::terminate`]: a child spawned afterwards is
    /// killed at once, so a stopped build starts nothing new.
    stopping: bool,
}

impl ProcessGroups {
    /// A set that is only kept in memory.
    pub fn new() -> ProcessGroups {
        ProcessGroups::default()
    }

    /// A set that also appends every new group (id and its leader's start
    /// time, one per line) to `path`, for [`kill_recorded`].
    pub fn recorded_in(path: impl Into<PathBuf>) -> ProcessGroups {
        ProcessGroups {
            inner: Arc::new(Inner {
                record: Some(path.into()),
                ..Inner::default()
            }),
        }
    }

    /// The file groups are recorded in, if any.
    pub fn record_file(&self) -> Option<&Path> {
        self.inner.record.as_deref()
    }

    /// The wall time children of this set have spent alive so far, so a
    /// runner can tell its own overhead from the build's work.
    pub fn child_wall_time(&self) -> Duration {
        Duration::from_nanos(self.inner.child_nanos.load(Ordering::Relaxed))
    }

    /// Spawns `command` as the leader of a new process group and keeps the
    /// group in this set. The child also dies with the runner
    /// (`PR_SET_PDEATHSIG`), so a `kill -9` of phaser does not leave its
    /// `make` writing into the tree.
    pub fn spawn(&self, command: &mut Command) -> io::Result<(Child, GroupGuard)> {
        // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        self.spawn_without_death_signal(command)
    }

    /// Spawns `command` as the leader of a new process group in this set,
    /// like [`spawn`](Self::spawn) but without the death signal: with
    /// nothing to run between fork and exec, std starts it with
    /// `posix_spawn` (vfork semantics) instead of copying the runner's page
    /// tables, which saves most of a ms per child on a small machine. For
    /// a child the runner waits for itself, an exec phase: a cancelled
    /// build stops its group like any other, and after a `kill -9` of the
    /// runner the next run in the build directory does (the group is
    /// recorded), while the child's pipes to the runner break at once.
    pub fn spawn_without_death_signal(
        &self,
        command: &mut Command,
    ) -> io::Result<(Child, GroupGuard)> {
        command.process_group(0);
        let started = Instant::now();
        let child = command.spawn()?;
        let mut guard = self.adopt(child.id() as i32);
        guard.started = started;
        Ok((child, guard))
    }

    /// Keeps a process group someone else started in this set, as if it had
    /// been spawned here: the long-lived bash forks each bash phase into a
    /// group of its own, and the build stops it (and times it) like any
    /// child.
    pub fn adopt(&self, pgid: i32) -> GroupGuard {
        let started = Instant::now();
        self.record(pgid);
        let mut live = lock(&self.inner.live);
        live.groups.insert(pgid);
        if live.stopping {
            signal_group(pgid, libc::SIGKILL);
        }
        drop(live);
        GroupGuard {
            pgid,
            started,
            inner: self.inner.clone(),
        }
    }

    /// Stops every group of the set: SIGTERM now, SIGKILL after
    /// [`TERMINATE_GRACE`] (from a thread of its own, so the caller does not
    /// wait), and any child spawned from now on is killed at once.
    pub fn terminate(&self) {
        lock(&self.inner.live).stopping = true;
        self.signal_all(libc::SIGTERM);
        let groups = self.clone();
        std::thread::spawn(move || {
            std::thread::sleep(TERMINATE_GRACE);
            groups.signal_all(libc::SIGKILL);
        });
    }

    /// Sends `signal` to every group of the set.
    pub fn signal_all(&self, signal: i32) {
        let groups: Vec<i32> = lock(&self.inner.live).groups.iter().copied().collect();
        for pgid in groups {
            signal_group(pgid, signal);
        }
    }

    fn record(&self, pgid: i32) {
        let (Some(path), Some(started)) = (&self.inner.record, start_time(pgid)) else {
            return;
        };
        use std::io::Write;
        // Never through a symlink: the file lives in the build tree.
        let open = || {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o600)
                .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
                .open(path)
        };
        let file = open().or_else(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => std::fs::remove_file(path).and_then(|()| open()),
            _ => Err(e),
        });
        if let Ok(mut file) = file {
            // One write per line (`writeln!` on a file writes each piece
            // on its own): appends from `phaser std` processes running
            // at the same time never mix within a line.
            let _ = file.write_all(format!("{pgid} {started}\n").as_bytes());
        }
    }
}

/// Keeps a child's process group in its set; dropping it forgets the group
/// (after the child was waited for) and kills whatever of the group is left,
/// so background processes a phase forgot do not outlive it.
#[derive(Debug)]
pub struct GroupGuard {
    pgid: i32,
    started: Instant,
    inner: Arc<Inner>,
}

impl GroupGuard {
    /// The process group id (the child's pid).
    pub fn pgid(&self) -> i32 {
        self.pgid
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        let nanos = self.started.elapsed().as_nanos().min(u64::MAX as u128) as u64;
        self.inner.child_nanos.fetch_add(nanos, Ordering::Relaxed);
        lock(&self.inner.live).groups.remove(&self.pgid);
        signal_group(self.pgid, libc::SIGKILL);
    }
}

/// The processes of group `pgid` still running (pid and command name),
/// from `/proc`.
pub fn members(pgid: i32) -> Vec<(i32, String)> {
    // One syscall says whether the group is empty, the usual case after a
    // phase; only a group with processes left is looked for in all of /proc.
    // SAFETY: signal 0 only checks that the group exists.
    if pgid <= 1 || unsafe { libc::kill(-pgid, 0) } != 0 && errno() == libc::ESRCH {
        return Vec::new();
    }
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let (Some(open), Some((name_end, rest))) = (stat.find('('), stat.rsplit_once(')')) else {
            continue;
        };
        let name = name_end.get(open + 1..).unwrap_or_default().to_string();
        // After the name: state, ppid, pgrp.
        let mut fields = rest.split_whitespace();
        let state = fields.next();
        let pgrp = fields.nth(1).and_then(|f| f.parse::<i32>().ok());
        if pgrp == Some(pgid) && state != Some("Z") {
            found.push((pid, name));
        }
    }
    found.sort();
    found
}

/// Kills the process groups listed in a record file from an earlier run
/// (whatever of them still exists), then empties the file. Each line holds
/// the group id and its leader's start time, so an id the system has since
/// given to an unrelated process is left alone.
pub fn kill_recorded(path: &Path) {
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        let (Some(Ok(pgid)), Some(started)) = (fields.next().map(str::parse::<i32>), fields.next())
        else {
            continue;
        };
        if pgid > 1 && start_time(pgid).as_deref() == Some(started) {
            signal_group(pgid, libc::SIGKILL);
        }
    }
    let _ = crate::control_file::overwrite(path, b"");
}

/// A process's start time (clock ticks since boot, field 22 of
/// `/proc/PID/stat`), which together with the pid names it uniquely.
fn start_time(pid: i32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; count from after it.
    let after_name = stat.rsplit_once(')')?.1;
    after_name.split_whitespace().nth(19).map(str::to_string)
}

fn signal_group(pgid: i32, signal: i32) {
    if pgid > 1 {
        // SAFETY: kill(2) with a negative pid signals a process group; the
        // id came from a child we spawned (or a record checked against its
        // leader's start time).
        unsafe {
            libc::kill(-pgid, signal);
        }
    }
}

/// The lock, even if a thread panicked holding it: the set stays usable
/// for stopping children.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Writes `bytes` to a child's input pipe from the calling thread, which
/// must be one of its own: SIGPIPE is blocked there first, so a child that
/// exits without reading gives an error here (ignored by callers) rather
/// than the signal, whose default action (phaser's CLI restores it so that
/// `phaser std ... | head` ends quietly) would end the whole build.
pub fn feed_child(pipe: &mut impl std::io::Write, bytes: &[u8]) -> std::io::Result<()> {
    // SAFETY: changes only this thread's signal mask.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
    pipe.write_all(bytes)
}

fn errno() -> i32 {
    io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::ExitStatusExt;

    #[test]
    fn recorded_groups_are_killed_but_reused_ids_are_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let record = dir.path().join("groups");
        let groups = ProcessGroups::recorded_in(&record);
        let (mut child, guard) = groups.spawn(Command::new("sleep").arg("100")).unwrap();
        // A line naming a live group with another start time is not ours:
        // here the test process's own group, which must survive.
        // SAFETY: getpgrp has no preconditions.
        let own = unsafe { libc::getpgrp() };
        let mut text = std::fs::read_to_string(&record).unwrap();
        text.push_str(&format!("{own} 1\n"));
        std::fs::write(&record, text).unwrap();
        kill_recorded(&record);
        let status = child.wait().unwrap();
        assert_eq!(status.signal(), Some(libc::SIGKILL));
        assert_eq!(std::fs::read_to_string(&record).unwrap(), "");
        drop(guard);
    }

    #[test]
    fn terminate_stops_this_set_only_and_what_it_starts_afterwards() {
        let ours = ProcessGroups::new();
        let theirs = ProcessGroups::new();
        let (mut mine, _g1) = ours.spawn(Command::new("sleep").arg("100")).unwrap();
        let (mut other, _g2) = theirs.spawn(Command::new("sleep").arg("100")).unwrap();
        ours.terminate();
        assert_eq!(mine.wait().unwrap().signal(), Some(libc::SIGTERM));
        let (mut late, _g3) = ours.spawn(Command::new("sleep").arg("100")).unwrap();
        assert_eq!(late.wait().unwrap().signal(), Some(libc::SIGKILL));
        assert_eq!(
            other.try_wait().unwrap(),
            None,
            "another set's child was hit"
        );
        other.kill().unwrap();
        other.wait().unwrap();
    }
}
