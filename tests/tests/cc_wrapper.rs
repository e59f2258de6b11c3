//! phaser as the compiler and linker wrapper (`cc`, `gcc`, `g++`, `c++`,
//! `ld` in a directory first on the phases' PATH): dependencies' headers
//! and libraries reach Debian's gcc, built programs load their libraries
//! from the dependencies' prefixes, and the build directory leaves no
//! trace in what is built.

use std::path::{Path, PathBuf};
use std::process::Command;

use phaser_tests::{describe, require_tool, source, stderr, tree, Sandbox};
use serde_json::{json, Value};

fn s(path: &Path) -> String {
    path.display().to_string()
}

/// A plan building in bash from the source directory `src`.
fn plan(src: &Path, build: &str, install: &str, extra: Value) -> Value {
    let mut plan = json!({"pname": "w", "version": "1", "src": s(src),
        "phases": ["unpack", "build", "install", "fixup"],
        "buildPhase": build, "installPhase": install});
    for (k, v) in extra.as_object().unwrap() {
        plan[k] = v.clone();
    }
    plan
}

/// Writes `files` (name, content) into a fresh directory `name` of the sandbox.
fn sources(sandbox: &Sandbox, name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = sandbox.path(name);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, content) in files {
        std::fs::write(dir.join(file), content).unwrap();
    }
    dir
}

/// Runs `plan` as `name` (its own build and output directories) and
/// returns the `out` output.
fn build(sandbox: &Sandbox, name: &str, plan: &Value) -> (PathBuf, std::process::Output) {
    let file = sandbox.path(&format!("{name}.json"));
    std::fs::write(&file, serde_json::to_string_pretty(plan).unwrap()).unwrap();
    let output = phaser_tests::phaser()
        .arg("run")
        .arg(&file)
        .arg("--build-dir")
        .arg(sandbox.path(&format!("{name}-build")))
        .arg("--out-dir")
        .arg(sandbox.path(&format!("{name}-out")))
        .output()
        .unwrap();
    assert!(output.status.success(), "{name}: {}", describe(&output));
    (sandbox.path(&format!("{name}-out/out")), output)
}

/// The RUNPATH of an ELF file (empty when it has none).
fn run_path(file: &Path) -> Vec<String> {
    let out = Command::new("readelf")
        .arg("-d")
        .arg(file)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find(|l| l.contains("(RUNPATH)"))
        .and_then(|l| l.split('[').nth(1))
        .map(|l| {
            l.trim_end_matches(']')
                .split(':')
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// libdep: `dep_answer()` in a shared library, with its header.
fn libdep(sandbox: &Sandbox) -> PathBuf {
    let src = sources(
        sandbox,
        "libdep-src",
        &[
            ("dep.c", "int dep_answer(void) { return 42; }\n"),
            ("dep.h", "int dep_answer(void);\n"),
        ],
    );
    let plan = plan(
        &src,
        "gcc -shared -fPIC -o libdep.so dep.c",
        "install -Dm644 libdep.so $out/lib/libdep.so\ninstall -Dm644 dep.h $out/include/dep.h",
        json!({}),
    );
    build(sandbox, "libdep", &plan).0
}

const MAIN: &str = "#include <dep.h>\n#include <stdio.h>\n\
    int own_answer(void);\n\
    int main(void) { printf(\"%d %d\\n\", dep_answer(), OWN); return 0; }\n";

#[test]
fn programs_find_and_load_their_dependency_from_its_prefix() {
    require_tool("gcc", "gcc");
    let sandbox = Sandbox::new();
    let dep = libdep(&sandbox);
    let src = sources(
        &sandbox,
        "app-src",
        &[
            ("main.c", MAIN),
            ("own.c", "int own_answer(void) { return 7; }\n"),
        ],
    );
    // `app` uses only the dependency; `both` also a library of its own,
    // linked from the build tree and installed beside it.
    let build_phase = "gcc -DOWN=0 -o app main.c -ldep\n\
        gcc -shared -fPIC -o libown.so own.c\n\
        gcc -DOWN='own_answer()' -o both main.c -L. -lown -ldep";
    let install = "install -Dm755 app $out/bin/app\ninstall -Dm755 both $out/bin/both\n\
        install -Dm644 libown.so $out/lib/libown.so";
    let app_plan = plan(
        &src,
        build_phase,
        install,
        json!({"buildInputs": [s(&dep)]}),
    );
    let (out, _) = build(&sandbox, "app", &app_plan);
    let dep_lib = s(&dep.join("lib"));
    assert_eq!(
        run_path(&out.join("bin/app")),
        std::slice::from_ref(&dep_lib)
    );
    assert_eq!(
        run_path(&out.join("bin/both")),
        [s(&out.join("lib")), dep_lib.clone()]
    );
    for (program, expected) in [("app", "42 0\n"), ("both", "42 7\n")] {
        let run = Command::new(out.join("bin").join(program))
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&run.stdout), expected, "{program}");
        let ldd = Command::new("ldd")
            .arg(out.join("bin").join(program))
            .output()
            .unwrap();
        let ldd = String::from_utf8_lossy(&ldd.stdout);
        assert!(
            ldd.contains(&format!("libdep.so => {dep_lib}/libdep.so")),
            "{ldd}"
        );
    }
}

#[test]
fn ld_called_directly_gets_the_linker_flags_and_a_run_path() {
    require_tool("ld", "binutils");
    let sandbox = Sandbox::new();
    let dep = libdep(&sandbox);
    let src = sources(
        &sandbox,
        "ld-src",
        &[(
            "x.c",
            "int dep_answer(void);\nint x(void) { return dep_answer(); }\n",
        )],
    );
    let plan = plan(
        &src,
        "gcc -c -fPIC x.c\nld -shared -o libx.so x.o -ldep",
        "install -Dm644 libx.so $out/lib/libx.so",
        json!({"buildInputs": [s(&dep)]}),
    );
    let (out, _) = build(&sandbox, "ldx", &plan);
    assert_eq!(run_path(&out.join("lib/libx.so")), [s(&dep.join("lib"))]);
}

#[test]
fn the_plans_compiler_flags_reach_the_compiler_and_nix_debug_shows_them() {
    let sandbox = Sandbox::new();
    let src = sources(
        &sandbox,
        "flags-src",
        &[(
            "main.c",
            "#include <stdio.h>\nint main(void) { puts(GREETING); return 0; }\n",
        )],
    );
    let plan = plan(
        &src,
        "NIX_DEBUG=1 cc -o greet main.c",
        "install -Dm755 greet $out/bin/greet",
        // Split on white space, as the wrappers' unquoted expansion splits it.
        json!({"env": {"NIX_CFLAGS_COMPILE": "-DGREETING=\"from_the_plan\""}}),
    );
    let (out, output) = build(&sandbox, "flags", &plan);
    let run = Command::new(out.join("bin/greet")).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&run.stdout), "from_the_plan\n");
    let log = stderr(&output);
    assert!(log.contains("extra flags after to "), "{log}");
    assert!(log.contains("-ffile-prefix-map="), "{log}");
}

