//! stdenv's hooks that are not fixed in the plan but found in the build's
//! attributes when their moment comes (pkgs/stdenv/generic/setup.sh):
//! the entries a package adds to `preConfigureHooks`, `postInstallHooks`,
//! ... (`runHook` runs them after the implicit hook), the per-output
//! `fixupOutput` hook of the fixup phase, and the end of the build:
//! `failureHook` and `succeedOnFailure` when it failed, `exitHook` when
//! it succeeded (`exitHandler`). Each becomes a small bash script run like
//! any hook, so what it changes reaches the phases after it.

use std::collections::BTreeMap;

use phaser_interpreters::{Language, Script};
use serde_json::{Map, Value};

/// The package's own entries of the hook list `NAMEHooks` (`runHook`'s
/// `${NAME%Hook}Hooks`): what the attribute holds (the default hooks'
/// entries are not in it; phaser's standard phases do their work).
fn own_entries(attrs: &Map<String, Value>, name: &str) -> Vec<String> {
    let list = format!("{}Hooks", name.strip_suffix("Hook").unwrap_or(name));
    match attrs.get(&list) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .filter(|e| !e.is_empty())
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// `text` as one single-quoted bash word.
pub(crate) fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The script running the package's own entries of `NAMEHooks`, for the
/// hook point `name` (`preConfigure`, `postInstall`, ...), or `None` when
/// there are none.
pub fn entries_of(attrs: &Map<String, Value>, name: &str) -> Option<Script> {
    let entries = own_entries(attrs, name);
    if entries.is_empty() {
        return None;
    }
    let text: String = entries
        .iter()
        .map(|e| format!("_eval {}\n", quote(e)))
        .collect();
    Some(Script::inline(
        Language::Bash,
        text,
        format!("phaser:{name}Hooks"),
    ))
}

/// The fixup phase's per-output hook: for each output, with `prefix` and
/// `output` naming it, the `fixupOutput` attribute (a bash string) and the
/// package's own `fixupOutputHooks` entries; `None` when there are
/// neither.
pub fn fixup_output(
    attrs: &Map<String, Value>,
    outputs: &BTreeMap<String, String>,
) -> Option<Script> {
    let entries = own_entries(attrs, "fixupOutput");
    let implicit = attrs
        .get("fixupOutput")
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty());
    if entries.is_empty() && !implicit {
        return None;
    }
    let mut text = String::from("__phaser_fixup_output() {\n    _callImplicitHook 0 fixupOutput\n");
    for entry in &entries {
        text.push_str(&format!("    _eval {}\n", quote(entry)));
    }
    text.push_str("}\n");
    for (name, path) in outputs {
        text.push_str(&format!(
            "output={} prefix={} __phaser_fixup_output\n",
            quote(name),
            quote(path)
        ));
    }
    Some(Script::inline(
        Language::Bash,
        text,
        "phaser:fixupOutput".to_string(),
    ))
}

/// `runHook failureHook` or `runHook exitHook`: the attribute (a bash
/// string) and its `...Hooks` list, without errexit and with `exitCode`
/// set to the build's status (as stdenv's exitHandler runs them); `None`
/// when there is neither.
pub fn end_of_build(attrs: &Map<String, Value>, name: &str, status: i32) -> Option<Script> {
    let implicit = attrs
        .get(name)
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty());
    if !implicit && own_entries(attrs, name).is_empty() {
        return None;
    }
    Some(Script::inline(
        Language::Bash,
        format!("exitCode={status}\nset +e\nrunHook {name}\n"),
        format!("phaser:{name}"),
    ))
}

/// Whether a bash body runs the hook point `name` itself (`runHook
/// preInstall` in a replaced installPhase, or in a function it calls that
/// an earlier bash step defined, such as a setup hook's
/// `cmakeConfigurePhase`), so the runner must not.
pub fn body_runs(body: &Script, state: &Map<String, Value>, name: &str) -> bool {
    let call = format!("runHook {name}");
    let Ok(text) = body.text() else {
        return false;
    };
    if body.language != Language::Bash {
        return false;
    }
    if text.contains(&call) {
        return true;
    }
    let functions = state.get("bashFunctions").and_then(Value::as_object);
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter_map(|word| functions?.get(word)?.as_str())
        .any(|definition| definition.contains(&call))
}

/// The body a dependency's setup hook gave a standard phase by setting
/// `<name>Phase` (nixpkgs' cmake hook sets `configurePhase=
/// cmakeConfigurePhase`): the variable evaluated, as `runPhase` does.
pub fn phase_set_by_hook(attrs: &Map<String, Value>, name: &str) -> Option<Script> {
    let variable = format!("{name}Phase");
    let text = attrs
        .get(&variable)?
        .as_str()
        .filter(|t| !t.trim().is_empty())?;
    Some(Script::inline(
        Language::Bash,
        text,
        format!("setup hook's {variable}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn attrs(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn own_entries_become_eval_lines() {
        let a = attrs(json!({"preConfigureHooks": ["myHook", "echo 'hi'"]}));
        let script = entries_of(&a, "preConfigure").unwrap();
        assert_eq!(
            script.text().unwrap(),
            "_eval 'myHook'\n_eval 'echo '\\''hi'\\'''\n"
        );
        assert!(entries_of(&a, "postConfigure").is_none());
    }

    #[test]
    fn fixup_output_runs_once_per_output() {
        let a = attrs(json!({"fixupOutput": "echo $prefix"}));
        let outputs = BTreeMap::from([
            ("dev".to_string(), "/o/dev".to_string()),
            ("out".to_string(), "/o/out".to_string()),
        ]);
        let text = fixup_output(&a, &outputs)
            .unwrap()
            .text()
            .unwrap()
            .to_string();
        assert!(text.contains("output='dev' prefix='/o/dev' __phaser_fixup_output"));
        assert!(text.contains("output='out' prefix='/o/out' __phaser_fixup_output"));
        assert!(fixup_output(&Map::new(), &outputs).is_none());
    }

    #[test]
    fn end_hooks_only_when_given() {
        assert!(end_of_build(&Map::new(), "exitHook", 0).is_none());
        let a = attrs(json!({"failureHooks": ["cleanup"]}));
        let script = end_of_build(&a, "failureHook", 7).unwrap();
        assert!(script.text().unwrap().starts_with("exitCode=7\n"));
    }
}
