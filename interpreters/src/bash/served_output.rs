//! A served phase's output, copied on the calling thread while the phase
//! runs: one `poll` over its stdout and stderr FIFOs and the long-lived
//! bash's reply pipe, which says when the phase is over. Two copying
//! threads per phase (started, then ended) cost more than a short bash
//! body's own work in the runner.

use std::fs::File;
use std::io::{self, BufRead, BufReader, PipeReader, Write};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::time::Instant;

use phaser_stdlib::process_group::GroupGuard;

use crate::child::{
    keep_copying_stdout, our_descriptor, say_what_holds_the_pipes, stop_what_is_left, StderrCopy,
    PIPE_GRACE,
};
use crate::child_io::{poll_slots, read_ready, set_nonblocking, time_left, StderrLines};

/// How a served phase ended, as far as its output tells.
pub(super) struct Served {
    /// The rest of the server's `done STATUS` line (`None`: the server
    /// died first).
    pub done: Option<String>,
    /// Whether a process outside the phase's group still holds a FIFO.
    pub held: bool,
    /// The last lines of the phase's stderr.
    pub stderr_tail: Vec<String>,
}

/// The FIFOs of the phase being run, read ends (non-blocking), and the
/// write ends the runner keeps until the phase is over (so the reads end
/// only once the phase and what it started have closed theirs).
pub(super) struct Fifos {
    pub stdout: File,
    pub stderr: File,
    pub keepers: (File, File),
}

/// Copies the phase's stdout and stderr to ours (descriptors 1 and 2 as
/// they are now: `phaser run` gives each phase pipes of its own there) and
/// reads the server's `done` line from `replies`. Then what is left in the
/// phase's `group` is stopped, and the FIFOs get [`PIPE_GRACE`] to end; one
/// a left-behind process still holds is handed to a thread of its own,
/// which copies it until that process lets go.
pub(super) fn serve(
    fifos: Fifos,
    replies: &mut BufReader<PipeReader>,
    group: GroupGuard,
    label: &str,
) -> io::Result<Served> {
    let mut out = our_descriptor(1);
    let mut lines = StderrLines::new(our_descriptor(2));
    let mut stdout = Some(OwnedFd::from(fifos.stdout));
    let mut stderr = Some(OwnedFd::from(fifos.stderr));
    let mut keepers = Some(fifos.keepers);
    let mut group = Some(group);
    let mut done: Option<Option<String>> = None;
    let mut deadline: Option<Instant> = None;
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        if done.is_some() && stdout.is_none() && stderr.is_none() {
            break;
        }
        // A reply already read into the buffer does not wake `poll`.
        let buffered = done.is_none() && replies.buffer().contains(&b'\n');
        let timeout = match time_left(deadline) {
            _ if buffered => 0,
            Some(timeout) => timeout,
            None => break,
        };
        let readable = |fd: RawFd| (fd, libc::POLLIN);
        let watched = [
            done.is_none()
                .then(|| readable(replies.get_ref().as_raw_fd())),
            stdout.as_ref().map(|fd| readable(fd.as_raw_fd())),
            stderr.as_ref().map(|fd| readable(fd.as_raw_fd())),
        ];
        let Some(ready) = poll_slots(watched, timeout)? else {
            continue;
        };
        if buffered || ready[0] {
            done = Some(read_line(replies, "done "));
            if let Some(group) = group.take() {
                stop_what_is_left(group, label);
            }
            drop(keepers.take());
            deadline = Some(Instant::now() + PIPE_GRACE);
        }
        if ready[1] {
            read_ready(&mut stdout, &mut buffer, |chunk| {
                if let Some(out) = out.as_mut() {
                    let _ = out.write_all(chunk);
                }
            });
        }
        if ready[2] && read_ready(&mut stderr, &mut buffer, |chunk| lines.take(chunk)) {
            lines.end();
        }
    }
    let held = stdout.is_some() || stderr.is_some();
    say_what_holds_the_pipes(label, stdout.is_some(), stderr.is_some());
    // What a process that left the group still writes goes on to this
    // phase's descriptors, as long as it writes.
    // (Back to blocking reads, for a copying thread.)
    if let Some(fd) = stdout {
        let _ = set_nonblocking(&fd, false);
        keep_copying_stdout(File::from(fd));
    }
    if let Some(fd) = stderr {
        lines.end();
        let _ = set_nonblocking(&fd, false);
        drop(StderrCopy::start(File::from(fd)));
    }
    Ok(Served {
        done: done.flatten(),
        held,
        stderr_tail: lines.tail.into(),
    })
}

/// The rest of the next line of `replies`, which must start with `word`.
pub(super) fn read_line(replies: &mut BufReader<PipeReader>, word: &str) -> Option<String> {
    let mut line = String::new();
    match replies.read_line(&mut line) {
        Ok(n) if n > 0 => line.trim_end().strip_prefix(word).map(str::to_string),
        _ => None,
    }
}
