//! `phaser port` from the command line: the translated plan, the report,
//! what stays bash and why, `-o`, and `--check`'s verdict and exit status.

use phaser_tests::{describe, phaser, workspace_root, Sandbox};
use serde_json::{json, Value};

/// The demo package with bash snippets layered on.
fn demo(extra: Value) -> Value {
    let mut plan = json!({
        "pname": "demo",
        "version": "1.0",
        "src": workspace_root().join("tests/fixtures/demo-1.0"),
        "dontFixup": true,
    });
    for (k, v) in extra.as_object().unwrap() {
        plan[k] = v.clone();
    }
    plan
}

/// `phaser port PLAN ARGS...` in a sandbox holding `plan`.
fn port(sandbox: &Sandbox, plan: &Value, args: &[&str]) -> std::process::Output {
    let path = sandbox.write_plan(plan);
    phaser()
        .arg("port")
        .arg(&path)
        .args(args)
        .env("TMPDIR", sandbox.path(""))
        .output()
        .unwrap()
}

fn ported_plan(output: &std::process::Output) -> Value {
    assert!(output.status.success(), "{}", describe(output));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}\n{}", describe(output)))
}

#[test]
fn bash_phases_and_hooks_become_lua_bodies_with_the_original_as_comments() {
    let sandbox = Sandbox::new();
    let output = port(
        &sandbox,
        &demo(json!({
            "installPhase": "runHook preInstall\ninstall -Dm755 demo $out/bin/demo\nrunHook postInstall",
            "postInstall": "ln -s demo $out/bin/demo2\nmakeFlags+=(V=1)"
        })),
        &["--to", "lua"],
    );
    let plan = ported_plan(&output);
    assert!(plan.get("installPhase").is_none(), "{plan:#}");
    assert!(plan.get("postInstall").is_none(), "{plan:#}");
    let install = plan["phaser"]["phases"]["install"]["lua"].as_str().unwrap();
    assert!(
        install.contains("-- install -Dm755 demo $out/bin/demo\n"),
        "{install}"
    );
    assert!(
        install.contains("std.install{\"demo\", out .. \"/bin/demo\", mode = \"755\"}"),
        "{install}"
    );
    let hook = plan["phaser"]["hooks"]["postInstall"]["lua"]
        .as_str()
        .unwrap();
    assert!(
        hook.contains("return {attrs = {makeFlags = makeFlags}}"),
        "{hook}"
    );
    let report = String::from_utf8_lossy(&output.stderr);
    assert!(
        report.contains("installPhase: 3/3 statements translated"),
        "{report}"
    );
    assert!(
        report.contains("coverage: 5/5 statements translated without bash (100.0%)"),
        "{report}"
    );
}

#[test]
fn the_written_rhai_plan_builds_what_the_bash_plan_builds() {
    let sandbox = Sandbox::new();
    let plan = demo(json!({
        "postInstall": "for f in README; do\n  install -Dm644 \"$f\" \"$out/share/doc/$pname/$f\"\ndone\necho \"built $pname\" > $out/share/built.txt"
    }));
    let written = sandbox.path("rhai.json");
    let output = port(
        &sandbox,
        &plan,
        &["--to", "rhai", "-o", written.to_str().unwrap()],
    );
    assert!(output.status.success(), "{}", describe(&output));
    let ported: Value = serde_json::from_slice(&std::fs::read(&written).unwrap()).unwrap();
    assert!(
        ported["phaser"]["hooks"]["postInstall"]["rhai"].is_string(),
        "{ported:#}"
    );
    let run = sandbox.run(&ported, &[]);
    assert!(run.status.success(), "{}", describe(&run));
    let out = sandbox.path("out/out");
    assert_eq!(
        std::fs::read_to_string(out.join("share/built.txt")).unwrap(),
        "built demo\n"
    );
    assert!(out.join("share/doc/demo/README").is_file());
}

#[test]
fn a_statement_without_a_translation_runs_through_bash_and_the_report_says_why() {
    let sandbox = Sandbox::new();
    let output = port(
        &sandbox,
        &demo(json!({"postInstall": "mkdir -p $out/share\nls $out | sort > $out/share/listing"})),
        &["--to", "lua"],
    );
    let plan = ported_plan(&output);
    let hook = plan["phaser"]["hooks"]["postInstall"]["lua"]
        .as_str()
        .unwrap();
    assert!(hook.contains("-- kept in bash: a pipeline"), "{hook}");
    assert!(
        hook.contains("std.run{\"bash\", \"-e\", \"-o\", \"pipefail\""),
        "{hook}"
    );
    let report = String::from_utf8_lossy(&output.stderr);
    assert!(
        report.contains("postInstall: 1/2 statements translated (translated, partly bash)"),
        "{report}"
    );
    assert!(
        report.contains("line 2: kept in bash: a pipeline"),
        "{report}"
    );
}

#[test]
fn a_snippet_whose_statements_share_shell_state_stays_bash() {
    let sandbox = Sandbox::new();
    let snippet = "if ! grep -q demo Makefile; then\n  echo no demo\n  exit 1\nfi";
    let output = port(
        &sandbox,
        &demo(json!({"postPatch": snippet})),
        &["--to", "rhai"],
    );
    let plan = ported_plan(&output);
    assert_eq!(plan["postPatch"], snippet, "the bash stays where it was");
    let report = String::from_utf8_lossy(&output.stderr);
    assert!(
        report.contains("postPatch: 0/3 statements translated (kept in bash)"),
        "{report}"
    );
    assert!(report.contains("`exit` ends the snippet early"), "{report}");
}

#[test]
fn check_says_the_outputs_are_identical_and_exits_zero() {
    let sandbox = Sandbox::new();
    let output = port(
        &sandbox,
        &demo(
            json!({"postInstall": "mkdir -p $out/share/demo\ncp -r src $out/share/demo/\nchmod 600 $out/share/demo/src/*"}),
        ),
        &["--check", "--to", "lua"],
    );
    assert!(output.status.success(), "{}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("outputs identical (1 outputs, bash and lua)"),
        "{stdout}"
    );
}

#[test]
fn check_prints_the_first_difference_and_exits_one() {
    let sandbox = Sandbox::new();
    // Two builds of a clock are never the same: the check must notice.
    let output = port(
        &sandbox,
        &demo(json!({"postInstall": "date +%s%N > $out/stamp"})),
        &["--check", "--to", "rhai"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("outputs differ: out/stamp: contents differ at line 1"),
        "{stdout}"
    );
}

#[test]
fn a_wrong_plan_is_refused_before_anything_is_ported() {
    let sandbox = Sandbox::new();
    let output = port(
        &sandbox,
        &json!({"pname": "x", "phases": 3}),
        &["--to", "lua"],
    );
    assert_eq!(output.status.code(), Some(65), "{}", describe(&output));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("phases"));
}
