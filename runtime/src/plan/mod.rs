//! Plans: one JSON object shaped like Nix's structured-attrs `.attrs.json`,
//! with phaser's own settings under the `phaser` key.

pub(crate) mod attributes;
mod body;
mod error;
mod settings;

use std::path::{Path, PathBuf};
use std::rc::Rc;

use phaser_interpreters::{Answer, PhaseInput, Script};
use serde_json::{Map, Value};

pub use attributes::is_set;
pub use body::Placement;
pub use error::{PlanError, PlanErrors};
pub(crate) use settings::{hook_specs, phase_specs};

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
    /// The module that added it (its name), or `None` for the plan's own.
    pub module: Option<String>,
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
    /// The module that added it (its name), or `None` for the plan's own.
    pub module: Option<String>,
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
    /// `phaser.compilerWrapper` (default true): whether the phases' PATH
    /// starts with phaser's compiler and linker wrapper (see
    /// [`crate::wrapper`]).
    pub compiler_wrapper: bool,
    /// Relative paths in the plan are relative to this directory.
    pub dir: PathBuf,
    /// The plan's file name, for messages.
    pub file: String,
    /// The plan's text as loaded, for the state file's plan hash.
    pub source: Value,
    /// The dependencies, resolved (see [`crate::deps`]).
    pub dependencies: crate::deps::Dependencies,
    /// The modules the dependencies ship, in activation order (see
    /// [`crate::module`]); their phases, hooks and defaults are merged in.
    pub modules: Vec<crate::module::ModuleInfo>,
}

impl Plan {
    /// Reads and validates a plan file: every problem found, at once.
    pub fn load(path: &Path) -> Result<Plan, PlanErrors> {
        let (value, dir, file) = Plan::read(path)?;
        Plan::from_value(value, &dir, &file)
    }

    /// Validates a plan given as a JSON value; `dir` anchors relative paths
    /// and `file` names the plan in messages. Every problem found is
    /// reported, not only the first.
    pub fn from_value(value: Value, dir: &Path, file: &str) -> Result<Plan, PlanErrors> {
        let (plan, problems) = Plan::parse(value, dir, file)?;
        PlanErrors::from_list(problems).map_or(Ok(plan), Err)
    }

    /// A plan file's JSON, the directory relative paths in it are
    /// relative to, and its name for messages.
    pub(crate) fn read(path: &Path) -> Result<(Value, PathBuf, String), PlanErrors> {
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(path).map_err(|e| {
            let (file, message) = (
                path.display().to_string(),
                format!("cannot read the plan: {e}"),
            );
            if e.kind() == std::io::ErrorKind::NotFound {
                PlanError::missing(&file, "", message)
            } else {
                PlanError::at(&file, "", message)
            }
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
        Ok((value, dir, file))
    }

    /// The plan as far as it can be read, and every problem found in it
    /// (bodies that cannot be read are left out); the order is checked
    /// when nothing else is wrong. An error only for a value that is not
    /// an object at all.
    pub(crate) fn parse(
        value: Value,
        dir: &Path,
        file: &str,
    ) -> Result<(Plan, Vec<PlanError>), PlanErrors> {
        let Value::Object(mut attrs) = value.clone() else {
            return Err(
                PlanError::at(file, "", "a plan must be a JSON object of attributes").into(),
            );
        };
        let phaser = attrs.remove("phaser").unwrap_or(Value::Object(Map::new()));
        let mut problems = attributes::check(file, &attrs);
        attributes::anchor_paths(&mut attrs, dir);
        let dependencies = crate::deps::Dependencies::resolve(&attrs).unwrap_or_else(|(at, m)| {
            problems.push(PlanError::missing(file, at, m));
            Default::default()
        });
        let mut plan = Plan {
            attrs,
            phases: Vec::new(),
            hooks: Vec::new(),
            write_roots: Vec::new(),
            seeds: None,
            rhai_max_operations: None,
            compiler_wrapper: true,
            dir: dir.to_path_buf(),
            file: file.to_string(),
            source: value,
            dependencies,
            modules: Vec::new(),
        };
        plan.read_phaser_settings(&phaser, &mut problems);
        let merged = crate::module::find(&plan.dependencies)
            .and_then(|modules| crate::module::merge(&mut plan, modules));
        if let Err(problem) = merged {
            problems.push(problem);
        }
        if problems.is_empty() {
            if let Err(problem) = crate::order::resolve(&plan) {
                problems.push(problem);
            }
        }
        Ok((plan, problems))
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
            module: None,
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
