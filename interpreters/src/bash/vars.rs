//! The variables a bash phase starts with: the package's attributes the
//! way Nix's `.attrs.sh` declares them for a derivation with
//! `__structuredAttrs = true`, the outputs, the shell variables stdenv's
//! setup.sh sets for every phase, and the shell functions earlier bash
//! phases defined.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::attrs_sh::{declaration, quote};
pub(super) use crate::attrs_sh::{is_shell_name, scalar_text};
use crate::PhaseInput;

/// Where the shell functions earlier bash phases defined are carried in the
/// state (name to `declare -f` text), so later bash phases see them as
/// stdenv's one long-lived shell would.
pub(super) const FUNCTIONS_KEY: &str = "bashFunctions";

/// Variables bash owns or sets by itself, and the few a plan attribute
/// must not become: they are neither declared from attributes nor reported
/// as changes.
pub(super) const SHELL_OWNED: &[&str] = &[
    "BASH",
    "BASHOPTS",
    "BASHPID",
    "COLUMNS",
    "COMP_WORDBREAKS",
    "DIRSTACK",
    "EPOCHREALTIME",
    "EPOCHSECONDS",
    "EUID",
    "FUNCNAME",
    "GROUPS",
    "HISTCMD",
    "HISTFILE",
    "HISTFILESIZE",
    "HISTSIZE",
    "HOSTNAME",
    "HOSTTYPE",
    "IFS",
    "LINENO",
    "LINES",
    "MACHTYPE",
    "MAILCHECK",
    "OLDPWD",
    "OPTARG",
    "OPTERR",
    "OPTIND",
    "OSTYPE",
    "PIPESTATUS",
    "PPID",
    "PS1",
    "PS2",
    "PS4",
    "PWD",
    "RANDOM",
    "SECONDS",
    "SHELLOPTS",
    "SHLVL",
    "SRANDOM",
    "UID",
    "_",
    "phaser",
];

/// Variables stdenv's setup.sh sets for every phase rather than taking
/// from the package; phaser declares them the same way and never reports
/// them as attribute changes.
pub(super) const PER_PHASE: &[&str] = &["__structuredAttrs", "curPhase", "outputs"];

/// The hook arrays stdenv's default setup hooks fill
/// (pkgs/stdenv/generic/setup.sh and pkgs/build-support/setup-hooks/*.sh),
/// with their default entries. A bash phase sees each array with these
/// entries around the package's own (the attribute holds only the
/// package's), so `runHook postFixup` in a bash body runs what stdenv's
/// would; phaser's standard phases do the same work natively.
pub(super) const DEFAULT_HOOKS: &[(&str, &[&str])] = &[
    ("unpackCmdHooks", &["_defaultUnpack"]),
    ("postUnpackHooks", &["_updateSourceDateEpochFromSourceRoot"]),
    ("preConfigureHooks", &["_multioutConfig"]),
    (
        "preFixupHooks",
        &["_moveToShare", "_multioutDocs", "_multioutDevs"],
    ),
    (
        "fixupOutputHooks",
        &[
            r#"if [[ -z "${noAuditTmpdir-}" && -e "$prefix" ]]; then auditTmpdir "$prefix"; fi"#,
            r#"if [ -z "${dontGzipMan-}" ]; then compressManPages "$prefix"; fi"#,
            "_moveLib64",
            "_moveSbin",
            "_moveSystemdUserUnits",
            "patchShebangsAuto",
            "_pruneLibtoolFiles",
            "_doStrip",
        ],
    ),
    (
        "postFixupHooks",
        &[
            "noBrokenSymlinksInAllOutputs",
            "_makeSymlinksRelativeInAllOutputs",
            "_multioutPropagateDev",
        ],
    ),
];

/// The package's own entries of a hook array: `entries` without the
/// default ones (each default entry removed once).
pub(super) fn own_hooks(name: &str, entries: &[String]) -> Vec<String> {
    let Some((_, defaults)) = DEFAULT_HOOKS.iter().find(|(n, _)| *n == name) else {
        return entries.to_vec();
    };
    let mut left: Vec<&str> = defaults.to_vec();
    entries
        .iter()
        .filter(|e| match left.iter().position(|d| d == e) {
            Some(i) => {
                left.remove(i);
                false
            }
            None => true,
        })
        .cloned()
        .collect()
}

/// The variables the bash backend itself gives the driver and `phaser std`.
pub(super) const DRIVER_VARS: &[&str] = &[
    "PHASER_INPUT",
    "PHASER_OUTPUT",
    "PHASER_PRELUDE",
    "PHASER_VARS",
    "PHASER_SCRIPT",
    "PHASER_DUMP",
    "PHASER_ERRORS",
    "PHASER_CWD",
    "PHASER_EXE",
    phaser_stdlib::WRITE_ROOTS_VAR,
    phaser_stdlib::PHASE_VAR,
];

/// Whether `name` is a shell variable name phaser may declare or report:
/// a valid bash name, not one bash owns, not one of phaser's own.
pub(super) fn is_attribute_name(name: &str) -> bool {
    is_shell_name(name)
        && !name.starts_with("BASH_")
        && !name.starts_with("__phaser")
        && !DRIVER_VARS.contains(&name)
        && !SHELL_OWNED.contains(&name)
}

