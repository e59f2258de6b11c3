//! The bootstrap (bootstrap/README.md): a static phaser and a few seed
//! binaries build a Lua interpreter in a chroot that holds nothing else,
//! and that Lua then runs the next stage, which must rebuild it bit for bit.
//!
//! Needs root (chroot), tcc, busybox-static, libc6-dev, linux-libc-dev and
//! the Lua tarball; tests/run provides all of them. Anything missing fails
//! the test with what to do.

use std::collections::BTreeSet;
use std::time::Instant;

use phaser_tests::bootstrap::{sha256, static_phaser, SeedChroot, BUILD};
use phaser_tests::describe;
use serde_json::json;

#[test]
fn the_static_phaser_runs_rhai_and_lua_in_an_empty_chroot() {
    phaser_tests::bootstrap::require_tools();
    // Nothing but the binary, a plan and a work directory: no /dev, /proc,
    // libraries or shell.
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("bin")).unwrap();
    std::fs::copy(static_phaser(), root.path().join("bin/phaser")).unwrap();
    std::fs::create_dir_all(root.path().join("work/tmp")).unwrap();
    let plan = json!({
        "pname": "empty-chroot", "version": "1",
        "phases": ["build", "install"],
        "phaser": {"phases": {
            "build": {"rhai": "write(#{path: \"made-by-rhai\", content: \"rhai\"}); #{state: #{n: 41}}"},
            "install": {"lua": "std.write{path = input.outputs.out .. '/result', content = 'lua got ' .. (input.state.n + 1)}"}
        }}
    });
    std::fs::write(root.path().join("work/plan.json"), plan.to_string()).unwrap();
    let chroot = SeedChroot { dir: root };
    let output = chroot_run_plain(&chroot);
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(
        std::fs::read_to_string(chroot.host_path("work/o/out/result")).unwrap(),
        "lua got 42"
    );
    assert!(chroot.host_path("work/b/made-by-rhai").is_file());
    for absent in ["dev", "proc", "lib", "lib64", "usr", "tmp", "etc"] {
        assert!(!chroot.host_path(absent).exists(), "/{absent} exists");
    }
}

/// Runs /work/plan.json in a chroot that has no seeds but the phaser.
fn chroot_run_plain(chroot: &SeedChroot) -> std::process::Output {
    std::process::Command::new(phaser_tests::bootstrap::chroot_program())
        .arg(chroot.root())
        .args(["/bin/phaser", "run", "/work/plan.json"])
        .args(["--build-dir", "/work/b", "--out-dir", "/work/o"])
        .env_clear()
        .env("TMPDIR", "/work/tmp")
        .env("NO_COLOR", "1")
        .output()
        .expect("running chroot")
}

