//! Where a run's output reaches the person watching: phaser's own stdout
//! and stderr as they were before the run captured them, and the status
//! line under the streamed output (phase, its number of the total,
//! elapsed time, interpreter), redrawn in place and removed at the end.
//! The status line is drawn only when stdout is a terminal and neither
//! `NO_COLOR` nor `TERM=dumb` is set, and only at the start of a line: a
//! tool's half-written line (`checking for gcc... `) is never cut.

use std::fs::File;
use std::io::{IsTerminal, Write};
use std::os::fd::{AsRawFd, FromRawFd};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

/// Which of phaser's streams a piece of output was written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    /// The descriptor it is.
    pub fn fd(self) -> i32 {
        match self {
            Stream::Stdout => 1,
            Stream::Stderr => 2,
        }
    }

    /// Its name in events.
    pub fn name(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

/// What the status line shows.
pub struct Status {
    pub phase: String,
    pub number: usize,
    pub total: usize,
    pub interpreter: String,
    pub started: Instant,
}

/// phaser's original stdout and stderr, and the status line on stdout.
pub struct Terminal {
    stdout: File,
    stderr: File,
    /// Whether captured output is copied here (not with `--log-format json`).
    echo: bool,
    status_line: bool,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    status: Option<Status>,
    drawn: bool,
    at_line_start: bool,
}

impl Terminal {
    /// Keeps copies of descriptors 1 and 2 as they are now (before a
    /// capture replaces them). `echo`: copy captured output here.
    pub fn new(echo: bool) -> std::io::Result<Arc<Terminal>> {
        let stdout = duplicate(1)?;
        let status_line = echo && stdout.is_terminal() && wants_status_line();
        let terminal = Arc::new(Terminal {
            stdout,
            stderr: duplicate(2)?,
            echo,
            status_line,
            state: Mutex::new(State {
                at_line_start: true,
                ..State::default()
            }),
        });
        if status_line {
            let weak = Arc::downgrade(&terminal);
            std::thread::spawn(move || tick(weak));
        }
        Ok(terminal)
    }

    /// The original descriptor of `stream`.
    pub fn original(&self, stream: Stream) -> i32 {
        match stream {
            Stream::Stdout => self.stdout.as_raw_fd(),
            Stream::Stderr => self.stderr.as_raw_fd(),
        }
    }

    /// Captured output: copied to the original stream, under the status line.
    pub fn write(&self, stream: Stream, bytes: &[u8]) {
        if !self.echo || bytes.is_empty() {
            return;
        }
        let mut state = self.lock();
        self.clear(&mut state);
        let _ = match stream {
            Stream::Stdout => (&self.stdout).write_all(bytes),
            Stream::Stderr => (&self.stderr).write_all(bytes),
        };
        state.at_line_start = bytes.ends_with(b"\n");
        self.draw(&mut state);
    }

    /// Shows `status` (or nothing) from now on. A phase's status is set
    /// right after its header line, so the cursor is at a line start.
    pub fn set_status(&self, status: Option<Status>) {
        let mut state = self.lock();
        self.clear(&mut state);
        if status.is_some() {
            state.at_line_start = true;
        }
        state.status = status;
        self.draw(&mut state);
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn clear(&self, state: &mut State) {
        if state.drawn {
            let _ = (&self.stdout).write_all(b"\r\x1b[2K");
            state.drawn = false;
        }
    }

    fn draw(&self, state: &mut State) {
        if !self.status_line || !state.at_line_start {
            return;
        }
        let Some(status) = &state.status else {
            return;
        };
        let elapsed = whole_seconds(status.started.elapsed());
        let text = format!(
            "phaser: {} ({}/{}, {}) {elapsed}",
            status.phase, status.number, status.total, status.interpreter
        );
        let width = terminal_width(self.stdout.as_raw_fd()).saturating_sub(1);
        let shown: String = text.chars().take(width).collect();
        let _ = (&self.stdout).write_all(format!("\r\x1b[2K\x1b[7m{shown}\x1b[0m").as_bytes());
        state.drawn = true;
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let mut state = self.lock();
        state.status = None;
        let drawn = state.drawn;
        drop(state);
        if drawn {
            let _ = (&self.stdout).write_all(b"\r\x1b[2K");
        }
    }
}

/// `42s`, `3m05s`: the status line is redrawn once a second.
fn whole_seconds(elapsed: Duration) -> String {
    let secs = elapsed.as_secs();
    match secs {
        0..60 => format!("{secs}s"),
        _ => format!("{}m{:02}s", secs / 60, secs % 60),
    }
}

/// `NO_COLOR` (any value but empty) and `TERM=dumb` ask for plain output.
fn wants_status_line() -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
    !no_color && !dumb
}

/// Redraws the status line every second, for the elapsed time, until the
/// terminal is dropped.
fn tick(terminal: Weak<Terminal>) {
    loop {
        std::thread::sleep(Duration::from_secs(1));
        let Some(terminal) = terminal.upgrade() else {
            return;
        };
        let mut state = terminal.lock();
        if state.drawn {
            terminal.draw(&mut state);
        }
    }
}

/// The terminal's width in columns (80 when it cannot be asked).
fn terminal_width(fd: i32) -> usize {
    // SAFETY: TIOCGWINSZ fills a winsize we own.
    unsafe {
        let mut size: libc::winsize = std::mem::zeroed();
        if libc::ioctl(fd, libc::TIOCGWINSZ, &mut size) == 0 && size.ws_col > 0 {
            return usize::from(size.ws_col);
        }
    }
    80
}

/// A close-on-exec copy of descriptor `fd`, so children do not inherit it.
pub fn duplicate(fd: i32) -> std::io::Result<File> {
    // SAFETY: F_DUPFD_CLOEXEC returns a new descriptor we then own.
    let copy = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
    if copy < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `copy` is a fresh descriptor nothing else owns.
    Ok(unsafe { File::from_raw_fd(copy) })
}
