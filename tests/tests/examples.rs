//! The shipped examples work: the README's relay plan and the embedding example.

use phaser_tests::{cargo_build, describe, phaser, target_dir, workspace_root};

#[test]
fn the_relay_example_hands_state_through_all_four_interpreters() {
    let out = tempfile::tempdir().unwrap();
    let build = tempfile::tempdir().unwrap();
    let output = phaser()
        .arg("run")
        .arg(workspace_root().join("runtime/examples/relay.json"))
        .arg("--out-dir")
        .arg(out.path())
        .arg("--build-dir")
        .arg(build.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    let share = out.path().join("out/share/relay");
    let read = |name: &str| std::fs::read_to_string(share.join(name)).unwrap();
    assert_eq!(read("relay.txt"), "hello from rhai\n");
    assert_eq!(read("flags.txt"), "PREFIX=/usr\nV=1\nBUILT=yes\n");
    assert_eq!(read("checked.txt"), "exec bash\n");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("pre-configure hook (bash) sees greeting=hello"),
        "{stdout}"
    );
    assert!(
        stdout.contains("lua sees state.unpackedBy = rhai"),
        "{stdout}"
    );
}

#[test]
fn the_embedding_example_runs_a_native_phase() {
    cargo_build(&["-p", "phaser", "--example", "embed"]);
    let out = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(target_dir().join("debug/examples/embed"))
        .arg(out.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    let message = std::fs::read_to_string(out.path().join("out/message.txt")).unwrap();
    assert_eq!(message, "built by rust\n");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("sign     native"), "{stdout}");
}
