//! Bash phases run in subshells of one long-lived bash per build. A phase
//! there must see what a bash of its own shows it, and a bash that died
//! is replaced for the next phase.

use phaser_tests::{describe, stderr, Sandbox};
use serde_json::{json, Value};

/// Everything a phase's shell can see of itself, written to `$out.probe`:
/// variables, functions, options, traps, limits, open descriptors, its
/// name and the environment. (`$$`, `$BASHPID` and the clocks differ from
/// run to run; phaser's own `PHASER_*` name per-build files.) The shell
/// reads its own signal masks: a child reading them could catch bash
/// blocking signals around a fork.
const PROBE: &str = r#"
{
declare -p | grep -v -E '^declare -[-a-zA-Z]* (BASHPID|BASH_ARGV|BASH_LINENO|BASH_SOURCE|BASH_COMMAND|BASH_EXECUTION_STRING|_=|PHASER_|__phaser|EPOCH|SRANDOM|RANDOM|PPID|SECONDS|env=)'
declare -F | grep -v __phaser
shopt -p; set -o; trap -p; umask; ulimit -a
while IFS= read -r line; do case $line in SigBlk*|SigCgt*) echo "$line" ;; esac; done </proc/$BASHPID/status
ls /proc/$BASHPID/fd
echo "argv0=$0 args=$# subshell=$BASH_SUBSHELL"
env | grep -v -E '^(PHASER_|_=|a-b=)' | sort
} > "$out.probe" 2>&1
mkdir -p "$out"
"#;

/// Runs `plan` in a sandbox of its own; the probe it wrote, with the
/// sandbox's path taken out, and whether the long-lived bash ran it.
fn probe(plan: Value) -> (String, bool) {
    let sandbox = Sandbox::new();
    let output = sandbox.run(&plan, &[]);
    assert!(output.status.success(), "{}", describe(&output));
    let probe = std::fs::read_to_string(sandbox.path("out/out.probe")).unwrap();
    let served = sandbox
        .build_dir()
        .join(".phaser/tmp/.bash-server")
        .exists();
    let root = sandbox.path("");
    (probe.replace(root.to_str().unwrap(), "SANDBOX"), served)
}

#[test]
fn a_phase_in_the_long_lived_bash_sees_what_a_bash_of_its_own_shows() {
    let plan = |env: Value| {
        json!({
            "phases": ["probe"],
            "env": env,
            "phaser": {"phases": {"probe": {"bash": PROBE}}}
        })
    };
    let (served, in_server) = probe(plan(json!({})));
    // A variable whose name is no shell variable's can only reach the
    // phase's children through a fresh process: that phase gets a bash of
    // its own.
    let (fresh, in_server_too) = probe(plan(json!({"a-b": "1"})));
    assert!(
        in_server,
        "the first plan's phase ran in the long-lived bash"
    );
    assert!(
        !in_server_too,
        "a phase with `a-b` in its environment ran in a bash of its own"
    );
    if served != fresh {
        let diff: Vec<String> = served
            .lines()
            .zip(fresh.lines())
            .filter(|(a, b)| a != b)
            .map(|(a, b)| format!("served: {a}\n fresh: {b}"))
            .collect();
        panic!(
            "the two shells differ ({} and {} lines):\n{}",
            served.lines().count(),
            fresh.lines().count(),
            diff.join("\n")
        );
    }
}

/// What the first phase changes, so that the probe's variables differ from
/// those the long-lived bash declared once for the first: attributes and
/// environment variables gone, unexported, grown, new, and `PATH` unset.
const CHANGE: &str = r#"
unset gone DROPME PATH
export -n KEEPME
colors+=(blue)
n=6
export NEWVAR=yes
SHELL=/bin/sh
greet() { echo hi; }
"#;

#[test]
fn a_later_phase_in_the_long_lived_bash_sees_what_a_bash_of_its_own_shows() {
    let plan = |extra: Value| {
        let mut env = json!({"KEEPME": "1", "DROPME": "x", "SHELL": "/bin/bash"});
        env.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({
            "phases": ["change", "probe"],
            "env": env,
            "colors": ["red", "green"],
            "gone": "soon",
            "n": 5,
            "phaser": {"phases": {"change": {"bash": CHANGE}, "probe": {"bash": PROBE}}}
        })
    };
    let (served, in_server) = probe(plan(json!({})));
    let (fresh, in_server_too) = probe(plan(json!({"a-b": "1"})));
    assert!(in_server && !in_server_too);
    assert!(
        served.contains("NEWVAR") && !served.contains("DROPME"),
        "{served}"
    );
    assert_eq!(served, fresh);
}

#[test]
fn a_bash_that_died_is_started_again_for_the_next_phase() {
    let sandbox = Sandbox::new();
    let plan = json!({
        "phases": ["first", "kill", "second"],
        "phaser": {"phases": {
            "first": {"bash": "echo $$ > first.pid"},
            "kill": {"exec": ["sh", "-c", "kill -9 $(cat first.pid)"]},
            "second": {"bash": "echo $$ > second.pid; seen=yes; mkdir -p $out"}
        }}
    });
    let output = sandbox.run(&plan, &[]);
    assert!(output.status.success(), "{}", describe(&output));
    let pid = |name: &str| std::fs::read_to_string(sandbox.build_dir().join(name)).unwrap();
    assert_ne!(pid("first.pid"), pid("second.pid"));
    assert_eq!(sandbox.state()["attrs"]["seen"], "yes");
}

#[test]
fn a_phase_that_kills_its_bash_fails_and_the_next_run_continues() {
    let sandbox = Sandbox::new();
    let plan = json!({
        "phases": ["first", "second"],
        "phaser": {"phases": {
            "first": {"bash": "touch first.done"},
            "second": {"bash": "if [ ! -e ../fixed ]; then kill -9 $$; sleep 5; fi; mkdir -p $out"}
        }}
    });
    let output = sandbox.run(&plan, &[]);
    assert!(!output.status.success(), "{}", describe(&output));
    let err = stderr(&output);
    assert!(
        err.contains("second") && err.contains("long-lived bash running the phase died"),
        "{err}"
    );
    assert!(sandbox.build_dir().join("first.done").exists());
    std::fs::write(sandbox.path("fixed"), "").unwrap();
    let output = sandbox.run(&plan, &["--from", "second"]);
    assert!(output.status.success(), "{}", describe(&output));
}

/// The long-lived bash's phases share its files; what a process a phase
/// left behind writes late (an explicit answer, a failure record from a
/// background subshell's ERR trap, output) must never count as a later
/// phase's.
#[test]
fn a_process_an_earlier_phase_left_behind_cannot_answer_for_a_later_one() {
    let sandbox = Sandbox::new();
    let late = r#"
        (setsid sh -c 'sleep 1; echo "{\"attrs\": {\"injected\": true}}" > "$PHASER_OUTPUT"' \
            </dev/null >/dev/null 2>&1 &)
        (setsid sh -c 'sleep 1; printf "1\0007\0late\0" > "$PHASER_ERRORS"' \
            </dev/null >/dev/null 2>&1 &)
        early=yes"#;
    let plan = json!({
        "phases": ["early", "later"],
        "phaser": {"phases": {
            "early": {"bash": late},
            "later": {"bash": "sleep 2; later=yes; mkdir -p $out"}
        }}
    });
    let output = sandbox.run(&plan, &[]);
    assert!(output.status.success(), "{}", describe(&output));
    let attrs = &sandbox.state()["attrs"];
    assert_eq!(attrs["early"], "yes");
    assert_eq!(attrs["later"], "yes");
    assert!(attrs.get("injected").is_none(), "{attrs}");
}
