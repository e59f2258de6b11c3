//! The conformance suite: every scenario is written once and run against
//! each interpreter (rhai, lua, bash, exec).

use phaser_tests::{describe, stderr, Sandbox};
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug)]
enum Lang {
    Rhai,
    Lua,
    Bash,
    Exec,
}

const PROBE: &str = env!("CARGO_BIN_EXE_phaser-exec-probe");

/// One body per language; `exec` is the exec probe's argv after its path.
struct Bodies<'a> {
    rhai: &'a str,
    lua: &'a str,
    bash: &'a str,
    exec: &'a [&'a str],
}

impl Bodies<'_> {
    fn for_lang(&self, lang: Lang) -> Value {
        match lang {
            Lang::Rhai => json!({"rhai": self.rhai}),
            Lang::Lua => json!({"lua": self.lua}),
            Lang::Bash => json!({"bash": self.bash}),
            Lang::Exec => {
                let mut argv = vec![PROBE.to_string()];
                argv.extend(self.exec.iter().map(|s| s.to_string()));
                json!({"exec": argv})
            }
        }
    }
}

/// A plan whose phases are `bodies`, in order, named p1, p2, ...
fn plan(lang: Lang, bodies: &[Bodies<'_>]) -> Value {
    let names: Vec<String> = (1..=bodies.len()).map(|i| format!("p{i}")).collect();
    let phases: serde_json::Map<String, Value> = names
        .iter()
        .cloned()
        .zip(bodies.iter().map(|b| b.for_lang(lang)))
        .collect();
    json!({"pname": "conformance", "phases": names, "phaser": {"phases": phases}})
}

macro_rules! conformance {
    ($name:ident, $scenario:expr) => {
        mod $name {
            use super::*;
            #[test]
            fn rhai() {
                ($scenario)(Lang::Rhai)
            }
            #[test]
            fn lua() {
                ($scenario)(Lang::Lua)
            }
            #[test]
            fn bash() {
                ($scenario)(Lang::Bash)
            }
            #[test]
            fn exec() {
                ($scenario)(Lang::Exec)
            }
        }
    };
}

conformance!(state_set_in_one_phase_is_seen_in_the_next, |lang| {
    let sandbox = Sandbox::new();
    let set = Bodies {
        rhai: r#"#{state: #{greeting: "hi", list: [1, 2]}}"#,
        lua: r#"return {state = {greeting = "hi", list = {1, 2}}}"#,
        bash: r#"echo '{"state": {"greeting": "hi", "list": [1, 2]}}' > "$PHASER_OUTPUT""#,
        exec: &["answer", r#"{"state": {"greeting": "hi", "list": [1, 2]}}"#],
    };
    let check = Bodies {
        rhai: r#"if input.state.greeting != "hi" || input.state.list[1] != 2 { throw "state not handed on" } #{state: #{seen: true}}"#,
        lua: r#"assert(input.state.greeting == "hi" and input.state.list[2] == 2, "state not handed on"); return {state = {seen = true}}"#,
        bash: r#"grep -q '"greeting":"hi","list":\[1,2\]' "$PHASER_INPUT"; echo '{"state": {"seen": true}}' > "$PHASER_OUTPUT""#,
        exec: &["expect", "/state/greeting", r#""hi""#],
    };
    let output = sandbox.run(&plan(lang, &[set, check]), &[]);
    assert!(output.status.success(), "{}", describe(&output));
    let state = sandbox.state();
    assert_eq!(state["state"]["greeting"], "hi");
    assert_eq!(state["state"]["list"], json!([1, 2]));
    assert_eq!(state["completed"], json!(["p1", "p2"]));
    if !matches!(lang, Lang::Exec) {
        assert_eq!(state["state"]["seen"], true);
    }
});

conformance!(null_deletes_a_key, |lang| {
    let sandbox = Sandbox::new();
    let set = Bodies {
        rhai: "#{state: #{keep: 1, drop: 2}}",
        lua: "return {state = {keep = 1, drop = 2}}",
        bash: r#"echo '{"state": {"keep": 1, "drop": 2}}' > "$PHASER_OUTPUT""#,
        exec: &["answer", r#"{"state": {"keep": 1, "drop": 2}}"#],
    };
    let delete = Bodies {
        rhai: "#{state: #{drop: ()}}",
        lua: "return {state = {drop = null}}",
        bash: r#"echo '{"state": {"drop": null}}' > "$PHASER_OUTPUT""#,
        exec: &["answer", r#"{"state": {"drop": null}}"#],
    };
    let output = sandbox.run(&plan(lang, &[set, delete]), &[]);
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(sandbox.state()["state"], json!({"keep": 1}));
});

conformance!(
    env_set_by_a_phase_reaches_a_subprocess_of_the_next,
    |lang| {
        let sandbox = Sandbox::new();
        let set = Bodies {
            rhai: r#"#{env: #{PHASER_TEST_VAR: "from-p1"}}"#,
            lua: r#"return {env = {PHASER_TEST_VAR = "from-p1"}}"#,
            bash: "export PHASER_TEST_VAR=from-p1",
            exec: &["answer", r#"{"env": {"PHASER_TEST_VAR": "from-p1"}}"#],
        };
        let use_it = Bodies {
            rhai: r#"run(["sh", "-c", "echo \"$PHASER_TEST_VAR\" > seen.txt"]); #{}"#,
            lua: r#"std.run{"sh", "-c", "echo \"$PHASER_TEST_VAR\" > seen.txt"}"#,
            bash: r#"sh -c 'echo "$PHASER_TEST_VAR" > seen.txt'"#,
            exec: &["sh", r#"echo "$PHASER_TEST_VAR" > seen.txt"#],
        };
        let output = sandbox.run(&plan(lang, &[set, use_it]), &[]);
        assert!(output.status.success(), "{}", describe(&output));
        let seen = std::fs::read_to_string(sandbox.build_dir().join("seen.txt"))
            .expect("seen.txt written");
        assert_eq!(seen.trim(), "from-p1");
    }
);

conformance!(a_failing_script_names_the_phase_and_the_line, |lang| {
    let sandbox = Sandbox::new();
    let ok = Bodies {
        rhai: "#{}",
        lua: "return {}",
        bash: ":",
        exec: &["answer", "{}"],
    };
    let failing = Bodies {
        rhai: "let x = 1;\nthrow \"boom\";",
        lua: "local x = 1\nerror('boom')",
        bash: "true\necho 'about to fail' >&2\nfalse\necho unreachable",
        exec: &["fail"],
    };
    let output = sandbox.run(&plan(lang, &[ok, failing]), &[]);
    // phaser exits as stdenv's builder does: with the failing program's
    // status (the probe exits 3), else 1.
    let status = if matches!(lang, Lang::Exec) { 3 } else { 1 };
    assert_eq!(output.status.code(), Some(status), "{}", describe(&output));
    let err = stderr(&output);
    match lang {
        Lang::Rhai => assert!(
            err.contains("phase `p2` (rhai) failed at plan.json#phaser.phases.p2.rhai:2:")
                && err.contains("boom"),
            "{err}"
        ),
        Lang::Lua => assert!(
            err.contains("phase `p2` (lua) failed at plan.json#phaser.phases.p2.lua:2: boom"),
            "{err}"
        ),
        Lang::Bash => {
            assert!(err.contains("phase `p2` (bash) failed at plan.json#phaser.phases.p2.bash:3: `false` exited with status 1"), "{err}");
            assert!(
                err.contains("| about to fail"),
                "stderr tail missing: {err}"
            );
        }
        Lang::Exec => {
            assert!(
                err.contains("phase `p2` (exec) failed") && err.contains("exited with status 3"),
                "{err}"
            );
            assert!(
                err.contains("| probe: something went wrong"),
                "stderr tail missing: {err}"
            );
        }
    }
    // The last good state stays for a resume.
    assert_eq!(sandbox.state()["completed"], json!(["p1"]));
});

conformance!(hooks_run_around_a_replaced_body, |lang| {
    let sandbox = Sandbox::new();
    let body = Bodies {
        rhai: r#"#{state: #{order: input.state.order + "body,"}}"#,
        lua: r#"return {state = {order = input.state.order .. "body,"}}"#,
        bash: r#"echo "{\"state\": {\"order\": \"pre,body,\"}}" > "$PHASER_OUTPUT""#,
        exec: &["answer", r#"{"state": {"order": "pre,body,"}}"#],
    };
    let mut plan = plan(lang, &[body]);
    plan["phaser"]["hooks"] = json!({
        "preP1": {"rhai": r#"#{state: #{order: "pre,"}}"#},
        "postP1": {"lua": r#"return {state = {order = input.state.order .. "post"}}"#}
    });
    let output = sandbox.run(&plan, &[]);
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(sandbox.state()["state"]["order"], "pre,body,post");
});

/// bash and exec answer through bytes, so they can answer garbage.
#[test]
fn an_invalid_json_answer_is_reported_with_its_first_bytes() {
    for (lang, body) in [
        (
            "bash",
            json!({"bash": "echo 'this is not json' > \"$PHASER_OUTPUT\""}),
        ),
        ("exec", json!({"exec": [PROBE, "raw", "this is not json"]})),
    ] {
        let sandbox = Sandbox::new();
        let plan = json!({"phases": ["p1"], "phaser": {"phases": {"p1": body}}});
        let output = sandbox.run(&plan, &[]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{lang}: {}",
            describe(&output)
        );
        let err = stderr(&output);
        assert!(
            err.contains(&format!("phase `p1` ({lang}) failed")),
            "{lang}: {err}"
        );
        assert!(err.contains("not valid JSON"), "{lang}: {err}");
        assert!(err.contains("\"this is not json"), "{lang}: {err}");
    }
}

/// Lua runs in the runner's process, so isolation is its backend's job:
/// what one phase does to globals and to the standard library tables is
/// not seen by the next.
#[test]
fn lua_phases_share_no_globals_or_library_changes() {
    let sandbox = Sandbox::new();
    let plan = json!({"phases": ["p1", "p2"], "phaser": {"phases": {
        "p1": {"lua": "_G.leak = 'x'; alsoLeaked = 1; string.upper = function() return 'hacked' end; getmetatable('').__index = {upper = function() return 'hacked' end}; std.write = nil; return {}"},
        "p2": {"lua": "return {state = {leak = tostring(_G.leak), global = tostring(alsoLeaked), method = ('a'):upper(), field = string.upper('a'), std = type(std.write)}}"}
    }}});
    let output = sandbox.run(&plan, &[]);
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(
        sandbox.state()["state"],
        json!({"leak": "nil", "global": "nil", "method": "A", "field": "A", "std": "function"})
    );
}

#[test]
fn os_exit_in_a_lua_phase_fails_the_phase_instead_of_ending_phaser() {
    let sandbox = Sandbox::new();
    let plan = json!({"phases": ["p1", "p2"], "phaser": {"phases": {
        "p1": {"lua": "os.exit(0)"},
        "p2": {"rhai": "#{state: #{ran: true}}"}
    }}});
    let output = sandbox.run(&plan, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let err = stderr(&output);
    assert!(err.contains("phase `p1` (lua) failed"), "{err}");
    assert!(err.contains("os.exit is not available in a phase"), "{err}");
    assert_eq!(sandbox.state()["completed"], json!([]));
}

/// A plan can bound how much work a Rhai script does: a runaway loop then
/// fails its phase instead of running forever.
#[test]
fn rhai_operations_are_bounded_by_the_plan() {
    let sandbox = Sandbox::new();
    let plan = json!({"phases": ["p1"], "phaser": {
        "rhaiMaxOperations": 100000,
        "phases": {"p1": {"rhai": "let n = 0;\nloop { n += 1; }"}}
    }});
    let output = sandbox.run(&plan, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let err = stderr(&output);
    assert!(
        err.contains("more operations than the plan's `phaser.rhaiMaxOperations` allows"),
        "{err}"
    );
    let bad = sandbox.run(&json!({"phaser": {"rhaiMaxOperations": "lots"}}), &[]);
    assert_eq!(bad.status.code(), Some(65), "{}", describe(&bad));
    assert!(
        stderr(&bad).contains("phaser.rhaiMaxOperations: must be a positive whole number"),
        "{}",
        stderr(&bad)
    );
}
