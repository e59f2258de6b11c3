//! Errors in a plan, found before any phase runs.

use std::fmt;

/// A plan that cannot run, with the place in it that is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError {
    /// The plan file's name (or `<embedded>`).
    pub file: String,
    /// Where: a JSON path such as `phaser.phases.lint.after`, or
    /// `line:column` for a syntax error.
    pub at: String,
    /// What is wrong and what to do about it.
    pub message: String,
    /// Whether the problem is a file that does not exist (the plan file,
    /// a `src`): the command line exits with "missing input" rather than
    /// "invalid plan" when every problem is one.
    pub missing_input: bool,
}

impl PlanError {
    /// An error at the JSON path `at`.
    pub fn at(file: &str, at: impl Into<String>, message: impl Into<String>) -> PlanError {
        PlanError {
            file: file.to_string(),
            at: at.into(),
            message: message.into(),
            missing_input: false,
        }
    }

    /// A file named at `at` that does not exist.
    pub fn missing(file: &str, at: impl Into<String>, message: impl Into<String>) -> PlanError {
        PlanError {
            missing_input: true,
            ..PlanError::at(file, at, message)
        }
    }
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.at.is_empty() {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}: {}: {}", self.file, self.at, self.message)
        }
    }
}

impl std::error::Error for PlanError {}

/// Every problem found in a plan, in the order found (never empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanErrors(Vec<PlanError>);

impl PlanErrors {
    /// The problems, or `None` when there are none.
    pub fn from_list(problems: Vec<PlanError>) -> Option<PlanErrors> {
        (!problems.is_empty()).then_some(PlanErrors(problems))
    }

    /// The problems, one by one.
    pub fn iter(&self) -> impl Iterator<Item = &PlanError> {
        self.0.iter()
    }

    /// Whether every problem is a file that does not exist.
    pub fn only_missing_inputs(&self) -> bool {
        self.0.iter().all(|p| p.missing_input)
    }
}

impl From<PlanError> for PlanErrors {
    fn from(problem: PlanError) -> PlanErrors {
        PlanErrors(vec![problem])
    }
}

impl fmt::Display for PlanErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PlanErrors {}
