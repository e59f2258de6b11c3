//! The phase order: stdenv's default list, changed by the plan in ways
//! `phaser plan` can show, with each phase's body and hooks resolved.

use std::fmt;

use phaser_interpreters::{Language, Script};
use serde_json::Value;

use crate::default_phases;
use crate::plan::{
    capitalize, hook_phase, is_set, normalize_phase_name, Body, PhaseSpec, Placement, Plan,
    PlanError,
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
    /// A standard phase whose body a dependency's setup hook set
    /// (`configurePhase=cmakeConfigurePhase`), known when the phase starts.
    SetupHook(String),
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Provenance::Default => f.write_str("default"),
            Provenance::Plan(at) | Provenance::TopLevelAttr(at) => f.write_str(at),
            Provenance::BuildCommand => f.write_str("buildCommand"),
            Provenance::NoBody => f.write_str("default (no body: does nothing)"),
            Provenance::Module(name) => write!(f, "module {name}"),
            Provenance::SetupHook(setting) => write!(f, "set by a setup hook: {setting}"),
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
    let mut order = base_order(plan)?;
    let insertions = delete_and_check_replacements(plan, &mut order)?;
    place_insertions(&plan.file, &mut order, insertions)?;
    let phases = order
        .into_iter()
        .map(|slot| resolve_phase(plan, slot))
        .collect::<Result<Vec<_>, _>>()?;
    check_hook_targets(plan, &phases)?;
    Ok(phases)
}

/// A place in the order: the phase and why it is there.
struct Slot {
    name: String,
    placed_by: String,
}

impl Slot {
    fn new(name: impl Into<String>, placed_by: impl Into<String>) -> Slot {
        Slot {
            name: name.into(),
            placed_by: placed_by.into(),
        }
    }
}

/// The order before `phaser.phases`: `buildCommand` alone, a top-level
/// `phases` list, or stdenv's standard phases with the `pre*Phases` lists.
fn base_order(plan: &Plan) -> Result<Vec<Slot>, PlanError> {
    let mut order = Vec::new();
    if plan
        .attrs
        .get("buildCommand")
        .and_then(Value::as_str)
        .is_some()
    {
        order.push(Slot::new("buildCommand", "buildCommand"));
    } else if plan.attrs.contains_key("phases") {
        for name in phase_list(plan, "phases") {
            order.push(Slot::new(name, "top-level phases"));
        }
    } else {
        let extra = |key: &str, order: &mut Vec<Slot>| {
            for name in phase_list(plan, key) {
                order.push(Slot::new(name, key));
            }
        };
        extra("prePhases", &mut order);
        for standard in STANDARD_PHASES {
            if let Some(key) = phases_before(standard) {
                extra(key, &mut order);
            }
            order.push(Slot::new(standard, "default"));
        }
        extra("postPhases", &mut order);
    }
    let mut seen = std::collections::BTreeSet::new();
    for slot in &order {
        if !seen.insert(slot.name.as_str()) {
            return Err(PlanError::at(
                &plan.file,
                why_path(&slot.placed_by),
                format!("phase `{}` is listed twice", slot.name),
            ));
        }
    }
    Ok(order)
}

/// The attribute listing extra phases that go right before `standard`.
fn phases_before(standard: &str) -> Option<&'static str> {
    match standard {
        "configure" => Some("preConfigurePhases"),
        "build" => Some("preBuildPhases"),
        "install" => Some("preInstallPhases"),
        "fixup" => Some("preFixupPhases"),
        "dist" => Some("preDistPhases"),
        _ => None,
    }
}

/// A phase-list attribute (a list, or a space-separated string as stdenv
/// also takes), names normalized.
fn phase_list(plan: &Plan, name: &str) -> Vec<String> {
    match plan.attrs.get(name) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(normalize_phase_name)
            .collect(),
        Some(Value::String(s)) => s.split_whitespace().map(normalize_phase_name).collect(),
        _ => Vec::new(),
    }
}

/// A phase `phaser.phases` places with `before`/`after`.
struct Insertion<'p> {
    spec: &'p PhaseSpec,
    placement: &'p Placement,
}

