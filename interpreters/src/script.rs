//! A phase or hook body: which language, what source, and where it came from.

use std::fmt;
use std::path::{Path, PathBuf};

/// The languages a phase can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Language {
    /// Rhai, embedded (pure Rust, always available).
    Rhai,
    /// Lua 5.4, embedded through mlua.
    Lua,
    /// A bash subprocess with stdenv's helpers.
    Bash,
    /// Any program speaking the JSON protocol on stdin/stdout.
    Exec,
}

impl Language {
    /// Every language, in the order plans list them.
    pub const ALL: [Language; 4] = [
        Language::Rhai,
        Language::Lua,
        Language::Bash,
        Language::Exec,
    ];

    /// The key a plan uses for inline source in this language.
    pub fn key(self) -> &'static str {
        match self {
            Language::Rhai => "rhai",
            Language::Lua => "lua",
            Language::Bash => "bash",
            Language::Exec => "exec",
        }
    }

    /// The language a plan key names.
    pub fn from_key(key: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|l| l.key() == key)
    }

    /// The language a script file's extension names (`.rhai`, `.lua`, `.sh`/`.bash`).
    pub fn from_path(path: &Path) -> Option<Language> {
        match path.extension()?.to_str()? {
            "rhai" => Some(Language::Rhai),
            "lua" => Some(Language::Lua),
            "sh" | "bash" => Some(Language::Bash),
            _ => None,
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Where a script's text is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptSource {
    /// Source text given inline (in a plan, or by an embedding program).
    Inline(String),
    /// A script file (absolute, or relative to the plan's directory).
    File(PathBuf),
    /// A program and its arguments (exec).
    Argv(Vec<String>),
}

/// A runnable body: language, source, and a name for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    /// The language that runs it.
    pub language: Language,
    /// Its text, file or command.
    pub source: ScriptSource,
    /// Names the script in errors, e.g. `hello.json#phaser.phases.build.lua`
    /// for inline source, or the file's path. Lines in errors count from the
    /// first line of the script itself.
    pub name: String,
}

impl Script {
    /// An inline script.
    pub fn inline(language: Language, text: impl Into<String>, name: impl Into<String>) -> Script {
        Script {
            language,
            source: ScriptSource::Inline(text.into()),
            name: name.into(),
        }
    }

    /// The script's text: inline text, or the file read now. Argv scripts
    /// have no text.
    pub fn text(&self) -> std::io::Result<String> {
        match &self.source {
            ScriptSource::Inline(text) => Ok(text.clone()),
            ScriptSource::File(path) => std::fs::read_to_string(path),
            ScriptSource::Argv(argv) => Ok(argv.join(" ")),
        }
    }
}
