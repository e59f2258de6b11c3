//! nixpkgs bash snippets run unchanged: each test is a phase or hook in the
//! style of real nixpkgs packages, run on the small `demo-1.0` fixture with
//! the standard phases around it. What stdenv's one long-lived shell would
//! carry to later phases (exported variables, attribute variables, `cd`,
//! `sourceRoot`) must reach them.

use phaser_tests::{describe, stderr, workspace_root, Sandbox};
use serde_json::{json, Value};

/// The demo package with `extra` attributes layered on.
fn demo(extra: Value) -> Value {
    let mut plan = json!({
        "pname": "demo",
        "version": "1.0",
        "src": workspace_root().join("tests/fixtures/demo-1.0"),
    });
    for (k, v) in extra.as_object().unwrap() {
        plan[k] = v.clone();
    }
    plan
}

struct Built {
    sandbox: Sandbox,
    output: std::process::Output,
}

impl Built {
    fn out(&self, path: &str) -> std::path::PathBuf {
        self.sandbox.path("out/out").join(path)
    }
    fn read_out(&self, path: &str) -> String {
        std::fs::read_to_string(self.out(path))
            .unwrap_or_else(|e| panic!("{path}: {e}\n{}", describe(&self.output)))
    }
    fn source(&self, path: &str) -> String {
        std::fs::read_to_string(self.sandbox.build_dir().join("demo-1.0").join(path))
            .unwrap_or_else(|e| panic!("{path}: {e}\n{}", describe(&self.output)))
    }
}

fn build(extra: Value) -> Built {
    let sandbox = Sandbox::new();
    let output = sandbox.run(&demo(extra), &[]);
    assert!(output.status.success(), "{}", describe(&output));
    Built { sandbox, output }
}

#[test]
fn post_patch_substitute_in_place_with_replace_fail() {
    let b = build(
        json!({"postPatch": "substituteInPlace Makefile \\\n  --replace-fail 'CFLAGS ?= -O1' 'CFLAGS ?= -O2 -DGREETING=\\\"patched\\\"'"}),
    );
    assert!(b.source("Makefile").contains("CFLAGS ?= -O2"));
    let run = std::process::Command::new(b.out("bin/demo"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&run.stdout), "patched\n");
}

#[test]
fn a_replaced_install_phase_calls_its_hooks_once() {
    let b = build(json!({
        "preInstall": "echo pre >> \"$NIX_BUILD_TOP/hooks.log\"",
        "postInstall": "echo post >> \"$NIX_BUILD_TOP/hooks.log\"",
        "installPhase": "runHook preInstall\ninstall -Dm755 demo $out/bin/demo\ninstall -Dm644 README $out/share/doc/demo/README\nrunHook postInstall"
    }));
    let log = std::fs::read_to_string(b.sandbox.build_dir().join("hooks.log")).unwrap();
    assert_eq!(log, "pre\npost\n", "each hook exactly once");
    assert!(b.out("bin/demo").exists());
    assert_eq!(
        b.read_out("share/doc/demo/README"),
        "demo: a tiny package for the porting tests\n"
    );
}

#[test]
fn hooks_of_a_replaced_body_without_run_hook_are_kept() {
    let b = build(json!({
        "preBuild": "echo pre-build > \"$NIX_BUILD_TOP/pre.txt\"",
        "buildPhase": "make demo"
    }));
    assert!(
        b.sandbox.build_dir().join("pre.txt").exists(),
        "preBuild was dropped"
    );
}

#[test]
fn make_flags_array_keeps_words_with_spaces() {
    let b = build(json!({
        "preBuild": r#"makeFlagsArray+=("CFLAGS=-O2 -DGREETING='\"hi there\"'")"#
    }));
    let run = std::process::Command::new(b.out("bin/demo"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&run.stdout), "hi there\n");
}

#[test]
fn configure_flags_appended_in_pre_configure_reach_configure() {
    let b = build(
        json!({"preConfigure": "configureFlags+=(--with-extra)", "configureFlags": ["--enable-demo"]}),
    );
    let args = b.source("configure.args");
    assert!(args.ends_with("--enable-demo\n--with-extra\n"), "{args}");
    assert!(b.source("build.info").contains("extra=yes"));
}

#[test]
fn an_exported_variable_reaches_make_in_the_next_phase() {
    let b = build(json!({"preBuild": "export DEMO_MODE=fast"}));
    assert_eq!(b.source("build.info"), "mode=fast extra=no\n");
}

#[test]
fn cd_in_pre_configure_moves_the_later_phases() {
    let b = build(json!({"preConfigure": "cd src", "dontConfigure": false}));
    assert_eq!(b.read_out("share/where.txt"), "built in src\n");
}

#[test]
fn post_unpack_can_move_the_source_root() {
    let b = build(json!({"postUnpack": "sourceRoot=$sourceRoot/src"}));
    assert_eq!(b.read_out("share/where.txt"), "built in src\n");
    assert_eq!(b.sandbox.state()["state"]["sourceRoot"], "demo-1.0/src");
}

#[test]
fn patch_shebangs_in_post_install() {
    let b = build(json!({"dontPatchShebangs": true, "postInstall": "patchShebangs $out/bin"}));
    let first = b
        .read_out("bin/demo-tool")
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert!(
        first.starts_with("#!/") && first.ends_with("/bash") && !first.contains("env"),
        "{first}"
    );
}

