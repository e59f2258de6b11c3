//! Porting a whole plan: finding its bash phases and hooks, translating
//! each, and writing the plan with the translations in their place.

use serde_json::{Map, Value};

use crate::emit::{emit, Target};
use crate::lower::{lower, Role};
use crate::names::{AttrKind, Names};
use crate::parse::Snippet;
use crate::report::{Report, SnippetReport};

/// What a port needs besides the plan.
#[derive(Debug, Clone)]
pub struct PortOptions {
    /// The language to write.
    pub target: Target,
    /// The plan's resolved phase order (`unpack`, `patch`, ...).
    pub phases: Vec<String>,
    /// The names of the environment phases start with (`PATH`, `NIX_BUILD_CORES`, ...).
    pub env: Vec<String>,
}

/// A ported plan and its report.
#[derive(Debug, Clone)]
pub struct Ported {
    /// The new plan (JSON).
    pub plan: Value,
    /// What was translated, per snippet.
    pub report: Report,
}

/// Where a bash snippet is in the plan.
#[derive(Debug, Clone)]
enum Place {
    /// A top-level `<phase>Phase` string.
    TopPhase(String, String),
    /// `phaser.phases.<key>.bash`.
    PhaserPhase(String),
    /// A top-level `pre<Phase>`/`post<Phase>` string.
    TopHook(String),
    /// `phaser.hooks.<name>` (with the list index when a list).
    PhaserHook(String, Option<usize>),
}

struct Found {
    place: Place,
    label: String,
    text: String,
    role: Role,
}

/// Translates every bash phase and hook of `plan`. `attrs` are its
/// top-level attributes with paths made absolute (as phases see them).
pub fn port_plan(plan: &Value, attrs: &Map<String, Value>, options: &PortOptions) -> Ported {
    let found = find_snippets(plan, &options.phases);
    let mut names = Names::new(attrs, &options.env);
    let parsed: Vec<Option<Snippet>> = found.iter().map(|f| Snippet::parse(&f.text).ok()).collect();
    // Whatever a snippet assigns (and does not export) later phases see as
    // an attribute.
    for snippet in parsed.iter().flatten() {
        for (name, list, exported) in crate::lower::assigned_names(snippet) {
            if !exported && !names.is_env(&name) {
                names.assigned_somewhere(&name, if list { AttrKind::List } else { AttrKind::Text });
            }
        }
    }
    let mut out = plan.clone();
    let mut report = Report::default();
    // Hooks of a body that stays bash and runs them itself in its middle stay bash too.
    let mut kept_hooks: Vec<String> = Vec::new();
    let mut results = Vec::new();
    for (found, snippet) in found.iter().zip(&parsed) {
        let lowered = match snippet {
            Some(snippet) => lower(snippet, &names, found.role.clone(), &found.label),
            None => {
                let mut r = SnippetReport::new(&found.label);
                r.statements = 1;
                r.whole_snippet(1, "bash cannot parse it".into());
                crate::lower::Lowered {
                    program: None,
                    report: r,
                }
            }
        };
        if lowered.program.is_none() && found.role.body {
            if let Some(snippet) = snippet {
                kept_hooks.extend(hooks_run_inside(snippet, &found.role.phase));
            }
        }
        results.push(lowered);
    }
    if let Some(text) = plan.get("buildCommand").and_then(Value::as_str) {
        if options.phases.iter().any(|p| p == "buildCommand") {
            report.snippets.push(build_command_report(text));
        }
    }
    for (found, lowered) in found.iter().zip(results) {
        let mut snippet_report = lowered.report;
        let hook_name = match &found.place {
            Place::TopHook(n) | Place::PhaserHook(n, _) => Some(n.clone()),
            _ => None,
        };
        let program = match (&lowered.program, &hook_name) {
            (Some(_), Some(hook)) if kept_hooks.contains(hook) => {
                snippet_report.whole_snippet(
                    1,
                    format!("the phase's bash body runs `runHook {hook}` between other commands"),
                );
                None
            }
            (p, _) => p.clone(),
        };
        if let Some(program) = program {
            let text = emit(&program, options.target);
            place(&mut out, &found.place, options.target.key(), text);
        }
        report.snippets.push(snippet_report);
    }
    Ported { plan: out, report }
}

/// `buildCommand` replaces every phase and has no `phaser.phases` form: it stays bash.
fn build_command_report(text: &str) -> SnippetReport {
    let mut report = SnippetReport::new("buildCommand");
    report.statements = Snippet::parse(text)
        .map(|s| {
            s.items()
                .iter()
                .map(|(list, _)| crate::lower::count_statements(list))
                .sum()
        })
        .unwrap_or(1);
    report.whole_snippet(
        1,
        "`buildCommand` replaces every phase; phaser runs it as bash (move it into phases to port it)"
            .into(),
    );
    report
}