#[test]
fn stage0_builds_lua_from_seeds_and_stage1_rebuilds_it_identically() {
    let chroot = SeedChroot::new(true);
    let seeds = chroot.manifest_paths();

    let started = Instant::now();
    let stage0 = chroot.run_stage("stage0");
    let stage0_time = started.elapsed();
    assert!(stage0.status.success(), "stage 0:\n{}", describe(&stage0));
    let log0 = String::from_utf8_lossy(&stage0.stderr);
    assert!(
        log0.contains(&format!("seeds: {} files", seeds.len())),
        "{log0}"
    );
    assert!(log0.contains("Lua 5.4.4"), "{log0}");
    let lua0 = chroot.host_path(&format!("{BUILD}/stage0/out/bin/lua"));
    json_lua_passes_its_tests(&chroot);
    the_adapter_speaks_the_protocol(&chroot);

    let started = Instant::now();
    let stage1 = chroot.run_stage("stage1");
    let stage1_time = started.elapsed();
    assert!(stage1.status.success(), "stage 1:\n{}", describe(&stage1));
    let log1 = String::from_utf8_lossy(&stage1.stderr);
    // Every stage-1 phase ran through exec in the stage-0 lua.
    for phase in ["unpack", "build", "install", "installCheck"] {
        assert!(
            log1.contains(&format!("{phase} (exec, phaser.phases.{phase})")),
            "{log1}"
        );
    }
    assert!(log1.contains("driven by Lua 5.4"), "{log1}");
    let lua1 = chroot.host_path(&format!("{BUILD}/stage1/out/bin/lua"));

    // The fixpoint.
    let (sum0, sum1) = (sha256(&lua0), sha256(&lua1));
    assert_eq!(sum0, sum1, "stage 1's lua differs from stage 0's");

    // Nothing but the seeds, the inputs and the build directory: the seed
    // directories hold exactly the manifest, and the rest is the plans
    // (bootstrap/), the tarball (sources/) and what the stages built (build/).
    let files = chroot.file_list();
    let in_seed_dirs: BTreeSet<String> = files
        .iter()
        .filter(|f| {
            ["bin/", "lib/", "lib64/", "usr/"]
                .iter()
                .any(|d| f.starts_with(d))
        })
        .cloned()
        .collect();
    assert_eq!(
        in_seed_dirs, seeds,
        "the seed directories differ from the manifest"
    );
    let others: Vec<&String> = files
        .iter()
        .filter(|f| !in_seed_dirs.contains(*f))
        .filter(|f| {
            !["bootstrap/", "sources/", "build/"]
                .iter()
                .any(|d| f.starts_with(d))
        })
        .collect();
    assert!(
        others.is_empty(),
        "unexpected files in the chroot: {others:?}"
    );
    assert_eq!(
        files
            .iter()
            .filter(|f| f.starts_with("sources/"))
            .collect::<Vec<_>>(),
        ["sources/lua5.4_5.4.4.orig.tar.gz"]
    );

    let seed_bytes: u64 = seeds
        .iter()
        .filter_map(|s| chroot.host_path(s).symlink_metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum();
    eprintln!(
        "bootstrap: {} seeds, {seed_bytes} bytes ({:.1} MB); stage 0 {stage0_time:.2?}, stage 1 {stage1_time:.2?}, total {:.2?}; lua sha256 {sum0} in both stages",
        seeds.len(),
        seed_bytes as f64 / 1e6,
        stage0_time + stage1_time
    );
}

/// bootstrap/json_test.lua in the Lua that stage 0 built.
fn json_lua_passes_its_tests(chroot: &SeedChroot) {
    let output = chroot.run(&[
        &format!("/{BUILD}/stage0/out/bin/lua"),
        "/bootstrap/json_test.lua",
    ]);
    assert!(
        output.status.success(),
        "json_test.lua:\n{}",
        describe(&output)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("checks passed"));
}

/// lua-phase.lua with stage 0's lua: positional and named std calls, the
/// log kept off stdout, an answer carried to the state, and a failing call
/// reported at the phase script's line.
fn the_adapter_speaks_the_protocol(chroot: &SeedChroot) {
    let dir = chroot.host_path(&format!("{BUILD}/adapter"));
    std::fs::create_dir_all(&dir).unwrap();
    let lua_phase = |script: &str| json!({"exec": ["lua", "/bootstrap/lua-phase.lua", format!("/{BUILD}/adapter/{script}")]});
    let plan = json!({
        "pname": "adapter", "version": "1",
        "env": {"PATH": format!("/{BUILD}/stage0/out/bin:/usr/bin:/bin")},
        "phases": ["build", "fail"],
        "phaser": {"phases": {"build": lua_phase("build.lua"), "fail": lua_phase("fail.lua")}}
    });
    std::fs::write(dir.join("plan.json"), plan.to_string()).unwrap();
    std::fs::write(
        dir.join("build.lua"),
        r#"print("printed to the log")
io.write("written to the log\n")
std.run{"sh", "-c", "echo from a positional run"}
local sum = std.hash{string = "abc"}
std.write{path = "sum.txt", content = sum}
return {state = {sum = sum, list = json.array{1, "two"}, nothing = std.log{"logged"}}}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("fail.lua"),
        "-- fails on line 2\nstd.run{argv = {\"sh\", \"-c\", \"exit 3\"}}\n",
    )
    .unwrap();
    let output = chroot.run(&[
        "/bin/phaser",
        "run",
        &format!("/{BUILD}/adapter/plan.json"),
        "--build-dir",
        &format!("/{BUILD}/adapter/work"),
    ]);
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "fail.lua should fail:\n{log}");
    for expected in [
        "printed to the log",
        "written to the log",
        "from a positional run",
        "logged",
        "exited with status 3",
        "fail.lua:2:",
        "phase `fail` (exec) failed",
    ] {
        assert!(log.contains(expected), "missing `{expected}` in:\n{log}");
    }
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("work/.phaser/state.json")).unwrap())
            .unwrap();
    let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    assert_eq!(state["state"]["sum"], abc, "{state:#}");
    assert_eq!(state["state"]["list"], json!([1, "two"]));
    assert_eq!(
        std::fs::read_to_string(dir.join("work/sum.txt")).unwrap(),
        abc
    );
}

