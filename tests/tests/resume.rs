//! Resuming: a hello build killed with `kill -9` inside each of its phases
//! in turn, resumed each time, ends with the same outputs as a build that
//! was never interrupted; and a phase that failed, fixed in the plan,
//! continues with `--from`.

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use phaser_tests::{describe, source, tree, Sandbox};
use serde_json::{json, Value};

const PHASES: [&str; 7] = phaser_tests::RUNNING_PHASES;

/// hello, with a hook before every phase that waits to be killed when the
/// test has put a `kill-at-PHASE` file next to the build directory.
fn plan() -> Value {
    let mut plan = json!({
        "pname": "hello",
        "version": "2.10",
        "src": source("hello_2.10.orig.tar.gz"),
        "doCheck": true,
    });
    for phase in PHASES {
        let hook = format!("pre{}{}", phase[..1].to_uppercase(), &phase[1..]);
        plan[hook] = json!(format!(
            "if [ -e \"$NIX_BUILD_TOP/../kill-at-{phase}\" ]; then touch \"$NIX_BUILD_TOP/../in-{phase}\"; sleep 1000; fi"
        ));
    }
    plan
}

fn wait_for(path: &Path, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !path.exists() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "the build ended ({status}) before {} appeared",
                path.display()
            );
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn kill_9(child: &mut Child) {
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    child.wait().unwrap();
}

#[test]
fn killed_in_every_phase_and_resumed_gives_the_uninterrupted_outputs() {
    let sandbox = Sandbox::new();
    let plan_path = sandbox.write_plan(&plan());

    // The reference: never interrupted. Moved aside so the interrupted build
    // uses the very same build and output paths (ELF build ids hash them).
    let output = sandbox.run_command(&plan_path).output().unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    std::fs::rename(sandbox.path("out"), sandbox.path("expected")).unwrap();
    std::fs::rename(sandbox.build_dir(), sandbox.path("build-reference")).unwrap();

    let start = |resume: bool| {
        let mut command = sandbox.run_command(&plan_path);
        if resume {
            command.arg("--resume");
        }
        command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut resume = false;
    for phase in PHASES {
        let trigger = sandbox.path(&format!("kill-at-{phase}"));
        std::fs::write(&trigger, "").unwrap();
        let mut child = start(resume);
        wait_for(&sandbox.path(&format!("in-{phase}")), &mut child);
        kill_9(&mut child);
        std::fs::remove_file(&trigger).unwrap();
        let state = sandbox.state();
        let done = state["completed"].as_array().unwrap().len();
        assert_eq!(
            state["completed"]
                .as_array()
                .unwrap()
                .last()
                .and_then(Value::as_str),
            PHASES.get(done.wrapping_sub(1)).copied()
        );
        resume = true;
        // Once, kill in the middle of the real work too: make has written object files.
        if phase == "build" {
            let mut child = start(true);
            wait_for(
                &sandbox.build_dir().join("hello-2.10/src/hello.o"),
                &mut child,
            );
            kill_9(&mut child);
        }
    }
    let output = sandbox
        .run_command(&plan_path)
        .arg("--resume")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(
        tree(&sandbox.path("out")),
        tree(&sandbox.path("expected")),
        "outputs differ from the uninterrupted build"
    );
    let completed: Vec<String> = sandbox.state()["completed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        completed,
        [
            "unpack",
            "patch",
            "configure",
            "build",
            "check",
            "install",
            "fixup",
            "installCheck",
            "dist"
        ]
    );
}

#[test]
fn a_failed_phase_fixed_in_the_plan_continues_with_from() {
    let sandbox = Sandbox::new();
    let mut broken = json!({
        "pname": "hello",
        "version": "2.10",
        "src": source("hello_2.10.orig.tar.gz"),
        "postBuild": "test -e does-not-exist",
    });
    let output = sandbox.run(&broken, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert_eq!(
        sandbox.state()["completed"],
        json!(["unpack", "patch", "configure"])
    );

    // Fixed: the hook now passes. --resume notices the plan changed.
    broken["postBuild"] = json!("test -e Makefile");
    let output = sandbox.run(&broken, &["--resume"]);
    assert_eq!(output.status.code(), Some(64), "{}", describe(&output));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("the plan changed since this build started (phases changed: build; attributes changed: postBuild)"), "{err}");
    assert!(
        err.contains("the first unfinished phase is `build`"),
        "{err}"
    );

    let output = sandbox.run(&broken, &["--from", "build"]);
    assert!(output.status.success(), "{}", describe(&output));
    assert!(sandbox.path("out/out/bin/hello").exists());
    // The fixed build ran configure once: the resumed run started at build.
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(!log.contains("phase 3/9 configure"), "{log}");
}

#[test]
fn resume_without_a_state_says_what_to_do() {
    let sandbox = Sandbox::new();
    let output = sandbox.run(
        &json!({"phases": ["a"], "phaser": {"phases": {"a": {"rhai": "#{}"}}}}),
        &["--resume"],
    );
    assert_eq!(output.status.code(), Some(66));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("nothing to resume"),
        "{}",
        describe(&output)
    );
}

/// After a failure the usual fix is made by hand in the build directory;
/// `--from` continues on the tree as it is, so the fix is kept, and the
/// failure message says when to use `--from` and when `--resume`.
#[test]
fn from_keeps_a_fix_made_by_hand_in_the_build_directory() {
    let sandbox = Sandbox::new();
    let plan = json!({
        "phases": ["setup", "needs"],
        "phaser": {"phases": {
            "setup": {"bash": "mkdir -p src"},
            "needs": {"bash": "test -e src/config.h"}
        }}
    });
    let output = sandbox.run(&plan, &[]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let err = String::from_utf8_lossy(&output.stderr);
    let dir = sandbox.build_dir().canonicalize().unwrap();
    assert!(
        err.contains(&format!(
            "fix the problem (in the plan, or by hand in {}) and continue with `--build-dir {} --from needs`: it runs `needs` again on the tree as it is",
            dir.display(),
            dir.display()
        )),
        "{err}"
    );
    assert!(err.contains("--resume"), "{err}");
    // The fix: a file the failed phase needs, added by hand.
    let fix = sandbox.build_dir().join("src/config.h");
    std::fs::write(&fix, "#define FIXED 1\n").unwrap();
    let output = sandbox.run(&plan, &["--from", "needs"]);
    assert!(output.status.success(), "{}", describe(&output));
    assert!(fix.exists(), "--from removed the fix");
}
