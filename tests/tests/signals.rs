//! Killing the runner: the state file is never half-written, and SIGTERM
//! takes the running phase's whole process group with it.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use phaser_tests::{alive, Sandbox};
use serde_json::json;

fn wait_for(path: &Path, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !path.exists() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn kill_9_during_phase_3_leaves_the_state_after_phase_2() {
    let sandbox = Sandbox::new();
    let plan = sandbox.write_plan(&json!({
        "phases": ["one", "two", "three"],
        "phaser": {"phases": {
            "one": {"rhai": "#{state: #{one: \"done\"}}"},
            "two": {"lua": "return {state = {two = string.rep('x', 4096)}}"},
            "three": {"bash": "echo $$ > three.pid\ntouch three-started\nsleep 30"}
        }}
    }));
    let mut child = sandbox
        .run_command(&plan)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for(&sandbox.build_dir().join("three-started"), "phase three");
    let state_path = sandbox.build_dir().join(".phaser/state.json");
    let before = std::fs::read(&state_path).unwrap();
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    child.wait().unwrap();
    let after = std::fs::read(&state_path).unwrap();
    assert_eq!(
        before, after,
        "the state file changed when the runner was killed"
    );
    let state: serde_json::Value = serde_json::from_slice(&after).expect("valid JSON");
    assert_eq!(state["completed"], json!(["one", "two"]));
    assert_eq!(state["state"]["one"], "done");
    assert_eq!(state["state"]["two"].as_str().map(str::len), Some(4096));
    // kill -9 gives the runner no chance to clean up: stop the orphaned phase.
    let pid: i32 = std::fs::read_to_string(sandbox.build_dir().join("three.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    unsafe { libc::kill(-pid, libc::SIGKILL) };
}

#[test]
fn sigterm_stops_the_whole_process_group_of_a_bash_phase() {
    let sandbox = Sandbox::new();
    let plan = sandbox.write_plan(&json!({
        "phases": ["first", "slow"],
        "phaser": {"phases": {
            "first": {"rhai": "#{state: #{first: true}}"},
            "slow": {"bash": "sleep 1000 &\necho $! > background.pid\ntouch slow-started\nsleep 1000"}
        }}
    }));
    let child = sandbox
        .run_command(&plan)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(&sandbox.build_dir().join("slow-started"), "the slow phase");
    let background: i32 = std::fs::read_to_string(sandbox.build_dir().join("background.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(alive(background));
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let output = child.wait_with_output().unwrap();
    assert!(
        !output.status.success(),
        "the runner must exit non-zero after SIGTERM"
    );
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("stopped by SIGTERM during phase `slow`"),
        "{err}"
    );
    std::thread::sleep(Duration::from_secs(1));
    assert!(!alive(background), "`sleep 1000 &` outlived the runner");
    assert_eq!(sandbox.state()["completed"], json!(["first"]));
}

#[test]
fn a_background_job_does_not_hold_a_bash_or_exec_phase_open() {
    let sandbox = Sandbox::new();
    let plan = sandbox.write_plan(&json!({
        "phases": ["daemon", "spawner", "after"],
        "phaser": {"phases": {
            "daemon": {"bash": "sleep 300 &\necho $! > daemon.pid"},
            "spawner": {"exec": ["bash", "-c", "sleep 300 & echo $! > spawner.pid; echo '{}'"]},
            "after": {"rhai": "#{state: #{after: true}}"}
        }}
    }));
    let started = Instant::now();
    let output = sandbox.run_command(&plan).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        phaser_tests::describe(&output)
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "the build waited for its background jobs"
    );
    let err = String::from_utf8_lossy(&output.stderr);
    for (phase, pid_file) in [("daemon", "daemon.pid"), ("spawner", "spawner.pid")] {
        let pid: i32 = std::fs::read_to_string(sandbox.build_dir().join(pid_file))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(!alive(pid), "the background job of `{phase}` outlived it");
        assert!(
            // The name is `sleep`, or `bash` if the fork has not exec'd yet.
            err.contains(&format!(
                "[{phase}] stopping 1 process the phase left running: {pid} ("
            )),
            "{err}"
        );
    }
    assert_eq!(sandbox.state()["state"]["after"], json!(true));
}

/// Starts `plan`, waits for `marker` in the build directory, sends
/// `signal`, and returns the finished run's output.
fn interrupt_at(sandbox: &Sandbox, plan: &Path, marker: &str, signal: i32) -> std::process::Output {
    let child = sandbox
        .run_command(plan)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(&sandbox.build_dir().join(marker), marker);
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, signal) };
    child.wait_with_output().unwrap()
}

#[test]
fn a_phase_that_tolerates_its_killed_child_is_not_recorded_as_finished() {
    for (lang, tolerant) in [
        (
            "rhai",
            json!({"rhai": "if exists(\"../slow\") { write(\"started\", \"\"); run(#{argv: [\"sleep\", \"5\"], check: false}); } #{state: #{tolerant: true}}"}),
        ),
        (
            "bash",
            json!({"bash": "if [ -e ../slow ]; then touch started; sleep 5 || true; fi"}),
        ),
    ] {
        let sandbox = Sandbox::new();
        // Slow only until the interruption, so the resumed run is quick.
        std::fs::write(sandbox.path("slow"), "").unwrap();
        let plan = sandbox.write_plan(&json!({
            "phases": ["first", "tolerant", "last"],
            "phaser": {"phases": {
                "first": {"rhai": "#{state: #{first: true}}"},
                "tolerant": tolerant,
                "last": {"rhai": "#{state: #{last: true}}"}
            }}
        }));
        let output = interrupt_at(&sandbox, &plan, "started", libc::SIGINT);
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(130), "{lang}: {err}");
        assert!(
            err.contains("stopped by SIGINT during phase `tolerant`"),
            "{lang}: {err}"
        );
        assert_eq!(
            sandbox.state()["completed"],
            json!(["first"]),
            "{lang}: the interrupted phase was recorded as finished"
        );
        // --resume runs it again, and the rest after it.
        std::fs::remove_file(sandbox.path("slow")).unwrap();
        let resumed = sandbox.run_command(&plan).arg("--resume").output().unwrap();
        assert!(
            resumed.status.success(),
            "{lang}: {}",
            phaser_tests::describe(&resumed)
        );
        assert_eq!(
            sandbox.state()["completed"],
            json!(["first", "tolerant", "last"])
        );
    }
}

#[test]
fn a_busy_rhai_or_lua_loop_stops_on_sigterm() {
    for (lang, busy) in [
        (
            "rhai",
            json!({"rhai": "write(\"started\", \"\"); loop { }"}),
        ),
        (
            "lua",
            json!({"lua": "std.write('started', ''); while true do end"}),
        ),
    ] {
        let sandbox = Sandbox::new();
        let plan = sandbox.write_plan(&json!({
            "phases": ["busy"],
            "phaser": {"phases": {"busy": busy}}
        }));
        let output = interrupt_at(&sandbox, &plan, "started", libc::SIGTERM);
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(143), "{lang}: {err}");
        assert!(
            err.contains("stopped by SIGTERM during phase `busy`"),
            "{lang}: {err}"
        );
        assert_eq!(sandbox.state()["completed"], json!([]), "{lang}");
    }
}
