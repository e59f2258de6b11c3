//! `strip` through the registry: real ELF files built with `cc -g` and
//! stripped with binutils, and a recording fake strip for the file choice.

mod fixup_support;

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use fixup_support::{call, context, elf_sections, write};
use serde_json::{json, Value};

const SYSTEM_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// Compiles a small C program with debug information to `target`.
fn compile(dir: &Path, target: &Path) {
    let source = dir.join("hello.c");
    fs::write(
        &source,
        "#include <stdio.h>\nstatic int answer(void) { return 42; }\n\
         int main(void) { printf(\"%d\\n\", answer()); return 0; }\n",
    )
    .unwrap();
    fs::create_dir_all(target.parent().unwrap()).unwrap();
    let status = Command::new("cc")
        .arg("-g")
        .arg("-o")
        .arg(target)
        .arg(&source)
        .status()
        .expect("the strip tests need a C compiler (`cc`) on PATH");
    assert!(status.success(), "cc failed");
}

/// A static archive holding one object file compiled with `-g`.
fn archive(dir: &Path, target: &Path) {
    let source = dir.join("foo.c");
    let object = dir.join("foo.o");
    fs::write(&source, "int foo(int x) { return x * 2; }\n").unwrap();
    let ok = Command::new("cc")
        .args(["-g", "-c", "-o"])
        .arg(&object)
        .arg(&source)
        .status()
        .unwrap()
        .success();
    assert!(ok, "cc -c failed");
    fs::create_dir_all(target.parent().unwrap()).unwrap();
    let ok = Command::new("ar")
        .arg("rcs")
        .arg(target)
        .arg(&object)
        .status()
        .unwrap()
        .success();
    assert!(ok, "ar failed");
}

fn strip(dir: &Path, path: &str, env_path: &str, named: Value) -> Value {
    let cx = context(dir, &[("PATH", env_path.to_string())]);
    call(&cx, "strip", vec![json!(dir.join(path))], named).unwrap()
}

fn names(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn debug_information_goes_and_the_symbol_table_stays() {
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("out/bin/hello");
    compile(dir.path(), &exe);
    let before = elf_sections(&exe);
    assert!(before.iter().any(|s| s == ".debug_info"), "{before:?}");

    let stripped = strip(dir.path(), "out", SYSTEM_PATH, json!({}));
    assert_eq!(names(&stripped), vec![exe.display().to_string()]);
    let after = elf_sections(&exe);
    assert!(!after.iter().any(|s| s.starts_with(".debug")), "{after:?}");
    assert!(after.iter().any(|s| s == ".symtab"), "{after:?}");
    let run = Command::new(&exe).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&run.stdout), "42\n");
}

#[test]
fn all_list_removes_the_symbol_table_too() {
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("out/opt/hello");
    compile(dir.path(), &exe);
    strip(
        dir.path(),
        "out",
        SYSTEM_PATH,
        json!({"debugList": [], "allList": ["opt"]}),
    );
    let after = elf_sections(&exe);
    assert!(
        !after.iter().any(|s| s == ".symtab" || s == ".debug_info"),
        "{after:?}"
    );
}

#[test]
fn static_archives_are_stripped_and_keep_their_index() {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("out/lib/libfoo.a");
    archive(dir.path(), &lib);
    let size_before = fs::metadata(&lib).unwrap().len();
    let stripped = strip(dir.path(), "out", SYSTEM_PATH, json!({}));
    assert_eq!(names(&stripped), vec![lib.display().to_string()]);
    assert!(fs::metadata(&lib).unwrap().len() < size_before);
    // GNU ar's symbol index is the first member, named "/".
    let data = fs::read(&lib).unwrap();
    assert!(data.starts_with(b"!<arch>\n/ "), "ranlib restored no index");
}

/// A fake strip that records every file it is given, one per line, and
/// fails on files whose name contains "broken".
fn recording_strip(dir: &Path) -> (PathBuf, PathBuf) {
    let log = dir.join("strip.log");
    let program = dir.join("tools/fake-strip");
    write(
        &program,
        format!(
            "#!/bin/sh\nstatus=0\nfor a in \"$@\"; do\n  case \"$a\" in\n    -*) ;;\n    \
             *broken*) status=1 ;;\n    *) echo \"$a\" >> {} ;;\n  esac\ndone\nexit $status\n",
            log.display()
        ),
        0o755,
    );
    (program, log)
}

fn logged(log: &Path) -> Vec<String> {
    let mut lines: Vec<String> = fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect();
    lines.sort();
    lines
}

