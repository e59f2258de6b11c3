//! The one error type every standard-library function returns.

use std::path::PathBuf;

/// What a standard-library call can fail with. Each variant's message says
/// what went wrong and, where it can, what to do next; the interpreter that
/// made the call adds the phase name and script position.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The arguments did not fit the function's argument struct.
    #[error("{function}: bad arguments: {message} (see `phaser std --list` for the signature: {signature})")]
    Arguments {
        /// The function called.
        function: &'static str,
        /// Its signature, for the message.
        signature: &'static str,
        /// What serde said.
        message: String,
    },
    /// No function of that name is registered.
    #[error("no standard-library function named `{0}` (run `phaser std --list` to see them all)")]
    UnknownFunction(String),
    /// A write, delete or chmod was asked for outside the allowed roots.
    #[error("refusing to write {path}: it is outside the directories this phase may write to ({roots}); add it to `phaser.writeRoots` in the plan if that is intended")]
    OutsideRoots {
        /// The path that was refused.
        path: PathBuf,
        /// The allowed roots, joined for display.
        roots: String,
    },
    /// An I/O operation on a path failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done ("reading", "creating directory", ...).
        action: &'static str,
        /// The path it was done to.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A child process exited unsuccessfully.
    #[error("command `{command}` {status}{tail}")]
    Command {
        /// The command line, shell-quoted for display.
        command: String,
        /// "exited with status 2", "was killed by signal 9", ...
        status: String,
        /// The status a shell reports for it: the exit code, or 128 + the
        /// signal number (what stdenv's builder exits with when it fails).
        code: i32,
        /// The last lines of its standard error, prefixed with a newline, or empty.
        tail: String,
    },
    /// Anything else, already phrased for the user.
    #[error("{0}")]
    Message(String),
}

impl Error {
    /// The shell status of the command whose failure this is, if it is one.
    pub fn command_status(&self) -> Option<i32> {
        match self {
            Error::Command { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// An error whose message is already complete.
    pub fn msg(message: impl Into<String>) -> Error {
        Error::Message(message.into())
    }

    /// An I/O error on `path` while doing `action`.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// Result with the standard library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
