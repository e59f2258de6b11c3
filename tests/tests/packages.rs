//! Real upstream packages built by the standard phases alone (no phase
//! code in the plans): GNU hello (autotools, `doCheck`), cJSON (CMake,
//! picked because the source has only a CMakeLists.txt) and bzip2 (a plain
//! Makefile). Each result is checked for what stdenv would leave.

use std::path::Path;
use std::process::Command;

use phaser_tests::{describe, require_tool, source, tree, Sandbox};
use serde_json::{json, Value};

fn build(sandbox: &Sandbox, plan: &Value) -> std::process::Output {
    let output = sandbox.run(plan, &[]);
    assert!(output.status.success(), "{}", describe(&output));
    output
}

fn elf_sections(path: &Path) -> String {
    let out = Command::new("readelf")
        .arg("-S")
        .arg(path)
        .output()
        .expect("readelf (apt-get install binutils)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn hello_plan() -> Value {
    json!({
        "pname": "hello",
        "version": "2.10",
        "src": source("hello_2.10.orig.tar.gz"),
        "doCheck": true,
        "enableParallelBuilding": true
    })
}

#[test]
fn gnu_hello_with_the_standard_phases() {
    require_tool("make", "make");
    let sandbox = Sandbox::new();
    let output = build(&sandbox, &hello_plan());
    let out = sandbox.path("out/out");
    let run = Command::new(out.join("bin/hello")).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&run.stdout), "Hello, world!\n");
    // configure got stdenv's flags; check ran the test suite.
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(
        log.contains(&format!(
            "configure flags: --disable-dependency-tracking --prefix={}",
            out.display()
        )),
        "{log}"
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("PASS: tests/hello-1"));
    // fixup: man page gzipped without name or time, binary stripped of debug info.
    let man = std::fs::read(out.join("share/man/man1/hello.1.gz")).expect("hello.1 gzipped");
    assert_eq!(&man[..4], &[0x1f, 0x8b, 8, 0], "gzip header with no name");
    assert_eq!(&man[4..8], &[0, 0, 0, 0], "gzip header with no mtime");
    assert!(!out.join("share/man/man1/hello.1").exists());
    let sections = elf_sections(&out.join("bin/hello"));
    assert!(
        !sections.contains(".debug_info") && sections.contains(".symtab"),
        "{sections}"
    );
    assert!(out.join("share/info/hello.info").exists());
    // The source's newest file raised SOURCE_DATE_EPOCH (hello 2.10 is from 2014).
    let epoch: i64 = sandbox.state()["env"]["SOURCE_DATE_EPOCH"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(epoch > 1_400_000_000, "SOURCE_DATE_EPOCH {epoch}");
}

#[test]
fn hello_with_the_build_phase_in_lua_or_rhai_gives_the_same_output() {
    // All three builds install into the same output path, as Nix would give
    // them, so the ELF build ids (which hash the embedded paths) agree too.
    let sandbox = Sandbox::new();
    let variants = [
        ("default", None),
        (
            "lua",
            Some(
                json!({"lua": "std.run{'make', '-j' .. input.env.NIX_BUILD_CORES, 'SHELL=' .. input.env.SHELL}"}),
            ),
        ),
        (
            "rhai",
            Some(
                json!({"rhai": "run([\"make\", \"-j\" + input.env.NIX_BUILD_CORES, \"SHELL=\" + input.env.SHELL]); #{}"}),
            ),
        ),
    ];
    let mut trees = Vec::new();
    for (name, body) in variants {
        let mut plan = hello_plan();
        if let Some(body) = body {
            plan["phaser"] = json!({"phases": {"build": body}});
        }
        let _ = std::fs::remove_dir_all(sandbox.build_dir());
        build(&sandbox, &plan);
        let kept = sandbox.path(&format!("out-{name}"));
        std::fs::rename(sandbox.path("out"), &kept).unwrap();
        trees.push((name, tree(&kept.join("out"))));
    }
    let (_, expected) = &trees[0];
    for (name, got) in &trees[1..] {
        let names = |t: &std::collections::BTreeMap<String, (Vec<u8>, u32)>| {
            t.keys().cloned().collect::<Vec<_>>()
        };
        assert_eq!(names(got), names(expected), "{name}: file lists differ");
        for (file, content) in expected {
            assert!(
                &got[file] == content,
                "{name}: {file} differs from the default build's"
            );
        }
    }
}

#[test]
fn cjson_is_configured_with_cmake_because_it_has_only_a_cmakelists() {
    require_tool("cmake", "cmake");
    let sandbox = Sandbox::new();
    let plan = json!({
        "pname": "cjson",
        "version": "1.7.15",
        "src": source("cjson_1.7.15.orig.tar.gz"),
        "outputs": ["out", "dev"],
        "cmakeFlags": ["-DENABLE_CJSON_TEST=OFF"],
        "enableParallelBuilding": true
    });
    let output = build(&sandbox, &plan);
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(log.contains("using the cmake style"), "{log}");
    let out = sandbox.path("out/out");
    let dev = sandbox.path("out/dev");
    assert!(out.join("lib/libcjson.so.1.7.15").exists());
    assert!(
        dev.join("include/cjson/cJSON.h").exists(),
        "headers go to dev"
    );
    assert!(!out.join("include").exists(), "no headers left in out");
    let pc = std::fs::read_to_string(dev.join("lib/pkgconfig/libcjson.pc"))
        .expect("pkg-config file in dev");
    assert!(
        pc.contains(&dev.join("include").display().to_string()),
        "{pc}"
    );
    assert!(
        dev.join("lib/cmake/cJSON").is_dir(),
        "cmake files go to dev"
    );
    let sections = elf_sections(&out.join("lib/libcjson.so.1.7.15"));
    assert!(!sections.contains(".debug_info"), "{sections}");
}

