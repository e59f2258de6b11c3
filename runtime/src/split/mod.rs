//! `phaser split`: a plan as one Nix derivation per phase, so Nix caches
//! each phase's result and can send each phase to a different builder.
//!
//! Every derivation has the plan's `name` (so all output paths have the
//! same length), runs with phaser as its builder, and takes the previous
//! derivation's outputs and build tree as input ([`SPLIT_ATTR`]`.previous`).
//! It restores them (see [`crate::handoff`]), runs its phase, and saves the
//! build tree into the extra output [`TREE_OUTPUT`]; the last derivation
//! has only the plan's outputs.
//!
//! Editing one phase rebuilds that phase and the ones after it, not the
//! ones before: each derivation's plan carries its own phase's body and
//! hooks in full, and the other phases only as skeletons that keep their
//! place in the order (`{"rhai": ""}` plus `before`/`after`; their
//! top-level `<name>Phase`/`pre<Name>`/`post<Name>` strings blank).
//! Attributes every phase reads (`configureFlags`, `src`, ...) are shared,
//! so changing one rebuilds everything.

mod builder;
mod nix;

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::order::{self, ResolvedPhase};
use crate::plan::{capitalize, hook_phase, normalize_phase_name, Plan, PlanErrors};
pub use builder::SplitBuild;
use nix::Nix;

/// The extra output of every derivation but the last: the build tree.
pub const TREE_OUTPUT: &str = "phaserTree";
/// The attribute that makes phaser's Nix builder mode run one derivation
/// of a split build: `{ phase, from, to, previous = { out = ...; phaserTree = ...; }; }`.
pub const SPLIT_ATTR: &str = "phaserSplit";
/// Attributes phaser sets on every derivation itself.
const RESERVED: &[&str] = &["builder", "args", "__structuredAttrs", SPLIT_ATTR];
/// Attributes that name local files: Nix copies them into the store.
const PATH_ATTRIBUTES: &[&str] = &["src", "srcs", "patches"];

/// One derivation of a split build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The phase it runs.
    pub phase: String,
    /// First phase of its range: the phase itself, or for the first
    /// derivation the plan's first phase (gated off phases before it ride along).
    pub from: String,
    /// Last phase of its range: phases after it that gates skip ride along,
    /// so the state records them as a whole build does.
    pub to: String,
}

/// How `phaser split` renders.
#[derive(Debug, Clone)]
pub struct SplitOptions {
    /// The phaser executable Nix runs as the builder (copied into the store).
    pub phaser: PathBuf,
    /// The derivations' `system` unless the plan gives one.
    pub system: String,
}

impl SplitOptions {
    /// Options with `phaser` as the builder, for the platform this phaser runs on.
    pub fn new(phaser: impl Into<PathBuf>) -> SplitOptions {
        SplitOptions {
            phaser: phaser.into(),
            system: format!("{}-{}", std::env::consts::ARCH, std::env::consts::OS),
        }
    }
}

/// What `phaser split` writes.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The Nix expression.
    pub text: String,
    /// The derivations, in order.
    pub steps: Vec<Step>,
    /// Things the user should know (also written as comments in `text`).
    pub warnings: Vec<String>,
}

/// The plan as Nix hands it to the builder: attribute sets come back with
/// their names sorted, which matters for `phaser.phases` (new phases are
/// placed in the order they are listed).
pub fn as_nix_sees_it(plan: &Plan) -> Result<Plan, PlanErrors> {
    let mut source = plan.source.clone();
    if let Some(Value::Object(phaser)) = source.get_mut("phaser") {
        for key in ["phases", "hooks"] {
            if let Some(Value::Object(map)) = phaser.get_mut(key) {
                let mut entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                *map = entries.into_iter().collect();
            }
        }
    }
    Plan::from_value(source, &plan.dir, &plan.file)
}

/// One step per phase that runs, each with the gated-off phases around it.
pub fn steps(order: &[ResolvedPhase]) -> Vec<Step> {
    let running: Vec<usize> = (0..order.len())
        .filter(|&i| order[i].skipped.is_none())
        .collect();
    if running.is_empty() {
        return order
            .first()
            .map(|p| Step {
                phase: p.name.clone(),
                from: p.name.clone(),
                to: order[order.len() - 1].name.clone(),
            })
            .into_iter()
            .collect();
    }
    running
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let last = running.get(k + 1).map_or(order.len() - 1, |next| next - 1);
            Step {
                phase: order[i].name.clone(),
                from: if k == 0 { &order[0] } else { &order[i] }.name.clone(),
                to: order[last].name.clone(),
            }
        })
        .collect()
}

/// The top-level strings that belong to phase `phase`.
pub(crate) fn own_phase_strings(phase: &str) -> [String; 3] {
    let cap = capitalize(phase);
    [
        format!("{phase}Phase"),
        format!("pre{cap}"),
        format!("post{cap}"),
    ]
}

