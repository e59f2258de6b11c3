//! The files one bash phase runs from (`input.json`, `vars.sh`, the inline
//! `script.sh`, and `env.sh` for the long-lived bash, which with `vars.sh`
//! holds only what differs from its `base.sh`) and those the driver
//! reports back in (`dump`, and `errors` and the explicit answer only when
//! there is something to say).
//!
//! A phase in a bash of its own gets them in its scratch directory. The
//! phases of the long-lived bash all use the files of its directory,
//! rewritten in place: on a busy ext4 creating a file costs a good part
//! of a millisecond, and a plan ported from nixpkgs has dozens of bash
//! bodies. What a left-behind process of an earlier phase could still
//! write (the explicit answer, a failure record from a background
//! subshell's ERR trap) has a name of its own per phase, so it can never
//! be taken for a later phase's.

use std::io;
use std::path::{Path, PathBuf};

use phaser_stdlib::control_file;

/// Where one phase's files are.
#[derive(Debug, Clone)]
pub(super) struct PhaseFiles {
    pub dir: PathBuf,
    /// `$PHASER_OUTPUT`: the explicit answer, if the phase writes one.
    pub answer: PathBuf,
    /// What the ERR trap records about the first failure.
    pub errors: PathBuf,
    /// What the driver dumps after the script (see [`PhaseFiles::clear_reports`]).
    pub dump: PathBuf,
}

impl PhaseFiles {
    /// The files of a phase in a bash of its own, in `scratch`.
    pub fn own(scratch: &Path) -> PhaseFiles {
        PhaseFiles {
            dir: scratch.to_path_buf(),
            answer: scratch.join("answer.json"),
            errors: scratch.join("errors"),
            dump: scratch.join("dump"),
        }
    }

    /// The files of the long-lived bash's phase number `serial`, in its
    /// directory `dir`.
    pub fn shared(dir: &Path, serial: u64) -> PhaseFiles {
        PhaseFiles {
            dir: dir.to_path_buf(),
            answer: dir.join(format!("answer-{serial}.json")),
            errors: dir.join(format!("errors-{serial}")),
            dump: dir.join("dump"),
        }
    }

    /// A file of the phase's directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Makes the directory (a symlink in its place is removed, not
    /// followed).
    pub fn make_dir(&self) -> io::Result<()> {
        if std::fs::symlink_metadata(&self.dir).is_ok_and(|m| m.file_type().is_symlink()) {
            std::fs::remove_file(&self.dir)?;
        }
        std::fs::create_dir_all(&self.dir)
    }

    /// Clears what an earlier phase reported in the directory.
    ///
    /// The dump is not emptied but marked stale: its first byte becomes
    /// [`STALE`], which the driver's dump (it starts with `cwd`) writes
    /// over. Both write in place: ext4 flushes a file at once when it is
    /// cut to nothing and written again (its `auto_da_alloc` heuristic),
    /// which costs milliseconds on a busy disk; the parser stops at the
    /// dump's `end` record, so older bytes after it do not matter.
    pub fn clear_reports(&self) -> io::Result<()> {
        for stale in [&self.answer, &self.errors] {
            match std::fs::remove_file(stale) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        mark_stale(&self.dump)
    }

    /// Writes `bytes` to the file `name`, in place.
    pub fn write(&self, name: &str, bytes: &[u8]) -> io::Result<()> {
        control_file::overwrite(&self.file(name), bytes)
    }

    /// What the driver dumped, if it got that far.
    pub fn read_dump(&self) -> Option<Vec<u8>> {
        std::fs::read(&self.dump)
            .ok()
            .filter(|dump| !dump.is_empty() && dump[0] != STALE)
    }

    /// Whether the driver recorded a failure or dumped the phase's
    /// changes: either means the phase's shell ended by itself.
    pub fn driver_reported(&self) -> bool {
        self.errors.exists() || self.read_dump().is_some()
    }
}

/// The first byte of a dump no phase has written since it was prepared.
const STALE: u8 = b'-';

/// Makes [`STALE`] the first byte of the file `path`, creating it if need
/// be; a symlink there is replaced, not followed.
fn mark_stale(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    control_file::open_in_place(path)?.write_all_at(&[STALE], 0)
}
