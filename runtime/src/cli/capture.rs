//! Capturing a run's output: while `phaser run` runs, descriptors 1 and 2
//! are pipes, so everything the build writes (its child processes, and
//! Rhai's and Lua's `print` in phaser itself) passes through a copying
//! thread per stream that sends it to the terminal, to the current
//! phase's log file and, line by line, to the events. Each phase gets
//! pipes of its own (and so does the time between phases, when there are
//! events): a phase's output can never land in another phase's log,
//! however late a left-over child writes it, and the switch needs no
//! marker in the stream. At a switch, what the old pipes still hold is
//! copied by the switching thread itself, so a phase costs no wait for
//! another thread.

use std::fs::File;
use std::io::Write;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use super::events::Events;
use super::terminal::{Stream, Terminal};

/// How much a copying thread reads per turn.
const CHUNK: usize = 64 * 1024;

/// The longest line an event carries; a longer one is split.
const MAX_LINE: usize = 64 * 1024;

/// Where captured output goes besides the terminal.
#[derive(Clone)]
pub struct Sinks {
    pub terminal: Arc<Terminal>,
    pub events: Option<Arc<Events>>,
}

/// The pipes on descriptors 1 and 2 for one phase (or the time between
/// phases), and the threads copying them.
pub struct Capture {
    pipes: Vec<Arc<Pipe>>,
}

impl Capture {
    /// Points descriptors 1 and 2 at new pipes whose output goes to
    /// `sinks` and the file `log` (created at the first byte), as output
    /// of `phase` (`None`: between phases).
    pub fn start(
        phase: Option<&str>,
        log: Option<PathBuf>,
        sinks: &Sinks,
    ) -> std::io::Result<Capture> {
        Ok(Pipes::install()?.copy(phase, log, sinks))
    }

    /// Switches to a new capture: the new pipes take descriptors 1 and 2
    /// first, then this one settles, and only then do the new pipes'
    /// threads start writing to the terminal.
    pub fn switch(
        self,
        phase: Option<&str>,
        log: Option<PathBuf>,
        sinks: &Sinks,
    ) -> std::io::Result<Capture> {
        let pipes = Pipes::install()?;
        self.settle();
        Ok(pipes.copy(phase, log, sinks))
    }

    /// Gives descriptors 1 and 2 back to the terminal; returns once
    /// everything written so far has been copied.
    pub fn stop(self, terminal: &Terminal) {
        flush_std_streams();
        for stream in [Stream::Stdout, Stream::Stderr] {
            // SAFETY: dup2 of a descriptor the terminal owns onto ours.
            unsafe { libc::dup2(terminal.original(stream), stream.fd()) };
        }
        self.settle();
    }

    /// Copies, on this thread, what is still in the pipes: waking their
    /// threads would cost milliseconds on a busy machine. The threads end
    /// by themselves when the last writer is gone (a child a phase left
    /// running may write more; its thread copies that).
    fn settle(self) {
        let mut buffer = [0u8; 16 * 1024];
        for pipe in &self.pipes {
            let mut partial = pipe.partial.lock().unwrap_or_else(|e| e.into_inner());
            // No more than is there now: a child a phase left running may
            // never stop writing.
            let pending = pipe.pending();
            pipe.copy_available(&mut partial, &mut buffer, pending);
        }
    }
}

/// One pipe's read end (non-blocking) and how to copy it; shared by its
/// thread and the capture, which take turns through `partial`.
struct Pipe {
    read: OwnedFd,
    copier: Copier,
    /// A line not ended yet (for the events); held while copying, so what
    /// was read is delivered before another reader reads more.
    partial: Mutex<Vec<u8>>,
}

impl Pipe {
    /// Bytes written to the pipe and not read yet.
    fn pending(&self) -> usize {
        let mut pending: libc::c_int = 0;
        // SAFETY: FIONREAD fills an int we own.
        if unsafe { libc::ioctl(self.read.as_raw_fd(), libc::FIONREAD, &mut pending) } != 0 {
            return 0;
        }
        usize::try_from(pending).unwrap_or(0)
    }

    /// Copies up to `limit` bytes of what the pipe holds now; false once
    /// it has ended (every writer gone) or failed.
    fn copy_available(&self, partial: &mut Vec<u8>, buffer: &mut [u8], limit: usize) -> bool {
        let mut left = limit;
        while left > 0 {
            let size = buffer.len().min(left);
            // SAFETY: read into a buffer we own.
            let n = unsafe { libc::read(self.read.as_raw_fd(), buffer.as_mut_ptr().cast(), size) };
            match n {
                0 => {
                    self.copier.end(partial);
                    return false;
                }
                n if n > 0 => {
                    let n = n as usize;
                    self.copier.deliver(&buffer[..n], partial);
                    left -= n;
                }
                _ => match std::io::Error::last_os_error().kind() {
                    std::io::ErrorKind::WouldBlock => return true,
                    std::io::ErrorKind::Interrupted => {}
                    _ => return false,
                },
            }
        }
        true
    }

