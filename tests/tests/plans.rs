//! `phaser plan` and `phaser schema`: the resolved order and the schema
//! every shipped example plan satisfies.

use phaser_tests::{describe, phaser, workspace_root, Sandbox};
use serde_json::{json, Value};

#[test]
fn example_plans_satisfy_the_schema() {
    let output = phaser().arg("schema").output().unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    let schema: Value = serde_json::from_slice(&output.stdout).expect("the schema is JSON");
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.add_resource("phaser:plan.json", schema).unwrap();
    let index = compiler
        .compile("phaser:plan.json", &mut schemas)
        .expect("the schema compiles");
    let mut checked = 0;
    for entry in std::fs::read_dir(workspace_root().join("runtime/examples")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let plan: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            if let Err(e) = schemas.validate(&plan, index) {
                panic!("{} does not satisfy the schema: {e:#}", path.display());
            }
            checked += 1;
        }
    }
    assert!(checked > 0, "no example plans found");
    // And the schema is not vacuous: a body with two languages fails it.
    let bad = json!({"phaser": {"phases": {"build": {"rhai": "#{}", "lua": "return {}"}}}});
    assert!(schemas.validate(&bad, index).is_err());
}

#[test]
fn plan_shows_order_interpreters_and_provenance() {
    let sandbox = Sandbox::new();
    let path = sandbox.write_plan(&json!({
        "pname": "demo",
        "buildPhase": "make",
        "preConfigure": "echo hi",
        "dontInstall": true,
        "phaser": {"phases": {
            "configure": {"lua": "return {}"},
            "lint": {"rhai": "#{}", "after": "build"},
            "dist": null
        }}
    }));
    let output = phaser()
        .arg("plan")
        .arg(&path)
        .arg("--json")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    let resolved: Value = serde_json::from_slice(&output.stdout).unwrap();
    let phases = resolved["phases"].as_array().unwrap();
    let names: Vec<&str> = phases.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "unpack",
            "patch",
            "configure",
            "build",
            "lint",
            "check",
            "install",
            "fixup",
            "installCheck"
        ]
    );
    let by_name = |n: &str| phases.iter().find(|p| p["name"] == n).unwrap().clone();
    assert_eq!(by_name("configure")["interpreter"], "lua");
    assert_eq!(by_name("configure")["source"], "phaser.phases.configure");
    assert_eq!(by_name("configure")["hooks"][0]["name"], "preConfigure");
    assert_eq!(by_name("build")["interpreter"], "bash");
    assert_eq!(by_name("build")["source"], "buildPhase");
    assert_eq!(by_name("lint")["placedBy"], "phaser.phases.lint");
    assert_eq!(by_name("install")["skipped"], "dontInstall is set");
    assert_eq!(by_name("check")["skipped"], "doCheck is not set");

    let table = phaser().arg("plan").arg(&path).output().unwrap();
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("SKIPPED: dontInstall is set"), "{text}");
}

#[test]
fn top_level_phases_accepts_stdenv_names() {
    let sandbox = Sandbox::new();
    let output = sandbox.run(
        &json!({
            "phases": ["unpackPhase", "myPhase"],
            "myPhase": "echo custom > custom.txt",
            "phaser": {"phases": {"unpack": {"rhai": "#{state: #{unpacked: true}}"}}}
        }),
        &[],
    );
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(sandbox.state()["completed"], json!(["unpack", "my"]));
    assert!(sandbox.build_dir().join("custom.txt").exists());
}

#[test]
fn only_from_and_to_run_parts_of_the_order() {
    let sandbox = Sandbox::new();
    let plan = json!({
        "phases": ["a", "b", "c"],
        "phaser": {"phases": {
            "a": {"rhai": "#{state: #{a: 1}}"},
            "b": {"rhai": "#{state: #{b: input.state.a + 1}}"},
            "c": {"rhai": "#{state: #{c: input.state.b + 1}}"}
        }}
    });
    let output = sandbox.run(&plan, &["--to", "b"]);
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(sandbox.state()["completed"], json!(["a", "b"]));
    let output = sandbox.run(&plan, &["--only", "c"]);
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(sandbox.state()["state"]["c"], 3);
    let fresh = Sandbox::new();
    let output = fresh.run(&plan, &["--from", "b"]);
    assert_eq!(output.status.code(), Some(66), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stderr)
        .contains("has no state after `a`: run the phases before `b` first"));
}

#[test]
fn a_fresh_run_in_an_earlier_build_directory_starts_over() {
    let sandbox = Sandbox::new();
    let plan = json!({
        "phases": ["a"],
        "phaser": {"phases": {"a": {"rhai": r#"
            if exists("made") { throw "the earlier build's tree is still here"; }
            mkdir("made");
            mkdir(input.outputs.out);
            write(input.outputs.out + "/stamp", "x");
            #{}
        "#}}}
    });
    let first = sandbox.run(&plan, &[]);
    assert!(first.status.success(), "{}", describe(&first));
    let second = sandbox.run(&plan, &[]);
    assert!(second.status.success(), "{}", describe(&second));
    assert!(String::from_utf8_lossy(&second.stderr).contains("starting over in"));
    assert!(sandbox.path("out/out/stamp").exists());
}