/// What the declarations script declared, for telling changes apart.
#[derive(Debug, Default)]
pub(super) struct Declared {
    /// Attributes declared from `input.attrs`.
    pub attrs: BTreeSet<String>,
    /// stdenv's per-phase variables with the values they were given.
    pub computed: BTreeMap<String, String>,
}

/// Lines of a script, each with the variable it sets (`None`: a function
/// definition), in the order they run.
#[derive(Debug, Default, Clone)]
pub(super) struct Lines(pub Vec<(Option<String>, String)>);

impl Lines {
    /// Adds `text` (one or more lines, without the last newline), which
    /// sets variable `name`.
    pub fn set(&mut self, name: &str, text: String) {
        self.0.push((Some(name.to_string()), text));
    }

    /// Adds a function definition.
    pub fn function(&mut self, text: String) {
        self.0.push((None, text));
    }

    /// The script.
    pub fn script(&self) -> String {
        let mut out = String::with_capacity(self.0.iter().map(|(_, t)| t.len() + 1).sum());
        for (_, text) in &self.0 {
            out.push_str(text);
            out.push('\n');
        }
        out
    }
}

/// The script that declares a bash phase's variables for `input`, and what
/// it declared.
pub(super) fn declarations(input: &PhaseInput) -> (String, Declared) {
    let (lines, declared) = declaration_lines(input);
    (lines.script(), declared)
}

/// [`declarations`], line by line.
pub(super) fn declaration_lines(input: &PhaseInput) -> (Lines, Declared) {
    let mut out = Lines::default();
    let mut declared = Declared::default();
    for (name, value) in &input.attrs {
        // The environment wins over an attribute of the same name, as
        // setup.sh exports `env` after sourcing `.attrs.sh`; outputs are
        // declared below.
        if !is_attribute_name(name)
            || PER_PHASE.contains(&name.as_str())
            || input.env.contains_key(name)
            || input.outputs.contains_key(name)
            || DEFAULT_HOOKS.iter().any(|(n, _)| n == name)
        {
            continue;
        }
        if let Some(line) = declaration(name, value) {
            out.set(name, line);
            declared.attrs.insert(name.clone());
        }
    }
    let outputs: Vec<String> = input
        .outputs
        .iter()
        .map(|(name, path)| format!("[{}]={}", quote(name), quote(path)))
        .collect();
    out.set(
        "outputs",
        format!("declare -A outputs=({})", outputs.join(" ")),
    );

    let mut computed = |name: &str, value: String| {
        out.set(name, format!("{name}={}", quote(&value)));
        declared.computed.insert(name.to_string(), value);
    };
    computed("__structuredAttrs", "1".into());
    // genericBuild's loop variable: the phase function's name.
    computed("curPhase", format!("{}Phase", input.phase.name));
    // stdenv's `prefix` defaults to $out; a shell variable, not exported.
    if !declared.attrs.contains("prefix") {
        if let Some(path) = input.outputs.get("out") {
            computed("prefix", path.clone());
        }
    }
    if let Some(root) = source_root(input) {
        computed("sourceRoot", root);
    }
    for (name, defaults) in DEFAULT_HOOKS {
        let own: Vec<String> = match input.attrs.get(*name) {
            Some(Value::Array(items)) => items.iter().filter_map(scalar_text).collect(),
            _ => Vec::new(),
        };
        let defaults = defaults.iter().map(|d| d.to_string());
        // setup.sh adds _defaultUnpack after the setup hooks' unpackers.
        let entries: Vec<String> = if *name == "unpackCmdHooks" {
            own.iter().cloned().chain(defaults).collect()
        } else {
            defaults.chain(own.iter().cloned()).collect()
        };
        let words: Vec<String> = entries.iter().map(|e| quote(e)).collect();
        out.set(name, format!("declare -a {name}=({})", words.join(" ")));
        declared.attrs.insert(name.to_string());
    }
    if let Some(Value::Object(functions)) = input.state.get(FUNCTIONS_KEY) {
        for definition in functions.values().filter_map(Value::as_str) {
            out.function(definition.to_string());
        }
    }
    (out, declared)
}

/// `sourceRoot` as a bash phase sees it: the state's, else the attribute.
pub(super) fn source_root(input: &PhaseInput) -> Option<String> {
    input
        .state
        .get("sourceRoot")
        .or_else(|| input.attrs.get("sourceRoot"))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// The exported environment as `export` lines, for an interactive shell
/// that does not start with the phase's environment.
pub(super) fn exports(input: &PhaseInput) -> String {
    export_lines(input).script()
}

/// [`exports`], line by line.
pub(super) fn export_lines(input: &PhaseInput) -> Lines {
    let mut out = Lines::default();
    for (name, value) in &input.env {
        if is_shell_name(name) && !SHELL_OWNED.contains(&name.as_str()) {
            out.set(name, export(name, value));
        }
    }
    out
}

/// The line that exports `name` with `value`.
pub(super) fn export(name: &str, value: &str) -> String {
    format!("export {name}={}", quote(value))
}