/// Applies `phaser.phases` deletions, checks that a body without a place
/// replaces an existing phase, and returns the phases still to place.
fn delete_and_check_replacements<'p>(
    plan: &'p Plan,
    order: &mut Vec<Slot>,
) -> Result<Vec<Insertion<'p>>, PlanError> {
    let mut insertions = Vec::new();
    for spec in &plan.phases {
        let exists = order.iter().any(|slot| slot.name == spec.name);
        match (&spec.body, &spec.placement) {
            (None, _) if !exists => {
                return Err(PlanError::at(
                    &plan.file,
                    &spec.at,
                    format!(
                        "cannot delete `{}`: no such phase; the phases are {}",
                        spec.name,
                        names(order)
                    ),
                ));
            }
            (None, _) => order.retain(|slot| slot.name != spec.name),
            (Some(_), None) if !exists => {
                return Err(PlanError::at(
                    &plan.file,
                    &spec.at,
                    format!("`{}` is not a phase of this plan: a new phase needs \"before\" or \"after\" (the phases are {})", spec.name, names(order)),
                ));
            }
            (Some(_), None) => {}
            (Some(_), Some(placement)) => insertions.push(Insertion { spec, placement }),
        }
    }
    Ok(insertions)
}

/// Places new (or moved) phases next to their anchors. An anchor may itself
/// be a phase still to place, so a phase is placed once its anchor is in
/// the order and no longer waiting to move; a round that places nothing
/// means a cycle or an anchor that does not exist.
fn place_insertions(
    file: &str,
    order: &mut Vec<Slot>,
    mut pending: Vec<Insertion<'_>>,
) -> Result<(), PlanError> {
    if let Some(own) = pending.iter().find(|i| i.placement.anchor() == i.spec.name) {
        return Err(PlanError::at(
            file,
            placement_path(own),
            format!(
                "`{}` cannot be placed {} itself; name another phase",
                own.spec.name,
                placement_key(own.placement)
            ),
        ));
    }
    while !pending.is_empty() {
        let waiting: Vec<String> = pending.iter().map(|i| i.spec.name.clone()).collect();
        let ready = |i: &Insertion<'_>| {
            let anchor = i.placement.anchor();
            !waiting.iter().any(|w| w == anchor) && order.iter().any(|slot| slot.name == anchor)
        };
        let (now, later): (Vec<_>, Vec<_>) = pending.into_iter().partition(|i| ready(i));
        if now.is_empty() {
            return Err(unplaceable(file, order, &later));
        }
        for insertion in now {
            insert(order, &insertion);
        }
        pending = later;
    }
    Ok(())
}

/// Moves `insertion`'s phase next to its anchor (which is in `order`).
fn insert(order: &mut Vec<Slot>, insertion: &Insertion<'_>) {
    let name = &insertion.spec.name;
    order.retain(|slot| slot.name != *name);
    let anchor = insertion.placement.anchor();
    let Some(at) = order.iter().position(|slot| slot.name == anchor) else {
        unreachable!("`{name}` is placed only once its anchor `{anchor}` is in the order");
    };
    let at = match insertion.placement {
        Placement::Before(_) => at,
        Placement::After(_) => at + 1,
    };
    let placed_by = origin(&insertion.spec.at, insertion.spec.module.as_ref());
    order.insert(at, Slot::new(name.clone(), placed_by));
}

/// Why none of `pending` can be placed: an anchor that is no phase, or,
/// when every anchor is itself waiting, a cycle.
fn unplaceable(file: &str, order: &[Slot], pending: &[Insertion<'_>]) -> PlanError {
    let is_pending = |name: &str| pending.iter().any(|i| i.spec.name == name);
    match pending.iter().find(|i| !is_pending(i.placement.anchor())) {
        Some(unknown) => PlanError::at(
            file,
            placement_path(unknown),
            format!(
                "no phase named `{}`; the phases are {}",
                unknown.placement.anchor(),
                names(order)
            ),
        ),
        None => PlanError::at(
            file,
            placement_path(&pending[0]),
            format!(
                "cycle: {} place themselves relative to each other",
                cycle(pending)
            ),
        ),
    }
}

fn placement_key(placement: &Placement) -> &'static str {
    match placement {
        Placement::Before(_) => "before",
        Placement::After(_) => "after",
    }
}

fn placement_path(insertion: &Insertion<'_>) -> String {
    format!(
        "{}.{}",
        insertion.spec.at,
        placement_key(insertion.placement)
    )
}

/// One slot of the order with its body, hooks and gate.
fn resolve_phase(plan: &Plan, slot: Slot) -> Result<ResolvedPhase, PlanError> {
    let (body, provenance) = body_of(plan, &slot)?;
    Ok(ResolvedPhase {
        skipped: gate(plan, &slot.name),
        pre: hooks(plan, &slot.name, "pre", body.as_ref()),
        post: hooks(plan, &slot.name, "post", body.as_ref()),
        name: slot.name,
        body,
        provenance,
        placed_by: slot.placed_by,
    })
}