/// Runs stage 0 after `tamper` changed the chroot and checks that it
/// refused before any phase, naming `path`.
fn refuses(path: &str, what: &str, tamper: impl FnOnce(&SeedChroot)) {
    let chroot = SeedChroot::new(true);
    tamper(&chroot);
    let output = chroot.run_stage("stage0");
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "stage 0 ran with {path} {what}:\n{log}"
    );
    assert!(log.contains(&format!("{path}: {what}")), "{path}:\n{log}");
    assert!(log.contains("no phase ran"), "{log}");
    assert!(!log.contains("==> phase"), "a phase started:\n{log}");
    assert!(
        !chroot.host_path(&format!("{BUILD}/stage0")).exists(),
        "stage 0 created its build directory"
    );
}

#[test]
fn stage0_refuses_a_seed_with_one_flipped_byte() {
    for seed in [
        "usr/bin/tcc",
        "lib/x86_64-linux-gnu/libc.so.6",
        "usr/include/stdio.h",
    ] {
        refuses(seed, "changed", |chroot| {
            let path = chroot.host_path(seed);
            let mut bytes = std::fs::read(&path).unwrap();
            let middle = bytes.len() / 2;
            bytes[middle] ^= 0x20;
            std::fs::write(&path, bytes).unwrap();
        });
    }
    // The runtime checks its own file too. Its last bytes are section
    // headers, which nothing reads at run time, so the flipped phaser
    // still starts and must refuse itself.
    refuses("bin/phaser", "changed", |chroot| {
        let path = chroot.host_path("bin/phaser");
        let mut bytes = std::fs::read(&path).unwrap();
        *bytes.last_mut().unwrap() ^= 0x01;
        std::fs::write(&path, bytes).unwrap();
    });
}

#[test]
fn stage0_refuses_a_missing_seed() {
    let seed = "usr/lib/x86_64-linux-gnu/crt1.o";
    refuses(seed, "missing", |chroot| {
        std::fs::remove_file(chroot.host_path(seed)).unwrap();
    });
}

#[test]
fn stage0_refuses_an_extra_file() {
    let extra = "usr/bin/cc";
    refuses(extra, "not in the manifest", |chroot| {
        std::fs::copy(chroot.host_path("usr/bin/tcc"), chroot.host_path(extra)).unwrap();
    });
}

#[test]
fn the_stage_plans_satisfy_the_schema_and_resolve() {
    let output = phaser_tests::phaser().arg("schema").output().unwrap();
    let schema: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.add_resource("phaser:plan.json", schema).unwrap();
    let index = compiler.compile("phaser:plan.json", &mut schemas).unwrap();
    for stage in ["stage0", "stage1"] {
        let path = phaser_tests::workspace_root().join(format!("bootstrap/{stage}.json"));
        let plan: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        if let Err(e) = schemas.validate(&plan, index) {
            panic!("{stage}.json does not satisfy the schema: {e:#}");
        }
        assert_eq!(plan["phaser"]["seeds"], "seeds.json");
        let output = phaser_tests::phaser()
            .arg("plan")
            .arg(&path)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", describe(&output));
        let listing = String::from_utf8_lossy(&output.stdout);
        for phase in ["unpack", "build", "install", "installCheck"] {
            assert!(listing.contains(phase), "{stage}: {listing}");
        }
    }
    // A seeds setting that is not a path is a plan error at its key.
    let sandbox = phaser_tests::Sandbox::new();
    let output = sandbox.run(&json!({"phaser": {"seeds": 7}}), &[]);
    assert!(!output.status.success());
    assert!(
        phaser_tests::stderr(&output).contains("phaser.seeds: must be the path of a seed manifest"),
        "{}",
        describe(&output)
    );
}
