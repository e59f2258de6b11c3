//! What a `kill -9`ed build leaves running is stopped by the next run in
//! its build directory, including what `phaser std` started from a bash
//! phase (in process groups of its own, which the runner never saw).
//!
//! A file of its own: the test makes its process the reaper of orphans
//! (`PR_SET_CHILD_SUBREAPER`), so it can see that the killed phase's bash
//! is gone for good, not a zombie whose process group still answers.

use std::process::Stdio;
use std::time::{Duration, Instant};

use phaser_tests::{alive, describe, wait_for_file, Sandbox};
use serde_json::json;

#[test]
fn resume_stops_what_phaser_std_started_in_a_killed_build() {
    // SAFETY: prctl on this process; orphans of the builds below become
    // its children, and only the one named is waited for.
    assert_eq!(unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1) }, 0);
    let sandbox = Sandbox::new();
    let plan = sandbox.write_plan(&json!({
        "phases": ["slow"],
        "phaser": {"phases": {
            "slow": {"bash": "if [ -e ../slow ]; then echo $$ > bash.pid; \"$PHASER_EXE\" std run sh -c 'echo $$ > std-child.pid; exec sleep 300'; fi"}
        }}
    }));
    std::fs::write(sandbox.path("slow"), "").unwrap();
    let mut runner = sandbox
        .run_command(&plan)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid_file = sandbox.build_dir().join("std-child.pid");
    wait_for_file(&pid_file);
    std::thread::sleep(Duration::from_millis(100));
    let read_pid = |name: &str| -> i32 {
        std::fs::read_to_string(sandbox.build_dir().join(name))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    let (bash, grandchild) = (read_pid("bash.pid"), read_pid("std-child.pid"));
    // SAFETY: signalling and reaping processes this test started.
    unsafe { libc::kill(runner.id() as i32, libc::SIGKILL) };
    runner.wait().unwrap();
    // The phase's bash dies with the runner; reap it (it is ours now).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut status = 0;
        // SAFETY: waiting for one pid, which this process reaps.
        let reaped = unsafe { libc::waitpid(bash, &mut status, libc::WNOHANG) };
        if reaped == bash {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the killed phase's bash did not end"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        alive(grandchild),
        "the test needs the orphan to outlive kill -9"
    );
    std::fs::remove_file(sandbox.path("slow")).unwrap();
    let resumed = sandbox.run_command(&plan).arg("--resume").output().unwrap();
    assert!(resumed.status.success(), "{}", describe(&resumed));
    std::thread::sleep(Duration::from_millis(200));
    let survived = alive(grandchild);
    if survived {
        // SAFETY: cleaning up the process this test made.
        unsafe { libc::kill(grandchild, libc::SIGKILL) };
    }
    assert!(!survived, "what phaser std started outlived the resume");
}
