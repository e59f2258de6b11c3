//! Every row of the exit-status table `phaser --help` and the README
//! print, produced by the situation it names. (75, another run holding the
//! build directory, is in concurrency.rs; 130 and 143 in signals.rs.)

use phaser_tests::{describe, phaser, plan_of, stderr, workspace_root, Sandbox};
use serde_json::json;

/// The `Exit status:` block of `phaser --help`.
fn help_table() -> Vec<String> {
    let output = phaser().arg("--help").output().unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    let help = String::from_utf8_lossy(&output.stdout).into_owned();
    let start = help.find("Exit status:").expect("--help has the table");
    help[start..]
        .lines()
        .take_while(|line| !line.trim().is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn the_readme_lists_the_same_codes_as_help() {
    let table = help_table();
    for code in ["0", "1-255", "64", "65", "66", "70", "75", "128+N"] {
        assert!(
            table.iter().any(|line| line.trim_start().starts_with(code)),
            "{code} missing from --help: {table:#?}"
        );
    }
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    for line in &table {
        assert!(readme.contains(line.as_str()), "README lacks {line:?}");
    }
}

#[test]
fn a_failing_phase_exits_with_its_commands_status() {
    let sandbox = Sandbox::new();
    let output = sandbox.run(
        &plan_of(&[
            ("ok", json!({"rhai": "#{}"})),
            ("fails", json!({"bash": "exit 7"})),
        ]),
        &[],
    );
    assert_eq!(output.status.code(), Some(7), "{}", describe(&output));
}

#[test]
fn a_phase_failing_without_a_command_exits_one() {
    for body in [
        json!({"rhai": "throw \"no\""}),
        json!({"lua": "error('no')"}),
    ] {
        let sandbox = Sandbox::new();
        let output = sandbox.run(&plan_of(&[("fails", body.clone())]), &[]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{body}: {}",
            describe(&output)
        );
    }
}

#[test]
fn a_success_exits_zero() {
    let sandbox = Sandbox::new();
    let output = sandbox.run(&plan_of(&[("ok", json!({"rhai": "#{}"}))]), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", describe(&output));
}

#[test]
fn a_usage_error_exits_64() {
    let output = phaser().args(["run", "--no-such-flag"]).output().unwrap();
    assert_eq!(output.status.code(), Some(64), "{}", describe(&output));
    assert!(stderr(&output).contains("--no-such-flag"));
    let sandbox = Sandbox::new();
    let output = sandbox.run(
        &plan_of(&[("ok", json!({"rhai": "#{}"}))]),
        &["--from", "biuld"],
    );
    assert_eq!(output.status.code(), Some(64), "{}", describe(&output));
    assert!(stderr(&output).contains("biuld"), "{}", stderr(&output));
}

#[test]
fn an_invalid_plan_exits_65() {
    let sandbox = Sandbox::new();
    let output = sandbox.run(&json!({"phases": 3}), &[]);
    assert_eq!(output.status.code(), Some(65), "{}", describe(&output));
}

#[test]
fn a_missing_plan_or_source_exits_66() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .run_command(&sandbox.path("no-such-plan.json"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(66), "{}", describe(&output));
    assert!(stderr(&output).contains("no-such-plan.json: cannot read the plan"));
    let output = sandbox.run(
        &json!({"pname": "p", "version": "1", "src": "p-1.tar.gz"}),
        &[],
    );
    assert_eq!(output.status.code(), Some(66), "{}", describe(&output));
    assert!(
        stderr(&output).contains("plan.json: src: "),
        "{}",
        stderr(&output)
    );
    let check = phaser()
        .arg("check")
        .arg(sandbox.path("plan.json"))
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(66), "{}", describe(&check));
    // A missing source next to a wrong type is an invalid plan.
    let output = sandbox.run(
        &json!({"pname": "p", "src": "p-1.tar.gz", "doCheck": []}),
        &[],
    );
    assert_eq!(output.status.code(), Some(65), "{}", describe(&output));
}

#[test]
fn phasers_own_failure_exits_70() {
    let sandbox = Sandbox::new();
    std::fs::write(sandbox.path("file"), "").unwrap();
    let plan = sandbox.write_plan(&plan_of(&[("ok", json!({"rhai": "#{}"}))]));
    let output = phaser()
        .arg("run")
        .arg(&plan)
        .arg("--build-dir")
        .arg(sandbox.build_dir())
        .arg("--out-dir")
        .arg(sandbox.path("file/result"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(70), "{}", describe(&output));
    assert!(
        stderr(&output).contains("file/result"),
        "{}",
        stderr(&output)
    );
}
