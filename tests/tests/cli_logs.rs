//! Each phase's output kept in BUILD/.phaser/log/PHASE.log (all four
//! interpreters' output, in-process `print` included), rotated when the
//! phase runs again, printed by `phaser log`, and named by the failure
//! message.

use phaser_tests::{describe, phaser, stderr, Sandbox};
use serde_json::{json, Value};

/// Phases that each write a line their own way, then one that fails.
fn talking_plan() -> Value {
    json!({
        "phases": ["rhai", "lua", "bash", "exec", "fails"],
        "phaser": {"phases": {
            "rhai": {"rhai": "print(\"rhai prints\"); #{}"},
            "lua": {"lua": "print('lua prints')"},
            "bash": {"bash": "echo bash to stdout; echo bash to stderr >&2"},
            "exec": {"exec": ["sh", "-c", "echo exec to stderr >&2; echo '{}'"]},
            "fails": {"bash": "echo about to fail\nfalse"}
        }}
    })
}

fn log(sandbox: &Sandbox, name: &str) -> String {
    let path = sandbox.build_dir().join(".phaser/log").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `phaser log --build-dir BUILD ARGS...`
fn phaser_log(sandbox: &Sandbox, args: &[&str]) -> std::process::Output {
    phaser()
        .arg("log")
        .arg("--build-dir")
        .arg(sandbox.build_dir())
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn every_phase_keeps_its_own_output_and_log_prints_the_failed_one() {
    let sandbox = Sandbox::new();
    let output = sandbox.run(&talking_plan(), &[]);
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert_eq!(log(&sandbox, "rhai.log"), "rhai prints\n");
    assert_eq!(log(&sandbox, "lua.log"), "lua prints\n");
    let bash = log(&sandbox, "bash.log");
    assert!(
        bash.contains("bash to stdout\n") && bash.contains("bash to stderr\n"),
        "{bash}"
    );
    assert_eq!(bash.lines().count(), 2, "{bash}");
    assert_eq!(log(&sandbox, "exec.log"), "exec to stderr\n");
    assert!(log(&sandbox, "fails.log").starts_with("about to fail\n"));
    // The output still reaches the terminal, and the failure names the log.
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(
        out.contains("rhai prints") && out.contains("bash to stdout"),
        "{out}"
    );
    let err = stderr(&output);
    assert!(err.contains("bash to stderr"), "{err}");
    let dir = sandbox.build_dir().canonicalize().unwrap();
    let named = format!(
        "the output of `fails` is in {}/.phaser/log/fails.log",
        dir.display()
    );
    assert!(err.contains(&named), "{err}");
    // Without a phase: the failed one.
    let shown = phaser_log(&sandbox, &[]);
    assert!(shown.status.success(), "{}", describe(&shown));
    assert!(String::from_utf8_lossy(&shown.stdout).starts_with("about to fail\n"));
    let shown = phaser_log(&sandbox, &["lua"]);
    assert_eq!(String::from_utf8_lossy(&shown.stdout), "lua prints\n");
}

#[test]
fn running_a_phase_again_keeps_the_earlier_log() {
    let sandbox = Sandbox::new();
    let plan = json!({"phases": ["a", "b"], "phaser": {"phases": {
        "a": {"bash": "echo a once"},
        "b": {"bash": "echo b run $(cat ../count 2>/dev/null || echo 0); echo $(( $(cat ../count 2>/dev/null || echo 0) + 1 )) > ../count"}
    }}});
    let output = sandbox.run(&plan, &[]);
    assert!(output.status.success(), "{}", describe(&output));
    let output = sandbox.run(&plan, &["--from", "b"]);
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(log(&sandbox, "b.log"), "b run 1\n");
    assert_eq!(log(&sandbox, "b.log.1"), "b run 0\n");
    assert_eq!(log(&sandbox, "a.log"), "a once\n");
    assert!(!sandbox.build_dir().join(".phaser/log/a.log.1").exists());
    let shown = phaser_log(&sandbox, &["b", "--previous", "1"]);
    assert_eq!(String::from_utf8_lossy(&shown.stdout), "b run 0\n");
}

#[test]
fn log_without_a_build_says_what_to_give() {
    let sandbox = Sandbox::new();
    std::fs::create_dir(sandbox.build_dir()).unwrap();
    let output = phaser_log(&sandbox, &[]);
    assert_eq!(output.status.code(), Some(66), "{}", describe(&output));
    assert!(
        stderr(&output).contains("no phase has run in"),
        "{}",
        describe(&output)
    );
    let output = phaser_log(&sandbox, &["build"]);
    assert_eq!(output.status.code(), Some(66), "{}", describe(&output));
    assert!(
        stderr(&output).contains("build.log"),
        "{}",
        describe(&output)
    );
}

/// A phase that prints nothing leaves no log file (creating one is most of
/// what a no-op phase costs on some file systems); `phaser log` says it
/// printed nothing, and a phase that never ran is still an error.
#[test]
fn a_silent_phase_has_no_log_file_and_log_says_so() {
    let sandbox = Sandbox::new();
    let plan = json!({"phases": ["quiet", "loud"], "phaser": {"phases": {
        "quiet": {"rhai": "#{}"},
        "loud": {"bash": "echo loud"}
    }}});
    let output = sandbox.run(&plan, &[]);
    assert!(output.status.success(), "{}", describe(&output));
    assert!(!sandbox.build_dir().join(".phaser/log/quiet.log").exists());
    assert_eq!(log(&sandbox, "loud.log"), "loud\n");
    let shown = phaser_log(&sandbox, &["quiet"]);
    assert!(shown.status.success(), "{}", describe(&shown));
    assert!(shown.stdout.is_empty(), "{}", describe(&shown));
    assert!(
        stderr(&shown).contains("`quiet` printed nothing"),
        "{}",
        describe(&shown)
    );
    let never = phaser_log(&sandbox, &["install"]);
    assert_eq!(never.status.code(), Some(66), "{}", describe(&never));
}

/// `phaser run PLAN | head -1`: the reader goes away, the build goes on
/// and its log keeps every line.
#[test]
fn a_reader_that_goes_away_does_not_stop_the_build() {
    use std::io::BufRead as _;
    let sandbox = Sandbox::new();
    let plan = sandbox.write_plan(&json!({"phases": ["talk", "after"], "phaser": {"phases": {
        "talk": {"bash": "for i in $(seq 20000); do echo line $i; done"},
        "after": {"bash": "touch ../after-ran"}
    }}}));
    let mut child = sandbox
        .run_command(&plan)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first, "line 1\n");
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(sandbox.path("after-ran").exists());
    assert_eq!(log(&sandbox, "talk.log").lines().count(), 20000);
}

/// A child that escapes its phase (`setsid`) and never stops writing
/// neither holds the run up nor writes into the next phase's log: its
/// output goes on into the log of the phase that started it.
#[test]
fn an_escaped_child_writing_forever_stays_in_its_phases_log() {
    let sandbox = Sandbox::new();
    let plan = json!({"phases": ["a", "b"], "phaser": {"phases": {
        "a": {"bash": "setsid sh -c 'echo $$ > ../spam.pid; while :; do echo spam; echo eggs >&2; done' &\nwhile [ ! -s ../spam.pid ]; do sleep 0.01; done\nsleep 0.2"},
        "b": {"rhai": "print(\"b done\"); #{}"}
    }}});
    let output = sandbox.run(&plan, &[]);
    let pid = std::fs::read_to_string(sandbox.path("spam.pid")).unwrap();
    let _ = std::process::Command::new("kill").arg(pid.trim()).status();
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(log(&sandbox, "b.log"), "b done\n");
    let a = log(&sandbox, "a.log");
    assert!(a.contains("spam\n") && a.contains("eggs\n"), "{a}");
}
