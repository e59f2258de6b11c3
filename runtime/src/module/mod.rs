//! phaser modules: plan fragments a dependency ships in
//! `nix-support/phaser-module.json`, the way a nixpkgs package ships a
//! setup hook, but written as data with bodies in any interpreter:
//!
//! ```json
//! {"name": "installShellFiles",
//!  "attrs": {"shellCompletions": []},
//!  "env": {"FOO": "1"},
//!  "phases": {"lintDocs": {"rhai": "...", "after": "install"}},
//!  "hooks": {"postInstall": {"file": "install-shell-files.lua"}}}
//! ```
//!
//! `attrs` and `env` are defaults, `phases` adds phases (with
//! `before`/`after`) or gives a standard one a new body, `hooks` adds
//! hooks; `file` bodies are relative to the module file. The plan's own
//! settings win: its attributes, environment and phase bodies are kept,
//! and its hooks run before the modules'. Two modules that give the same
//! phase, or different values for the same attribute or variable, are an
//! error naming both. `phaser schema --module` prints the JSON Schema.
//!
//! Modules are found after the dependencies are resolved, so a module's
//! default attributes add no dependencies of their own.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::deps::Dependencies;
use crate::plan::{hook_specs, phase_specs, HookSpec, PhaseSpec, Plan, PlanError};

/// Where a dependency keeps its module.
pub const FILE: &str = "nix-support/phaser-module.json";

/// The keys a module file takes.
const KEYS: &[&str] = &["name", "description", "attrs", "env", "phases", "hooks"];

/// A module as `phaser plan` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleInfo {
    /// Its `name`.
    pub name: String,
    /// Its file.
    pub file: PathBuf,
}

/// A module, read and checked.
#[derive(Debug, Clone)]
pub struct Module {
    /// Name and file.
    pub info: ModuleInfo,
    /// Phases it adds or gives a body.
    pub phases: Vec<PhaseSpec>,
    /// Hooks it adds.
    pub hooks: Vec<HookSpec>,
    /// Default attributes.
    pub attrs: Map<String, Value>,
    /// Default environment.
    pub env: Map<String, Value>,
}

/// The modules of `deps`, each dependency's once, in activation order.
pub fn find(deps: &Dependencies) -> Result<Vec<Module>, PlanError> {
    deps.unique()
        .into_iter()
        .map(|pkg| pkg.join(FILE))
        .filter(|file| file.is_file())
        .map(|file| load(&file))
        .collect()
}

/// Reads and checks one module file.
pub fn load(path: &Path) -> Result<Module, PlanError> {
    let file = path.display().to_string();
    let err = |at: &str, message: String| PlanError::at(&file, at, message);
    let text = std::fs::read_to_string(path)
        .map_err(|e| err("", format!("cannot read the module: {e}")))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        err(
            &format!("{}:{}", e.line(), e.column()),
            format!("invalid JSON: {e}"),
        )
    })?;
    let Value::Object(map) = &value else {
        return Err(err(
            "",
            "a module is a JSON object (see `phaser schema --module`)".into(),
        ));
    };
    if let Some(key) = map.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(err(
            key,
            format!("unknown key; a module takes {}", KEYS.join(", ")),
        ));
    }
    let name = match map.get("name") {
        Some(Value::String(name)) if !name.is_empty() => name.clone(),
        _ => {
            return Err(err(
                "name",
                "every module has a `name` (a non-empty string)".into(),
            ))
        }
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let object = |key: &str| -> Result<Map<String, Value>, PlanError> {
        match map.get(key) {
            None => Ok(Map::new()),
            Some(Value::Object(o)) => Ok(o.clone()),
            Some(_) => Err(err(key, "must be an object".into())),
        }
    };
    let attrs = object("attrs")?;
    let mut problems = crate::plan::attributes::check(&file, &attrs);
    let env = object("env")?;
    if let Some((var, _)) = env.iter().find(|(_, v)| !v.is_string()) {
        problems.push(err(&format!("env.{var}"), "must be a string".into()));
    }
    let phases = match map.get("phases") {
        Some(v) => phase_specs(&file, dir, "phases", v, Some(&name), &mut problems),
        None => Vec::new(),
    };
    let hooks = match map.get("hooks") {
        Some(v) => hook_specs(&file, dir, "hooks", v, Some(&name), &mut problems),
        None => Vec::new(),
    };
    if let Some(problem) = problems.into_iter().next() {
        return Err(problem);
    }
    Ok(Module {
        info: ModuleInfo {
            name,
            file: path.to_path_buf(),
        },
        phases,
        hooks,
        attrs,
        env,
    })
}

/// Merges `modules` into `plan` under the plan's own settings, or fails
/// naming the two modules that give the same thing differently.
pub fn merge(plan: &mut Plan, modules: Vec<Module>) -> Result<(), PlanError> {
    let conflict = |what: String, a: &ModuleInfo, b: &ModuleInfo| {
        PlanError::at(
            &plan.file,
            "",
            format!(
                "modules `{}` ({}) and `{}` ({}) both set {what}; set it in the plan to choose",
                a.name,
                a.file.display(),
                b.name,
                b.file.display()
            ),
        )
    };
    let own_phase = |name: &str| {
        plan.phases
            .iter()
            .any(|p| p.name == name && p.body.is_some())
            || plan.attrs.contains_key(&format!("{name}Phase"))
    };
    let mut phases: Vec<(PhaseSpec, &ModuleInfo)> = Vec::new();
    let mut attrs: Vec<(String, Value, &ModuleInfo)> = Vec::new();
    let mut env: Vec<(String, Value, &ModuleInfo)> = Vec::new();
    for module in &modules {
        for spec in &module.phases {
            if own_phase(&spec.name) {
                continue;
            }
            if let Some((_, other)) = phases.iter().find(|(p, _)| p.name == spec.name) {
                return Err(conflict(
                    format!("phase `{}`", spec.name),
                    other,
                    &module.info,
                ));
            }
            phases.push((spec.clone(), &module.info));
        }
        let own_env = plan.attrs.get("env").and_then(Value::as_object);
        for (kind, list, defaults, own) in [
            ("attribute", &mut attrs, &module.attrs, Some(&plan.attrs)),
            ("environment variable", &mut env, &module.env, own_env),
        ] {
            for (key, value) in defaults {
                if own.is_some_and(|o| o.contains_key(key)) {
                    continue;
                }
                match list.iter().find(|(k, _, _)| k == key) {
                    Some((_, v, _)) if v == value => {}
                    Some((_, _, other)) => {
                        return Err(conflict(format!("the {kind} `{key}`"), other, &module.info));
                    }
                    None => list.push((key.clone(), value.clone(), &module.info)),
                }
            }
        }
    }
    let specs: Vec<PhaseSpec> = phases.into_iter().map(|(p, _)| p).collect();
    let attrs: Vec<(String, Value)> = attrs.into_iter().map(|(k, v, _)| (k, v)).collect();
    let env: Vec<(String, Value)> = env.into_iter().map(|(k, v, _)| (k, v)).collect();
    // Module phases first: for the same name, a plan's own spec is later
    // and so wins; hooks after the plan's, as setup hooks' hook-list
    // entries run after the package's own hook.
    plan.phases.splice(0..0, specs);
    for module in &modules {
        plan.hooks.extend(module.hooks.iter().cloned());
    }
    for (key, value) in attrs {
        plan.attrs.insert(key, value);
    }
    if !env.is_empty() {
        let target = plan
            .attrs
            .entry("env")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(target) = target {
            target.extend(env);
        }
    }
    plan.modules = modules.into_iter().map(|m| m.info).collect();
    Ok(())
}
