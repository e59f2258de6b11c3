//! The runtime as a library inside another program: it installs no signal
//! handler of its own, and the program stops a build through the
//! cancellation token in `RunOptions`.

use std::time::{Duration, Instant};

use phaser::stdlib::Cancel;
use phaser::{Interrupted, Plan, Range, RunOptions, Runner};
use serde_json::json;

fn plan(dir: &std::path::Path, phases: serde_json::Value) -> Plan {
    let names: Vec<String> = phases.as_object().unwrap().keys().cloned().collect();
    Plan::from_value(
        json!({"phases": names, "phaser": {"phases": phases}}),
        dir,
        "embedded.json",
    )
    .unwrap()
}

/// The disposition of `signal`: whether a handler is installed.
fn handler_of(signal: i32) -> libc::sighandler_t {
    // SAFETY: sigaction with a null new action only reads the current one.
    unsafe {
        let mut current: libc::sigaction = std::mem::zeroed();
        assert_eq!(libc::sigaction(signal, std::ptr::null(), &mut current), 0);
        current.sa_sigaction
    }
}

#[test]
fn a_run_installs_no_signal_handler() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan(
        dir.path(),
        json!({"only": {"rhai": "run([\"true\"]); #{state: #{ran: true}}"}}),
    );
    let mut options = RunOptions::new(dir.path().join("out"));
    options.build_dir = Some(dir.path().join("build"));
    let report = Runner::new(&plan, options).run().unwrap();
    assert_eq!(report.state.state["ran"], json!(true));
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        assert_eq!(
            handler_of(signal),
            libc::SIG_DFL,
            "the runtime left a handler for signal {signal}"
        );
    }
}

#[test]
fn the_embedding_program_cancels_a_run_through_its_token() {
    let dir = tempfile::tempdir().unwrap();
    let build = dir.path().join("build");
    let plan = plan(
        dir.path(),
        json!({
            "first": {"rhai": "#{state: #{first: true}}"},
            "slow": {"rhai": "write(\"started\", \"\"); run([\"sleep\", \"30\"]); #{}"},
            "never": {"rhai": "#{state: #{never: true}}"}
        }),
    );
    let cancel = Cancel::new();
    let mut options = RunOptions::new(dir.path().join("out"));
    options.build_dir = Some(build.clone());
    options.range = Range::All;
    options.cancel = cancel.clone();
    let marker = build.join("started");
    let stopper = std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !marker.exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        cancel.cancel("the user pressed stop");
    });
    let started = Instant::now();
    let failure = Runner::new(&plan, options).run().unwrap_err();
    stopper.join().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the run was not stopped"
    );
    let interrupted = failure
        .error
        .downcast_ref::<Interrupted>()
        .unwrap_or_else(|| panic!("not an interruption: {:#}", failure.error));
    assert_eq!(interrupted.phase, "slow");
    assert_eq!(interrupted.reason.as_deref(), Some("the user pressed stop"));
    let state = phaser::BuildState::read(&build).unwrap().unwrap();
    assert_eq!(state.completed, ["first"]);
}

/// An embedding program is not phaser: bash phases find `phaser std` on
/// their PATH (or where `RunOptions::phaser_exe` says), never by running
/// the embedding program itself.
#[test]
fn bash_phases_of_an_embedded_run_call_the_phaser_on_their_path() {
    let dir = tempfile::tempdir().unwrap();
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_phaser"))
        .parent()
        .unwrap()
        .display()
        .to_string();
    let plan = Plan::from_value(
        json!({
            "phases": ["std"],
            "env": {"PATH": format!("{bin_dir}:/usr/bin:/bin")},
            "phaser": {"phases": {"std": {"bash": "exe=$(basename \"$PHASER_EXE\")\nif [ \"$exe\" = phaser ]; then \"$PHASER_EXE\" std write from-std ok; fi\necho \"{\\\"state\\\": {\\\"exe\\\": \\\"$exe\\\"}}\" > \"$PHASER_OUTPUT\""}}}
        }),
        dir.path(),
        "embedded.json",
    )
    .unwrap();
    let mut options = RunOptions::new(dir.path().join("out"));
    options.build_dir = Some(dir.path().join("build"));
    let report = Runner::new(&plan, options).run().unwrap();
    assert_eq!(report.state.state["exe"], json!("phaser"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("build/from-std")).unwrap(),
        "ok"
    );
}
