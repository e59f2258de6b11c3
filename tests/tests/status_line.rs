//! The status line of `phaser run` on a terminal: one line under the
//! streamed output (phase, n/total, interpreter, elapsed) while a phase
//! runs, gone at the end; absent when stdout is a pipe, with `NO_COLOR`,
//! and with `TERM=dumb`. Driven in tmux, as a person would see it.

use phaser_tests::{describe, phaser_bin, Sandbox, Tmux};
use serde_json::json;

/// A plan whose second phase prints a line and waits for `go` beside
/// the build directory.
fn waiting_plan(sandbox: &Sandbox) -> std::path::PathBuf {
    sandbox.write_plan(&json!({
        "phases": ["first", "waits", "last"],
        "phaser": {"phases": {
            "first": {"rhai": "#{}"},
            "waits": {"bash": "echo waiting for go\nfor i in $(seq 600); do [ -e ../go ] && break; sleep 0.05; done"},
            "last": {"lua": "print('all done')"}
        }}
    }))
}

/// `phaser run` in tmux with `environment` and an optional `| cat`; the
/// pane stays open after it, showing `EXIT-<status>`.
fn run_in_tmux(sandbox: &Sandbox, environment: &str, pipe: &str) -> Tmux {
    let plan = waiting_plan(sandbox);
    let command = format!(
        "env -u NO_COLOR {environment} {} run {} --build-dir {} --out-dir {} {pipe}; echo EXIT-$?; sleep 600",
        phaser_bin().display(),
        plan.display(),
        sandbox.build_dir().display(),
        sandbox.path("out").display()
    );
    Tmux::start(&command)
}

const STATUS: &str = "phaser: waits (2/3, bash) ";

#[test]
fn a_terminal_shows_the_status_line_while_a_phase_runs_and_not_after() {
    let sandbox = Sandbox::new();
    let tmux = run_in_tmux(&sandbox, "TERM=xterm-256color", "");
    let screen = tmux.wait_for(STATUS);
    // Under the streamed output: the phase's line, then the status line.
    let lines: Vec<&str> = screen.lines().filter(|l| !l.trim().is_empty()).collect();
    let status = lines.iter().position(|l| l.starts_with(STATUS)).unwrap();
    assert_eq!(
        status,
        lines.len() - 1,
        "the status line is the last: {screen}"
    );
    assert_eq!(lines[status - 1], "waiting for go", "{screen}");
    assert_eq!(
        lines.iter().filter(|l| l.contains(STATUS)).count(),
        1,
        "{screen}"
    );
    // Elapsed time counts up in place.
    tmux.wait_until("the elapsed time to pass 1s", |screen| {
        screen
            .lines()
            .any(|l| l.starts_with(STATUS) && !l.ends_with(" 0s"))
    });
    std::fs::write(sandbox.path("go"), "").unwrap();
    let screen = tmux.wait_for("EXIT-0");
    assert!(!screen.contains(STATUS), "the status line stays: {screen}");
    assert!(screen.contains("all done"), "{screen}");
    assert!(screen.contains("==> phase 3/3 last"), "{screen}");
}

#[test]
fn no_status_line_in_a_pipe_with_no_color_or_a_dumb_terminal() {
    for (environment, pipe) in [
        ("TERM=xterm-256color", "| cat"),
        ("TERM=xterm-256color NO_COLOR=1", ""),
        ("TERM=dumb", ""),
    ] {
        let sandbox = Sandbox::new();
        let tmux = run_in_tmux(&sandbox, environment, pipe);
        tmux.wait_for("waiting for go");
        // Long enough for a status line to be drawn and redrawn.
        std::thread::sleep(std::time::Duration::from_millis(1500));
        let screen = tmux.screen();
        assert!(
            !screen.contains("(2/3, bash)"),
            "{environment} {pipe}: {screen}"
        );
        std::fs::write(sandbox.path("go"), "").unwrap();
        tmux.wait_for("EXIT-0");
    }
    // Captured by a program: no escape sequences in the output at all.
    let sandbox = Sandbox::new();
    let plan = waiting_plan(&sandbox);
    std::fs::write(sandbox.path("go"), "").unwrap();
    let output = sandbox
        .run_command(&plan)
        .env_remove("NO_COLOR")
        .env("TERM", "xterm-256color")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    assert!(
        !output.stdout.contains(&0x1b) && !output.stderr.contains(&0x1b),
        "{}",
        describe(&output)
    );
}
