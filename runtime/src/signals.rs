//! SIGINT/SIGTERM/SIGHUP: stop the running phase's whole process group,
//! keep the last finished phase's state, exit non-zero.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

static RUNNING: Mutex<Option<String>> = Mutex::new(None);
static STOPPING: AtomicBool = AtomicBool::new(false);

/// Called when a phase failed: if a signal is stopping the build, the phase
/// failed because of it, so wait here for the signal thread to report and
/// exit rather than report a phase failure.
pub fn wait_if_stopping() {
    if STOPPING.load(Ordering::SeqCst) {
        loop {
            std::thread::park();
        }
    }
}

/// Records which phase runs, for the message a signal prints.
pub fn set_running(phase: Option<&str>) {
    if let Ok(mut running) = RUNNING.lock() {
        *running = phase.map(str::to_string);
    }
}

/// Starts the thread that handles termination signals. The state file is
/// only ever replaced by a rename, so exiting at any point keeps the state
/// of the last finished phase.
pub fn install(state_file: String) -> std::io::Result<()> {
    let mut signals = Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            STOPPING.store(true, Ordering::SeqCst);
            phaser_stdlib::process_group::kill_all(libc::SIGTERM);
            std::thread::sleep(Duration::from_millis(200));
            phaser_stdlib::process_group::kill_all(libc::SIGKILL);
            let phase = RUNNING.lock().ok().and_then(|r| r.clone());
            let name = match signal {
                SIGINT => "SIGINT",
                SIGTERM => "SIGTERM",
                _ => "SIGHUP",
            };
            match phase {
                Some(phase) => eprintln!(
                    "phaser: stopped by {name} during phase `{phase}`; the state of the last finished phase is in {state_file} (resume with --from {phase})"
                ),
                None => eprintln!("phaser: stopped by {name}"),
            }
            std::process::exit(128 + signal);
        }
    });
    Ok(())
}