/// Renders `plan` as a Nix expression with one derivation per phase that runs.
pub fn render(plan: &Plan, options: &SplitOptions) -> anyhow::Result<Rendered> {
    let nix_plan = as_nix_sees_it(plan)?;
    let order = order::resolve(&nix_plan)?;
    let names = |o: &[ResolvedPhase]| {
        o.iter()
            .map(|p| p.name.clone())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut warnings = Vec::new();
    let as_listed = order::resolve(plan)?;
    if names(&as_listed) != names(&order) {
        warnings.push(format!(
            "Nix sorts attribute names, so under Nix the phases run as `{}`, not `{}` as `phaser plan` shows; give new phases places that do not depend on the order of phaser.phases",
            names(&order),
            names(&as_listed)
        ));
    }
    let steps = steps(&order);
    let source = plan.source.as_object().cloned().unwrap_or_default();
    for key in RESERVED {
        if source.contains_key(*key) {
            anyhow::bail!(
                "{}: `{key}` is set by `phaser split` itself; remove it from the plan",
                plan.file
            );
        }
    }
    let outputs = output_names(plan)?;
    // Every phase's own top-level strings, blank in the other derivations.
    let phase_strings: Vec<(String, String)> = order
        .iter()
        .flat_map(|p| own_phase_strings(&p.name).map(|key| (key, p.name.clone())))
        .filter(|(key, _)| plan.attrs.get(key).is_some_and(Value::is_string))
        .collect();

    let mut common = Vec::new();
    if !source.contains_key("name") {
        common.push(("name".to_string(), Nix::string(&plan.display_name())));
    }
    if !source.contains_key("system") {
        common.push(("system".to_string(), Nix::string(&options.system)));
    }
    common.push(("builder".to_string(), Nix::Path(options.phaser.clone())));
    common.push((
        "__structuredAttrs".to_string(),
        Nix::Scalar(Value::Bool(true)),
    ));
    for (key, value) in &source {
        if key == "phaser" || key == "outputs" || phase_strings.iter().any(|(k, _)| k == key) {
            continue;
        }
        let value = match plan.attrs.get(key) {
            Some(anchored) if PATH_ATTRIBUTES.contains(&key.as_str()) => paths(anchored),
            _ => Nix::from_json(value),
        };
        common.push((key.clone(), value));
    }

    let mut derivations = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let last = i + 1 == steps.len();
        let mut attrs = Vec::new();
        let mut own_outputs: Vec<Nix> = outputs.iter().map(|o| Nix::string(o)).collect();
        if !last {
            own_outputs.push(Nix::string(TREE_OUTPUT));
        }
        attrs.push(("outputs".to_string(), Nix::List(own_outputs)));
        let mut split = vec![
            ("phase".to_string(), Nix::string(&step.phase)),
            ("from".to_string(), Nix::string(&step.from)),
            ("to".to_string(), Nix::string(&step.to)),
        ];
        if i > 0 {
            let previous = &steps[i - 1].phase;
            let reference = |output: &str| {
                Nix::Expr(format!(
                    "\"${{phases.{}.{}}}\"",
                    nix::attr_name(previous),
                    nix::attr_name(output)
                ))
            };
            let mut refs: Vec<(String, Nix)> =
                outputs.iter().map(|o| (o.clone(), reference(o))).collect();
            refs.push((TREE_OUTPUT.to_string(), reference(TREE_OUTPUT)));
            split.push(("previous".to_string(), Nix::Attrs(refs)));
        }
        attrs.push((SPLIT_ATTR.to_string(), Nix::Attrs(split)));
        for (key, phase) in &phase_strings {
            let text = if *phase == step.phase {
                plan.attrs[key].as_str().unwrap_or_default()
            } else {
                ""
            };
            attrs.push((key.clone(), Nix::string(text)));
        }
        if let Some(Value::Object(phaser)) = source.get("phaser") {
            attrs.push((
                "phaser".to_string(),
                phaser_for(&step.phase, phaser, &plan.dir),
            ));
        }
        derivations.push((step.phase.clone(), attrs));
    }

    let mut text = header(plan, &order, &steps, &warnings);
    text.push_str("let\n  common = ");
    Nix::Attrs(common).write(&mut text, 2);
    text.push_str(";\n  phases = {\n");
    for (phase, attrs) in derivations {
        text.push_str(&format!(
            "    {} = derivation (common // ",
            nix::attr_name(&phase)
        ));
        Nix::Attrs(attrs).write(&mut text, 4);
        text.push_str(");\n");
    }
    let last = steps.last().map(|s| s.phase.as_str()).unwrap_or_default();
    text.push_str(&format!(
        "  }};\nin\nphases.{} // {{ inherit phases; }}\n",
        nix::attr_name(last)
    ));
    Ok(Rendered {
        text,
        steps,
        warnings,
    })
}

