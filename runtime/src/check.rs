//! Everything about a plan that can be found wrong before a phase runs,
//! all of it at once: the order, every Rhai body compiled, every Lua chunk
//! loaded, every bash body and hook through `bash -n`, and the files the
//! standard phases will read (`src`, `srcs`, `patches`). A syntax error in
//! the fifth phase is reported before the first four have run for minutes.
//!
//! [`check`] is what `Runner::run` does first; [`load`] reads a plan file
//! for a command and, when the plan itself is wrong (types, settings,
//! order), adds what [`check`] finds to the report, so a person fixes
//! everything in one go. A command that only checks a plan calls both.

use std::collections::BTreeMap;
use std::path::Path;

use phaser_interpreters::{Interpreters, Language, Script, Settings};
use serde_json::Value;

use crate::order::{self, Provenance, ResolvedPhase};
use crate::plan::{Body, Plan, PlanError, PlanErrors};

/// Checks `plan` with the interpreters of this build of phaser; the
/// resolved phases when nothing is wrong, else every problem found.
pub fn check(plan: &Plan) -> Result<Vec<ResolvedPhase>, PlanErrors> {
    check_with(plan, &Interpreters::new(Settings::new("phaser")))
}

/// Reads a plan file like [`Plan::load`]; when the plan is wrong, the
/// report also has what [`check`] finds in the bodies that could be read.
pub fn load(path: &Path) -> Result<Plan, PlanErrors> {
    let (value, dir, file) = Plan::read(path)?;
    let (plan, mut problems) = Plan::parse(value, &dir, &file)?;
    if problems.is_empty() {
        return Ok(plan);
    }
    if let Ok(phases) = order::resolve(&plan) {
        let interpreters = Interpreters::new(Settings::new("phaser"));
        problems.extend(bodies(&plan, &phases, &interpreters));
        problems.extend(input_files(&plan));
    }
    Err(PlanErrors::from_list(problems).expect("there are problems"))
}

/// [`check`] with the interpreters a run will use (the Rhai engine is
/// built once for both).
pub(crate) fn check_with(
    plan: &Plan,
    interpreters: &Interpreters,
) -> Result<Vec<ResolvedPhase>, PlanErrors> {
    let phases = order::resolve(plan)?;
    let mut problems = bodies(plan, &phases, interpreters);
    if phases.is_empty() {
        problems.push(PlanError::at(
            &plan.file,
            "phases",
            "the plan has no phases to run",
        ));
    }
    problems.extend(input_files(plan));
    match PlanErrors::from_list(problems) {
        Some(errors) => Err(errors),
        None => Ok(phases),
    }
}

/// One body to check: the script, and where it is in the plan.
struct Located<'a> {
    script: &'a Script,
    at: String,
}

/// Every script body of every phase and hook, checked by its language's
/// backend (bash bodies all at once).
fn bodies(plan: &Plan, phases: &[ResolvedPhase], interpreters: &Interpreters) -> Vec<PlanError> {
    let mut by_language: BTreeMap<Language, Vec<Located<'_>>> = BTreeMap::new();
    for phase in phases {
        let hooks = phase.pre.iter().chain(&phase.post);
        let with_place = phase
            .body
            .iter()
            .map(|body| (body, body_path(phase)))
            .chain(hooks.map(|hook| (&hook.body, hook.from.clone())));
        for (body, at) in with_place {
            if let Body::Script(script) = body {
                let at = script_path(script, &plan.file).unwrap_or(at);
                by_language
                    .entry(script.language)
                    .or_default()
                    .push(Located { script, at });
            }
        }
    }
    let mut problems = Vec::new();
    for (language, located) in by_language {
        let scripts: Vec<&Script> = located.iter().map(|l| l.script).collect();
        for (result, place) in interpreters
            .check(language, &scripts)
            .into_iter()
            .zip(&located)
        {
            if let Err(message) = result {
                problems.push(PlanError::at(&plan.file, &place.at, message));
            }
        }
    }
    problems
}

/// Where a phase's body is written in the plan.
fn body_path(phase: &ResolvedPhase) -> String {
    match &phase.provenance {
        Provenance::Plan(at) | Provenance::TopLevelAttr(at) => at.clone(),
        Provenance::BuildCommand => String::from("buildCommand"),
        Provenance::Module(name) => format!("(module {name})"),
        Provenance::SetupHook(setting) => format!("(a setup hook's {setting})"),
        Provenance::Default | Provenance::NoBody => {
            format!("(phaser's standard `{}` phase)", phase.name)
        }
    }
}

/// The JSON path an inline script carries in its name (`plan.json#path`).
fn script_path(script: &Script, file: &str) -> Option<String> {
    script
        .name
        .strip_prefix(file)
        .and_then(|rest| rest.strip_prefix('#'))
        .map(str::to_string)
}

/// The files the standard phases read: `src`, `srcs` and `patches` must
/// exist (relative paths are relative to the plan).
fn input_files(plan: &Plan) -> Vec<PlanError> {
    let mut problems = Vec::new();
    for name in ["src", "srcs", "patches"] {
        let paths: Vec<(String, &str)> = match plan.attrs.get(name) {
            Some(Value::String(text)) => text
                .split_whitespace()
                .map(|word| (name.to_string(), word))
                .collect(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .filter_map(|(i, v)| Some((format!("{name}[{i}]"), v.as_str()?)))
                .collect(),
            _ => Vec::new(),
        };
        for (at, path) in paths {
            let full = plan.dir.join(path);
            if !Path::new(&full).exists() {
                problems.push(PlanError::missing(
                    &plan.file,
                    at,
                    format!("{} does not exist", full.display()),
                ));
            }
        }
    }
    problems
}
