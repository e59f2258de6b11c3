//! `phaser shell`, driven as a person would: in tmux, typing commands and
//! reading the screen.

use std::time::Duration;

use phaser_tests::{phaser_bin, workspace_root, Sandbox, Tmux};
use serde_json::json;

/// Waits until the prompt has been shown `count` times: the shell is
/// ready for the next command (typing ahead of it is racy in a pty).
fn wait_for_prompt(tmux: &Tmux, count: usize) -> String {
    tmux.wait_until(&format!("prompt {count}"), |screen| {
        screen.matches("[phaser:build]").count() >= count
    })
}

/// `phaser shell PLAN --at build` in the sandbox, in tmux.
fn shell_at_build(sandbox: &Sandbox, plan: &std::path::Path) -> Tmux {
    let command = format!(
        "{} shell {} --build-dir {} --out-dir {} --at build",
        phaser_bin().display(),
        plan.display(),
        sandbox.build_dir().display(),
        sandbox.path("out").display()
    );
    Tmux::start(&command)
}

#[test]
fn a_shell_at_build_runs_phases_through_the_runner() {
    let sandbox = Sandbox::new();
    let plan = sandbox.write_plan(&json!({
        "pname": "demo",
        "version": "1.0",
        "src": workspace_root().join("tests/fixtures/demo-1.0"),
        "makeFlags": ["DEMO_MODE=shell"]
    }));
    let tmux = shell_at_build(&sandbox, &plan);
    wait_for_prompt(&tmux, 1);
    tmux.send(
        "echo \"pname=$pname flags=${makeFlags[*]} out=$out\"; type -t substituteInPlace; pwd",
    );
    let screen = tmux.wait_for("pname=demo flags=DEMO_MODE=shell");
    assert!(
        screen.contains("function"),
        "stdenv helpers are defined: {screen}"
    );
    assert!(
        screen.contains(&format!("{}/demo-1.0", sandbox.build_dir().display())),
        "the shell starts in the source root: {screen}"
    );
    wait_for_prompt(&tmux, 2);
    tmux.send("runPhase build && cat build.info && echo BUILD-$((1+1))");
    let screen = tmux.wait_for("BUILD-2");
    assert!(screen.contains("mode=shell extra=no"), "{screen}");
    wait_for_prompt(&tmux, 3);
    tmux.send("phaser phase install && ls $out/bin && echo INSTALL-$((2+2))");
    let screen = tmux.wait_for("INSTALL-4");
    assert!(screen.contains("demo-tool"), "{screen}");
    wait_for_prompt(&tmux, 4);
    tmux.send("exit");
    let state = sandbox.state();
    let completed: Vec<&str> = state["completed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        completed,
        ["unpack", "patch", "configure", "build", "install"]
    );
}

#[test]
fn a_sigint_to_phaser_shell_leaves_its_interactive_bash_running() {
    let sandbox = Sandbox::new();
    let plan = sandbox.write_plan(&json!({
        "pname": "demo",
        "version": "1.0",
        "src": workspace_root().join("tests/fixtures/demo-1.0"),
    }));
    let tmux = shell_at_build(&sandbox, &plan);
    wait_for_prompt(&tmux, 1);
    tmux.send("echo PHASER-PID=$PPID");
    let screen = tmux.wait_for("PHASER-PID=");
    let pid: i32 = screen
        .lines()
        .filter_map(|l| l.trim().strip_prefix("PHASER-PID="))
        .find_map(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("no pid on the screen:\n{screen}"));
    wait_for_prompt(&tmux, 2);
    // What a program embedding phaser, or a stray `kill -INT`, does after
    // the earlier phases ran: phaser must not die and orphan the shell.
    // SAFETY: signalling the phaser this test started.
    unsafe { libc::kill(pid, libc::SIGINT) };
    std::thread::sleep(Duration::from_millis(500));
    tmux.send("echo STILL-$((40+2))");
    let screen = tmux.wait_for("STILL-42");
    assert!(
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')),
        "phaser died of the SIGINT: {screen}"
    );
    tmux.send("exit");
}
