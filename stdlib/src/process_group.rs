//! Child processes in their own process groups, so a stopped build takes
//! every process it started with it.
//!
//! Each child started through [`spawn`] leads a new process group and is
//! recorded here until its [`GroupGuard`] drops. On SIGINT/SIGTERM the
//! runner calls [`kill_all`], which signals every recorded group: a phase's
//! `make`, the compilers it started and a `sleep 1000 &` left behind in a
//! bash phase all go, not only the direct child.

use std::collections::BTreeSet;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

static GROUPS: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());

/// Nanoseconds children spent alive, from spawn to their guard's drop.
static CHILD_NANOS: AtomicU64 = AtomicU64::new(0);

/// The wall time spent in children started through [`spawn`] so far, so a
/// runner can tell its own overhead (total minus this) from the build's work.
pub fn child_wall_time() -> Duration {
    Duration::from_nanos(CHILD_NANOS.load(Ordering::Relaxed))
}

/// Keeps a child's process group recorded; dropping it forgets the group
/// (after the child was waited for) and kills whatever of the group is left,
/// so background processes a phase forgot do not outlive it.
#[derive(Debug)]
pub struct GroupGuard {
    pgid: i32,
    started: Instant,
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
        CHILD_NANOS.fetch_add(nanos, Ordering::Relaxed);
        if let Ok(mut groups) = GROUPS.lock() {
            groups.remove(&self.pgid);
        }
        // SAFETY: kill(2) with a negative pid signals a process group; the
        // group id came from a child we spawned.
        unsafe {
            libc::kill(-self.pgid, libc::SIGKILL);
        }
    }
}

/// Where the process groups of the running build are also written down, so
/// a later `--resume` can stop what a `kill -9`ed runner left running.
static RECORD: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Also appends every new process group id to `path` (one per line, with
/// its leader's start time).
pub fn record_groups_in(path: Option<PathBuf>) {
    if let Ok(mut record) = RECORD.lock() {
        *record = path;
    }
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
            // SAFETY: kill(2) with a negative pid; the group's leader is the
            // very process we recorded (same pid, same start time).
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
    }
    let _ = std::fs::write(path, "");
}

/// A process's start time (clock ticks since boot, field 22 of
/// `/proc/PID/stat`), which together with the pid names it uniquely.
fn start_time(pid: i32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; count from after it.
    let after_name = stat.rsplit_once(')')?.1;
    after_name.split_whitespace().nth(19).map(str::to_string)
}

/// Spawns `command` as the leader of a new process group and records it.
/// The child also dies with the runner (`PR_SET_PDEATHSIG`), so a `kill
/// -9` of phaser does not leave its `make` writing into the tree.
pub fn spawn(command: &mut Command) -> io::Result<(Child, GroupGuard)> {
    command.process_group(0);
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let started = Instant::now();
    let child = command.spawn()?;
    let pgid = child.id() as i32;
    if let Ok(mut groups) = GROUPS.lock() {
        groups.insert(pgid);
    }
    if let Ok(record) = RECORD.lock() {
        if let Some(path) = record.as_ref() {
            use std::io::Write;
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path);
            if let (Ok(mut file), Some(started)) = (file, start_time(pgid)) {
                let _ = writeln!(file, "{pgid} {started}");
            }
        }
    }
    Ok((child, GroupGuard { pgid, started }))
}

/// Sends `signal` to every recorded process group. Safe to call from a
/// signal-handling thread (not from an async signal handler: it locks).
pub fn kill_all(signal: i32) {
    let groups: Vec<i32> = match GROUPS.lock() {
        Ok(groups) => groups.iter().copied().collect(),
        Err(poisoned) => poisoned.into_inner().iter().copied().collect(),
    };
    for pgid in groups {
        // SAFETY: see GroupGuard::drop.
        unsafe {
            libc::kill(-pgid, signal);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_groups_are_killed_but_reused_ids_are_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let record = dir.path().join("groups");
        // Written the way `spawn` writes it (not through the global record,
        // which other tests running at the same time would add to).
        let (mut child, guard) = spawn(Command::new("sleep").arg("100")).unwrap();
        let text = format!("{} {}\n", guard.pgid(), start_time(guard.pgid()).unwrap());
        // A line naming a live group with another start time is not ours:
        // here the test process's own group, which must survive.
        // SAFETY: getpgrp has no preconditions.
        let own = unsafe { libc::getpgrp() };
        std::fs::write(&record, format!("{text}{own} 1\n")).unwrap();
        kill_recorded(&record);
        let status = child.wait().unwrap();
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(libc::SIGKILL));
        assert_eq!(std::fs::read_to_string(&record).unwrap(), "");
        drop(guard);
    }
}
