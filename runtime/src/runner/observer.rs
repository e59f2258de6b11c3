//! What a run tells the world as it goes: the point where logs, progress
//! displays and events attach.

use crate::nix_log::NixLog;
use crate::order::ResolvedPhase;
use crate::report::{PhaseReport, Printer};

/// Watches a run. Every method has a default that does nothing, so an
/// observer implements only what it needs.
pub trait Observer {
    /// The run took the build directory `build_top` (before any phase).
    fn build_opened(&self, build_top: &std::path::Path) {
        let _ = build_top;
    }

    /// Phase `index` (0-based) of `total` starts (skipped phases do not).
    fn phase_started(&self, index: usize, total: usize, phase: &ResolvedPhase) {
        let _ = (index, total, phase);
    }

    /// A phase ended (ran, failed, was interrupted or skipped): its row of
    /// the closing table.
    fn phase_finished(&self, report: &PhaseReport) {
        let _ = report;
    }

    /// A line of the runner's own ("starting over in ...").
    fn note(&self, text: &str) {
        let _ = text;
    }
}

/// The default observer: a header line per phase on stderr, notes as
/// `phaser: ...` lines, and `@nix` phase lines when Nix asked for them.
pub struct Console {
    printer: Printer,
    nix_log: NixLog,
}

impl Console {
    /// Colors as [`Printer::new`] decides; Nix's log descriptor from the environment.
    pub fn new() -> Console {
        Console {
            printer: Printer::new(),
            nix_log: NixLog::from_env(),
        }
    }
}

impl Default for Console {
    fn default() -> Self {
        Console::new()
    }
}

impl Observer for Console {
    fn phase_started(&self, index: usize, total: usize, phase: &ResolvedPhase) {
        let detail = format!("({}, {})", phase.interpreter(), phase.provenance);
        self.printer.header(index, total, &phase.name, &detail);
        self.nix_log.set_phase(&phase.name);
    }

    fn note(&self, text: &str) {
        self.printer.note(text);
    }
}
