//! Where standard-library writes may go: the build directory (which is
//! also the build's temporary directory, as under Nix) and the outputs.
//! Symlinks are followed the way the kernel follows them before the check,
//! dangling ones and `..` after a link included; nothing in the plan
//! widens the roots; phaser's own files are never written through a link.

use phaser_tests::{describe, phaser, plan_of as plan, stderr, Sandbox};
use serde_json::json;

/// The outcome of every write a Rhai body attempted: `ok` or the error.
const ATTEMPTS: &str = r#"
let results = #{};
for attempt in ATTEMPTS {
    let outcome = "ok";
    try { call(attempt[1]); } catch (e) { outcome = `${e}`; }
    results[attempt[0]] = outcome;
}
#{state: #{results: results}}
"#;

#[test]
fn a_dangling_symlink_out_of_the_build_is_not_written_through() {
    let sandbox = Sandbox::new();
    let outside = sandbox.path("outside");
    std::fs::create_dir(&outside).unwrap();
    let target = outside.join("file");
    let setup = format!(
        "ln -s {} link\nln -s {} dirlink\necho src > src",
        target.display(),
        outside.display()
    );
    let rhai = ATTEMPTS.replace(
        "ATTEMPTS",
        r#"[
            ["write", || write("link", "x")],
            ["touch", || touch("link")],
            ["copy", || copy("src", "link")],
            ["install", || install("src", "link")],
            ["substitute", || substitute("src", "link", [])],
            ["mkdir", || mkdir("dirlink/../escaped-dir")],
            ["dotdot", || write("dirlink/../escaped", "x")]
        ]"#,
    );
    let output = sandbox.run(
        &plan(&[
            ("setup", json!({"bash": setup})),
            ("rhai", json!({"rhai": rhai})),
            ("lua", json!({"lua": "local ok, e = pcall(std.write, 'link', 'x'); return {state = {lua = tostring(e)}}"})),
            ("bash", json!({"bash": "phaser std touch link 2> touch.err || true\nphaser std write link x 2> write.err || true"})),
        ]),
        &[],
    );
    assert!(output.status.success(), "{}", describe(&output));
    let state = sandbox.state();
    for (attempt, outcome) in state["state"]["results"].as_object().unwrap() {
        let outcome = outcome.as_str().unwrap();
        assert!(
            outcome.contains("refusing to write"),
            "rhai {attempt}: {outcome}"
        );
    }
    assert!(
        state["state"]["lua"]
            .as_str()
            .unwrap()
            .contains("refusing to write"),
        "{}",
        state["state"]["lua"]
    );
    for file in ["touch.err", "write.err"] {
        let err = std::fs::read_to_string(sandbox.build_dir().join(file)).unwrap();
        assert!(err.contains("refusing to write"), "bash {file}: {err}");
    }
    let left: Vec<_> = std::fs::read_dir(&outside).unwrap().collect();
    assert!(left.is_empty(), "something was written outside: {left:?}");
    assert!(!sandbox.path("escaped").exists() && !sandbox.path("escaped-dir").exists());
}

#[test]
fn a_link_planted_in_phasers_own_directory_is_not_followed() {
    let sandbox = Sandbox::new();
    let victim = sandbox.path("victim");
    std::fs::write(&victim, "precious").unwrap();
    let plant = format!(
        "for f in state.json.tmp states.json.tmp groups; do rm -f .phaser/$f; ln -s {} .phaser/$f; done",
        victim.display()
    );
    let output = sandbox.run(
        &plan(&[
            ("plant", json!({"bash": plant})),
            ("next", json!({"bash": "sleep 0 & wait"})),
            ("last", json!({"rhai": "#{state: #{last: true}}"})),
        ]),
        &[],
    );
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert_eq!(sandbox.state()["state"]["last"], json!(true));
}

#[test]
fn the_build_directory_is_the_builds_temporary_directory() {
    let sandbox = Sandbox::new();
    let output = sandbox.run(
        &plan(&[(
            "tmp",
            json!({"bash": "printf '%s\\n' \"$TMPDIR\" \"$TMP\" \"$TEMP\" \"$TEMPDIR\" \"$NIX_BUILD_TOP\" > tmpdirs"}),
        )]),
        &[],
    );
    assert!(output.status.success(), "{}", describe(&output));
    let top = sandbox
        .build_dir()
        .canonicalize()
        .unwrap()
        .display()
        .to_string();
    let seen = std::fs::read_to_string(sandbox.build_dir().join("tmpdirs")).unwrap();
    assert_eq!(seen, format!("{top}\n{top}\n{top}\n{top}\n{top}\n"));
}

#[test]
fn the_shared_tmp_and_a_plans_tmpdir_are_not_write_roots() {
    let sandbox = Sandbox::new();
    let outside = sandbox.path("outside");
    std::fs::create_dir(&outside).unwrap();
    let shared_tmp = std::env::temp_dir().join(format!("phaser-escape-{}", std::process::id()));
    let mut plan = plan(&[(
        "escape",
        json!({"rhai": ATTEMPTS.replace("ATTEMPTS", &format!(
            "[[\"tmp\", || write(\"{}\", \"x\")], [\"planTmpdir\", || write(\"{}\", \"x\")]]",
            shared_tmp.display(),
            outside.join("x").display()
        ))}),
    )]);
    plan["env"] = json!({"TMPDIR": outside});
    let output = sandbox.run(&plan, &[]);
    assert!(output.status.success(), "{}", describe(&output));
    let results = &sandbox.state()["state"]["results"];
    for attempt in ["tmp", "planTmpdir"] {
        let outcome = results[attempt].as_str().unwrap();
        assert!(
            outcome.contains("refusing to write"),
            "{attempt}: {outcome}"
        );
    }
    assert!(!shared_tmp.exists() && !outside.join("x").exists());
}

#[test]
fn phaser_std_without_write_roots_writes_nowhere() {
    let sandbox = Sandbox::new();
    let file = sandbox.path("note");
    let unset = phaser()
        .args(["std", "write"])
        .arg(&file)
        .arg("x")
        .env_remove("PHASER_WRITE_ROOTS")
        .output()
        .unwrap();
    assert_eq!(unset.status.code(), Some(1), "{}", describe(&unset));
    assert!(
        stderr(&unset).contains("PHASER_WRITE_ROOTS"),
        "{}",
        stderr(&unset)
    );
    assert!(!file.exists());
    let set = phaser()
        .args(["std", "write"])
        .arg(&file)
        .arg("x")
        .env("PHASER_WRITE_ROOTS", sandbox.dir.path())
        .output()
        .unwrap();
    assert!(set.status.success(), "{}", describe(&set));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
}
