//! Faults from outside the build: a full disk, an output directory that
//! cannot be written, a read-only source, a file removed by another
//! process while a phase needs it, phaser's own directory made read-only.
//! Each ends the run with a clear error and a non-zero status, and leaves
//! the state of the last finished phase intact, to continue from.
//!
//! The faults are made with mounts (a small tmpfs, read-only binds): they
//! hold for root too, which permission bits do not. The tests need root,
//! as CI runs them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use phaser_tests::{describe, plan_of as plan, stderr, wait_for_file, workspace_root, Sandbox};
use serde_json::{json, Value};

/// A mount the test made, undone when it drops.
struct Mount {
    at: PathBuf,
}

impl Mount {
    fn run(args: &[&str], at: &Path) -> Mount {
        // SAFETY: geteuid has no preconditions.
        assert_eq!(
            unsafe { libc::geteuid() },
            0,
            "the fault tests mount file systems: run them as root (CI does)"
        );
        let status = Command::new("mount")
            .args(args)
            .arg(at)
            .status()
            .expect("running mount");
        assert!(status.success(), "mount {args:?} {} failed", at.display());
        Mount {
            at: at.to_path_buf(),
        }
    }

    /// A tmpfs of `size` (e.g. `2m`) at `at`.
    fn tmpfs(at: &Path, size: &str) -> Mount {
        std::fs::create_dir_all(at).unwrap();
        Mount::run(&["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"], at)
    }

    /// `at` itself, read-only from now on.
    fn read_only(at: &Path) -> Mount {
        let bind = Mount::run(&["--bind", at.to_str().unwrap()], at);
        let status = Command::new("mount")
            .args(["-o", "remount,ro,bind"])
            .arg(at)
            .status()
            .expect("running mount");
        assert!(
            status.success(),
            "remounting {} read-only failed",
            at.display()
        );
        bind
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.at).status();
    }
}

/// Starts `plan` and waits until its phase has written `waiting` in the
/// build directory.
fn start_and_wait(sandbox: &Sandbox, plan: &Value) -> std::process::Child {
    let child = sandbox
        .run_command(&sandbox.write_plan(plan))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_file(&sandbox.build_dir().join("waiting"));
    child
}

fn completed(sandbox: &Sandbox) -> Value {
    sandbox.state()["completed"].clone()
}

/// The run failed with `status`, saying `what`, and kept the state after
/// `finished`.
fn failed_keeping(sandbox: &Sandbox, output: &Output, status: i32, what: &[&str], finished: Value) {
    assert_eq!(output.status.code(), Some(status), "{}", describe(output));
    let err = stderr(output);
    assert!(!err.contains("panicked"), "{err}");
    for part in what {
        assert!(err.contains(part), "expected {part:?} in: {err}");
    }
    assert_eq!(completed(sandbox), finished, "{err}");
}

#[test]
fn a_full_disk_fails_the_phase_and_the_build_resumes_once_there_is_room() {
    let sandbox = Sandbox::new();
    let _disk = Mount::tmpfs(&sandbox.build_dir(), "2m");
    // `big` fills the disk only while the marker next to the build exists.
    let plan = plan(&[
        ("small", json!({"bash": "echo small > small.txt"})),
        (
            "big",
            json!({"bash": "if [ -e ../fill ]; then head -c 8M /dev/zero > big.bin; fi"}),
        ),
        ("last", json!({"rhai": "#{state: #{last: true}}"})),
    ]);
    std::fs::write(sandbox.path("fill"), "").unwrap();
    let output = sandbox.run(&plan, &[]);
    failed_keeping(
        &sandbox,
        &output,
        1,
        &["phase `big` (bash) failed", "No space left on device"],
        json!(["small"]),
    );
    std::fs::remove_file(sandbox.path("fill")).unwrap();
    let output = sandbox.run(&plan, &["--resume"]);
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(completed(&sandbox), json!(["small", "big", "last"]));
    assert!(!sandbox.build_dir().join("big.bin").exists());
}

#[test]
fn a_disk_that_fills_at_a_boundary_keeps_the_state_before_it() {
    let sandbox = Sandbox::new();
    let _disk = Mount::tmpfs(&sandbox.build_dir(), "2m");
    // The phase itself tolerates the full disk; the state after it cannot
    // be written.
    let plan = plan(&[
        ("small", json!({"bash": "echo small > small.txt"})),
        (
            "fill",
            json!({"bash": "if [ -e ../fill ]; then head -c 8M /dev/zero > big.bin || true; for i in $(seq 200); do mkdir d$i 2>/dev/null || break; done; fi"}),
        ),
    ]);
    std::fs::write(sandbox.path("fill"), "").unwrap();
    let output = sandbox.run(&plan, &[]);
    // Whether the driver's record of the phase's changes still fits (it
    // is written over the last phase's, in place) decides what fails
    // first. The phase: it fails with its status (1), and the state stays
    // the one before it. Or phaser's own bookkeeping (internal error,
    // 70): the state file, written first, already names the tree after
    // the phase, and only the per-phase record for `--from` is missing.
    // Either way a resume finishes the build.
    match output.status.code() {
        Some(70) => failed_keeping(
            &sandbox,
            &output,
            70,
            &["No space left on device", "states.json"],
            json!(["small", "fill"]),
        ),
        _ => failed_keeping(
            &sandbox,
            &output,
            1,
            &["No space left on device", "phase `fill` (bash) failed"],
            json!(["small"]),
        ),
    }
    std::fs::remove_file(sandbox.path("fill")).unwrap();
    let output = sandbox.run(&plan, &["--resume"]);
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(completed(&sandbox), json!(["small", "fill"]));
}

