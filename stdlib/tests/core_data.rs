//! `hash`, `readJson`/`writeJson` and `log` through the registry, and the
//! write roots for every function of the core families that writes.

mod core_support;

use std::fs;
use std::os::unix::fs::PermissionsExt;

use core_support::{call, call_positional, fail, mode_of, setup};
use serde_json::json;

#[test]
fn hash_files_and_strings_in_every_format() {
    let (dir, cx) = setup();
    fs::write(dir.path().join("hello"), "hello\n").unwrap();
    // Expected values from sha256sum, nix-hash --base32 and base64(1).
    assert_eq!(
        call_positional(&cx, "hash", vec![json!("hello")]),
        json!("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03")
    );
    assert_eq!(
        call(&cx, "hash", json!({"file": "hello", "format": "sri"})),
        json!("sha256-WJG1tSLV3whtD/CxEPvZ0hu0/HFjrzTQgoai6Eb2vgM=")
    );
    assert_eq!(
        call(&cx, "hash", json!({"file": "hello", "format": "nix32"})),
        json!("00xyyr3fi8l6hb839bv3f7yb86yjv7xi1cgh1xnhipym4asvb4aq")
    );
    assert_eq!(
        call(&cx, "hash", json!({"file": "hello", "algo": "sha512", "format": "base32"})),
        json!("0lrc0dwnvipqviibf7qfm1y492qvjwb1zhkcyi05cndmva1mr5gjcgrnz1x36djmk0sfg8djd2n0qv68vib2jg590mwznar9jcjphp7")
    );
    assert_eq!(
        call(&cx, "hash", json!({"file": "hello", "algo": "sha512", "format": "sri"})),
        json!("sha512-58IrmUxZ2c8rSOVJseJGZmNgRZMNPafBrLKZ0cO3+TH5Sq5B7dosKyB6NuEPi8uNRSI+VIePWzFufOO2vAGWKQ==")
    );
    assert_eq!(
        call(&cx, "hash", json!({"string": "abc"})),
        json!("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    );
    // A file larger than one read block hashes the same as its bytes.
    let big: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();
    fs::write(dir.path().join("big"), &big).unwrap();
    let as_string = call(&cx, "hash", json!({"file": "big", "algo": "sha512"}));
    fs::write(
        dir.path().join("big2"),
        [&big[..100_000], &big[100_000..]].concat(),
    )
    .unwrap();
    assert_eq!(
        call(&cx, "hash", json!({"file": "big2", "algo": "sha512"})),
        as_string
    );

    let err = fail(&cx, "hash", json!({"file": "missing"}));
    assert!(err.contains("hashing") && err.contains("missing"), "{err}");
    let err = fail(&cx, "hash", json!({"file": "hello", "string": "x"}));
    assert!(err.contains("exactly one of"), "{err}");
    let err = fail(&cx, "hash", json!({"string": "x", "algo": "md5"}));
    assert!(err.contains("unknown variant `md5`"), "{err}");
}

#[test]
fn json_round_trips_atomically_keeping_the_mode() {
    let (dir, cx) = setup();
    let value = json!({"name": "hello", "list": [1, 2.5, null, true], "nested": {"ü": "ß"}});
    call_positional(&cx, "writeJson", vec![json!("state/a.json"), value.clone()]);
    let text = fs::read_to_string(dir.path().join("state/a.json")).unwrap();
    assert!(text.ends_with("}\n") && !text.contains("\n "), "{text}");
    assert_eq!(
        call(&cx, "readJson", json!({"path": "state/a.json"})),
        value
    );

    fs::set_permissions(
        dir.path().join("state/a.json"),
        fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    call(
        &cx,
        "writeJson",
        json!({"path": "state/a.json", "value": [1], "pretty": true}),
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("state/a.json")).unwrap(),
        "[\n  1\n]\n"
    );
    assert_eq!(mode_of(dir.path().join("state/a.json")), 0o600);
    assert_eq!(fs::read_dir(dir.path().join("state")).unwrap().count(), 1);

    fs::write(dir.path().join("bad.json"), "{\n  \"a\": 1,\n}").unwrap();
    let err = fail(&cx, "readJson", json!({"path": "bad.json"}));
    assert!(
        err.contains("bad.json is not valid JSON") && err.contains("line 3"),
        "{err}"
    );
    let err = fail(&cx, "readJson", json!({"path": "none.json"}));
    assert!(err.contains("none.json"), "{err}");
    let err = fail(&cx, "writeJson", json!({"path": "x.json"}));
    assert!(err.contains("value"), "{err}");
}

#[test]
fn log_accepts_levels_and_any_message() {
    let (_dir, cx) = setup();
    assert_eq!(
        call_positional(&cx, "log", vec![json!("configuring")]),
        json!(null)
    );
    assert_eq!(
        call(&cx, "log", json!({"message": {"a": 1}, "level": "warn"})),
        json!(null)
    );
    let err = fail(&cx, "log", json!({"message": "x", "level": "debug"}));
    assert!(err.contains("unknown variant `debug`"), "{err}");
}

#[test]
fn every_writing_function_refuses_paths_outside_the_roots() {
    let (dir, cx) = setup();
    let outside = tempfile::tempdir().unwrap();
    let out = outside.path();
    fs::write(out.join("file"), "/usr").unwrap();
    fs::write(dir.path().join("inside"), "/usr").unwrap();
    let mode_before = mode_of(out.join("file"));
    let o = |name: &str| out.join(name).display().to_string();
    let cases = [
        ("mkdir", json!({"path": o("d")})),
        ("copy", json!({"src": "inside", "dest": o("copy")})),
        ("move", json!({"src": "inside", "dest": o("moved")})),
        ("move", json!({"src": o("file"), "dest": "here"})),
        ("remove", json!({"path": o("file")})),
        ("symlink", json!({"target": "x", "link": o("link")})),
        ("write", json!({"path": o("w"), "content": "x"})),
        ("chmod", json!({"mode": "777", "path": o("file")})),
        ("install", json!({"src": "inside", "dest": o("bin/x")})),
        ("install", json!({"dirs": [o("dir")]})),
        (
            "substitute",
            json!({"src": "inside", "dest": o("s"), "args": []}),
        ),
        (
            "substituteInPlace",
            json!({"files": [o("file")], "args": ["--replace-quiet", "/usr", "/x"]}),
        ),
        ("writeJson", json!({"path": o("j.json"), "value": 1})),
    ];
    let root = dir.path().canonicalize().unwrap().display().to_string();
    for (name, args) in cases {
        let err = fail(&cx, name, args.clone());
        assert!(
            err.contains("outside the directories"),
            "{name} {args}: {err}"
        );
        assert!(
            err.contains(&root),
            "{name}: the message lists the roots: {err}"
        );
    }
    assert_eq!(
        fs::read_dir(out).unwrap().count(),
        1,
        "nothing was created outside"
    );
    assert_eq!(fs::read_to_string(out.join("file")).unwrap(), "/usr");
    assert_eq!(
        mode_of(out.join("file")),
        mode_before,
        "chmod changed nothing"
    );
    assert!(dir.path().join("inside").exists());
}
