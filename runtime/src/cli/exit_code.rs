//! phaser's exit statuses, in one place: every command maps its errors
//! here, and `phaser --help` and the README print [`TABLE`]. The codes
//! above 63 are the BSD sysexits.h ones, so scripts can tell a wrong plan
//! from a failed build; a failed phase gives its command's status, as
//! stdenv's builder does (pkgs/stdenv/generic/setup.sh).

use phaser::{PlanErrors, Refusal, RunFailure};

/// A command failed in a way the other codes do not name (a phase that
/// failed without a command status, the build's set-up failing where
/// stdenv's does, `phaser port --check` finding a difference).
pub const FAILED: i32 = 1;
/// A wrong option or argument (clap's usage errors too).
pub const USAGE: i32 = 64;
/// The plan is wrong: nothing ran.
pub const INVALID_PLAN: i32 = 65;
/// A file the command needs does not exist: the plan, a `src`, a build
/// input, the build directory's state for `--from`/`--resume`.
pub const MISSING_INPUT: i32 = 66;
/// phaser itself failed: an I/O error in its own bookkeeping, a bug.
pub const INTERNAL: i32 = 70;
/// Another run holds the build directory: try again later.
pub const BUSY: i32 = 75;
/// Stopped by signal N: this plus N, as a shell reports it.
pub const SIGNAL_BASE: i32 = 128;

/// The table `phaser --help` ends with (the README has the same rows).
pub const TABLE: &str = "\
Exit status:
  0      success
  1-255  a phase failed: its failing command's status, as stdenv's builder
         (1 when it failed without one: a Rhai or Lua error, a bad answer,
         a set-up failure stdenv's setup.sh also exits 1 for)
  64     usage: a wrong option or argument, a phase the plan does not have
  65     invalid plan: nothing ran (`phaser check PLAN` lists every problem)
  66     missing input: the plan file, a src or build input, the state
         --from/--resume needs
  70     internal error: phaser's own bookkeeping failed (I/O error, bug)
  75     another phaser run is using the build directory
  128+N  phaser stopped on signal N (130: SIGINT, 143: SIGTERM)";

/// The status for a plan that cannot run: missing input when every
/// problem is a file that does not exist, else invalid plan.
pub fn of_plan_errors(errors: &PlanErrors) -> i32 {
    if errors.only_missing_inputs() {
        MISSING_INPUT
    } else {
        INVALID_PLAN
    }
}

/// The status a failed run ends with; `signal_status` is the one for a
/// run stopped by a signal (the CLI's handler knows which signal).
pub fn of_failure(failure: &RunFailure, signal_status: impl FnOnce() -> i32) -> i32 {
    let error = &failure.error;
    if let Some(errors) = error.downcast_ref::<PlanErrors>() {
        return of_plan_errors(errors);
    }
    if error.downcast_ref::<phaser::Interrupted>().is_some() {
        return signal_status();
    }
    let phase_failed = failure
        .phases
        .last()
        .is_some_and(|row| row.outcome == phaser::Outcome::Failed);
    if phase_failed {
        return failure.status();
    }
    match error.downcast_ref::<Refusal>() {
        Some(Refusal::Usage(_)) => USAGE,
        Some(Refusal::MissingState(_)) => MISSING_INPUT,
        Some(Refusal::Busy(_)) => BUSY,
        Some(Refusal::Setup(_)) => FAILED,
        None => INTERNAL,
    }
}
