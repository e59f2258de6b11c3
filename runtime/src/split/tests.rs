//! The rendered expression: which derivation carries what.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};

use super::*;

fn plan(value: Value) -> Plan {
    Plan::from_value(value, Path::new("/plans"), "demo.json").expect("valid plan")
}

fn plan_in(dir: &Path, value: Value) -> Plan {
    Plan::from_value(value, dir, "demo.json").expect("valid plan")
}

fn render_plan(value: Value) -> Rendered {
    render(&plan(value), &SplitOptions::new("/opt/phaser")).expect("renders")
}

/// Each derivation's text, by phase.
fn derivations(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        if let Some(name) = line
            .strip_prefix("    ")
            .and_then(|l| l.strip_suffix(" = derivation (common // {"))
        {
            current = Some((name.to_string(), String::new()));
        } else if line == "    });" {
            if let Some((name, body)) = current.take() {
                out.insert(name, body);
            }
        } else if let Some((_, body)) = current.as_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

fn hello() -> Value {
    json!({
        "pname": "hello", "version": "2.10",
        "src": "hello-2.10.tar.gz",
        "doCheck": true,
        "postInstall": "ln -s hello $out/bin/hi",
        "phaser": {"phases": {"install": {"bash": "make install"}}}
    })
}

#[test]
fn one_derivation_per_phase_that_runs() {
    let rendered = render_plan(hello());
    let phases: Vec<&str> = rendered.steps.iter().map(|s| s.phase.as_str()).collect();
    assert_eq!(
        phases,
        [
            "unpack",
            "patch",
            "configure",
            "build",
            "check",
            "install",
            "fixup"
        ]
    );
    // installCheck and dist are gated off: they ride along with fixup.
    let fixup = rendered.steps.last().unwrap();
    assert_eq!((fixup.from.as_str(), fixup.to.as_str()), ("fixup", "dist"));
    assert!(rendered.text.contains(
        "# Phases: unpack patch configure build check install fixup (not run: installCheck dist)"
    ));
    assert!(rendered
        .text
        .ends_with("in\nphases.fixup // { inherit phases; }\n"));
}

#[test]
fn common_attributes_name_the_builder_and_sources_as_store_copies() {
    let text = render_plan(hello()).text;
    assert!(text.contains("    name = \"hello-2.10\";\n"), "{text}");
    assert!(
        text.contains("    builder = \"${/opt/phaser}\";\n"),
        "{text}"
    );
    assert!(
        text.contains("    src = \"${/plans/hello-2.10.tar.gz}\";\n"),
        "{text}"
    );
    assert!(text.contains("    __structuredAttrs = true;\n"), "{text}");
}

#[test]
fn each_phase_sees_its_own_body_and_hooks_and_only_the_place_of_the_others() {
    let all = derivations(&render_plan(hello()).text);
    let install = &all["install"];
    assert!(
        install.contains("install = { bash = \"make install\"; };"),
        "{install}"
    );
    assert!(
        install.contains("postInstall = \"ln -s hello $out/bin/hi\";"),
        "{install}"
    );
    assert!(
        install.contains("outputs = [ \"out\" \"phaserTree\" ];"),
        "{install}"
    );
    assert!(
        install.contains("out = \"${phases.check.out}\";"),
        "{install}"
    );
    assert!(
        install.contains("phaserTree = \"${phases.check.phaserTree}\";"),
        "{install}"
    );
    let build = &all["build"];
    assert!(build.contains("install = { rhai = \"\"; };"), "{build}");
    assert!(build.contains("postInstall = \"\";"), "{build}");
    assert!(!build.contains("make install"), "{build}");
    // The last derivation has the plan's outputs only.
    assert!(all["fixup"].contains("outputs = [ \"out\" ];"));
    assert!(!all["unpack"].contains("previous"));
}

#[test]
fn editing_one_phase_changes_only_its_derivation() {
    let before = derivations(&render_plan(hello()).text);
    let mut edited = hello();
    edited["phaser"]["phases"]["install"]["bash"] = json!("make install && echo edited");
    let after = derivations(&render_plan(edited).text);
    let changed: Vec<&String> = before.keys().filter(|k| before[*k] != after[*k]).collect();
    assert_eq!(changed, ["install"]);
}

#[test]
fn new_phases_keep_their_place_and_files_become_store_copies() {
    let dir = tempfile::tempdir().unwrap();
    for file in ["build.lua", "pre.rhai"] {
        std::fs::write(dir.path().join(file), "").unwrap();
    }
    let d = dir.path().display().to_string();
    let plan = plan_in(
        dir.path(),
        json!({
            "pname": "demo", "version": "1",
            "phases": ["build", "install"],
            "phaser": {
                "phases": {
                    "build": {"file": "build.lua"},
                    "lint": {"exec": ["./lint.sh", "--strict"], "after": "build"},
                    "install": {"rhai": "#{}"}
                },
                "hooks": {"preBuild": {"file": "pre.rhai"}, "postLint": [{"rhai": "#{}"}]}
            }
        }),
    );
    let rendered = render(&plan, &SplitOptions::new("/opt/phaser")).unwrap();
    let all = derivations(&rendered.text);
    let build = &all["build"];
    assert!(
        build.contains(&format!("file = \"${{{d}/build.lua}}\";")),
        "{build}"
    );
    assert!(
        build.contains(&format!("preBuild = {{ file = \"${{{d}/pre.rhai}}\"; }};")),
        "{build}"
    );
    assert!(!build.contains("postLint"), "{build}");
    assert!(
        build.contains("lint = { rhai = \"\"; after = \"build\"; };"),
        "{build}"
    );
    let lint = &all["lint"];
    assert!(
        lint.contains(&format!("exec = [ \"${{{d}/lint.sh}}\" \"--strict\" ];")),
        "{lint}"
    );
    assert!(lint.contains("build = { rhai = \"\"; };"), "{lint}");
    assert!(lint.contains("postLint = [\n"), "{lint}");
}

#[test]
fn an_order_that_depends_on_key_order_is_reported() {
    // Two phases placed after `build`: listed order puts zeta first after
    // build then alpha before it; Nix's sorted names give the reverse.
    let rendered = render_plan(json!({
        "pname": "demo", "version": "1",
        "phaser": {"phases": {
            "zeta": {"rhai": "#{}", "after": "build"},
            "alpha": {"rhai": "#{}", "after": "build"}
        }}
    }));
    assert_eq!(rendered.warnings.len(), 1, "{:?}", rendered.warnings);
    assert!(rendered.warnings[0].contains("Nix sorts attribute names"));
    assert!(rendered
        .text
        .contains("# Warning: Nix sorts attribute names"));
}

#[test]
fn attributes_phaser_sets_itself_are_refused() {
    let err = render(
        &plan(json!({"pname": "x", "builder": "/bin/sh"})),
        &SplitOptions::new("/p"),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("`builder` is set by `phaser split` itself"),
        "{err}"
    );
    let err = render(
        &plan(json!({"pname": "x", "outputs": ["out", "phaserTree"]})),
        &SplitOptions::new("/p"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("phaserTree"), "{err}");
}

#[test]
fn gated_off_first_phases_ride_with_the_first_that_runs() {
    let rendered = render_plan(json!({"pname": "x", "dontUnpack": true, "dontPatch": true}));
    let first = &rendered.steps[0];
    assert_eq!(
        (first.phase.as_str(), first.from.as_str(), first.to.as_str()),
        ("configure", "unpack", "configure")
    );
}

#[test]
fn the_builder_takes_its_settings_out_of_the_plan() {
    let mut from_nix = plan(json!({
        "pname": "hello", "version": "2.10",
        "outputs": {"out": "/nix/store/a-hello-2.10", "phaserTree": "/nix/store/b-hello-2.10-phaserTree"},
        "phaserSplit": {
            "phase": "fixup", "from": "fixup", "to": "dist",
            "previous": {"out": "/nix/store/c-hello-2.10", "phaserTree": "/nix/store/d-hello-2.10-phaserTree"}
        }
    }));
    let split = SplitBuild::take(&mut from_nix)
        .unwrap()
        .expect("a split build");
    assert_eq!(
        (split.phase.as_str(), split.from.as_str(), split.to.as_str()),
        ("fixup", "fixup", "dist")
    );
    assert_eq!(
        split.tree.as_deref(),
        Some("/nix/store/b-hello-2.10-phaserTree")
    );
    assert_eq!(
        split.previous["phaserTree"],
        "/nix/store/d-hello-2.10-phaserTree"
    );
    // The phases see the package's own attributes and outputs only.
    assert!(!from_nix.attrs.contains_key(SPLIT_ATTR));
    assert_eq!(
        from_nix.attrs["outputs"],
        json!({"out": "/nix/store/a-hello-2.10"})
    );
    // An ordinary build has nothing to take.
    let mut whole = plan(json!({"pname": "x", "outputs": {"out": "/o"}}));
    assert!(SplitBuild::take(&mut whole).unwrap().is_none());
}

#[test]
fn a_malformed_split_attribute_says_to_regenerate() {
    let mut attrs = plan(json!({"pname": "x", "phaserSplit": {"phase": 3}}));
    let err = SplitBuild::take(&mut attrs).unwrap_err().to_string();
    assert!(
        err.contains("phaserSplit.phase") && err.contains("phaser split"),
        "{err}"
    );
}
