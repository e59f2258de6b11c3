//! Bad plans fail before any phase runs, naming the key or line:column.

use phaser_tests::{describe, phaser, stderr, Sandbox};
use serde_json::{json, Value};

/// A first phase that would leave a marker if anything ran.
fn with_marker(mut phases: Value) -> Value {
    phases["first"] = json!({"bash": "touch ran-anything"});
    phases
}

/// `phaser run` refuses `plan` before anything runs, printing every part
/// of `expected`; `phaser check` reports the same problems.
fn refused(plan: Value, expected: &[&str]) {
    let sandbox = Sandbox::new();
    let output = sandbox.run(&plan, &[]);
    assert_eq!(output.status.code(), Some(65), "{}", describe(&output));
    let err = stderr(&output);
    for part in expected {
        assert!(err.contains(part), "expected {part:?} in: {err}");
    }
    checked_the_same(&sandbox, &err, expected);
    assert!(
        !sandbox.build_dir().join("ran-anything").exists(),
        "a phase ran"
    );
    assert!(
        !sandbox.build_dir().join(".phaser/state.json").exists(),
        "state was written"
    );
}

/// `phaser check plan.json` exits 65 with the problems `run` printed
/// (`run_err`), each part of `expected` among them, in text and in JSON.
fn checked_the_same(sandbox: &Sandbox, run_err: &str, expected: &[&str]) {
    let path = sandbox.path("plan.json");
    let output = phaser().arg("check").arg(&path).output().unwrap();
    assert_eq!(output.status.code(), Some(65), "{}", describe(&output));
    assert_eq!(stderr(&output), run_err, "check and run disagree");
    let output = phaser()
        .arg("check")
        .arg(&path)
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(65), "{}", describe(&output));
    let report: Value = serde_json::from_slice(&output.stdout).expect("--json prints JSON");
    assert_eq!(report["ok"], false);
    let lines: Vec<String> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| match p["at"].as_str().unwrap() {
            "" => format!(
                "{}: {}",
                p["file"].as_str().unwrap(),
                p["message"].as_str().unwrap()
            ),
            at => format!(
                "{}: {at}: {}",
                p["file"].as_str().unwrap(),
                p["message"].as_str().unwrap()
            ),
        })
        .collect();
    assert_eq!(lines.len(), run_err.lines().count(), "{lines:#?}");
    for part in expected {
        assert!(
            lines.iter().any(|line| line.contains(part)),
            "expected {part:?} in: {lines:#?}"
        );
    }
}

#[test]
fn a_clean_plan_checks_clean_without_running() {
    let sandbox = Sandbox::new();
    let path = sandbox
        .write_plan(&json!({"phases": ["first"], "phaser": {"phases": with_marker(json!({}))}}));
    let output = phaser().arg("check").arg(&path).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("plan.json: no problems (1 phase)"),
        "{}",
        describe(&output)
    );
    assert!(!sandbox.path("ran-anything").exists());
    assert!(!sandbox.build_dir().exists());
}

#[test]
fn a_cycle_is_refused() {
    refused(
        json!({"phases": ["first"], "phaser": {"phases": with_marker(json!({
            "lint": {"rhai": "#{}", "after": "fmt"},
            "fmt": {"rhai": "#{}", "after": "lint"}
        }))}}),
        &["plan.json: phaser.phases.lint.after: cycle: lint -> fmt -> lint"],
    );
}

#[test]
fn an_unknown_after_is_refused() {
    refused(
        json!({"phases": ["first"], "phaser": {"phases": with_marker(json!({
            "lint": {"rhai": "#{}", "after": "biuld"}
        }))}}),
        &["plan.json: phaser.phases.lint.after: no phase named `biuld`"],
    );
}

#[test]
fn an_unknown_body_key_is_refused() {
    refused(
        json!({"phases": ["first"], "phaser": {"phases": with_marker(json!({
            "lint": {"rhia": "#{}", "after": "first"}
        }))}}),
        &["plan.json: phaser.phases.lint.rhia: unknown key"],
    );
}

#[test]
fn two_languages_in_one_body_are_refused() {
    refused(
        json!({"phases": ["first"], "phaser": {"phases": {"first": {"rhai": "#{}", "lua": "return {}"}}}}),
        &["phaser.phases.first", "rhai and lua"],
    );
}

