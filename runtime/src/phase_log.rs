//! Each phase's output kept in the build directory:
//! `.phaser/log/PHASE.log` (none when it printed nothing), the earlier
//! run's moved to `PHASE.log.1` (and
//! that one to `.2`, up to [`KEPT`]) when the phase runs again, and
//! `.phaser/log/last` naming the phase that started last, so `phaser log`
//! without a phase shows the one that failed. The runner does not write
//! these itself: whoever captures the output (phaser's command line) does.

use std::io;
use std::path::{Path, PathBuf};

/// How many earlier logs of a phase are kept beside the current one.
pub const KEPT: usize = 5;

/// The log directory of one build directory.
#[derive(Debug, Clone)]
pub struct PhaseLogs {
    dir: PathBuf,
}

impl PhaseLogs {
    /// The logs of the build in `build_top`.
    pub fn of_build(build_top: &Path) -> PhaseLogs {
        PhaseLogs {
            dir: build_top.join(".phaser").join("log"),
        }
    }

    /// The directory the logs are in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where `phase`'s current log is (`generation` 0), or an earlier one.
    pub fn path(&self, phase: &str, generation: usize) -> PathBuf {
        let file = phase.replace('/', "-");
        match generation {
            0 => self.dir.join(format!("{file}.log")),
            n => self.dir.join(format!("{file}.log.{n}")),
        }
    }

    /// Makes room for a new log of `phase` and returns where it goes: the
    /// earlier ones move up a generation (the oldest beyond [`KEPT`] is
    /// dropped), and `last` names `phase`. The file itself is for the
    /// capture to create at the phase's first byte of output: a phase that
    /// prints nothing leaves none (creating a file is what a no-op phase
    /// costs most on some file systems).
    pub fn begin(&self, phase: &str) -> io::Result<PathBuf> {
        std::fs::create_dir_all(&self.dir)?;
        for generation in (0..KEPT).rev() {
            let from = self.path(phase, generation);
            if from.exists() {
                std::fs::rename(&from, self.path(phase, generation + 1))?;
            }
        }
        // Written over in place: truncating it first, as `fs::write` does,
        // makes ext4 flush it at once, milliseconds per phase.
        phaser_stdlib::control_file::overwrite(&self.dir.join("last"), phase.as_bytes())?;
        Ok(self.path(phase, 0))
    }

    /// The phase that started last (the failed one after a failure).
    pub fn last_phase(&self) -> Option<String> {
        let name = std::fs::read_to_string(self.dir.join("last")).ok()?;
        Some(name.trim().to_string()).filter(|n| !n.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phase_run_again_keeps_the_earlier_logs_up_to_the_limit() {
        let top = tempfile::tempdir().unwrap();
        let logs = PhaseLogs::of_build(top.path());
        for run in 0..KEPT + 3 {
            std::fs::write(logs.begin("build").unwrap(), format!("run {run}\n")).unwrap();
        }
        let last = KEPT + 2;
        for generation in 0..=KEPT {
            let text = std::fs::read_to_string(logs.path("build", generation)).unwrap();
            assert_eq!(text, format!("run {}\n", last - generation));
        }
        assert!(!logs.path("build", KEPT + 1).exists());
        assert_eq!(logs.last_phase().as_deref(), Some("build"));
        // A run that printed nothing moves the earlier logs on all the same.
        logs.begin("build").unwrap();
        assert!(!logs.path("build", 0).exists());
        let text = std::fs::read_to_string(logs.path("build", 1)).unwrap();
        assert_eq!(text, format!("run {last}\n"));
    }
}
