//! The phase order: stdenv's default list, changed by the plan in ways
//! `phaser plan` can show, with each phase's body and hooks resolved.

use std::fmt;

use phaser_interpreters::{Language, Script};
use serde_json::Value;

use crate::default_phases;
use crate::plan::{
    capitalize, hook_phase, is_set, normalize_phase_name, Body, Placement, Plan, PlanError,
};

/// stdenv's standard phases, in order.
pub const STANDARD_PHASES: [&str; 9] = [
    "unpack",
    "patch",
    "configure",
    "build",
    "check",
    "install",
    "fixup",
    "installCheck",
    "dist",
];

/// Where a phase's place or body came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provenance {
    /// phaser's built-in standard phase.
    Default,
    /// A body in `phaser.phases` (the JSON path).
    Plan(String),
    /// A top-level `<name>Phase` string (bash, as in nixpkgs).
    TopLevelAttr(String),
    /// `buildCommand`, which replaces every phase.
    BuildCommand,
    /// A standard phase with no body yet: it does nothing.
    NoBody,
    /// A phaser module of a dependency (its name).
    Module(String),
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Provenance::Default => f.write_str("default"),
            Provenance::Plan(at) | Provenance::TopLevelAttr(at) => f.write_str(at),
            Provenance::BuildCommand => f.write_str("buildCommand"),
            Provenance::NoBody => f.write_str("default (no body: does nothing)"),
            Provenance::Module(name) => write!(f, "module {name}"),
        }
    }
}

/// One hook body, ready to run.
#[derive(Debug, Clone)]
pub struct Hook {
    /// `preBuild`, `postInstall`, ...
    pub name: String,
    /// What runs.
    pub body: Body,
    /// Where it came from.
    pub from: String,
}

/// One phase of the resolved order.
#[derive(Debug, Clone)]
pub struct ResolvedPhase {
    /// The phase name.
    pub name: String,
    /// What runs (`None`: a standard phase without a body).
    pub body: Option<Body>,
    /// Where the body came from.
    pub provenance: Provenance,
    /// Why the phase's place in the order is what it is.
    pub placed_by: String,
    /// `pre<Phase>` hooks, in order.
    pub pre: Vec<Hook>,
    /// `post<Phase>` hooks, in order.
    pub post: Vec<Hook>,
    /// Set when a gate skips the phase (`dontBuild`, no `doCheck`, ...).
    pub skipped: Option<String>,
}

impl ResolvedPhase {
    /// The interpreter of the body, for display.
    pub fn interpreter(&self) -> String {
        match &self.body {
            Some(Body::Script(Script { language, .. })) => language.to_string(),
            Some(Body::Native(_)) => String::from("native"),
            None => String::from("-"),
        }
    }

    /// The body's language, when it is a script.
    pub fn language(&self) -> Option<Language> {
        match &self.body {
            Some(Body::Script(script)) => Some(script.language),
            _ => None,
        }
    }
}

/// Where phase `name` (`build` or `buildPhase`) is in `phases`, or an error
/// that lists the phases there are.
pub fn position(phases: &[ResolvedPhase], name: &str) -> Result<usize, String> {
    let wanted = normalize_phase_name(name);
    phases.iter().position(|p| p.name == wanted).ok_or_else(|| {
        let names: Vec<&str> = phases.iter().map(|p| p.name.as_str()).collect();
        format!(
            "no phase named `{name}` in this plan; the phases are {}",
            names.join(", ")
        )
    })
}

