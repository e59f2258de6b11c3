//! Plans: one JSON object shaped like Nix's structured-attrs `.attrs.json`,
//! with phaser's own settings under the `phaser` key.

mod attributes;
mod body;
mod error;

use std::path::{Path, PathBuf};
use std::rc::Rc;

use phaser_interpreters::{Answer, PhaseInput, Script};
use serde_json::{Map, Value};

pub use attributes::is_set;
pub use body::Placement;
pub use error::PlanError;

/// A phase written in Rust by an embedding program.
pub type NativeFn = Rc<dyn Fn(&PhaseInput) -> Result<Answer, String>>;

/// What runs for a phase or hook.
#[derive(Clone)]
pub enum Body {
    /// A script in one of the interpreters.
    Script(Script),
    /// A Rust closure (embedding only).
    Native(NativeFn),
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Body::Script(script) => script.fmt(f),
            Body::Native(_) => f.write_str("Native(..)"),
        }
    }
}

/// One entry of `phaser.phases`.
#[derive(Debug, Clone)]
pub struct PhaseSpec {
    /// The phase name (normalized: `buildPhase` is `build`).
    pub name: String,
    /// Its body, or `None` to delete the phase.
    pub body: Option<Body>,
    /// Where a new phase goes.
    pub placement: Option<Placement>,
    /// The JSON path it came from, for errors and `phaser plan`.
    pub at: String,
}

/// One hook body from `phaser.hooks`.
#[derive(Debug, Clone)]
pub struct HookSpec {
    /// `preBuild`, `postInstall`, ...
    pub name: String,
    /// What runs.
    pub body: Body,
    /// The JSON path it came from.
    pub at: String,
}

/// A loaded, validated plan.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The top-level attributes, without `phaser`.
    pub attrs: Map<String, Value>,
    /// `phaser.phases`, in the plan's order.
    pub phases: Vec<PhaseSpec>,
    /// `phaser.hooks`, in the plan's order.
    pub hooks: Vec<HookSpec>,
    /// `phaser.writeRoots`: more directories phases may write to.
    pub write_roots: Vec<PathBuf>,
    /// `phaser.seeds`: the seed manifest checked before the first phase
    /// (see [`crate::seeds`]).
    pub seeds: Option<PathBuf>,
    /// `phaser.rhaiMaxOperations`: the most operations one Rhai script may
    /// take (none: no limit).
    pub rhai_max_operations: Option<u64>,
    /// Relative paths in the plan are relative to this directory.
    pub dir: PathBuf,
    /// The plan's file name, for messages.
    pub file: String,
    /// The plan's text as loaded, for the state file's plan hash.
    pub source: Value,
}

/// Keys allowed under `phaser`.
const PHASER_KEYS: &[&str] = &[
    "phases",
    "hooks",
    "writeRoots",
    "seeds",
    "rhaiMaxOperations",
];

impl Plan {
    /// Reads and validates a plan file.
    pub fn load(path: &Path) -> Result<Plan, PlanError> {
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(path).map_err(|e| {
            PlanError::at(
                &path.display().to_string(),
                "",
                format!("cannot read the plan: {e}"),
            )
        })?;
        let value: Value = serde_json::from_str(&text).map_err(|e| {
            PlanError::at(
                &file,
                format!("{}:{}", e.line(), e.column()),
                format!("invalid JSON: {}", strip_position(&e)),
            )
        })?;
        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."));
        let dir = std::path::absolute(&dir).unwrap_or(dir);
        Plan::from_value(value, &dir, &file)
    }

    /// Validates a plan given as a JSON value; `dir` anchors relative paths
    /// and `file` names the plan in messages.
    pub fn from_value(value: Value, dir: &Path, file: &str) -> Result<Plan, PlanError> {
        let Value::Object(mut attrs) = value.clone() else {
            return Err(PlanError::at(
                file,
                "",
                "a plan must be a JSON object of attributes",
            ));
        };
        let phaser = attrs.remove("phaser").unwrap_or(Value::Object(Map::new()));
        attributes::check(file, &attrs)?;
        attributes::anchor_paths(&mut attrs, dir);
        let mut plan = Plan {
            attrs,
            phases: Vec::new(),
            hooks: Vec::new(),
            write_roots: Vec::new(),
            seeds: None,
            rhai_max_operations: None,
            dir: dir.to_path_buf(),
            file: file.to_string(),
            source: value,
        };
        plan.read_phaser_settings(&phaser)?;
        crate::order::resolve(&plan)?;
        Ok(plan)
    }