#[test]
fn hard_links_once_exclusions_and_lib_debug_are_respected() {
    let dir = tempfile::tempdir().unwrap();
    let (program, log) = recording_strip(dir.path());
    let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0";
    let out = dir.path().join("out");
    for rel in [
        "bin/a",
        "lib/libb.so",
        "lib/debug/libb.so.debug",
        "lib/keep.so",
        "libexec/sub/c",
        "share/d",
    ] {
        write(&out.join(rel), elf, 0o755);
    }
    write(&out.join("bin/script"), "#!/bin/sh\n", 0o755);
    fs::hard_link(out.join("bin/a"), out.join("bin/a-again")).unwrap();
    let stripped = strip(
        dir.path(),
        "out",
        SYSTEM_PATH,
        json!({"strip": program, "exclude": ["keep.*"]}),
    );
    let stripped = names(&stripped);
    let ran = logged(&log);
    assert_eq!(stripped, ran);
    let a_links: Vec<&String> = ran.iter().filter(|f| f.contains("/bin/a")).collect();
    assert_eq!(
        a_links.len(),
        1,
        "hard links stripped more than once: {ran:?}"
    );
    let rel: Vec<String> = ran
        .iter()
        .map(|f| {
            f.strip_prefix(&format!("{}/", out.display()))
                .unwrap()
                .to_string()
        })
        .filter(|f| !f.starts_with("bin/a"))
        .collect();
    assert_eq!(rel, vec!["lib/libb.so", "libexec/sub/c"]);
    assert_eq!(
        fs::metadata(out.join("bin/a")).unwrap().ino(),
        fs::metadata(out.join("bin/a-again")).unwrap().ino()
    );
}

#[test]
fn exclude_patterns_also_match_paths_below_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let (program, log) = recording_strip(dir.path());
    let out = dir.path().join("out");
    for rel in ["bin/x", "bin/y", "lib/x"] {
        write(&out.join(rel), b"\x7fELFxxxx", 0o755);
    }
    strip(
        dir.path(),
        "out",
        SYSTEM_PATH,
        json!({"strip": program, "exclude": ["bin/x"]}),
    );
    let ran = logged(&log);
    assert_eq!(
        ran,
        vec![
            out.join("bin/y").display().to_string(),
            out.join("lib/x").display().to_string()
        ]
    );
}

#[test]
fn files_strip_fails_on_are_kept_and_not_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (program, log) = recording_strip(dir.path());
    let out = dir.path().join("out");
    for rel in ["bin/good", "bin/broken", "bin/fine"] {
        write(&out.join(rel), b"\x7fELFxxxx", 0o755);
    }
    let stripped = names(&strip(
        dir.path(),
        "out",
        SYSTEM_PATH,
        json!({"strip": program}),
    ));
    assert_eq!(stripped.len(), 2, "{stripped:?}");
    assert!(stripped.iter().all(|f| !f.contains("broken")));
    // The failed batch was retried file by file; the broken file never got through.
    assert!(logged(&log).iter().all(|f| !f.contains("broken")));
}

#[test]
fn without_a_strip_program_nothing_happens_and_it_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("out/bin/prog");
    write(&exe, b"\x7fELF-not-really", 0o755);
    let empty = dir.path().join("empty-bin");
    fs::create_dir_all(&empty).unwrap();
    let stripped = strip(dir.path(), "out", &empty.display().to_string(), json!({}));
    assert_eq!(stripped, json!([]));
    assert_eq!(fs::read(&exe).unwrap(), b"\x7fELF-not-really");

    // STRIP from the environment names the program when the call does not.
    let cx = context(
        dir.path(),
        &[
            ("PATH", SYSTEM_PATH.to_string()),
            ("STRIP", String::from("no-such-strip")),
        ],
    );
    let stripped = call(&cx, "strip", vec![json!("out")], json!({})).unwrap();
    assert_eq!(stripped, json!([]));
}

#[test]
fn a_bad_exclude_pattern_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let cx = context(dir.path(), &[("PATH", SYSTEM_PATH.to_string())]);
    let err = call(
        &cx,
        "strip",
        vec![json!("out")],
        json!({"exclude": ["a[b"]}),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("a[b"), "{err}");
}

#[test]
fn ranlib_runs_on_every_archive_including_excluded_ones() {
    let dir = tempfile::tempdir().unwrap();
    let (program, _) = recording_strip(dir.path());
    let ranlib_log = dir.path().join("ranlib.log");
    let ranlib = dir.path().join("tools/fake-ranlib");
    write(
        &ranlib,
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\" >> {}; done\n",
            ranlib_log.display()
        ),
        0o755,
    );
    let out = dir.path().join("out");
    for rel in ["lib/liba.a", "lib/libkeep.a"] {
        write(&out.join(rel), b"!<arch>\n", 0o644);
    }
    write(&out.join("lib/notes.a"), "not an archive", 0o644);
    let stripped = names(&strip(
        dir.path(),
        "out",
        SYSTEM_PATH,
        json!({"strip": program, "ranlib": ranlib, "exclude": ["libkeep.a"]}),
    ));
    assert_eq!(stripped, vec![out.join("lib/liba.a").display().to_string()]);
    assert_eq!(
        logged(&ranlib_log),
        vec![
            out.join("lib/liba.a").display().to_string(),
            out.join("lib/libkeep.a").display().to_string(),
            out.join("lib/notes.a").display().to_string(),
        ]
    );
}