/// Hook names a bash body runs with `runHook` anywhere but first (pre) or last (post).
fn hooks_run_inside(snippet: &Snippet, phase: &str) -> Vec<String> {
    let items = snippet.items();
    let mut out = Vec::new();
    let last = items.len().saturating_sub(1);
    for (i, text) in (0..items.len()).map(|i| (i, snippet.text_of(i))) {
        let words: Vec<&str> = text.split_whitespace().collect();
        if let ["runHook", hook] = words.as_slice() {
            let at_edge = (*hook == format!("pre{phase}") && i == 0)
                || (*hook == format!("post{phase}") && i == last);
            if !at_edge {
                out.push(hook.to_string());
            }
        } else if text.contains("runHook") {
            for hook in [format!("pre{phase}"), format!("post{phase}")] {
                if text.contains(&hook) {
                    out.push(hook);
                }
            }
        }
    }
    out
}

fn find_snippets(plan: &Value, phases: &[String]) -> Vec<Found> {
    let empty = Map::new();
    let top = plan.as_object().unwrap_or(&empty);
    let phaser = top
        .get("phaser")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let phaser_phases = phaser
        .get("phases")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let phaser_hooks = phaser
        .get("hooks")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut found = Vec::new();
    for phase in phases {
        if phase == "buildCommand" {
            continue;
        }
        let cap = capitalize(phase);
        let role = |body: bool| Role {
            phase: cap.clone(),
            body,
        };
        // The body: the last phaser.phases entry naming it, else the top-level string.
        let spec = phaser_phases.iter().rfind(|(k, _)| normalize(k) == *phase);
        match spec {
            Some((key, Value::Object(body))) => {
                if let Some(Value::String(text)) = body.get("bash") {
                    found.push(Found {
                        place: Place::PhaserPhase(key.clone()),
                        label: format!("phaser.phases.{key}"),
                        text: text.clone(),
                        role: role(true),
                    });
                }
            }
            Some(_) => {}
            None => {
                let key = format!("{phase}Phase");
                if let Some(Value::String(text)) = top.get(&key) {
                    found.push(Found {
                        place: Place::TopPhase(key.clone(), phase.clone()),
                        label: key,
                        text: text.clone(),
                        role: role(true),
                    });
                }
            }
        }
        for hook in [format!("pre{cap}"), format!("post{cap}")] {
            if let Some(Value::String(text)) = top.get(&hook) {
                found.push(Found {
                    place: Place::TopHook(hook.clone()),
                    label: hook.clone(),
                    text: text.clone(),
                    role: role(false),
                });
            }
            match phaser_hooks.get(&hook) {
                Some(Value::Object(body)) => {
                    if let Some(Value::String(text)) = body.get("bash") {
                        found.push(Found {
                            place: Place::PhaserHook(hook.clone(), None),
                            label: format!("phaser.hooks.{hook}"),
                            text: text.clone(),
                            role: role(false),
                        });
                    }
                }
                Some(Value::Array(list)) => {
                    for (i, body) in list.iter().enumerate() {
                        if let Some(Value::String(text)) = body.get("bash") {
                            found.push(Found {
                                place: Place::PhaserHook(hook.clone(), Some(i)),
                                label: format!("phaser.hooks.{hook}[{i}]"),
                                text: text.clone(),
                                role: role(false),
                            });
                        }
                    }
                }
                _ => {}
            }
        }
    }
    found
}

/// Puts a translation where its bash was.
fn place(plan: &mut Value, at: &Place, key: &str, text: String) {
    let Some(top) = plan.as_object_mut() else {
        return;
    };
    let body = |text: String| {
        let mut m = Map::new();
        m.insert(key.to_string(), Value::String(text));
        Value::Object(m)
    };
    let phaser = top
        .entry("phaser")
        .or_insert_with(|| Value::Object(Map::new()));
    let phaser = phaser
        .as_object_mut()
        .expect("phaser is an object in a valid plan");
    match at {
        Place::TopPhase(attr, phase) => {
            phaser
                .entry("phases")
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .expect("phaser.phases is an object")
                .insert(phase.clone(), body(text));
            top.remove(attr);
        }
        Place::PhaserPhase(k) => {
            if let Some(Value::Object(spec)) = phaser.get_mut("phases").and_then(|p| p.get_mut(k)) {
                spec.remove("bash");
                spec.insert(key.to_string(), Value::String(text));
            }
        }
        Place::TopHook(hook) => {
            let hooks = phaser
                .entry("hooks")
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .expect("phaser.hooks is an object");
            // The runner runs the top-level string before phaser.hooks entries.
            let entry = match hooks.remove(hook) {
                None => body(text),
                Some(Value::Array(mut list)) => {
                    list.insert(0, body(text));
                    Value::Array(list)
                }
                Some(single) => Value::Array(vec![body(text), single]),
            };
            hooks.insert(hook.clone(), entry);
            top.remove(hook);
        }
        Place::PhaserHook(hook, index) => {
            let Some(entry) = phaser.get_mut("hooks").and_then(|h| h.get_mut(hook)) else {
                return;
            };
            let target = match index {
                Some(i) => entry.get_mut(*i),
                None => Some(entry),
            };
            if let Some(Value::Object(spec)) = target {
                spec.remove("bash");
                spec.insert(key.to_string(), Value::String(text));
            }
        }
    }
}

fn capitalize(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) => c.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

fn normalize(name: &str) -> String {
    match name.strip_suffix("Phase") {
        Some(stem) if !stem.is_empty() => stem.to_string(),
        _ => name.to_string(),
    }
}