#[test]
fn a_wrong_attribute_type_is_refused() {
    refused(
        json!({"phases": ["first"], "doCheck": [], "configureFlags": 3, "phaser": {"phases": with_marker(json!({}))}}),
        &["plan.json: "],
    );
}

#[test]
fn invalid_json_names_line_and_column() {
    let sandbox = Sandbox::new();
    let path = sandbox.path("plan.json");
    std::fs::write(
        &path,
        "{\n  \"pname\": \"x\",\n  \"phases\": [\"a\" \"b\"]\n}\n",
    )
    .unwrap();
    let output = sandbox.run_command(&path).output().unwrap();
    assert_eq!(output.status.code(), Some(65), "{}", describe(&output));
    assert!(
        stderr(&output).contains("plan.json: 3:18: invalid JSON"),
        "{}",
        stderr(&output)
    );
    checked_the_same(
        &sandbox,
        &stderr(&output),
        &["plan.json: 3:18: invalid JSON"],
    );
}

#[test]
fn a_hook_for_no_phase_is_refused() {
    refused(
        json!({"phases": ["first"], "phaser": {"phases": with_marker(json!({})), "hooks": {"preBiuld": {"rhai": "#{}"}}}}),
        &["phaser.hooks.preBiuld: no phase `biuld`"],
    );
}

#[test]
fn a_phase_placed_relative_to_itself_is_refused() {
    refused(
        json!({"phaser": {"phases": {
            "unpack": {"bash": "touch ran-anything"},
            "build": {"rhai": "#{}", "after": "build"}
        }}}),
        &["plan.json: phaser.phases.build.after: `build` cannot be placed after itself"],
    );
}

#[test]
fn output_names_that_are_not_identifiers_are_refused_and_nothing_outside_is_touched() {
    let sandbox = Sandbox::new();
    let victim = sandbox.path("victim");
    std::fs::create_dir(&victim).unwrap();
    std::fs::write(victim.join("keep"), "precious").unwrap();
    let plan = json!({
        "outputs": ["out", "../victim"],
        "phases": ["first"],
        "phaser": {"phases": {"first": {"bash": "touch ran-anything"}}}
    });
    // Twice: the second run of a plan starts over and removes the outputs
    // of the first.
    for _ in 0..2 {
        let output = sandbox.run(&plan, &[]);
        assert_eq!(output.status.code(), Some(65), "{}", describe(&output));
        let err = stderr(&output);
        assert!(
            err.contains("plan.json: outputs[1]: `../victim` is not an output name"),
            "{err}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(victim.join("keep")).unwrap(),
        "precious"
    );
    assert!(!sandbox.build_dir().join("ran-anything").exists());
}

/// A syntax error in a late phase, a wrong attribute and a missing source
/// are all reported before the first phase runs, each with its JSON path.
#[test]
fn every_problem_is_reported_at_once_before_anything_runs() {
    let bodies = json!({
        "first": {"bash": "touch ran-anything"},
        "second": {"rhai": "let x = ;"},
        "third": {"lua": "return {"},
        "fourth": {"bash": "if true; then\n  echo\n"}
    });
    let hooks = json!({"preSecond": {"bash": "for x in; do"}});
    let structural = json!({
        "phases": ["first", "second", "third", "fourth"],
        "configureFlags": 3,
        "configureStyle": "scons",
        "outputs": ["out", "my-dev"],
        "src": "missing-1.0.tar.gz",
        "phaser": {"phases": bodies.clone(), "hooks": hooks.clone()}
    });
    let syntax_only = json!({
        "phases": ["first", "second", "third", "fourth"],
        "phaser": {"phases": bodies, "hooks": hooks}
    });
    let body_problems = [
        "plan.json: phaser.phases.second.rhai: line 1:9: syntax error",
        "plan.json: phaser.phases.third.lua: line 1: ",
        "plan.json: phaser.phases.fourth.bash: line 3: syntax error: unexpected end of file",
        "plan.json: phaser.hooks.preSecond.bash: line 2: syntax error",
    ];
    refused(syntax_only, &body_problems);
    let mut all = vec![
        "plan.json: configureFlags: must be a list of strings",
        "plan.json: configureStyle: `scons` is not a configure style: use autotools, cmake, meson",
        "plan.json: outputs[1]: `my-dev` is not an output name",
        "missing-1.0.tar.gz does not exist",
    ];
    all.extend(body_problems);
    refused(structural, &all);
}
