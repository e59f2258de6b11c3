//! `run` through the registry.

mod core_support;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use core_support::{call, call_positional, fail, setup};
use serde_json::json;

#[test]
fn captures_output_and_returns_the_status() {
    let (_dir, cx) = setup();
    let out = call(
        &cx,
        "run",
        json!({"argv": ["sh", "-c", "printf out; printf 'err\\377' >&2"], "capture": true}),
    );
    assert_eq!(
        out,
        json!({"status": 0, "stdout": "out", "stderr": "err\u{fffd}"})
    );
    assert_eq!(
        call_positional(&cx, "run", vec![json!("true")]),
        json!({"status": 0})
    );
}

#[test]
fn the_child_gets_exactly_the_phase_environment_with_changes() {
    let (_dir, cx) = setup();
    let mut env: BTreeMap<String, String> = cx.env().clone();
    env.insert("KEEP".into(), "1".into());
    env.insert("DROP".into(), "2".into());
    let cx = cx.with_env(env);
    let out = call(
        &cx,
        "run",
        json!({"argv": ["env"], "env": {"DROP": null, "ADD": "3"}, "capture": true}),
    );
    let mut names: Vec<&str> = out["stdout"]
        .as_str()
        .unwrap()
        .lines()
        .map(|line| line.split('=').next().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["ADD", "KEEP", "PATH"],
        "the runner's own environment must not leak"
    );
}

#[test]
fn cwd_stdin_and_programs_found_on_the_phase_path() {
    let (dir, cx) = setup();
    fs::create_dir_all(dir.path().join("tools")).unwrap();
    fs::create_dir_all(dir.path().join("sub")).unwrap();
    let script = dir.path().join("tools/greet");
    fs::write(
        &script,
        "#!/bin/sh\nread name; echo \"hello $name from $(pwd)\"\n",
    )
    .unwrap();
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    let mut env = cx.env().clone();
    let path = format!("{}:{}", dir.path().join("tools").display(), env["PATH"]);
    env.insert("PATH".into(), path);
    let cx = cx.with_env(env);

    let out = call(
        &cx,
        "run",
        json!({"argv": ["greet"], "cwd": "sub", "stdin": "you\n", "capture": true}),
    );
    let real_sub = dir.path().join("sub").canonicalize().unwrap();
    assert_eq!(
        out["stdout"],
        json!(format!("hello you from {}\n", real_sub.display()))
    );
    let out = call(
        &cx,
        "run",
        json!({"argv": ["../tools/greet"], "cwd": "sub", "capture": true}),
    );
    assert_eq!(out["status"], json!(0));
}

#[test]
fn a_missing_program_names_it_and_the_path_searched() {
    let (_dir, cx) = setup();
    let err = fail(&cx, "run", json!({"argv": ["no-such-program-here", "x"]}));
    assert!(
        err.contains("`no-such-program-here` not found on PATH"),
        "{err}"
    );
    assert!(err.contains(cx.var("PATH").unwrap()), "{err}");
    let err = fail(&cx, "run", json!({"argv": ["./nope"]}));
    assert!(
        err.contains("nope") && err.contains("does not exist"),
        "{err}"
    );
    let err = fail(&cx, "run", json!({"argv": []}));
    assert!(err.contains("argv is empty"), "{err}");
    let err = fail(&cx, "run", json!({"argv": ["true"], "cwd": "nowhere"}));
    assert!(
        err.contains("working directory") && err.contains("nowhere"),
        "{err}"
    );
}

const NOISY_FAILURE: &str = "for i in $(seq 1 30); do echo line$i >&2; done; exit 3";

#[test]
fn a_failure_shows_the_command_status_and_stderr_tail() {
    let (_dir, cx) = setup();
    for capture in [true, false] {
        let err = fail(
            &cx,
            "run",
            json!({"argv": ["sh", "-c", NOISY_FAILURE], "capture": capture}),
        );
        assert!(
            err.starts_with(&format!(
                "command `sh -c '{NOISY_FAILURE}'` exited with status 3"
            )),
            "{err}"
        );
        assert!(err.contains("line30"), "{err}");
        assert!(err.contains("line11\n"), "{err}");
        assert!(!err.contains("line10\n"), "only the last 20 lines: {err}");
    }
    let out = call(
        &cx,
        "run",
        json!({"argv": ["sh", "-c", "exit 3"], "check": false}),
    );
    assert_eq!(out, json!({"status": 3}));
}

#[test]
fn a_signal_is_reported_by_name() {
    let (_dir, cx) = setup();
    let err = fail(&cx, "run", json!({"argv": ["sh", "-c", "kill -9 $$"]}));
    assert!(err.contains("was killed by signal 9 (SIGKILL)"), "{err}");
    let out = call(
        &cx,
        "run",
        json!({"argv": ["sh", "-c", "kill -9 $$"], "check": false}),
    );
    assert_eq!(out, json!({"status": 137, "signal": 9}));
}

#[test]
fn a_timeout_kills_the_whole_group() {
    let (_dir, cx) = setup();
    let started = Instant::now();
    let err = fail(
        &cx,
        "run",
        json!({"argv": ["sh", "-c", "echo waiting >&2; sleep 20; echo done"], "timeout": 0.3}),
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert!(err.contains("timed out after 0.3s"), "{err}");
    assert!(err.contains("waiting"), "{err}");
    let out = call(
        &cx,
        "run",
        json!({"argv": ["sleep", "20"], "timeout": 0.2, "check": false, "capture": true}),
    );
    assert_eq!(out["timedOut"], json!(true));
    let err = fail(&cx, "run", json!({"argv": ["true"], "timeout": -1}));
    assert!(err.contains("positive number"), "{err}");
}

#[test]
fn background_processes_left_behind_do_not_hang_the_call() {
    let (_dir, cx) = setup();
    let started = Instant::now();
    let out = call(
        &cx,
        "run",
        json!({"argv": ["sh", "-c", "sleep 30 & echo started"], "capture": true}),
    );
    assert_eq!(out["stdout"], json!("started\n"));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}
