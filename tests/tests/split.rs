//! `phaser split` under Debian's Nix 2.8 with the sandbox on: GNU hello as
//! one derivation per phase, in a Nix store of the test's own.
//!
//! The split build's final outputs must equal a single-derivation build of
//! the same plan with the same phaser, file by file (bytes and modes), after
//! each output's own store hash is masked: the two are different
//! derivations, so their output paths differ, but the paths have the same
//! length, so binaries still compare byte for byte. The plan
//! ([`hello_nix_plan`]) sets `LDFLAGS=-Wl,--build-id=none` (the build id
//! hashes the embedded path) and `CFLAGS=-O2 -fno-builtin-memcpy` (GCC's
//! inline memcpy splits a path constant into pieces no rewriting finds); its
//! doc comment says why in full.

use std::process::{Command, Output};

use phaser_tests::{
    assert_same_outputs, derivations_to_build, hello_nix_plan, nix_build_paths, phaser_for_nix,
    require_tool, single_expression, split_expression, NixStore, Sandbox,
};

/// The phases that run (installCheck and dist are gated off and ride along with fixup).
const PHASES: [&str; 7] = phaser_tests::RUNNING_PHASES;

const INSTALL: &str = "runHook preInstall\nmake install\nrunHook postInstall\n";

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn hello_as_one_derivation_per_phase() {
    require_tool("make", "make");
    require_tool("gcc", "gcc");
    let sandbox = Sandbox::new();
    let store = NixStore::new(sandbox.path("store"));
    let builder = phaser_for_nix(sandbox.dir.path());
    let plan = hello_nix_plan(INSTALL);
    sandbox.write_plan(&plan);
    let phases_nix = split_expression(&sandbox, &builder);
    let single_nix = single_expression(&sandbox, &builder, &plan);

    // Both builds at once: configure is mostly one process, and CI has two cores.
    let mut single = store.command("nix-build");
    single.arg("--no-out-link").arg(&single_nix);
    let single = std::thread::spawn(move || single.output().expect("running nix-build"));
    let started = std::time::Instant::now();
    let (split_output, _) = store.build(&[phases_nix.as_os_str()]);
    let split_time = started.elapsed();
    nix_build_paths(&single.join().unwrap());
    let log = stderr(&split_output);

    // One derivation per phase that runs.
    assert_eq!(derivations_to_build(&log).len(), PHASES.len(), "{log}");
    for phase in PHASES {
        assert!(
            log.contains(&format!(
                "phaser: split build of hello-2.10: phase {phase} "
            )),
            "no derivation ran {phase}\n{log}"
        );
    }
    eprintln!("split build of hello: {split_time:.1?} in all; the tree hand-offs:");
    for line in log
        .lines()
        .filter(|l| l.contains("hand-off") || l.contains("split build of"))
    {
        eprintln!("  {line}");
    }

    // The final outputs equal the single derivation's, file by file.
    // (nix-build prints `out` only, so the outputs come from the derivations.)
    let split_outputs = store.outputs(&store.instantiate(&phases_nix, "phases.fixup"));
    let single_outputs = store.outputs(&store.instantiate(&single_nix, ""));
    assert_same_outputs(&store, &split_outputs, &single_outputs);
    let out = store.files(
        split_outputs
            .iter()
            .find(|p| p.ends_with("-hello-2.10"))
            .unwrap(),
    );
    assert_eq!(
        std::fs::read_link(out.join("bin/hi")).unwrap(),
        std::path::Path::new("hello"),
        "`runHook postInstall` in installPhase ran the hook"
    );
    let hello = Command::new(out.join("bin/hello")).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&hello.stdout), "Hello, world!\n");

    // Editing the install phase's body rebuilds install and what follows only.
    let edited = INSTALL.replace("make install", "echo 'installing, edited'\nmake install");
    sandbox.write_plan(&hello_nix_plan(&edited));
    let phases_nix = split_expression(&sandbox, &builder);
    let mut expected: Vec<(String, &str)> = ["install", "fixup"]
        .into_iter()
        .map(|p| (store.instantiate(&phases_nix, &format!("phases.{p}")), p))
        .collect();
    expected.sort();
    let (rebuild, _) = store.build(&[phases_nix.as_os_str()]);
    let log = stderr(&rebuild);
    let mut built = derivations_to_build(&log);
    built.sort();
    let expected_drvs: Vec<&String> = expected.iter().map(|(drv, _)| drv).collect();
    assert_eq!(
        built.iter().collect::<Vec<_>>(),
        expected_drvs,
        "nix-build should build exactly install and fixup\n{log}"
    );
    eprintln!("after editing installPhase ({expected:?}), nix-build says:");
    for line in log.lines().filter(|l| {
        l.contains("will be built") || l.starts_with("  /nix/store") || l.starts_with("building ")
    }) {
        eprintln!("  {line}");
    }
    assert!(log.contains("installing, edited"), "{log}");
    for phase in ["unpack", "patch", "configure", "build", "check"] {
        assert!(
            !log.contains(&format!("phase {phase} ")),
            "{phase} ran again\n{log}"
        );
    }
}