/// Resolves the plan's phase order, bodies, hooks and gates.
pub fn resolve(plan: &Plan) -> Result<Vec<ResolvedPhase>, PlanError> {
    let file = plan.file.as_str();
    let attr = |name: &str| plan.attrs.get(name);
    let list_attr = |name: &str| -> Vec<String> {
        match attr(name) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(normalize_phase_name)
                .collect(),
            Some(Value::String(s)) => s.split_whitespace().map(normalize_phase_name).collect(),
            _ => Vec::new(),
        }
    };

    // 1. The base list and why each entry is there.
    let mut order: Vec<(String, String)> = Vec::new();
    let build_command = attr("buildCommand").and_then(Value::as_str);
    if build_command.is_some() {
        order.push(("buildCommand".into(), "buildCommand".into()));
    } else if attr("phases").is_some() {
        order = list_attr("phases")
            .into_iter()
            .map(|n| (n, "top-level phases".into()))
            .collect();
    } else {
        let extra = |key: &str, order: &mut Vec<(String, String)>| {
            for name in list_attr(key) {
                order.push((name, key.to_string()));
            }
        };
        extra("prePhases", &mut order);
        for standard in STANDARD_PHASES {
            let before = match standard {
                "configure" => Some("preConfigurePhases"),
                "build" => Some("preBuildPhases"),
                "install" => Some("preInstallPhases"),
                "fixup" => Some("preFixupPhases"),
                "dist" => Some("preDistPhases"),
                _ => None,
            };
            if let Some(key) = before {
                extra(key, &mut order);
            }
            order.push((standard.to_string(), "default".into()));
        }
        extra("postPhases", &mut order);
    }
    let mut seen = std::collections::BTreeSet::new();
    for (name, why) in &order {
        if !seen.insert(name.clone()) {
            return Err(PlanError::at(
                file,
                why_path(why),
                format!("phase `{name}` is listed twice"),
            ));
        }
    }

    // 2. phaser.phases: deletions, replacements and insertions. Insertions
    // may name phases inserted later, so place them in rounds.
    let mut pending = Vec::new();
    for spec in &plan.phases {
        let exists = order.iter().any(|(n, _)| *n == spec.name);
        match (&spec.body, &spec.placement) {
            (None, _) => {
                if !exists {
                    return Err(PlanError::at(
                        file,
                        &spec.at,
                        format!(
                            "cannot delete `{}`: no such phase; the phases are {}",
                            spec.name,
                            names(&order)
                        ),
                    ));
                }
                order.retain(|(n, _)| *n != spec.name);
            }
            (Some(_), None) if !exists => {
                return Err(PlanError::at(
                    file,
                    &spec.at,
                    format!("`{}` is not a phase of this plan: a new phase needs \"before\" or \"after\" (the phases are {})", spec.name, names(&order)),
                ));
            }
            (Some(_), None) => {}
            (Some(_), Some(placement)) => pending.push((spec, placement)),
        }
    }
    while !pending.is_empty() {
        let before = pending.len();
        let mut rest = Vec::new();
        for (spec, placement) in pending {
            let anchor = placement.anchor();
            let later = rest
                .iter()
                .any(|(s, _): &(&crate::plan::PhaseSpec, &Placement)| s.name == anchor);
            match order.iter().position(|(n, _)| n == anchor) {
                Some(_) if later => rest.push((spec, placement)),
                Some(_) => {
                    order.retain(|(n, _)| *n != spec.name);
                    let i = order
                        .iter()
                        .position(|(n, _)| n == anchor)
                        .expect("anchor still there");
                    let at = match placement {
                        Placement::Before(_) => i,
                        Placement::After(_) => i + 1,
                    };
                    let placed_by = match &spec.module {
                        Some(module) => format!("module {module}"),
                        None => spec.at.clone(),
                    };
                    order.insert(at, (spec.name.clone(), placed_by));
                }
                None => rest.push((spec, placement)),
            }
        }
        if rest.len() == before {
            let pending_names: Vec<&str> = rest.iter().map(|(s, _)| s.name.as_str()).collect();
            let (spec, placement) = rest[0];
            let key = match placement {
                Placement::Before(_) => "before",
                Placement::After(_) => "after",
            };
            let anchor = placement.anchor();
            let message = if pending_names.contains(&anchor) {
                format!(
                    "cycle: {} place themselves relative to each other",
                    cycle(&rest)
                )
            } else {
                format!(
                    "no phase named `{anchor}`; the phases are {}",
                    names(&order)
                )
            };
            return Err(PlanError::at(file, format!("{}.{key}", spec.at), message));
        }
        pending = rest;
    }

    // 3. Bodies, hooks and gates.
    let mut resolved = Vec::with_capacity(order.len());
    for (name, placed_by) in order {
        let spec_of = |from_module: bool| {
            plan.phases
                .iter()
                .rev()
                .find(|s| s.name == name && s.body.is_some() && s.module.is_some() == from_module)
        };
        let (from_plan, from_module) = (spec_of(false), spec_of(true));
        let top_level = format!("{name}Phase");
        let (body, provenance) = if name == "buildCommand" {
            let text = build_command.unwrap_or_default();
            (
                Some(Body::Script(Script::inline(
                    Language::Bash,
                    text,
                    format!("{file}#buildCommand"),
                ))),
                Provenance::BuildCommand,
            )
        } else if let Some(spec) = from_plan {
            (spec.body.clone(), Provenance::Plan(spec.at.clone()))
        } else if let Some(text) = attr(&top_level).and_then(Value::as_str) {
            let script = Script::inline(Language::Bash, text, format!("{file}#{top_level}"));
            (
                Some(Body::Script(script)),
                Provenance::TopLevelAttr(top_level.clone()),
            )
        } else if let Some(spec) = from_module {
            let module = spec.module.clone().unwrap_or_default();
            (spec.body.clone(), Provenance::Module(module))
        } else if let Some(script) = default_phases::body(&name) {
            (Some(Body::Script(script)), Provenance::Default)
        } else if STANDARD_PHASES.contains(&name.as_str()) {
            (None, Provenance::NoBody)
        } else {
            return Err(PlanError::at(
                file,
                why_path(&placed_by),
                format!("phase `{name}` has no body: add `phaser.phases.{name}` or a top-level `{top_level}` string"),
            ));
        };
        let hooks = |kind: &str| -> Vec<Hook> {
            let hook = format!("{kind}{}", capitalize(&name));
            let mut list = Vec::new();
            // A bash body that calls `runHook preX` itself runs the top-level
            // string hook there; running it here as well would run it twice.
            let body_runs_it = matches!(&body, Some(Body::Script(s)) if s.language == Language::Bash
                && s.text().is_ok_and(|t| t.contains(&format!("runHook {hook}"))));
            if let Some(text) = attr(&hook)
                .and_then(Value::as_str)
                .filter(|_| !body_runs_it)
            {
                let script = Script::inline(Language::Bash, text, format!("{file}#{hook}"));
                list.push(Hook {
                    name: hook.clone(),
                    body: Body::Script(script),
                    from: hook.clone(),
                });
            }
            for spec in plan.hooks.iter().filter(|h| h.name == hook) {
                let from = match &spec.module {
                    Some(module) => format!("module {module}"),
                    None => spec.at.clone(),
                };
                list.push(Hook {
                    name: hook.clone(),
                    body: spec.body.clone(),
                    from,
                });
            }
            list
        };
        resolved.push(ResolvedPhase {
            skipped: gate(plan, &name),
            pre: hooks("pre"),
            post: hooks("post"),
            name,
            body,
            provenance,
            placed_by,
        });
    }
    for spec in &plan.hooks {
        let phase = hook_phase(&spec.name).unwrap_or_default();
        if !resolved.iter().any(|p| p.name == phase) {
            return Err(PlanError::at(
                file,
                &spec.at,
                format!(
                    "no phase `{phase}` for this hook{}; the phases are {}",
                    spec.module
                        .as_ref()
                        .map(|m| format!(" (from module {m})"))
                        .unwrap_or_default(),
                    resolved
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    Ok(resolved)
}

/// stdenv's gates: `dont<Phase>` skips, and check, installCheck and dist
/// run only with `doCheck`, `doInstallCheck`, `doDist`.
fn gate(plan: &Plan, name: &str) -> Option<String> {
    let attr = |k: &str| plan.attrs.get(k);
    match name {
        "check" | "installCheck" | "dist" => {
            let key = format!("do{}", capitalize(name));
            (!is_set(attr(&key))).then(|| format!("{key} is not set"))
        }
        _ => {
            let key = format!("dont{}", capitalize(name));
            is_set(attr(&key)).then(|| format!("{key} is set"))
        }
    }
}

fn names(order: &[(String, String)]) -> String {
    order
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn why_path(why: &str) -> String {
    match why {
        "default" => String::new(),
        "top-level phases" => String::from("phases"),
        other => other.to_string(),
    }
}

fn cycle(rest: &[(&crate::plan::PhaseSpec, &Placement)]) -> String {
    let mut path = vec![rest[0].0.name.clone()];
    let mut current = rest[0].1.anchor().to_string();
    while !path.contains(&current) {
        path.push(current.clone());
        match rest.iter().find(|(s, _)| s.name == current) {
            Some((_, placement)) => current = placement.anchor().to_string(),
            None => break,
        }
    }
    path.push(current);
    path.join(" -> ")
}
