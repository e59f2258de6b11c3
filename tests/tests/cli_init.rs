//! `phaser init` as a new user meets it: a plan from a tarball or a
//! directory, which `phaser run` then builds as is; and the shell
//! completions and manual page.

use std::process::Command;

use phaser_tests::{describe, phaser, require_tool, source, workspace_root, Sandbox};
use serde_json::{json, Value};

/// `phaser init SOURCE -o plan.json` in a sandbox, then `phaser run` of the
/// written plan; returns the plan and the sandbox.
fn init_and_build(source: &std::path::Path) -> (Value, Sandbox) {
    let sandbox = Sandbox::new();
    let plan_path = sandbox.path("plan.json");
    let output = phaser()
        .arg("init")
        .arg(source)
        .arg("-o")
        .arg(&plan_path)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    let said = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(said.contains("phaser init: wrote"), "{said}");
    let plan: Value = serde_json::from_slice(&std::fs::read(&plan_path).unwrap()).unwrap();
    let run = sandbox.run_command(&plan_path).output().unwrap();
    assert!(run.status.success(), "{plan:#}\n{}", describe(&run));
    (plan, sandbox)
}

#[test]
fn hello_from_its_debian_tarball() {
    require_tool("make", "make");
    let (plan, sandbox) = init_and_build(&source("hello_2.10.orig.tar.gz"));
    assert_eq!(plan["pname"], "hello");
    assert_eq!(plan["version"], "2.10");
    assert_eq!(plan["doCheck"], true);
    let hello = Command::new(sandbox.path("out/out/bin/hello"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&hello.stdout), "Hello, world!\n");
}

/// The README's tour: relative names, run in the tarball's directory;
/// the plan names the tarball as given and checks clean.
#[test]
fn a_tarball_named_relative_to_the_current_directory() {
    let sandbox = Sandbox::new();
    std::os::unix::fs::symlink(
        source("hello_2.10.orig.tar.gz"),
        sandbox.path("hello-2.10.tar.gz"),
    )
    .unwrap();
    let output = phaser()
        .args(["init", "hello-2.10.tar.gz", "-o", "hello.json"])
        .current_dir(sandbox.dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    let plan: Value =
        serde_json::from_slice(&std::fs::read(sandbox.path("hello.json")).unwrap()).unwrap();
    assert_eq!(plan["src"], "hello-2.10.tar.gz");
    let output = phaser()
        .args(["check", "hello.json"])
        .current_dir(sandbox.dir.path())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", describe(&output));
}

#[test]
fn cjson_is_seen_as_cmake() {
    require_tool("cmake", "cmake");
    let (plan, sandbox) = init_and_build(&source("cjson_1.7.15.orig.tar.gz"));
    assert_eq!(plan["configureStyle"], "cmake");
    assert!(sandbox.path("out/out/include/cjson/cJSON.h").exists());
}

#[test]
fn bzip2_is_a_plain_makefile_installing_under_prefix() {
    require_tool("make", "make");
    let (plan, sandbox) = init_and_build(&source("bzip2_1.0.8.orig.tar.gz"));
    assert_eq!(plan["makeFlags"], json!(["PREFIX=$(out)"]));
    assert!(plan.get("configureStyle").is_none(), "{plan:#}");
    assert!(sandbox.path("out/out/bin/bzip2").exists());
}

#[test]
fn a_meson_directory() {
    require_tool("meson", "meson");
    require_tool("ninja", "ninja-build");
    let (plan, sandbox) = init_and_build(&workspace_root().join("tests/fixtures/mesondemo-1.0"));
    assert_eq!(plan["pname"], "mesondemo");
    assert_eq!(plan["configureStyle"], "meson");
    assert!(sandbox.path("out/out/bin/mesondemo").exists());
}

#[test]
fn a_source_without_a_build_system_is_a_clear_error() {
    let sandbox = Sandbox::new();
    let dir = sandbox.path("plain-1.0");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("README"), "nothing to build\n").unwrap();
    let output = phaser().arg("init").arg(&dir).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no build system found"));
}

#[test]
fn bash_completion_completes_subcommands() {
    require_tool("bash", "bash");
    let script = format!(
        "source <({} completions bash) && COMP_WORDS=(phaser ini) && COMP_CWORD=1 && \
         _phaser phaser ini phaser && echo \"${{COMPREPLY[@]}}\"",
        phaser_tests::phaser_bin().display()
    );
    let output = Command::new("bash").arg("-c").arg(script).output().unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "init");
}

#[test]
fn the_manual_page_is_roff_naming_the_commands() {
    let output = phaser().arg("man").output().unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    let page = String::from_utf8_lossy(&output.stdout);
    assert!(page.contains(".TH phaser 1"), "{page}");
    assert!(page.contains("init") && page.contains("run"), "{page}");
}
