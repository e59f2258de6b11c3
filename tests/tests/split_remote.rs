//! `phaser split` on Nix's remote builders: GNU hello's phase derivations
//! built over ssh on loopback, in a second Nix store on this machine.
//!
//! The test starts its own sshd (Debian's openssh-server) on 127.0.0.1 with
//! its own config, host key and client key. The remote side runs
//! `nix-store --serve` through a wrapper that adds `--store DIR`: a store
//! apart from the local one, since a remote builder on the same store would
//! deadlock on its locks. The local side is a store of the test's own too,
//! built with `--max-jobs 0`, so every derivation must go to the remote.

use std::process::Stdio;
use std::time::Instant;

use phaser_tests::remote::RemoteBuilder;
use phaser_tests::{
    assert_same_outputs, describe, hello_nix_plan, nix_build_paths, phaser_for_nix, require_tool,
    single_expression, split_expression, NixStore, Sandbox,
};

#[test]
fn every_phase_is_built_on_the_remote_store() {
    require_tool("nix-build", "nix-bin");
    require_tool("ssh", "openssh-client");
    let sandbox = Sandbox::new();
    let dir = sandbox.dir.path();
    let remote = RemoteBuilder::start(dir, &[]);
    let local = NixStore::new(sandbox.path("local-store"));

    let builder = phaser_for_nix(dir);
    let plan = hello_nix_plan("runHook preInstall\nmake install\nrunHook postInstall\n");
    sandbox.write_plan(&plan);
    let phases_nix = split_expression(&sandbox, &builder);
    let single_nix = single_expression(&sandbox, &builder, &plan);

    // The reference, built locally, while the split build goes remote.
    let mut single = local.command("nix-build");
    single.arg("--no-out-link").arg(&single_nix);
    let single = std::thread::spawn(move || single.output().expect("running nix-build"));
    let started = Instant::now();
    let mut split = local.command("nix-build");
    split
        .arg("--no-out-link")
        .arg(&phases_nix)
        .args(["--max-jobs", "0", "--builders", &remote.builders()])
        .stdin(Stdio::null());
    remote.ssh_options(&mut split);
    let split = split.output().expect("running nix-build");
    let elapsed = started.elapsed();
    nix_build_paths(&split);
    nix_build_paths(&single.join().unwrap());
    let log = String::from_utf8_lossy(&split.stderr);

    // Nix says where each derivation was built, and the remote store holds
    // every phase's outputs.
    let remote_builds = remote.builds_in(&log);
    assert_eq!(remote_builds.len(), 7, "{log}");
    eprintln!("split build on the remote store in {elapsed:.1?}:");
    for line in &remote_builds {
        eprintln!("  {line}");
    }
    for phase in phaser_tests::RUNNING_PHASES {
        let outputs = local.outputs(&local.instantiate(&phases_nix, &format!("phases.{phase}")));
        let output = remote
            .store
            .command("nix-store")
            .arg("--check-validity")
            .args(&outputs)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{phase}: not in the remote store\n{}",
            describe(&output)
        );
    }

    // The result matches a single-derivation build.
    let split_outputs = local.outputs(&local.instantiate(&phases_nix, "phases.fixup"));
    let single_outputs = local.outputs(&local.instantiate(&single_nix, ""));
    assert_same_outputs(&local, &split_outputs, &single_outputs);
}
