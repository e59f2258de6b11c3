//! What the runner prints: a header line per phase and a closing table.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::time::Duration;

/// How one phase ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It ran and answered.
    Ran,
    /// A gate skipped it (the reason).
    Skipped(String),
    /// A standard phase without a body: nothing to do.
    NoBody,
    /// It failed.
    Failed,
    /// The build was stopped while it ran.
    Interrupted,
}

/// One row of the closing table.
#[derive(Debug, Clone)]
pub struct PhaseReport {
    /// The phase.
    pub name: String,
    /// The interpreter of its body (`-` for none).
    pub interpreter: String,
    /// Wall time, hooks included.
    pub duration: Duration,
    /// Of that, the wall time child processes were alive (make, bash, ...);
    /// the rest is phaser's own work and in-process interpreters.
    pub child_time: Duration,
    /// How it ended.
    pub outcome: Outcome,
}

/// Writes phaser's own lines to stderr, bold when stderr is a terminal and
/// `NO_COLOR` is unset.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    color: bool,
}

impl Default for Printer {
    fn default() -> Self {
        Printer::new()
    }
}

impl Printer {
    /// Decides on color once.
    pub fn new() -> Printer {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Printer {
            color: !no_color && std::io::stderr().is_terminal(),
        }
    }

    fn bold(&self, text: &str) -> String {
        if self.color {
            format!("\x1b[1m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// `==> phase 3/9 configure (rhai, default)`.
    pub fn header(&self, index: usize, total: usize, name: &str, detail: &str) {
        let title = self.bold(&format!("==> phase {}/{total} {name}", index + 1));
        say(&format!("{title} {detail}\n"));
    }

    /// A line of phaser's own.
    pub fn note(&self, text: &str) {
        say(&format!("phaser: {text}\n"));
    }

    /// The closing table: phase, interpreter, time, time in child
    /// processes, outcome; a row for the bookkeeping at phase boundaries;
    /// the total line adds phaser's own overhead.
    pub fn table(&self, rows: &[PhaseReport], bookkeeping: Duration, total: Duration) {
        let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(5).max(10);
        let mut table = String::new();
        let _ = writeln!(
            table,
            "{}",
            self.bold(&format!(
                "{:width$}  {:11}  {:>10}  {:>10}  result",
                "phase", "interpreter", "time", "children"
            ))
        );
        for row in rows {
            let result = match &row.outcome {
                Outcome::Ran => String::from("ok"),
                Outcome::Skipped(why) => format!("skipped ({why})"),
                Outcome::NoBody => String::from("no body yet: nothing done"),
                Outcome::Failed => String::from("FAILED"),
                Outcome::Interrupted => String::from("INTERRUPTED"),
            };
            let _ = writeln!(
                table,
                "{:width$}  {:11}  {:>10}  {:>10}  {result}",
                row.name,
                row.interpreter,
                format_duration(row.duration),
                format_duration(row.child_time)
            );
        }
        let _ = writeln!(
            table,
            "{:width$}  {:11}  {:>10}  {:>10}  state and tree manifest after each phase",
            "boundaries",
            "-",
            format_duration(bookkeeping),
            format_duration(Duration::ZERO)
        );
        let children: Duration = rows.iter().map(|r| r.child_time).sum();
        let _ = writeln!(
            table,
            "{:width$}  {:11}  {:>10}  {:>10}  phaser's own time: {}",
            "total",
            "",
            format_duration(total),
            format_duration(children),
            format_duration(total.saturating_sub(children))
        );
        say(&table);
    }
}

/// Writes `text` to stderr in one piece: `eprintln!` with arguments writes
/// each piece on its own (stderr has no buffer), a system call each, and
/// the table has a hundred.
fn say(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// `0.42 ms`, `12.3 ms`, `4.56 s`.
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}