/// Where a phase or hook came from, for `phaser plan`: the plan's JSON
/// path, or the module that added it.
fn origin(at: &str, module: Option<&String>) -> String {
    match module {
        Some(module) => format!("module {module}"),
        None => at.to_string(),
    }
}

/// A phase's body, first found of: `buildCommand`, `phaser.phases` (the
/// last entry with a body), a top-level `<name>Phase` string, a module's
/// body, the standard body; a standard phase may have none, any other
/// phase must.
fn body_of(plan: &Plan, slot: &Slot) -> Result<(Option<Body>, Provenance), PlanError> {
    let file = plan.file.as_str();
    let name = slot.name.as_str();
    let top_level = format!("{name}Phase");
    if name == "buildCommand" {
        let text = plan
            .attrs
            .get("buildCommand")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let script = Script::inline(Language::Bash, text, format!("{file}#buildCommand"));
        return Ok((Some(Body::Script(script)), Provenance::BuildCommand));
    }
    let spec_of = |from_module: bool| {
        plan.phases
            .iter()
            .rev()
            .find(|s| s.name == name && s.body.is_some() && s.module.is_some() == from_module)
    };
    if let Some(spec) = spec_of(false) {
        return Ok((spec.body.clone(), Provenance::Plan(spec.at.clone())));
    }
    if let Some(text) = plan.attrs.get(&top_level).and_then(Value::as_str) {
        let script = Script::inline(Language::Bash, text, format!("{file}#{top_level}"));
        return Ok((
            Some(Body::Script(script)),
            Provenance::TopLevelAttr(top_level),
        ));
    }
    if let Some(spec) = spec_of(true) {
        let module = spec.module.clone().unwrap_or_default();
        return Ok((spec.body.clone(), Provenance::Module(module)));
    }
    if let Some(script) = default_phases::body(name) {
        return Ok((Some(Body::Script(script)), Provenance::Default));
    }
    if STANDARD_PHASES.contains(&name) {
        return Ok((None, Provenance::NoBody));
    }
    Err(PlanError::at(
        file,
        why_path(&slot.placed_by),
        format!("phase `{name}` has no body: add `phaser.phases.{name}` or a top-level `{top_level}` string"),
    ))
}

/// The `pre`/`post` (`kind`) hooks of phase `name`: the top-level bash
/// string first, then `phaser.hooks` entries in order.
fn hooks(plan: &Plan, name: &str, kind: &str, body: Option<&Body>) -> Vec<Hook> {
    let file = plan.file.as_str();
    let hook = format!("{kind}{}", capitalize(name));
    let mut list = Vec::new();
    // A bash body that calls `runHook preX` itself runs the top-level
    // string hook there; running it here as well would run it twice.
    let body_runs_it = matches!(body, Some(Body::Script(s)) if s.language == Language::Bash
        && s.text().is_ok_and(|t| t.contains(&format!("runHook {hook}"))));
    if let Some(text) = plan
        .attrs
        .get(&hook)
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
        list.push(Hook {
            name: hook.clone(),
            body: spec.body.clone(),
            from: origin(&spec.at, spec.module.as_ref()),
        });
    }
    list
}

/// Every `phaser.hooks` entry must belong to a phase of the order.
fn check_hook_targets(plan: &Plan, phases: &[ResolvedPhase]) -> Result<(), PlanError> {
    // A module's hook for a phase this plan does not run stays unused, as
    // a setup hook's hook-list entry does.
    for spec in plan.hooks.iter().filter(|h| h.module.is_none()) {
        let phase = hook_phase(&spec.name).unwrap_or_default();
        if !phases.iter().any(|p| p.name == phase) {
            let names: Vec<&str> = phases.iter().map(|p| p.name.as_str()).collect();
            return Err(PlanError::at(
                &plan.file,
                &spec.at,
                format!(
                    "no phase `{phase}` for this hook; the phases are {}",
                    names.join(", ")
                ),
            ));
        }
    }
    Ok(())
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

fn names(order: &[Slot]) -> String {
    order
        .iter()
        .map(|slot| slot.name.as_str())
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

/// `a -> b -> a`: the chain of anchors from the first pending phase
/// until it comes back round.
fn cycle(pending: &[Insertion<'_>]) -> String {
    let mut path = vec![pending[0].spec.name.clone()];
    let mut current = pending[0].placement.anchor().to_string();
    while !path.contains(&current) {
        path.push(current.clone());
        match pending.iter().find(|i| i.spec.name == current) {
            Some(next) => current = next.placement.anchor().to_string(),
            None => break,
        }
    }
    path.push(current);
    path.join(" -> ")
}
