//! What a port translated and what it left in bash, with the reasons.

use std::fmt::Write;

/// A statement (or several) kept in bash inside a translated snippet.
#[derive(Debug, Clone)]
pub struct Kept {
    /// The line in the snippet.
    pub line: usize,
    /// How many statements it holds.
    pub statements: usize,
    /// Why.
    pub reason: String,
}

/// One snippet's outcome.
#[derive(Debug, Clone)]
pub struct SnippetReport {
    /// Where it is in the plan (`installPhase`, `phaser.hooks.postInstall[1]`).
    pub label: String,
    /// Statements in the snippet (simple commands and pipelines).
    pub statements: usize,
    /// Statements translated without bash.
    pub translated: usize,
    /// Statements run through `bash -c` inside the translation.
    pub kept: Vec<Kept>,
    /// Set when the whole snippet stayed bash: the line and the reason.
    pub whole: Option<(usize, String)>,
}

impl SnippetReport {
    /// An empty report for `label`.
    pub fn new(label: &str) -> SnippetReport {
        SnippetReport {
            label: label.to_string(),
            statements: 0,
            translated: 0,
            kept: Vec::new(),
            whole: None,
        }
    }

    /// Records that the whole snippet stays bash because of the statement at `line`.
    pub fn whole_snippet(&mut self, line: usize, reason: String) {
        self.translated = 0;
        self.kept.clear();
        self.whole = Some((line, reason));
    }
}

/// The report of a whole port.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Every snippet, in plan order.
    pub snippets: Vec<SnippetReport>,
}

impl Report {
    /// Statements in all snippets.
    pub fn statements(&self) -> usize {
        self.snippets.iter().map(|s| s.statements).sum()
    }

    /// Statements translated without bash.
    pub fn translated(&self) -> usize {
        self.snippets.iter().map(|s| s.translated).sum()
    }

    /// The share of statements translated without bash, in percent.
    pub fn coverage(&self) -> f64 {
        match self.statements() {
            0 => 100.0,
            n => 100.0 * self.translated() as f64 / n as f64,
        }
    }

    /// The report as text: one line per snippet, then each reason, then the total.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for s in &self.snippets {
            let state = if s.whole.is_some() {
                "kept in bash"
            } else if s.kept.is_empty() {
                "translated"
            } else {
                "translated, partly bash"
            };
            let _ = writeln!(
                out,
                "{}: {}/{} statements translated ({state})",
                s.label, s.translated, s.statements
            );
            if let Some((line, reason)) = &s.whole {
                let _ = writeln!(out, "  line {line}: {reason}");
            }
            for k in &s.kept {
                let _ = writeln!(out, "  line {}: kept in bash: {}", k.line, k.reason);
            }
        }
        let _ = writeln!(
            out,
            "coverage: {}/{} statements translated without bash ({:.1}%)",
            self.translated(),
            self.statements(),
            self.coverage()
        );
        out
    }
}