#[test]
fn a_loop_over_the_outputs() {
    let b = build(json!({
        "outputs": ["out", "doc"],
        "postInstall": "for output in $(getAllOutputNames); do\n  mkdir -p \"${!output}/share/names\"\n  echo \"$output\" > \"${!output}/share/names/$output\"\ndone"
    }));
    assert_eq!(b.read_out("share/names/out"), "out\n");
    let doc = b.sandbox.path("out/doc/share/names/doc");
    assert_eq!(std::fs::read_to_string(doc).unwrap(), "doc\n");
}

#[test]
fn a_replaced_build_phase_with_run_hook_and_cores() {
    let b = build(json!({
        "postBuild": "echo post-build >> \"$NIX_BUILD_TOP/hooks.log\"",
        "buildPhase": "runHook preBuild\nmake -j$NIX_BUILD_CORES demo\nrunHook postBuild"
    }));
    assert_eq!(
        std::fs::read_to_string(b.sandbox.build_dir().join("hooks.log")).unwrap(),
        "post-build\n"
    );
    assert!(b.out("bin/demo").exists());
}

#[test]
fn dont_strip_set_by_a_hook_reaches_fixup() {
    let b = build(json!({"preBuild": "makeFlagsArray+=(CFLAGS=-g)", "preFixup": "dontStrip=1"}));
    let sections = std::process::Command::new("readelf")
        .arg("-S")
        .arg(b.out("bin/demo"))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&sections.stdout).contains(".debug_info"),
        "stripped despite dontStrip"
    );
}

#[test]
fn subst_var_in_post_install() {
    let b = build(json!({"postInstall": "substituteInPlace $out/bin/demo-tool --subst-var out"}));
    let out = b.sandbox.path("out/out");
    assert!(b
        .read_out("bin/demo-tool")
        .contains(&format!("demo-tool from {}", out.display())));
}

#[test]
fn build_command_replaces_every_phase() {
    let b = build(
        json!({"buildCommand": "mkdir -p $out/bin\nprintf '#!/bin/sh\\necho from buildCommand\\n' > $out/bin/hi\nchmod +x $out/bin/hi"}),
    );
    let run = std::process::Command::new(b.out("bin/hi"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&run.stdout), "from buildCommand\n");
    assert_eq!(b.sandbox.state()["completed"], json!(["buildCommand"]));
}

#[test]
fn an_unpack_phase_that_copies_src_and_sets_source_root() {
    let b = build(
        json!({"unpackPhase": "cp -r $src demo-src\nchmod -R u+w demo-src\nsourceRoot=demo-src"}),
    );
    assert!(b.sandbox.build_dir().join("demo-src/demo").exists());
    assert!(b.out("bin/demo").exists());
}

#[test]
fn a_check_phase_with_make_test() {
    let b = build(
        json!({"doCheck": true, "checkPhase": "runHook preCheck\nmake test\nrunHook postCheck", "postCheck": "touch $NIX_BUILD_TOP/checked"}),
    );
    assert!(b.sandbox.build_dir().join("checked").exists());
}

#[test]
fn a_failing_hook_names_the_hook_and_the_line() {
    let sandbox = Sandbox::new();
    let output = sandbox.run(
        &demo(json!({"preBuild": "echo starting\nfalse\necho never"})),
        &[],
    );
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("phase `build/preBuild` (bash) failed at plan.json#preBuild:2: `false` exited with status 1"), "{err}");
    assert_eq!(
        sandbox.state()["completed"],
        json!(["unpack", "patch", "configure"])
    );
}

#[test]
fn the_default_configure_adds_the_prefix_first() {
    let b = build(json!({"configureFlags": ["--enable-x"]}));
    let out = b.sandbox.path("out/out");
    assert_eq!(
        b.source("configure.args"),
        format!("--prefix={}\n--enable-x\n", out.display())
    );
}

#[test]
fn man_pages_end_up_gzipped() {
    let b = build(json!({}));
    assert!(b.out("share/man/man1/demo.1.gz").exists());
}

// stdenv's unpackFile runs `unpackCmd` first (runOneHook): here it copies
// the source under another name, which then is the source root.
#[test]
fn an_unpack_cmd_hook_unpacks_the_source() {
    let b = build(json!({
        "unpackCmd": "cp -r \"$curSrc\" copied && echo \"$curSrc\" > \"$NIX_BUILD_TOP/unpacked-by-hook\"",
    }));
    let marker = std::fs::read_to_string(b.sandbox.build_dir().join("unpacked-by-hook")).unwrap();
    assert!(marker.trim_end().ends_with("demo-1.0"), "{marker}");
    assert!(b.sandbox.build_dir().join("copied/Makefile").exists());
    assert!(b.out("bin/demo").exists());
}

// setSourceRoot decides the source root (runOneHook setSourceRoot).
#[test]
fn set_source_root_picks_the_directory() {
    let b = build(json!({
        "srcs": [workspace_root().join("tests/fixtures/demo-1.0"), workspace_root().join("tests/fixtures/mesondemo-1.0")],
        "setSourceRoot": "sourceRoot=demo-1.0",
    }));
    assert!(b.out("bin/demo").exists());
}

#[test]
fn a_bash_hook_that_changes_nothing_keeps_variables_bash_cannot_name() {
    // Nix passes such names through the environment (`env."a.b"`); bash
    // cannot hold them as variables, so they are not the hook's to delete.
    let b = build(json!({
        "env": {"dotted.name": "kept", "with-dash": "kept too"},
        "postConfigure": ":",
        "postInstall": "printenv dotted.name with-dash > $out/seen"
    }));
    assert_eq!(b.read_out("seen"), "kept\nkept too\n");
}