#[test]
fn an_output_directory_that_cannot_be_written_fails_the_install() {
    let sandbox = Sandbox::new();
    let out = sandbox.path("out");
    std::fs::create_dir_all(&out).unwrap();
    let plan = plan(&[
        ("build", json!({"bash": "echo built > built.txt"})),
        (
            "install",
            json!({"rhai": "copy(\"built.txt\", input.outputs.out + \"/share/built.txt\"); #{}"}),
        ),
    ]);
    let read_only = Mount::read_only(&out);
    let output = sandbox.run(&plan, &[]);
    failed_keeping(
        &sandbox,
        &output,
        1,
        &["phase `install` (rhai) failed", "Read-only file system"],
        json!(["build"]),
    );
    drop(read_only);
    let output = sandbox.run(&plan, &["--resume"]);
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(
        std::fs::read_to_string(out.join("out/share/built.txt")).unwrap(),
        "built\n"
    );
}

#[test]
fn a_read_only_source_is_unpacked_into_a_writable_tree() {
    let sandbox = Sandbox::new();
    let src = sandbox.path("src/demo-1.0");
    std::fs::create_dir(sandbox.path("src")).unwrap();
    let status = Command::new("cp")
        .arg("-r")
        .arg(workspace_root().join("tests/fixtures/demo-1.0"))
        .arg(&src)
        .status()
        .unwrap();
    assert!(status.success());
    let _read_only = Mount::read_only(&sandbox.path("src"));
    let output = sandbox.run(
        &json!({
            "pname": "demo", "version": "1.0", "src": src,
            "postPatch": "echo patched >> README"
        }),
        &[],
    );
    assert!(output.status.success(), "{}", describe(&output));
    assert!(sandbox.path("out/out/bin/demo").exists());
    let readme = std::fs::read_to_string(sandbox.build_dir().join("demo-1.0/README")).unwrap();
    assert!(readme.ends_with("patched\n"), "{readme}");
}

#[test]
fn a_file_removed_by_another_process_mid_phase_is_a_clear_error() {
    let sandbox = Sandbox::new();
    let plan = plan(&[
        (
            "prepare",
            json!({"bash": "mkdir -p data; echo config > data/config.txt"}),
        ),
        (
            "use",
            json!({"rhai": "if exists(\"../race\") { write(\"waiting\", \"\"); run([\"sh\", \"-c\", \"while [ ! -e removed ]; do sleep 0.01; done\"]); } copy(\"data/config.txt\", \"used.txt\"); #{}"}),
        ),
    ]);
    std::fs::write(sandbox.path("race"), "").unwrap();
    let child = start_and_wait(&sandbox, &plan);
    std::fs::remove_file(sandbox.build_dir().join("data/config.txt")).unwrap();
    std::fs::write(sandbox.build_dir().join("removed"), "").unwrap();
    let output = child.wait_with_output().unwrap();
    failed_keeping(
        &sandbox,
        &output,
        1,
        &["phase `use` (rhai) failed", "data/config.txt"],
        json!(["prepare"]),
    );
    // `--resume` cannot put back a file it never had the contents of, and
    // says what to do; `--from prepare` makes it again.
    std::fs::remove_file(sandbox.path("race")).unwrap();
    let output = sandbox.run(&plan, &["--resume"]);
    assert_eq!(output.status.code(), Some(66), "{}", describe(&output));
    let err = stderr(&output);
    assert!(
        err.contains("cannot put the tree back") && err.contains("data/config.txt"),
        "{err}"
    );
    let output = sandbox.run(&plan, &["--from", "prepare"]);
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(completed(&sandbox), json!(["prepare", "use"]));
}

#[test]
fn phasers_own_directory_made_read_only_keeps_the_last_state() {
    let sandbox = Sandbox::new();
    let plan = plan(&[
        ("first", json!({"rhai": "#{state: #{first: true}}"})),
        (
            "second",
            json!({"rhai": "if exists(\"../lock\") { write(\"waiting\", \"\"); run([\"sh\", \"-c\", \"while [ ! -e ../locked ]; do sleep 0.01; done\"]); } #{state: #{second: true}}"}),
        ),
    ]);
    std::fs::write(sandbox.path("lock"), "").unwrap();
    let child = start_and_wait(&sandbox, &plan);
    let state_before = std::fs::read(sandbox.build_dir().join(".phaser/state.json")).unwrap();
    let read_only = Mount::read_only(&sandbox.build_dir().join(".phaser"));
    std::fs::write(sandbox.path("locked"), "").unwrap();
    let output = child.wait_with_output().unwrap();
    failed_keeping(
        &sandbox,
        &output,
        70,
        &["Read-only file system"],
        json!(["first"]),
    );
    assert_eq!(
        std::fs::read(sandbox.build_dir().join(".phaser/state.json")).unwrap(),
        state_before
    );
    drop(read_only);
    std::fs::remove_file(sandbox.path("lock")).unwrap();
    let output = sandbox.run(&plan, &["--resume"]);
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(completed(&sandbox), json!(["first", "second"]));
}
