//! Capturing a run's output: while `phaser run` runs, descriptors 1 and 2
//! are pipes, so everything the build writes (its child processes, and
//! Rhai's and Lua's `print` in phaser itself) passes through a copying
//! thread per stream that sends it to the terminal, to the current
//! phase's log file and, line by line, to the events. Each phase gets
//! pipes of its own, and so does the time between phases: a phase's
//! output can never land in another phase's log, however late a
//! left-over child writes it, and the switch needs no marker in the
//! stream.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::events::Events;
use super::terminal::{Stream, Terminal};

/// How long a switch waits for the previous pipes to drain (a child left
/// running by a phase may hold them open for much longer).
const DRAIN: Duration = Duration::from_secs(2);

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
    drained: Receiver<()>,
    threads: Vec<JoinHandle<()>>,
}

impl Capture {
    /// Points descriptors 1 and 2 at new pipes whose output goes to
    /// `sinks` and `log`, as output of `phase` (`None`: between phases).
    pub fn start(
        phase: Option<&str>,
        log: Option<File>,
        sinks: &Sinks,
    ) -> std::io::Result<Capture> {
        Ok(Pipes::install()?.copy(phase, log, sinks))
    }

    /// Switches to a new capture: the new pipes take descriptors 1 and 2
    /// first, then this one drains, and only then do the new pipes' threads
    /// start writing to the terminal.
    pub fn switch(
        self,
        phase: Option<&str>,
        log: Option<File>,
        sinks: &Sinks,
    ) -> std::io::Result<Capture> {
        let pipes = Pipes::install()?;
        self.wait();
        Ok(pipes.copy(phase, log, sinks))
    }

    /// Gives descriptors 1 and 2 back to the terminal and waits (a while)
    /// until everything written so far has been copied.
    pub fn stop(self, terminal: &Terminal) {
        flush_std_streams();
        for stream in [Stream::Stdout, Stream::Stderr] {
            // SAFETY: dup2 of a descriptor the terminal owns onto ours.
            unsafe { libc::dup2(terminal.original(stream), stream.fd()) };
        }
        self.wait();
    }

    fn wait(self) {
        let deadline = Instant::now() + DRAIN;
        for _ in 0..self.threads.len() {
            let left = deadline.saturating_duration_since(Instant::now());
            if self.drained.recv_timeout(left).is_err() {
                // A left-over child holds the pipe: its thread keeps copying.
                return;
            }
        }
        for thread in self.threads {
            let _ = thread.join();
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
    fn copy(self, phase: Option<&str>, log: Option<File>, sinks: &Sinks) -> Capture {
        let log = Arc::new(Mutex::new(log));
        let (done, drained) = channel();
        let mut threads = Vec::new();
        for (read, stream) in [(self.stdout, Stream::Stdout), (self.stderr, Stream::Stderr)] {
            let copier = Copier {
                phase: phase.map(str::to_string),
                stream,
                log: log.clone(),
                sinks: sinks.clone(),
            };
            let done = done.clone();
            threads.push(std::thread::spawn(move || {
                copier.copy(File::from(read));
                let _ = done.send(());
            }));
        }
        Capture { drained, threads }
    }
}

/// Copies one pipe until every writer has closed it.
struct Copier {
    phase: Option<String>,
    stream: Stream,
    log: Arc<Mutex<Option<File>>>,
    sinks: Sinks,
}

impl Copier {
    fn copy(&self, mut pipe: File) {
        let mut buffer = vec![0u8; 64 * 1024];
        let mut partial = Vec::new();
        loop {
            let n = match pipe.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            };
            let chunk = &buffer[..n];
            if let Some(log) = self.log.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
                let _ = log.write_all(chunk);
            }
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
                    events.output(self.phase.as_deref(), self.stream, &partial);
                    partial.clear();
                }
            }
        }
        if let (Some(events), false) = (&self.sinks.events, partial.is_empty()) {
            events.output(self.phase.as_deref(), self.stream, &partial);
        }
    }
}

/// A pipe whose both ends are closed on exec (the write end a child
/// inherits is the dup2 copy on 1 or 2).
fn pipe() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills two descriptors we then own.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: both are fresh descriptors nothing else owns.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// What Rust's and C's stdio buffers hold goes out on the descriptor it
/// was written for, before the descriptor changes.
fn flush_std_streams() {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: fflush(NULL) flushes every C stream (Lua's print uses them).
    unsafe { libc::fflush(std::ptr::null_mut()) };
}