#[test]
fn bzip2_with_a_plain_makefile() {
    let sandbox = Sandbox::new();
    let plan = json!({
        "pname": "bzip2",
        "version": "1.0.8",
        "src": source("bzip2_1.0.8.orig.tar.gz"),
        "makeFlags": ["PREFIX=$(out)"],
        "doCheck": true
    });
    let output = build(&sandbox, &plan);
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(log.contains("no configure script, doing nothing"), "{log}");
    let out = sandbox.path("out/out");
    // The program works.
    let mut child = Command::new(out.join("bin/bzip2"))
        .arg("-c")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"phaser").unwrap();
    let compressed = child.wait_with_output().unwrap().stdout;
    assert_eq!(&compressed[..3], b"BZh");
    // bzip2 installs man pages into $out/man: moved to share/man and gzipped.
    assert!(out.join("share/man/man1/bzip2.1.gz").exists());
    assert!(!out.join("man").exists());
    // Its shell scripts got the absolute path of the first `sh` on PATH.
    let bzgrep = std::fs::read_to_string(out.join("bin/bzgrep")).unwrap();
    let first_sh = std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .map(|dir| dir.join("sh"))
        .find(|p| p.is_file())
        .unwrap();
    assert_eq!(
        bzgrep.lines().next().unwrap(),
        format!("#!{}", first_sh.display())
    );
    // Static library stays, stripped of debug info.
    assert!(out.join("lib/libbz2.a").exists());
}

#[test]
fn hello_with_man_and_info_outputs() {
    let sandbox = Sandbox::new();
    let mut plan = hello_plan();
    plan["outputs"] = json!(["out", "man", "info"]);
    plan["doCheck"] = json!(false);
    build(&sandbox, &plan);
    let man = sandbox.path("out/man");
    let info = sandbox.path("out/info");
    assert!(
        man.join("share/man/man1/hello.1.gz").exists(),
        "man pages go to the man output"
    );
    assert!(
        info.join("share/info/hello.info").exists(),
        "info goes to the info output"
    );
    let out = sandbox.path("out/out");
    assert!(out.join("bin/hello").exists());
    assert!(!out.join("share/man").exists() && !out.join("share/info").exists());
}

#[test]
fn libogg_with_libtool_gets_its_la_file_pruned() {
    let sandbox = Sandbox::new();
    let plan = json!({
        "pname": "libogg",
        "version": "1.3.5",
        "src": source("libogg_1.3.5.orig.tar.xz"),
        "outputs": ["out", "dev", "doc"],
        "enableParallelBuilding": true,
        // A library dependency, so libtool writes a non-empty dependency_libs.
        "env": {"LIBS": "-lm"}
    });
    let output = build(&sandbox, &plan);
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(
        log.contains("--disable-static"),
        "libtool's configure gets --disable-static: {log}"
    );
    let out = sandbox.path("out/out");
    let built =
        std::fs::read_to_string(sandbox.build_dir().join("libogg-1.3.5/src/libogg.la")).unwrap();
    assert!(
        built.contains("dependency_libs=' -lm'"),
        "libtool recorded the dependency: {built}"
    );
    let la = std::fs::read_to_string(out.join("lib/libogg.la")).expect("the .la file stays");
    assert!(la.contains("old_library=''"), "{la}");
    assert!(
        la.lines().any(|l| l.starts_with("dependency_libs='' ")),
        "dependency_libs emptied: {la}"
    );
    assert!(!out.join("lib/libogg.a").exists(), "no static library");
    assert!(
        sandbox.path("out/dev/include/ogg/ogg.h").exists(),
        "headers go to dev"
    );
    assert!(
        sandbox.path("out/dev/lib/pkgconfig/ogg.pc").exists(),
        "pkg-config goes to dev"
    );
    assert!(sandbox.path("out/doc/share/doc").is_dir(), "docs go to doc");
    assert!(!out.join("share/doc").exists());
    let sections = elf_sections(&out.join("lib/libogg.so.0.8.5"));
    assert!(!sections.contains(".debug_info"), "{sections}");
}

#[test]
fn a_meson_project_is_configured_with_meson_and_built_with_ninja() {
    require_tool("meson", "meson");
    require_tool("ninja", "ninja-build");
    let sandbox = Sandbox::new();
    let plan = json!({
        "pname": "mesondemo",
        "version": "1.0",
        "src": phaser_tests::workspace_root().join("tests/fixtures/mesondemo-1.0"),
        "doCheck": true
    });
    let output = build(&sandbox, &plan);
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(log.contains("using the meson style"), "{log}");
    let out = sandbox.path("out/out");
    let run = Command::new(out.join("bin/mesondemo")).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&run.stdout), "hello from meson\n");
    assert!(out.join("share/man/man1/mesondemo.1.gz").exists());
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("Ok:"),
        "meson test ran"
    );
}
