//! A phase's pipes served on the calling thread with one `poll`: its input
//! fed, its stdout collected, its stderr passed through to ours (the last
//! lines kept), and its end seen through a pidfd. Three threads per phase
//! (started, then ended), as before, were most of what a short exec phase
//! cost after the spawn itself. Where the kernel gives no pidfd (before
//! Linux 5.3), `child` serves the pipes from threads instead.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::process::Child;
use std::time::{Duration, Instant};

use phaser_stdlib::process_group::GroupGuard;

use crate::child::{
    our_descriptor, say_what_holds_the_pipes, stop_what_is_left, Finished, PIPE_GRACE, TAIL_LINES,
};

/// A descriptor that becomes readable when `child` has exited.
pub(crate) fn pidfd(child: &Child) -> Option<OwnedFd> {
    let pid = libc::pid_t::try_from(child.id()).ok()?;
    // SAFETY: pidfd_open creates a new descriptor (close-on-exec) or fails.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    let fd = i32::try_from(fd).ok().filter(|fd| *fd >= 0)?;
    // SAFETY: `fd` is a fresh descriptor nothing else owns.
    Some(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Runs `child` to its end on this thread (see the module): `input` on its
/// stdin, its stdout and stderr as `child` took them (piped or not). Once
/// it has exited, what is left in its group is stopped, and its pipes get
/// [`PIPE_GRACE`] to end (only a process that left the group can hold
/// them then).
pub(crate) fn serve(
    child: &mut Child,
    exited: OwnedFd,
    group: GroupGuard,
    input: Option<Vec<u8>>,
    label: &str,
) -> io::Result<Finished> {
    let mut input = match (input, child.stdin.take()) {
        (Some(bytes), Some(pipe)) if !bytes.is_empty() => Some(Input {
            fd: nonblocking(pipe.into())?,
            bytes,
            at: 0,
        }),
        _ => None,
    };
    let mut stdout = child
        .stdout
        .take()
        .map(|p| nonblocking(p.into()))
        .transpose()?;
    let mut stderr = child
        .stderr
        .take()
        .map(|p| nonblocking(p.into()))
        .transpose()?;
    let mut collected = Vec::new();
    let mut lines = StderrLines::new(our_descriptor(2));
    let mut group = Some(group);
    let mut status = None;
    let mut deadline: Option<Instant> = None;
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        if status.is_some() && stdout.is_none() && stderr.is_none() {
            break;
        }
        let Some(timeout) = time_left(deadline) else {
            break;
        };
        let watched = [
            status.is_none().then(|| (exited.as_raw_fd(), libc::POLLIN)),
            input.as_ref().map(|i| (i.fd.as_raw_fd(), libc::POLLOUT)),
            stdout.as_ref().map(|fd| (fd.as_raw_fd(), libc::POLLIN)),
            stderr.as_ref().map(|fd| (fd.as_raw_fd(), libc::POLLIN)),
        ];
        let Some(ready) = poll_slots(watched, timeout)? else {
            continue;
        };
        if ready[0] {
            status = Some(child.wait()?);
            if let Some(group) = group.take() {
                stop_what_is_left(group, label);
            }
            // Nobody in the group is left to read the rest.
            input = None;
            deadline = Some(Instant::now() + PIPE_GRACE);
        }
        if ready[1] {
            if let Some(feed) = input.as_mut() {
                // A child that does not read its input closes the pipe:
                // not an error, the feeding just stops.
                match write_without_sigpipe(&feed.fd, &feed.bytes[feed.at..]) {
                    Ok(n) => feed.at += n,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => feed.at = feed.bytes.len(),
                }
                if feed.at == feed.bytes.len() {
                    input = None;
                }
            }
        }
        if ready[2] {
            read_ready(&mut stdout, &mut buffer, |chunk| {
                collected.extend_from_slice(chunk)
            });
        }
        if ready[3] && read_ready(&mut stderr, &mut buffer, |chunk| lines.take(chunk)) {
            lines.end();
        }
    }
    say_what_holds_the_pipes(label, stdout.is_some(), stderr.is_some());
    let status = match status {
        Some(status) => status,
        None => child.wait()?,
    };
    Ok(Finished {
        status,
        stdout: collected,
        stderr_tail: lines.tail.into(),
    })
}

/// What is left to write to the child's stdin.
struct Input {
    fd: OwnedFd,
    bytes: Vec<u8>,
    at: usize,
}

/// The child's stderr, line by line: each whole line to our descriptor 2
/// as it comes, the last [`TAIL_LINES`] kept for the error message.
pub(crate) struct StderrLines {
    out: Option<std::fs::File>,
    partial: Vec<u8>,
    /// The last lines, oldest first.
    pub(crate) tail: VecDeque<String>,
}

impl StderrLines {
    pub(crate) fn new(out: Option<std::fs::File>) -> StderrLines {
        StderrLines {
            out,
            partial: Vec::new(),
            tail: VecDeque::with_capacity(TAIL_LINES),
        }
    }

    /// A chunk read: the lines it ends go out, the rest waits.
    pub(crate) fn take(&mut self, chunk: &[u8]) {
        self.partial.extend_from_slice(chunk);
        let Some(last) = self.partial.iter().rposition(|b| *b == b'\n') else {
            return;
        };
        let rest = self.partial.split_off(last + 1);
        let whole = std::mem::replace(&mut self.partial, rest);
        self.pass(&whole);
    }

    /// The pipe ended: a last line without its newline is a line too.
    pub(crate) fn end(&mut self) {
        let rest = std::mem::take(&mut self.partial);
        if !rest.is_empty() {
            self.pass(&rest);
        }
    }

    fn pass(&mut self, lines: &[u8]) {
        if let Some(out) = self.out.as_mut() {
            let _ = out.write_all(lines);
        }
        for line in lines
            .strip_suffix(b"\n")
            .unwrap_or(lines)
            .split(|b| *b == b'\n')
        {
            if self.tail.len() == TAIL_LINES {
                self.tail.pop_front();
            }
            self.tail
                .push_back(String::from_utf8_lossy(line).trim_end().to_string());
        }
    }
}

/// One read from the pipe in `slot`, if any, handed to `take`; at the
/// pipe's end the slot is emptied and the answer is true.
pub(crate) fn read_ready(
    slot: &mut Option<OwnedFd>,
    buffer: &mut [u8],
    take: impl FnMut(&[u8]),
) -> bool {
    let ended = slot.as_ref().is_some_and(|fd| !read_some(fd, buffer, take));
    if ended {
        *slot = None;
    }
    ended
}

/// One read from `fd` (non-blocking) handed to `take`; false once the
/// pipe has ended (or failed).
fn read_some(fd: &OwnedFd, buffer: &mut [u8], mut take: impl FnMut(&[u8])) -> bool {
    // SAFETY: a read into a buffer we own, of its length.
    let n = unsafe { libc::read(fd.as_raw_fd(), buffer.as_mut_ptr().cast(), buffer.len()) };
    match usize::try_from(n) {
        Ok(0) => false,
        Ok(n) => {
            take(&buffer[..n]);
            true
        }
        Err(_) => matches!(
            io::Error::last_os_error().kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
        ),
    }
}

/// A write to the child's input pipe that fails with `EPIPE` instead of
/// raising SIGPIPE, whose default action (phaser's CLI restores it) would
/// end the whole build: the signal is blocked on this thread around the
/// write, and one it raised is taken before the old mask comes back.
pub(crate) fn write_without_sigpipe(fd: &impl AsRawFd, bytes: &[u8]) -> io::Result<usize> {
    // SAFETY: changes this thread's signal mask only, and restores it;
    // the write is from a buffer we own, of its length.
    unsafe {
        let mut pipe: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut pipe);
        libc::sigaddset(&mut pipe, libc::SIGPIPE);
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::pthread_sigmask(libc::SIG_BLOCK, &pipe, &mut old);
        let n = libc::write(fd.as_raw_fd(), bytes.as_ptr().cast(), bytes.len());
        let error = io::Error::last_os_error();
        if n < 0
            && error.raw_os_error() == Some(libc::EPIPE)
            && libc::sigismember(&old, libc::SIGPIPE) == 0
        {
            let now = libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            libc::sigtimedwait(&pipe, std::ptr::null_mut(), &now);
        }
        libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
        usize::try_from(n).map_err(|_| error)
    }
}

