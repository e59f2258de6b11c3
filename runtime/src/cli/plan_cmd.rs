//! `phaser plan`: the resolved order, interpreters and provenance.

use phaser::plan::Body;
use phaser::{interpreters::ScriptSource, Plan};
use serde_json::json;

pub fn main(path: &std::path::Path, as_json: bool, show: Option<&str>) -> i32 {
    let (plan, phases) = match super::load_plan(path) {
        Ok(loaded) => loaded,
        Err(status) => return status,
    };
    if let Some(name) = show {
        let phase = match phaser::order::position(&phases, name) {
            Ok(i) => &phases[i],
            Err(e) => {
                eprintln!("phaser: {e}");
                return super::exit_code::USAGE;
            }
        };
        if let (phaser::order::Provenance::Default, Some(text)) = (
            &phase.provenance,
            phaser::standard_phase_source(&phase.name),
        ) {
            print!("{text}");
            return 0;
        }
        match &phase.body {
            Some(Body::Script(script)) => match &script.source {
                ScriptSource::Argv(argv) => println!("{}", argv.join(" ")),
                _ => print!("{}", script.text().unwrap_or_default()),
            },
            Some(Body::Native(_)) => println!("(a native Rust phase)"),
            None => println!("(no body: the phase does nothing)"),
        }
        return 0;
    }
    if as_json {
        let list: Vec<_> = phases
            .iter()
            .map(|p| {
                json!({
                    "name": p.name,
                    "interpreter": p.interpreter(),
                    "source": p.provenance.to_string(),
                    "placedBy": p.placed_by,
                    "hooks": p.pre.iter().chain(&p.post).map(|h| json!({"name": h.name, "from": h.from})).collect::<Vec<_>>(),
                    "skipped": p.skipped,
                    "configureStyle": configure_style(&plan, p),
                })
            })
            .collect();
        let modules: Vec<_> = plan
            .modules
            .iter()
            .map(|m| json!({"name": m.name, "file": m.file.display().to_string()}))
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(
                &json!({"plan": plan.file, "phases": list, "modules": modules})
            )
            .unwrap_or_default()
        );
        return 0;
    }
    let width = phases
        .iter()
        .map(|p| p.name.len())
        .max()
        .unwrap_or(5)
        .max(5);
    for module in &plan.modules {
        println!("module {}: {}", module.name, module.file.display());
    }
    println!(
        "{:>2}  {:width$}  {:11}  {:30}  hooks / notes",
        "#", "phase", "interpreter", "source"
    );
    for (i, p) in phases.iter().enumerate() {
        let mut notes: Vec<String> = p
            .pre
            .iter()
            .chain(&p.post)
            .map(|h| format!("{} ({})", h.name, h.from))
            .collect();
        if p.placed_by != "default" && !p.placed_by.is_empty() {
            notes.push(format!("placed by {}", p.placed_by));
        }
        if let Some(why) = &p.skipped {
            notes.insert(0, format!("SKIPPED: {why}"));
        }
        if let Some(style) = configure_style(&plan, p) {
            notes.insert(0, format!("style: {style}"));
        }
        println!(
            "{:>2}  {:width$}  {:11}  {:30}  {}",
            i + 1,
            p.name,
            p.interpreter(),
            p.provenance.to_string(),
            notes.join("; ")
        );
    }
    0
}

/// How the standard configure phase will configure, said before it runs:
/// implicit takeovers of a phase are a nixpkgs pitfall, so the choice is shown.
fn configure_style(plan: &Plan, phase: &phaser::ResolvedPhase) -> Option<String> {
    if phase.name != "configure" || phase.provenance != phaser::order::Provenance::Default {
        return None;
    }
    Some(match plan.attrs.get("configureStyle").and_then(|v| v.as_str()) {
        Some(style) => format!("{style} (configureStyle)"),
        None => String::from(
            "autotools; cmake or meson if the source has no configure script but a CMakeLists.txt or meson.build (set configureStyle to choose)",
        ),
    })
}
