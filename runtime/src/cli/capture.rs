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
//!
//! The two copying threads live as long as the process and watch every
//! pipe of their stream that still has a writer (the current phase's, and
//! earlier ones a left-over child still holds), each pipe copied to its
//! own phase's log; a new phase's pipe is handed to them through a queue
//! and an eventfd. Starting two threads per phase cost more than a no-op
//! phase itself.

use std::fs::File;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

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
/// stream's thread and the capture, which take turns through `partial`.
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

    /// Hands each pipe to its stream's copying thread.
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
            Feed::of(stream).add(pipe.clone());
            pipes.push(pipe);
        }
        Capture { pipes }
    }
}

/// The way to one stream's copying thread: pipes queued for it, and an
/// eventfd that wakes it to take them (`None` if the system gave none:
/// the thread then looks at the queue every few ms).
struct Feed {
    queue: Arc<Mutex<Vec<Arc<Pipe>>>>,
    wake: Option<Arc<OwnedFd>>,
}

impl Feed {
    /// The feed of `stream`'s thread, started at the first use.
    fn of(stream: Stream) -> &'static Feed {
        static FEEDS: [OnceLock<Feed>; 2] = [OnceLock::new(), OnceLock::new()];
        let index = match stream {
            Stream::Stdout => 0,
            Stream::Stderr => 1,
        };
        FEEDS[index].get_or_init(Feed::start)
    }

    /// A copying thread and its feed.
    fn start() -> Feed {
        // SAFETY: eventfd makes a new descriptor, owned below if valid.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        let wake = (fd >= 0).then(|| {
            // SAFETY: `fd` is a fresh descriptor nothing else owns.
            Arc::new(unsafe { OwnedFd::from_raw_fd(fd) })
        });
        let queue = Arc::new(Mutex::new(Vec::new()));
        let (theirs, their_wake) = (queue.clone(), wake.clone());
        std::thread::spawn(move || copy_pipes(&theirs, their_wake.as_deref()));
        Feed { queue, wake }
    }

    /// Hands `pipe` to the thread.
    fn add(&self, pipe: Arc<Pipe>) {
        lock(&self.queue).push(pipe);
        if let Some(wake) = &self.wake {
            let one: u64 = 1;
            // SAFETY: an 8-byte write from a value we own to our eventfd.
            unsafe { libc::write(wake.as_raw_fd(), (&raw const one).cast(), 8) };
        }
    }
}

/// A stream's copying thread: waits for data on any of its pipes (without
/// their turns), copies one buffer of each that has some, so `settle`
/// soon gets its turn, and lets go of the pipes that ended.
fn copy_pipes(queue: &Mutex<Vec<Arc<Pipe>>>, wake: Option<&OwnedFd>) {
    ignore_sigpipe_in_this_thread();
    let mut buffer = vec![0u8; CHUNK];
    let mut pipes: Vec<Arc<Pipe>> = Vec::new();
    let mut ready: Vec<libc::pollfd> = Vec::new();
    let poll_fd = |fd| libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    loop {
        pipes.append(&mut lock(queue));
        ready.clear();
        // poll ignores a negative descriptor: no eventfd, no entry.
        ready.push(poll_fd(wake.map_or(-1, AsRawFd::as_raw_fd)));
        ready.extend(pipes.iter().map(|pipe| poll_fd(pipe.read.as_raw_fd())));
        let timeout = if wake.is_some() { -1 } else { 10 };
        // SAFETY: poll on pollfds we own, as many as the vector holds.
        if unsafe { libc::poll(ready.as_mut_ptr(), ready.len() as libc::nfds_t, timeout) } < 0 {
            match std::io::Error::last_os_error().kind() {
                std::io::ErrorKind::Interrupted => continue,
                _ => return,
            }
        }
        if let (Some(wake), true) = (wake, ready[0].revents != 0) {
            let mut count: u64 = 0;
            // SAFETY: an 8-byte read into a value we own from our eventfd.
            unsafe { libc::read(wake.as_raw_fd(), (&raw mut count).cast(), 8) };
        }
        let mut index = 0;
        pipes.retain(|pipe| {
            index += 1;
            if ready[index].revents == 0 {
                return true;
            }
            let mut partial = lock(&pipe.partial);
            pipe.copy_available(&mut partial, &mut buffer, CHUNK)
        });
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
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
