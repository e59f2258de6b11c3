//! The `phaser` key of a plan: phase bodies and their places, hooks, write
//! roots, the seed manifest, limits. Every problem is collected, so a plan
//! with several mistakes gets them all named at once.

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
        let Value::Object(phases) = phases else {
            problems.push(PlanError::at(
                &self.file,
                "phaser.phases",
                "must be an object of phase name to body",
            ));
            return;
        };
        for (name, value) in phases {
            let at = format!("phaser.phases.{name}");
            let (body, placement) = match value {
                Value::Null => (None, None),
                value => match parse_body(&self.file, &self.dir, &at, value, true) {
                    Ok((script, placement)) => (Some(Body::Script(script)), placement),
                    Err(problem) => {
                        problems.push(problem);
                        continue;
                    }
                },
            };
            self.phases.push(PhaseSpec {
                name: normalize_phase_name(name),
                body,
                placement,
                at,
            });
        }
    }

    fn read_hooks(&mut self, hooks: &Value, problems: &mut Vec<PlanError>) {
        let Value::Object(hooks) = hooks else {
            problems.push(PlanError::at(
                &self.file,
                "phaser.hooks",
                "must be an object of hook name to body (or list of bodies)",
            ));
            return;
        };
        for (name, value) in hooks {
            let at = format!("phaser.hooks.{name}");
            if hook_phase(name).is_none() {
                problems.push(PlanError::at(
                    &self.file,
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
                match parse_body(&self.file, &self.dir, &at, value, false) {
                    Ok((script, _)) => self.hooks.push(HookSpec {
                        name: name.clone(),
                        body: Body::Script(script),
                        at,
                    }),
                    Err(problem) => problems.push(problem),
                }
            }
        }
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
}
