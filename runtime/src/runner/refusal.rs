//! A run that does not start although the plan is valid: the command line
//! asks for something the build directory cannot give. Typed, so the
//! command line can tell these apart from a phaser failure by their kind
//! rather than their wording.

/// Why a run refused to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The range or phase asked for does not fit the plan or the build
    /// directory (`--from` an unknown phase, `--to` before `--from`, a
    /// resume after the plan changed).
    Usage(String),
    /// The build directory lacks the state the range starts from
    /// (`--resume` with no state file, `--from` with no earlier phase kept,
    /// a tree that cannot be put back).
    MissingState(String),
    /// Another run holds the build directory.
    Busy(String),
    /// The build's set-up failed where stdenv's own set-up fails (the
    /// multiple-outputs hook's `_assignFirst` finding no output for a
    /// variable): a build failure with setup.sh's status 1, not phaser's.
    Setup(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Usage(m) | Refusal::MissingState(m) | Refusal::Busy(m) | Refusal::Setup(m) => {
                f.write_str(m)
            }
        }
    }
}

impl std::error::Error for Refusal {}