    fn read_phaser_settings(&mut self, phaser: &Value) -> Result<(), PlanError> {
        let file = self.file.clone();
        let Value::Object(phaser) = phaser else {
            return Err(PlanError::at(&file, "phaser", "must be an object"));
        };
        for key in phaser.keys() {
            if !PHASER_KEYS.contains(&key.as_str()) {
                return Err(PlanError::at(
                    &file,
                    format!("phaser.{key}"),
                    format!("unknown setting; phaser takes {}", PHASER_KEYS.join(", ")),
                ));
            }
        }
        if let Some(phases) = phaser.get("phases") {
            let Value::Object(phases) = phases else {
                return Err(PlanError::at(
                    &file,
                    "phaser.phases",
                    "must be an object of phase name to body",
                ));
            };
            for (name, value) in phases {
                let at = format!("phaser.phases.{name}");
                let (body, placement) = match value {
                    Value::Null => (None, None),
                    value => {
                        let (script, placement) =
                            body::parse_body(&file, &self.dir, &at, value, true)?;
                        (Some(Body::Script(script)), placement)
                    }
                };
                self.phases.push(PhaseSpec {
                    name: normalize_phase_name(name),
                    body,
                    placement,
                    at,
                });
            }
        }
        if let Some(hooks) = phaser.get("hooks") {
            let Value::Object(hooks) = hooks else {
                return Err(PlanError::at(
                    &file,
                    "phaser.hooks",
                    "must be an object of hook name to body (or list of bodies)",
                ));
            };
            for (name, value) in hooks {
                let at = format!("phaser.hooks.{name}");
                if hook_phase(name).is_none() {
                    return Err(PlanError::at(
                        &file,
                        &at,
                        "a hook is named pre<Phase> or post<Phase>, e.g. preConfigure",
                    ));
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
                    let (script, _) = body::parse_body(&file, &self.dir, &at, value, false)?;
                    self.hooks.push(HookSpec {
                        name: name.clone(),
                        body: Body::Script(script),
                        at,
                    });
                }
            }
        }
        if let Some(roots) = phaser.get("writeRoots") {
            let list = roots
                .as_array()
                .and_then(|a| a.iter().map(Value::as_str).collect::<Option<Vec<_>>>())
                .ok_or_else(|| {
                    PlanError::at(
                        &file,
                        "phaser.writeRoots",
                        "must be a list of directory paths",
                    )
                })?;
            self.write_roots = list.into_iter().map(|p| self.dir.join(p)).collect();
        }
        if let Some(seeds) = phaser.get("seeds") {
            let path = seeds.as_str().filter(|p| !p.is_empty()).ok_or_else(|| {
                PlanError::at(
                    &file,
                    "phaser.seeds",
                    "must be the path of a seed manifest (JSON), relative to the plan",
                )
            })?;
            self.seeds = Some(self.dir.join(path));
        }
        if let Some(limit) = phaser.get("rhaiMaxOperations") {
            let limit = limit.as_u64().filter(|n| *n > 0).ok_or_else(|| {
                PlanError::at(
                    &file,
                    "phaser.rhaiMaxOperations",
                    "must be a positive whole number (the most operations one Rhai script may take)",
                )
            })?;
            self.rhai_max_operations = Some(limit);
        }
        Ok(())
    }

    /// Adds (or replaces) a phase written in Rust, the way `phaser.phases`
    /// would; checks the order again.
    pub fn add_native_phase(
        &mut self,
        name: &str,
        placement: Option<Placement>,
        f: impl Fn(&PhaseInput) -> Result<Answer, String> + 'static,
    ) -> Result<(), PlanError> {
        self.phases.push(PhaseSpec {
            name: normalize_phase_name(name),
            body: Some(Body::Native(Rc::new(f))),
            placement,
            at: format!("native phase {name}"),
        });
        crate::order::resolve(self).map(|_| ())
    }

    /// The package's name for messages: `pname-version`, `name`, or the file.
    pub fn display_name(&self) -> String {
        let get = |k: &str| self.attrs.get(k).and_then(Value::as_str);
        match (get("pname"), get("version"), get("name")) {
            (Some(p), Some(v), _) => format!("{p}-{v}"),
            (Some(p), None, _) => p.to_string(),
            (None, _, Some(n)) => n.to_string(),
            _ => self.file.trim_end_matches(".json").to_string(),
        }
    }
}

/// `unpackPhase` and `unpack` name the same phase.
pub fn normalize_phase_name(name: &str) -> String {
    match name.strip_suffix("Phase") {
        Some(stem) if !stem.is_empty() => stem.to_string(),
        _ => name.to_string(),
    }
}

/// The phase a hook name belongs to: `preConfigure` -> `configure`.
pub fn hook_phase(hook: &str) -> Option<String> {
    let rest = hook
        .strip_prefix("pre")
        .or_else(|| hook.strip_prefix("post"))?;
    let mut chars = rest.chars();
    let first = chars.next().filter(char::is_ascii_uppercase)?;
    Some(first.to_ascii_lowercase().to_string() + chars.as_str())
}

/// `configure` -> `Configure`, for hook names.
pub fn capitalize(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}