    /// The thread's loop: wait for data (without the turn), copy it.
    fn run(&self) {
        ignore_sigpipe_in_this_thread();
        let mut buffer = vec![0u8; CHUNK];
        loop {
            let mut ready = libc::pollfd {
                fd: self.read.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: poll on one pollfd we own.
            if unsafe { libc::poll(&mut ready, 1, -1) } < 0
                && std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted
            {
                return;
            }
            // One buffer per turn, so `settle` soon gets its turn.
            let mut partial = self.partial.lock().unwrap_or_else(|e| e.into_inner());
            if !self.copy_available(&mut partial, &mut buffer, CHUNK) {
                return;
            }
        }
    }
}

/// The read ends of the pipes on descriptors 1 and 2.
struct Pipes {
    stdout: OwnedFd,
    stderr: OwnedFd,
}

impl Pipes {
    /// New pipes on descriptors 1 and 2 (the earlier ones' write ends
    /// there are closed by it).
    fn install() -> std::io::Result<Pipes> {
        flush_std_streams();
        let (stdout, write_out) = pipe()?;
        let (stderr, write_err) = pipe()?;
        for (write, stream) in [(&write_out, Stream::Stdout), (&write_err, Stream::Stderr)] {
            // SAFETY: dup2 onto our own standard descriptor; `write` stays
            // owned and is closed below, leaving the copy on 1 or 2.
            if unsafe { libc::dup2(write.as_raw_fd(), stream.fd()) } < 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
        Ok(Pipes { stdout, stderr })
    }

    /// A thread per pipe, copying it.
    fn copy(self, phase: Option<&str>, log: Option<PathBuf>, sinks: &Sinks) -> Capture {
        let log = Arc::new(Mutex::new(LogFile::Due(log)));
        let mut pipes = Vec::new();
        for (read, stream) in [(self.stdout, Stream::Stdout), (self.stderr, Stream::Stderr)] {
            let pipe = Arc::new(Pipe {
                read,
                copier: Copier {
                    phase: phase.map(str::to_string),
                    stream,
                    log: log.clone(),
                    sinks: sinks.clone(),
                },
                partial: Mutex::new(Vec::new()),
            });
            let shared = pipe.clone();
            std::thread::spawn(move || shared.run());
            pipes.push(pipe);
        }
        Capture { pipes }
    }
}

/// A phase's log file, created when the first output comes: a phase that
/// prints nothing costs no file.
enum LogFile {
    /// Not created yet (`None`: no log wanted, or it could not be created).
    Due(Option<PathBuf>),
    Open(File),
}

impl LogFile {
    fn write(&mut self, chunk: &[u8]) {
        if chunk.is_empty() {
            return;
        }
        if let LogFile::Due(path) = self {
            match path.take().map(File::create) {
                Some(Ok(file)) => *self = LogFile::Open(file),
                _ => return,
            }
        }
        if let LogFile::Open(file) = self {
            let _ = file.write_all(chunk);
        }
    }
}

/// Where one pipe's output goes.
struct Copier {
    phase: Option<String>,
    stream: Stream,
    log: Arc<Mutex<LogFile>>,
    sinks: Sinks,
}

impl Copier {
    /// One chunk to the log, the terminal and (line by line) the events;
    /// `partial` holds a line not yet ended.
    fn deliver(&self, chunk: &[u8], partial: &mut Vec<u8>) {
        self.log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .write(chunk);
        self.sinks.terminal.write(self.stream, chunk);
        if let Some(events) = &self.sinks.events {
            partial.extend_from_slice(chunk);
            let mut start = 0;
            while let Some(end) = memchr::memchr(b'\n', &partial[start..]) {
                events.output(
                    self.phase.as_deref(),
                    self.stream,
                    &partial[start..start + end],
                );
                start += end + 1;
            }
            partial.drain(..start);
            if partial.len() > MAX_LINE {
                // A progress bar redrawn with `\r` never ends its line.
                events.output(self.phase.as_deref(), self.stream, partial);
                partial.clear();
            }
        }
    }

    /// The pipe ended: a last line without its newline is still a line.
    fn end(&self, partial: &mut Vec<u8>) {
        if let (Some(events), false) = (&self.sinks.events, partial.is_empty()) {
            events.output(self.phase.as_deref(), self.stream, partial);
            partial.clear();
        }
    }
}

/// A reader of phaser's output that went away (`phaser run | head`) must
/// not kill the build: the write to it fails with EPIPE instead, and the
/// output still goes to the log. (SIGPIPE for a failed write goes to the
/// writing thread; the build's children get the default disposition.)
fn ignore_sigpipe_in_this_thread() {
    // SAFETY: changes this thread's signal mask only.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

/// A pipe (std's: both ends closed on exec; the write end a child
/// inherits is the dup2 copy on 1 or 2), its read end non-blocking.
fn pipe() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let (read, write) = std::io::pipe()?;
    let (read, write) = (OwnedFd::from(read), OwnedFd::from(write));
    // Only the read end is non-blocking (the flag belongs to each end's
    // open file description): the build's writes block as they would on
    // a terminal.
    // SAFETY: fcntl on a descriptor we own.
    if unsafe { libc::fcntl(read.as_raw_fd(), libc::F_SETFL, libc::O_NONBLOCK) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok((read, write))
}

/// What Rust's and C's stdio buffers hold goes out on the descriptor it
/// was written for, before the descriptor changes.
fn flush_std_streams() {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: fflush(NULL) flushes every C stream (Lua's print uses them).
    unsafe { libc::fflush(std::ptr::null_mut()) };
}
