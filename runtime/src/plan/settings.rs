//! The `phaser` key of a plan: phase bodies and their places, hooks, write
//! roots, the seed manifest, limits, the compiler wrapper; and the phase
//! and hook objects modules use too. Every problem is collected, so a plan
//! with several mistakes gets them all named at once.

use std::path::Path;

use serde_json::Value;

use super::body::parse_body;
use super::{hook_phase, normalize_phase_name, Body, HookSpec, PhaseSpec, Plan, PlanError};

/// Keys allowed under `phaser`.
const PHASER_KEYS: &[&str] = &[
    "phases",
    "hooks",
    "writeRoots",
    "seeds",
    "rhaiMaxOperations",
    "compilerWrapper",
];

impl Plan {
    /// Reads the `phaser` settings into the plan, adding a problem to
    /// `problems` for each thing wrong.
    pub(super) fn read_phaser_settings(&mut self, phaser: &Value, problems: &mut Vec<PlanError>) {
        let file = self.file.clone();
        let Value::Object(phaser) = phaser else {
            problems.push(PlanError::at(&file, "phaser", "must be an object"));
            return;
        };
        for key in phaser.keys() {
            if !PHASER_KEYS.contains(&key.as_str()) {
                problems.push(PlanError::at(
                    &file,
                    format!("phaser.{key}"),
                    format!("unknown setting; phaser takes {}", PHASER_KEYS.join(", ")),
                ));
            }
        }
        if let Some(phases) = phaser.get("phases") {
            self.read_phases(phases, problems);
        }
        if let Some(hooks) = phaser.get("hooks") {
            self.read_hooks(hooks, problems);
        }
        let settings = [
            (
                "writeRoots",
                Plan::read_write_roots as fn(&mut Plan, &Value) -> Result<(), PlanError>,
            ),
            ("seeds", Plan::read_seeds),
            ("rhaiMaxOperations", Plan::read_rhai_max_operations),
            ("compilerWrapper", Plan::read_compiler_wrapper),
        ];
        for (key, read) in settings {
            if let Some(value) = phaser.get(key) {
                if let Err(problem) = read(self, value) {
                    problems.push(problem);
                }
            }
        }
    }

    fn read_phases(&mut self, phases: &Value, problems: &mut Vec<PlanError>) {
        self.phases = phase_specs(
            &self.file,
            &self.dir,
            "phaser.phases",
            phases,
            None,
            problems,
        );
    }

    fn read_hooks(&mut self, hooks: &Value, problems: &mut Vec<PlanError>) {
        self.hooks = hook_specs(&self.file, &self.dir, "phaser.hooks", hooks, None, problems);
    }

    fn read_write_roots(&mut self, roots: &Value) -> Result<(), PlanError> {
        let list = roots
            .as_array()
            .and_then(|a| a.iter().map(Value::as_str).collect::<Option<Vec<_>>>())
            .ok_or_else(|| {
                PlanError::at(
                    &self.file,
                    "phaser.writeRoots",
                    "must be a list of directory paths",
                )
            })?;
        self.write_roots = list.into_iter().map(|p| self.dir.join(p)).collect();
        Ok(())
    }

    fn read_seeds(&mut self, seeds: &Value) -> Result<(), PlanError> {
        let path = seeds.as_str().filter(|p| !p.is_empty()).ok_or_else(|| {
            PlanError::at(
                &self.file,
                "phaser.seeds",
                "must be the path of a seed manifest (JSON), relative to the plan",
            )
        })?;
        self.seeds = Some(self.dir.join(path));
        Ok(())
    }

    fn read_rhai_max_operations(&mut self, limit: &Value) -> Result<(), PlanError> {
        let limit = limit.as_u64().filter(|n| *n > 0).ok_or_else(|| {
            PlanError::at(
                &self.file,
                "phaser.rhaiMaxOperations",
                "must be a positive whole number (the most operations one Rhai script may take)",
            )
        })?;
        self.rhai_max_operations = Some(limit);
        Ok(())
    }

    fn read_compiler_wrapper(&mut self, on: &Value) -> Result<(), PlanError> {
        self.compiler_wrapper = on.as_bool().ok_or_else(|| {
            PlanError::at(
                &self.file,
                "phaser.compilerWrapper",
                "must be true or false",
            )
        })?;
        Ok(())
    }
}

/// Reads an object of phase bodies (`phaser.phases`, a module's `phases`)
/// at JSON path `at` of `file`; `module` names the module they come from
/// (which may not delete a phase). Bodies that cannot be read are left
/// out, with a problem each.
pub(crate) fn phase_specs(
    file: &str,
    dir: &Path,
    at: &str,
    phases: &Value,
    module: Option<&str>,
    problems: &mut Vec<PlanError>,
) -> Vec<PhaseSpec> {
    let Value::Object(phases) = phases else {
        problems.push(PlanError::at(
            file,
            at,
            "must be an object of phase name to body",
        ));
        return Vec::new();
    };
    let mut specs = Vec::new();
    for (name, value) in phases {
        let at = format!("{at}.{name}");
        let (body, placement) = match value {
            Value::Null if module.is_some() => {
                problems.push(PlanError::at(
                    file,
                    &at,
                    "a module adds or replaces phases; it cannot delete one (a plan can)",
                ));
                continue;
            }
            Value::Null => (None, None),
            value => match parse_body(file, dir, &at, value, true) {
                Ok((script, placement)) => (Some(Body::Script(script)), placement),
                Err(problem) => {
                    problems.push(problem);
                    continue;
                }
            },
        };
        specs.push(PhaseSpec {
            name: normalize_phase_name(name),
            body,
            placement,
            at,
            module: module.map(str::to_string),
        });
    }
    specs
}

/// Reads an object of hook name to body or list of bodies
/// (`phaser.hooks`, a module's `hooks`) at JSON path `at` of `file`.
pub(crate) fn hook_specs(
    file: &str,
    dir: &Path,
    at: &str,
    hooks: &Value,
    module: Option<&str>,
    problems: &mut Vec<PlanError>,
) -> Vec<HookSpec> {
    let Value::Object(hooks) = hooks else {
        problems.push(PlanError::at(
            file,
            at,
            "must be an object of hook name to body (or list of bodies)",
        ));
        return Vec::new();
    };
    let mut specs = Vec::new();
    for (name, value) in hooks {
        let at = format!("{at}.{name}");
        if hook_phase(name).is_none() {
            problems.push(PlanError::at(
                file,
                &at,
                "a hook is named pre<Phase> or post<Phase>, e.g. preConfigure",
            ));
            continue;
        }
        let bodies: Vec<(String, &Value)> = match value {
            Value::Array(list) => list
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("{at}[{i}]"), v))
                .collect(),
            single => vec![(at.clone(), single)],
        };
        for (at, value) in bodies {
            match parse_body(file, dir, &at, value, false) {
                Ok((script, _)) => specs.push(HookSpec {
                    name: name.clone(),
                    body: Body::Script(script),
                    at,
                    module: module.map(str::to_string),
                }),
                Err(problem) => problems.push(problem),
            }
        }
    }
    specs
}
