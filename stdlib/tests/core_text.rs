//! `substitute` and `substituteInPlace` through the registry.

mod core_support;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};

use core_support::{call, call_positional, fail, mode_of, setup};
use serde_json::json;

fn umask() -> u32 {
    let status = fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("Umask:")).unwrap();
    u32::from_str_radix(line["Umask:".len()..].trim(), 8).unwrap()
}

fn with_var(cx: phaser_stdlib::Context, name: &str, value: &str) -> phaser_stdlib::Context {
    let mut env: BTreeMap<String, String> = cx.env().clone();
    env.insert(name.into(), value.into());
    cx.with_env(env)
}

#[test]
fn ops_apply_in_order_each_to_the_previous_result() {
    let (dir, cx) = setup();
    let cx = with_var(cx, "out", "/nix/store/abc-hello");
    fs::write(
        dir.path().join("Makefile.in"),
        "prefix = /usr/local\nbin = /usr/local/bin\n",
    )
    .unwrap();
    call(
        &cx,
        "substitute",
        json!({
            "src": "Makefile.in",
            "dest": "Makefile",
            "ops": [{"replaceFail": ["/usr/local", "@out@"]}, {"substVar": "out"},
                    {"substVarBy": ["missing", "x"]}, {"replaceQuiet": ["/bin", "/sbin"]}]
        }),
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("Makefile")).unwrap(),
        "prefix = /nix/store/abc-hello\nbin = /nix/store/abc-hello/sbin\n"
    );
    assert_eq!(mode_of(dir.path().join("Makefile")), 0o666 & !umask());
}

#[test]
fn stdenv_flags_work_positionally_and_as_args() {
    let (dir, cx) = setup();
    fs::write(dir.path().join("a.sh"), "X Y Z\n").unwrap();
    fs::write(dir.path().join("b.sh"), "X Y\n").unwrap();
    call_positional(
        &cx,
        "substituteInPlace",
        vec![
            json!("a.sh"),
            json!("b.sh"),
            json!("--replace-fail"),
            json!("X"),
            json!("1"),
            json!("--replace-warn"),
            json!("Z"),
            json!("3"),
        ],
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("a.sh")).unwrap(),
        "1 Y 3\n"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("b.sh")).unwrap(),
        "1 Y\n"
    );
    call(
        &cx,
        "substituteInPlace",
        json!({"files": "a.sh", "args": ["--subst-var-by", "n", "v", "--replace", "Y", "2"]}),
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("a.sh")).unwrap(),
        "1 2 3\n"
    );
    call_positional(
        &cx,
        "substitute",
        vec![
            json!("a.sh"),
            json!("c.sh"),
            json!("--replace-quiet"),
            json!("1"),
            json!("one"),
        ],
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("c.sh")).unwrap(),
        "one 2 3\n"
    );
}

#[test]
fn replace_fail_names_the_file_and_the_pattern_and_changes_nothing() {
    let (dir, cx) = setup();
    fs::write(dir.path().join("conf.h"), "#define X 1\n").unwrap();
    let err = fail(
        &cx,
        "substituteInPlace",
        json!({"files": ["conf.h"], "ops": [{"replaceFail": ["/usr/bin/env perl", "perl"]}]}),
    );
    assert!(err.contains(r"/usr/bin/env\ perl"), "{err}");
    assert!(err.contains("doesn't match anything in file"), "{err}");
    assert!(err.contains("conf.h"), "{err}");
    assert_eq!(
        fs::read_to_string(dir.path().join("conf.h")).unwrap(),
        "#define X 1\n"
    );
    // Warn, quiet, deprecated replace and an empty pattern are not errors.
    call(
        &cx,
        "substituteInPlace",
        json!({"files": ["conf.h"], "ops": [{"replaceWarn": ["nope", "x"]},
              {"replaceQuiet": ["nope", "x"]}, {"replace": ["nope", "x"]},
              {"replaceFail": ["", "x"]}]}),
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("conf.h")).unwrap(),
        "#define X 1\n"
    );
}

