//! Builds side by side: twenty at once in their own build directories
//! share nothing that changes, and a second run on a build directory in
//! use is refused instead of deleting the first one's tree.

use std::process::Stdio;
use std::time::{Duration, Instant};

use phaser_tests::{describe, phaser, stderr, wait_for_file, workspace_root, Sandbox};
use serde_json::{json, Value};

#[test]
fn twenty_builds_at_once_in_separate_build_directories() {
    let sandbox = Sandbox::new();
    let plan = workspace_root().join("runtime/examples/relay.json");
    let runs: Vec<_> = (0..20)
        .map(|i| {
            phaser()
                .arg("run")
                .arg(&plan)
                .arg("--build-dir")
                .arg(sandbox.path(&format!("build-{i}")))
                .arg("--out-dir")
                .arg(sandbox.path(&format!("out-{i}")))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("starting phaser")
        })
        .collect();
    for (i, run) in runs.into_iter().enumerate() {
        let output = run.wait_with_output().unwrap();
        assert!(output.status.success(), "build {i}: {}", describe(&output));
        let share = sandbox.path(&format!("out-{i}/out/share/relay"));
        let read = |name: &str| std::fs::read_to_string(share.join(name)).unwrap();
        assert_eq!(read("relay.txt"), "hello from rhai\n", "build {i}");
        assert_eq!(read("checked.txt"), "exec bash\n", "build {i}");
        let state: Value = serde_json::from_slice(
            &std::fs::read(sandbox.path(&format!("build-{i}/.phaser/state.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(
            state["completed"],
            json!(["unpack", "configure", "build", "check", "install"]),
            "build {i}"
        );
        let out = sandbox.path(&format!("out-{i}/out")).display().to_string();
        assert_eq!(state["outputs"]["out"], json!(out), "build {i}");
    }
}

/// The output of `child`, which must end within `limit` (else it is
/// killed and the test fails).
fn finished_within(mut child: std::process::Child, limit: Duration) -> std::process::Output {
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the second run did not end within {limit:?}: it is running the build too");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn a_second_run_on_a_build_directory_in_use_is_refused() {
    let sandbox = Sandbox::new();
    let plan = sandbox.write_plan(&json!({
        "phases": ["slow"],
        "phaser": {"phases": {"slow": {"bash": "touch started\nfor i in $(seq 600); do [ -e ../go ] && break; sleep 0.05; done\ntouch finished"}}}
    }));
    let first = sandbox
        .run_command(&plan)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_file(&sandbox.build_dir().join("started"));
    let second = finished_within(
        sandbox
            .run_command(&plan)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
        Duration::from_secs(20),
    );
    assert_eq!(second.status.code(), Some(75), "{}", describe(&second));
    let err = stderr(&second);
    assert!(
        err.contains(&format!(
            "another phaser run (pid {}) is using the build directory {}",
            first.id(),
            sandbox.build_dir().canonicalize().unwrap().display()
        )),
        "{err}"
    );
    assert!(
        sandbox.build_dir().join("started").exists(),
        "the second run touched the first one's tree"
    );
    std::fs::write(sandbox.path("go"), "").unwrap();
    let first = first.wait_with_output().unwrap();
    assert!(first.status.success(), "{}", describe(&first));
    assert!(sandbox.build_dir().join("finished").exists());
    assert_eq!(sandbox.state()["completed"], json!(["slow"]));
}