#[test]
fn without_the_wrapper_the_compiler_gets_nothing_added() {
    let sandbox = Sandbox::new();
    let src = sources(
        &sandbox,
        "plain-src",
        &[(
            "main.c",
            "int main(void) {\n#ifdef GREETING\n#error the flags arrived\n#endif\nreturn 0; }\n",
        )],
    );
    let mut plan = plan(
        &src,
        "cc -o plain main.c\ntest \"$(command -v cc)\" != \"$PHASER_WRAPPER_DIR/cc\"",
        "install -Dm755 plain $out/bin/plain",
        json!({"env": {"NIX_CFLAGS_COMPILE": "-DGREETING=1"}}),
    );
    plan["phaser"] = json!({"compilerWrapper": false});
    build(&sandbox, "plain", &plan);
}

#[test]
fn a_missing_real_compiler_is_reported() {
    let sandbox = Sandbox::new();
    let src = sources(
        &sandbox,
        "none-src",
        &[("main.c", "int main(void) { return 0; }\n")],
    );
    let plan = plan(
        &src,
        "PATH=$PHASER_WRAPPER_DIR gcc -c main.c",
        "true",
        json!({}),
    );
    let file = sandbox.write_plan(&plan);
    let output = sandbox.run_command(&file).output().unwrap();
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(
        err.contains("phaser (as gcc): no `gcc` on PATH besides phaser's wrapper"),
        "{err}"
    );
}

#[test]
fn hello_built_in_two_build_directories_is_byte_identical() {
    require_tool("make", "make");
    let sandbox = Sandbox::new();
    let plan = json!({"pname": "hello", "version": "2.10",
        "src": source("hello_2.10.orig.tar.gz")});
    let path = sandbox.write_plan(&plan);
    let mut trees = Vec::new();
    for build_dir in ["first-build", "second/build-directory/with-a-longer-name"] {
        let output = phaser_tests::phaser()
            .arg("run")
            .arg(&path)
            .arg("--build-dir")
            .arg(sandbox.path(build_dir))
            .arg("--out-dir")
            .arg(sandbox.path("out"))
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", describe(&output));
        trees.push(tree(&sandbox.path("out/out")));
        std::fs::remove_dir_all(sandbox.path("out")).unwrap();
    }
    assert_eq!(
        trees[0].keys().collect::<Vec<_>>(),
        trees[1].keys().collect::<Vec<_>>()
    );
    for (file, content) in &trees[0] {
        assert!(
            trees[1][file] == *content,
            "{file} differs between the two builds"
        );
    }
}