#[test]
fn subst_var_errors_like_stdenv() {
    let (dir, cx) = setup();
    fs::write(dir.path().join("f"), "@x@").unwrap();
    let err = fail(
        &cx,
        "substituteInPlace",
        json!({"files": ["f"], "ops": [{"substVar": "x"}]}),
    );
    assert!(err.contains("variable $x is unset"), "{err}");
    let err = fail(
        &cx,
        "substituteInPlace",
        json!({"files": ["f"], "args": ["--subst-var", "a-b"]}),
    );
    assert!(
        err.contains("must be valid Bash names, \"a-b\" isn't"),
        "{err}"
    );
    let cx = with_var(cx, "x", "");
    call(
        &cx,
        "substituteInPlace",
        json!({"files": ["f"], "ops": [{"substVar": "x"}]}),
    );
    assert_eq!(fs::read(dir.path().join("f")).unwrap(), b"");
}

#[test]
fn argument_errors() {
    let (dir, cx) = setup();
    fs::write(dir.path().join("f"), "a").unwrap();
    let err = fail(
        &cx,
        "substituteInPlace",
        json!({"files": ["f"], "args": ["--foo"]}),
    );
    assert!(
        err.contains("Invalid command line argument: --foo"),
        "{err}"
    );
    let err = fail(
        &cx,
        "substituteInPlace",
        json!({"files": ["--replace-fail", "a", "b"]}),
    );
    assert!(err.contains("without any files"), "{err}");
    let err = fail(
        &cx,
        "substituteInPlace",
        json!({"files": ["f"], "ops": [], "args": ["--replace-fail", "a", "b"]}),
    );
    assert!(err.contains("not both"), "{err}");
    let err = fail(
        &cx,
        "substituteInPlace",
        json!({"files": ["f"], "ops": [{"replaceAll": ["a", "b"]}]}),
    );
    assert!(err.contains("unknown variant `replaceAll`"), "{err}");
    let err = fail(
        &cx,
        "substitute",
        json!({"src": "missing", "dest": "out", "args": []}),
    );
    assert!(
        err.contains("file '") && err.contains("missing' does not exist"),
        "{err}"
    );
}

#[test]
fn binary_content_with_nul_bytes_is_substituted_byte_exactly() {
    let (dir, cx) = setup();
    let mut content = b"\x7fELF\x00\x00/usr/lib\x00\xff\xfe\r\n".to_vec();
    content.extend((0u8..=255).collect::<Vec<_>>());
    content.extend(b"/usr/lib\x00tail-without-newline");
    fs::write(dir.path().join("blob"), &content).unwrap();
    call(
        &cx,
        "substituteInPlace",
        json!({"files": ["blob"], "ops": [{"replaceFail": ["/usr/lib", "/opt/lib64"]},
              {"replaceFail": ["\u{0000}tail", "\u{0000}TAIL"]}]}),
    );
    let mut expected = b"\x7fELF\x00\x00/opt/lib64\x00\xff\xfe\r\n".to_vec();
    expected.extend((0u8..=255).collect::<Vec<_>>());
    expected.extend(b"/opt/lib64\x00TAIL-without-newline");
    assert_eq!(fs::read(dir.path().join("blob")).unwrap(), expected);
}

#[test]
fn in_place_keeps_the_mode_adds_write_and_writes_through_links() {
    let (dir, cx) = setup();
    let root = dir.path();
    fs::write(root.join("script"), "old").unwrap();
    fs::set_permissions(root.join("script"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(root.join("ro"), "old").unwrap();
    fs::set_permissions(root.join("ro"), fs::Permissions::from_mode(0o555)).unwrap();
    symlink("script", root.join("link")).unwrap();
    fs::hard_link(root.join("ro"), root.join("ro-too")).unwrap();
    let ops = json!([{"replaceFail": ["old", "new"]}]);

    call(
        &cx,
        "substituteInPlace",
        json!({"files": ["script", "ro"], "ops": ops}),
    );
    assert_eq!(mode_of(root.join("script")), 0o755);
    assert_eq!(mode_of(root.join("ro")), 0o555 | (0o222 & !umask()));
    assert_eq!(
        fs::read(root.join("ro-too")).unwrap(),
        b"new",
        "hard links stay shared"
    );

    fs::write(root.join("script"), "old").unwrap();
    call(
        &cx,
        "substituteInPlace",
        json!({"files": ["link"], "ops": ops}),
    );
    assert!(fs::symlink_metadata(root.join("link"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(fs::read(root.join("script")).unwrap(), b"new");
    assert_eq!(
        fs::read_dir(root).unwrap().count(),
        4,
        "no temporary files left"
    );
}
