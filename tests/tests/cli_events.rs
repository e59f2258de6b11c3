//! `--log-format json` and `--events FILE`: every line is a JSON object
//! that fits `phaser schema --events`, the build's output lines carry
//! their phase, and the phase events match the closing table.

use std::collections::BTreeMap;

use phaser_tests::{describe, phaser, stderr, Sandbox};
use serde_json::{json, Value};

fn plan() -> Value {
    json!({
        "phases": ["greet", "count", "fails"],
        "phaser": {"phases": {
            "greet": {"bash": "echo hello out; echo hello err >&2"},
            "count": {"rhai": "print(\"one\"); print(\"two\"); #{}"},
            "fails": {"lua": "print('last words'); error('no')"}
        }}
    })
}

/// Every line of `text` parsed and checked against the events' schema.
fn events_of(text: &str) -> Vec<Value> {
    let output = phaser().args(["schema", "--events"]).output().unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    let schema: Value = serde_json::from_slice(&output.stdout).expect("the schema is JSON");
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.add_resource("phaser:events.json", schema).unwrap();
    let index = compiler
        .compile("phaser:events.json", &mut schemas)
        .expect("the schema compiles");
    // Not vacuous: a phase_end without its status is refused.
    let bad = json!({"event": "phase_end", "t": 0.1, "phase": "x"});
    assert!(schemas.validate(&bad, index).is_err());
    text.lines()
        .map(|line| {
            let event: Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"));
            if let Err(e) = schemas.validate(&event, index) {
                panic!("{line} does not fit the schema: {e:#}");
            }
            event
        })
        .collect()
}

fn of_kind<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["event"] == kind).collect()
}

#[test]
fn json_log_format_writes_only_events_on_stderr() {
    let sandbox = Sandbox::new();
    let output = sandbox.run(&plan(), &["--log-format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(output.stdout.is_empty(), "{}", describe(&output));
    let events = events_of(&stderr(&output));
    assert_eq!(events.first().unwrap()["event"], "run_start");
    let end = events.last().unwrap();
    assert_eq!(end["event"], "run_end");
    assert_eq!(end["status"], 1);
    assert!(end["error"]
        .as_str()
        .unwrap()
        .contains("phase `fails` (lua) failed"));
    let lines: Vec<(String, String, String)> = of_kind(&events, "output")
        .iter()
        .map(|e| {
            let text = |k: &str| e[k].as_str().unwrap_or("-").to_string();
            (text("phase"), text("stream"), text("line"))
        })
        .collect();
    for expected in [
        ("greet", "stdout", "hello out"),
        ("greet", "stderr", "hello err"),
        ("count", "stdout", "one"),
        ("count", "stdout", "two"),
        ("fails", "stdout", "last words"),
    ] {
        let expected = (expected.0.into(), expected.1.into(), expected.2.into());
        assert!(lines.contains(&expected), "{expected:?} not in {lines:#?}");
    }
    let starts: Vec<&str> = of_kind(&events, "phase_start")
        .iter()
        .map(|e| e["phase"].as_str().unwrap())
        .collect();
    assert_eq!(starts, ["greet", "count", "fails"]);
    let ends: Vec<(&str, &str, &Value)> = of_kind(&events, "phase_end")
        .iter()
        .map(|e| {
            (
                e["phase"].as_str().unwrap(),
                e["outcome"].as_str().unwrap(),
                &e["status"],
            )
        })
        .collect();
    assert_eq!(
        ends,
        [
            ("greet", "ran", &json!(0)),
            ("count", "ran", &json!(0)),
            ("fails", "failed", &json!(1))
        ]
    );
    // Each phase's end comes after its output.
    let position = |kind: &str, phase: &str| {
        events
            .iter()
            .rposition(|e| e["event"] == kind && e["phase"] == phase)
            .unwrap()
    };
    assert!(position("output", "count") < position("phase_end", "count"));
}

/// `4.56 s` / `12.3 ms` in the table, in seconds, and the rounding of its
/// last digit.
fn seconds(value: &str, unit: &str) -> (f64, f64) {
    let number: f64 = value.parse().unwrap();
    let decimals = value.split('.').nth(1).map_or(0, str::len) as i32;
    let scale = if unit == "s" { 1.0 } else { 0.001 };
    (number * scale, 10f64.powi(-decimals) * scale)
}

#[test]
fn events_file_matches_the_closing_table() {
    let sandbox = Sandbox::new();
    let file = sandbox.path("events.jsonl");
    let output = sandbox.run(&plan(), &["--events", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let events = events_of(&std::fs::read_to_string(&file).unwrap());
    let err = stderr(&output);
    let table: BTreeMap<String, Vec<String>> = err
        .lines()
        .skip_while(|line| !line.starts_with("phase "))
        .skip(1)
        .take_while(|line| !line.starts_with("boundaries"))
        .map(|line| {
            let words: Vec<String> = line.split_whitespace().map(str::to_string).collect();
            (words[0].clone(), words[1..].to_vec())
        })
        .collect();
    let ends = of_kind(&events, "phase_end");
    assert_eq!(table.len(), ends.len(), "{err}");
    for end in ends {
        let row = &table[end["phase"].as_str().unwrap()];
        assert_eq!(row[0], end["interpreter"].as_str().unwrap());
        let result = match end["outcome"].as_str().unwrap() {
            "ran" => "ok",
            "failed" => "FAILED",
            other => panic!("unexpected outcome {other}"),
        };
        assert_eq!(row[5], result);
        for (key, value, unit) in [("wall_s", &row[1], &row[2]), ("child_s", &row[3], &row[4])] {
            let (shown, rounding) = seconds(value, unit);
            let exact = end[key].as_f64().unwrap();
            assert!(
                (shown - exact).abs() <= rounding,
                "{key}: table {value} {unit}, event {exact}"
            );
        }
    }
    let run_end = events.last().unwrap();
    assert_eq!(run_end["status"], 1);
    assert_eq!(
        run_end["build_dir"],
        sandbox
            .build_dir()
            .canonicalize()
            .unwrap()
            .display()
            .to_string()
    );
}