/// `fd` made non-blocking (our end of a pipe only: the flag belongs to
/// that end's open file description, not the child's).
fn nonblocking(fd: OwnedFd) -> io::Result<OwnedFd> {
    set_nonblocking(&fd, true)?;
    Ok(fd)
}

/// Sets or clears `O_NONBLOCK` on our end of a pipe or FIFO.
pub(crate) fn set_nonblocking(fd: &OwnedFd, on: bool) -> io::Result<()> {
    // SAFETY: fcntl on a descriptor we own.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    let wanted = match on {
        true => flags | libc::O_NONBLOCK,
        false => flags & !libc::O_NONBLOCK,
    };
    // SAFETY: as above.
    if flags < 0 || unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, wanted) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The `poll` timeout until `deadline` (for ever without one); `None`
/// once it has passed.
pub(crate) fn time_left(deadline: Option<Instant>) -> Option<i32> {
    match deadline {
        None => Some(-1),
        Some(deadline) => deadline
            .checked_duration_since(Instant::now())
            .filter(|left| !left.is_zero())
            .map(millis),
    }
}

/// One `poll` over `watched`, a slot per role (`None` is not watched):
/// which slots are ready, or `None` when a signal interrupted the wait.
pub(crate) fn poll_slots<const N: usize>(
    watched: [Option<(RawFd, i16)>; N],
    timeout: i32,
) -> io::Result<Option<[bool; N]>> {
    // A negative descriptor is ignored by poll.
    let mut polls = watched.map(|w| {
        let (fd, events) = w.unwrap_or((-1, 0));
        libc::pollfd {
            fd,
            events,
            revents: 0,
        }
    });
    // SAFETY: poll on N pollfds we own.
    if unsafe { libc::poll(polls.as_mut_ptr(), N as libc::nfds_t, timeout) } < 0 {
        let error = io::Error::last_os_error();
        if error.kind() == io::ErrorKind::Interrupted {
            return Ok(None);
        }
        return Err(error);
    }
    Ok(Some(polls.map(|p| p.revents != 0)))
}

/// A poll timeout: `left` in ms, rounded up so a wait never ends early.
fn millis(left: Duration) -> i32 {
    i32::try_from(left.as_micros().div_ceil(1000)).unwrap_or(i32::MAX)
}
