//! Errors from running a phase, always naming the phase.

use std::fmt;

use crate::Language;

/// Where in a script an error happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The script's name (a file path, or `plan.json#json.path` for inline source).
    pub file: String,
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1, when the interpreter reports one.
    pub column: Option<u32>,
}

impl Location {
    /// `line N` or `line N:C`, for messages that name the script already.
    pub fn line_column(&self) -> String {
        match self.column {
            Some(column) => format!("line {}:{column}", self.line),
            None => format!("line {}", self.line),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)?;
        if let Some(column) = self.column {
            write!(f, ":{column}")?;
        }
        Ok(())
    }
}

/// A phase (or hook) that failed.
#[derive(Debug, Clone)]
pub struct PhaseError {
    /// The phase, or `phase/hook` for a hook.
    pub phase: String,
    /// The interpreter that ran it.
    pub language: Language,
    /// Where in the script, when known (boxed: the error travels in every
    /// `Result` a phase returns, and is rare).
    pub location: Option<Box<Location>>,
    /// What went wrong.
    pub message: String,
    /// The last lines of the script's standard error, for subprocesses.
    pub stderr_tail: Vec<String>,
    /// The shell status of what failed, when a command or script exited
    /// unsuccessfully (its exit code, or 128 + the signal): what stdenv's
    /// builder exits with.
    pub status: Option<i32>,
}

impl PhaseError {
    /// An error without a position.
    pub fn new(phase: &str, language: Language, message: impl Into<String>) -> PhaseError {
        PhaseError {
            phase: phase.to_string(),
            language,
            location: None,
            message: message.into(),
            stderr_tail: Vec::new(),
            status: None,
        }
    }

    /// Adds the shell status of what failed.
    pub fn with_status(mut self, status: Option<i32>) -> PhaseError {
        self.status = status;
        self
    }

    /// Adds the position in the script.
    pub fn at(mut self, location: Option<Location>) -> PhaseError {
        self.location = location.map(Box::new);
        self
    }

    /// Adds the last lines of standard error.
    pub fn with_stderr_tail(mut self, tail: Vec<String>) -> PhaseError {
        self.stderr_tail = tail;
        self
    }
}

impl fmt::Display for PhaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "phase `{}` ({}) failed", self.phase, self.language)?;
        if let Some(location) = &self.location {
            write!(f, " at {location}")?;
        }
        write!(f, ": {}", self.message)?;
        if !self.stderr_tail.is_empty() {
            write!(f, "\nlast lines of its standard error:")?;
            for line in &self.stderr_tail {
                write!(f, "\n  | {line}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for PhaseError {}