fn header(plan: &Plan, order: &[ResolvedPhase], steps: &[Step], warnings: &[String]) -> String {
    let skipped: Vec<&str> = order
        .iter()
        .filter(|p| p.skipped.is_some())
        .map(|p| p.name.as_str())
        .collect();
    // A phase with a tree output, to show where the tree goes.
    let example = steps
        .get(steps.len().saturating_sub(2))
        .map_or("unpack", |s| s.phase.as_str());
    let mut text = format!(
        "# {name}: one derivation per phase, written by `phaser split {file}`.\n\
         #\n\
         # Each derivation runs one phase on the previous one's result: its outputs,\n\
         # and its build tree (the extra output `{TREE_OUTPUT}`, copied back to /build),\n\
         # with the previous output paths rewritten to its own (all have the same length).\n\
         # The last derivation has the plan's outputs only. A path a compiler stored\n\
         # in pieces, or one in a compressed file, escapes the rewriting (see README).\n\
         #\n\
         #   nix-build phases.nix    the whole build\n\
         #   nix-build phases.nix -A phases.{example}.{TREE_OUTPUT}    up to {example}: result/build is its tree\n\
         #\n\
         # Phases: {}{}\n",
        steps.iter().map(|s| s.phase.as_str()).collect::<Vec<_>>().join(" "),
        if skipped.is_empty() {
            String::new()
        } else {
            format!(" (not run: {})", skipped.join(" "))
        },
        name = plan.display_name(),
        file = plan.file,
        example = example,
    );
    for warning in warnings {
        text.push_str(&format!("#\n# Warning: {warning}\n"));
    }
    text.push('\n');
    text
}

/// The plan's output names (default `out`).
fn output_names(plan: &Plan) -> anyhow::Result<Vec<String>> {
    let names = match plan.attrs.get("outputs") {
        None => vec!["out".to_string()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        Some(_) => anyhow::bail!(
            "{}: `outputs` must be a list of names for `phaser split` (Nix chooses the paths)",
            plan.file
        ),
    };
    if names.iter().any(|n| n == TREE_OUTPUT) {
        anyhow::bail!(
            "{}: the output name `{TREE_OUTPUT}` is the one `phaser split` uses for build trees",
            plan.file
        );
    }
    Ok(names)
}

/// A path attribute (a string or a list of strings) as store copies.
fn paths(value: &Value) -> Nix {
    match value {
        Value::String(p) if !p.is_empty() => Nix::Path(PathBuf::from(p)),
        Value::Array(items) => Nix::List(items.iter().map(paths).collect()),
        other => Nix::from_json(other),
    }
}

/// The `phaser` key of the derivation for `phase`: its own body and hooks
/// in full, the other phases' bodies as skeletons, other hooks left out.
fn phaser_for(phase: &str, phaser: &Map<String, Value>, dir: &Path) -> Nix {
    let mut out = Vec::new();
    for (key, value) in phaser {
        let nix = match (key.as_str(), value) {
            ("phases", Value::Object(phases)) => Nix::Attrs(
                phases
                    .iter()
                    .map(|(name, body)| {
                        let nix = match body {
                            Value::Null => Nix::Scalar(Value::Null),
                            _ if normalize_phase_name(name) == phase => body_nix(body, dir),
                            _ => skeleton(body),
                        };
                        (name.clone(), nix)
                    })
                    .collect(),
            ),
            ("hooks", Value::Object(hooks)) => Nix::Attrs(
                hooks
                    .iter()
                    .filter(|(name, _)| hook_phase(name).as_deref() == Some(phase))
                    .map(|(name, bodies)| {
                        let nix = match bodies {
                            Value::Array(list) => {
                                Nix::List(list.iter().map(|b| body_nix(b, dir)).collect())
                            }
                            one => body_nix(one, dir),
                        };
                        (name.clone(), nix)
                    })
                    .collect(),
            ),
            _ => Nix::from_json(value),
        };
        out.push((key.clone(), nix));
    }
    Nix::Attrs(out)
}

/// Another phase's body: no source, only its place.
fn skeleton(body: &Value) -> Nix {
    let mut attrs = vec![("rhai".to_string(), Nix::string(""))];
    for key in ["before", "after"] {
        if let Some(anchor) = body.get(key) {
            attrs.push((key.to_string(), Nix::from_json(anchor)));
        }
    }
    Nix::Attrs(attrs)
}

/// A body with its files (`file`, a relative `exec` program) as store copies.
fn body_nix(body: &Value, dir: &Path) -> Nix {
    let Value::Object(map) = body else {
        return Nix::from_json(body);
    };
    Nix::Attrs(
        map.iter()
            .map(|(key, value)| {
                let nix = match (key.as_str(), value) {
                    ("file", Value::String(path)) => Nix::Path(plan_file(dir, path)),
                    ("exec", Value::Array(argv)) => Nix::List(
                        argv.iter()
                            .enumerate()
                            .map(|(i, arg)| match arg.as_str() {
                                Some(program)
                                    if i == 0
                                        && program.contains('/')
                                        && !program.starts_with('/') =>
                                {
                                    Nix::Path(plan_file(dir, program))
                                }
                                _ => Nix::from_json(arg),
                            })
                            .collect(),
                    ),
                    _ => Nix::from_json(value),
                };
                (key.clone(), nix)
            })
            .collect(),
    )
}

/// `path` (relative to the plan's directory `dir`, or absolute) without
/// `.` components, as Nix would print it.
fn plan_file(dir: &Path, path: &str) -> PathBuf {
    dir.join(path)
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}

#[cfg(test)]
mod tests;
