//! What `phaser run` shows while it runs: the runner's [`Observer`] that
//! puts the headers and notes on the console, moves the output capture
//! from phase to phase (each phase's output into its log file), keeps the
//! status line current, and writes the events.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use phaser::phase_log::PhaseLogs;
use phaser::{Console, Observer, Outcome, PhaseReport, ResolvedPhase};
use serde_json::json;

use super::capture::{Capture, Sinks};
use super::events::Events;
use super::terminal::{Status, Terminal};

/// The output side of one `phaser run`.
pub struct RunOutput {
    /// The headers and notes (none with `--log-format json`).
    console: Option<Console>,
    /// Whether the time between phases is captured too: only for the
    /// events (the runner's own lines there become `output` events);
    /// otherwise descriptors 1 and 2 are the terminal's between phases,
    /// which halves the cost of a phase.
    between_phases: bool,
    sinks: Sinks,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    logs: Option<PhaseLogs>,
    capture: Option<Capture>,
    /// The running phase's log file, when it has one.
    log: Option<PathBuf>,
    in_phase: bool,
    /// A failed phase's row and log: its end event waits for the status.
    failed: Option<(PhaseReport, Option<PathBuf>)>,
}

impl RunOutput {
    /// Starts capturing descriptors 1 and 2. `human`: headers, notes and
    /// the build's output on the terminal (else only `events` get them).
    pub fn begin(human: bool, events: Option<Arc<Events>>) -> std::io::Result<Arc<RunOutput>> {
        let sinks = Sinks {
            terminal: Terminal::new(human)?,
            events,
        };
        // The console decides on colors before stderr becomes a pipe.
        let console = human.then(Console::new);
        let between_phases = sinks.events.is_some();
        let capture = match between_phases {
            true => Some(Capture::start(None, None, &sinks)?),
            false => None,
        };
        Ok(Arc::new(RunOutput {
            console,
            between_phases,
            sinks,
            state: Mutex::new(State {
                capture,
                ..State::default()
            }),
        }))
    }

    /// The observer to give the runner.
    pub fn observer(self: &Arc<RunOutput>) -> Box<dyn Observer> {
        Box::new(Observing(self.clone()))
    }

    /// The events, when there are any.
    pub fn events(&self) -> Option<&Events> {
        self.sinks.events.as_deref()
    }

    /// Ends the capture (descriptors 1 and 2 are the terminal's again) and
    /// the status line; a failed phase's end event gets `status`.
    pub fn finish(&self, status: i32) {
        let mut state = self.lock();
        if let Some(capture) = state.capture.take() {
            capture.stop(&self.sinks.terminal);
        }
        self.sinks.terminal.set_status(None);
        if let Some((row, log)) = state.failed.take() {
            self.phase_end(&row, Some(status), log);
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Moves the capture to `phase`'s pipes (`None`: between phases).
    fn switch(&self, state: &mut State, phase: Option<&str>) {
        let log = match (phase, &state.logs) {
            (Some(phase), Some(logs)) => match logs.begin(phase) {
                Ok(path) => Some(path),
                Err(e) => {
                    self.note_now(&format!(
                        "cannot keep the log of `{phase}` in {}: {e}",
                        logs.dir().display()
                    ));
                    None
                }
            },
            _ => None,
        };
        state.log = log.clone();
        let wanted = phase.is_some() || self.between_phases;
        let next = match (state.capture.take(), wanted) {
            (Some(capture), true) => capture.switch(phase, log, &self.sinks).map(Some),
            (Some(capture), false) => {
                capture.stop(&self.sinks.terminal);
                Ok(None)
            }
            (None, true) => Capture::start(phase, log, &self.sinks).map(Some),
            (None, false) => Ok(None),
        };
        match next {
            Ok(capture) => state.capture = capture,
            Err(e) => self.note_now(&format!("cannot capture the output: {e}")),
        }
    }

    fn note_now(&self, text: &str) {
        if let Some(console) = &self.console {
            console.note(text);
        }
        if let Some(events) = self.events() {
            events.emit("note", json!({ "text": text }));
        }
    }

    fn phase_end(&self, row: &PhaseReport, status: Option<i32>, log: Option<PathBuf>) {
        let Some(events) = self.events() else {
            return;
        };
        let (outcome, reason) = match &row.outcome {
            Outcome::Ran => ("ran", None),
            Outcome::Skipped(why) => ("skipped", Some(why.as_str())),
            Outcome::NoBody => ("no-body", None),
            Outcome::Failed => ("failed", None),
            Outcome::Interrupted => ("interrupted", None),
        };
        events.emit(
            "phase_end",
            json!({
                "phase": row.name,
                "interpreter": row.interpreter,
                "outcome": outcome,
                "reason": reason,
                "wall_s": row.duration.as_secs_f64(),
                "child_s": row.child_time.as_secs_f64(),
                "status": status,
                "log": log.map(|p| p.display().to_string()),
            }),
        );
    }
}

/// The runner's handle on a [`RunOutput`] it shares with the command.
struct Observing(Arc<RunOutput>);

impl Observer for Observing {
    fn build_opened(&self, build_top: &std::path::Path) {
        self.0.lock().logs = Some(PhaseLogs::of_build(build_top));
    }

    fn phase_started(&self, index: usize, total: usize, phase: &ResolvedPhase) {
        let output = &self.0;
        if let Some(console) = &output.console {
            console.phase_started(index, total, phase);
        }
        if let Some(events) = output.events() {
            events.emit(
                "phase_start",
                json!({
                    "phase": phase.name,
                    "number": index + 1,
                    "total": total,
                    "interpreter": phase.interpreter(),
                }),
            );
        }
        let mut state = output.lock();
        output.switch(&mut state, Some(&phase.name));
        state.in_phase = true;
        output.sinks.terminal.set_status(Some(Status {
            phase: phase.name.clone(),
            number: index + 1,
            total,
            interpreter: phase.interpreter(),
            started: Instant::now(),
        }));
    }

    fn phase_finished(&self, report: &PhaseReport) {
        let output = &self.0;
        let mut state = output.lock();
        let log = state.log.take();
        if state.in_phase {
            output.switch(&mut state, None);
            output.sinks.terminal.set_status(None);
            state.in_phase = false;
        }
        // The capture has copied everything by now: a phase that printed
        // nothing has no log file.
        let log = log.filter(|path| path.exists());
        match report.outcome {
            Outcome::Failed => state.failed = Some((report.clone(), log)),
            Outcome::Interrupted => output.phase_end(report, None, log),
            _ => output.phase_end(report, Some(0), log),
        }
    }

    fn note(&self, text: &str) {
        self.0.note_now(text);
    }
}
