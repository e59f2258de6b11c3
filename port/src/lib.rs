//! `phaser port`: translates nixpkgs-style bash phases and hooks into Lua or
//! Rhai over phaser's standard library, with the same meaning.
//!
//! The pipeline is [`parse`] (brush-parser's bash syntax tree) → `lower`
//! (bash's expansion and errexit rules applied, into a small language of
//! standard-library calls, see [`ir`]) → [`emit`] (Lua or Rhai text). A
//! statement without a faithful translation runs through `bash -c`, or,
//! when statements share shell state the translation cannot carry, the
//! whole snippet stays bash; the [`Report`] says which and why.
//! [`compare`] checks that two builds made the same outputs.
//!
//! The translation only uses the standard library's public descriptions
//! (`phaser_stdlib::registry()`: names and positional keys).

pub mod compare;
pub mod emit;
pub mod ir;
mod lower;
pub mod names;
pub mod parse;
mod plan;
pub mod report;

pub use emit::Target;
pub use plan::{port_plan, PortOptions, Ported};
pub use report::{Report, SnippetReport};

/// Translates one snippet (a phase body when `body`, else a hook of
/// `phase`, capitalized like `Install`) for a plan whose names are `names`.
/// Returns the source text (`None` when it stays bash) and the report.
pub fn port_snippet(
    text: &str,
    names: &names::Names,
    phase: &str,
    body: bool,
    target: Target,
) -> (Option<String>, SnippetReport) {
    let role = lower::Role {
        phase: phase.to_string(),
        body,
    };
    match parse::Snippet::parse(text) {
        Ok(snippet) => {
            let lowered = lower::lower(&snippet, names, role, "snippet");
            let text = lowered.program.as_ref().map(|p| emit::emit(p, target));
            (text, lowered.report)
        }
        Err(e) => {
            let mut report = SnippetReport::new("snippet");
            report.whole_snippet(1, format!("bash cannot parse it: {e}"));
            (None, report)
        }
    }
}
