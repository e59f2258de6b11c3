//! Bash semantics a port must keep, each in a small snippet checked with
//! `phaser port --check` in Lua and in Rhai: expansions, word splitting,
//! globs, `cd`, conditions, and what a snippet hands on to later phases.

use phaser_tests::{describe, phaser, workspace_root, Sandbox};
use serde_json::{json, Value};

/// (name, extra attributes, postInstall snippet, a postFixup that shows what
/// the snippet handed on, in bash, left untranslated when empty).
const CASES: &[(&str, &str, &str)] = &[
    (
        "defaults-and-alternatives",
        r#"{"flags": "", "name2": "x"}"#,
        r#"echo "${flags:-none} ${name2:+set} ${missing-unset} ${missing:-}" > $out/a"#,
    ),
    (
        "an-empty-unquoted-attribute-is-no-word",
        r#"{"empty": "", "none": []}"#,
        "mkdir -p $out/e $empty \"${none[@]}\"\nfor w in $empty; do touch $out/e/never; done",
    ),
    (
        "suffix-prefix-and-replace",
        r#"{"file": "dir/sub/archive.tar.gz"}"#,
        r#"echo "${file%.*} ${file%%.*} ${file##*/} ${file#*/} ${file%/*} ${file/tar/TAR} ${file//r/R} ${#file}" > $out/a"#,
    ),
    (
        "word-splitting-of-an-unquoted-attribute",
        r#"{"extra": "one  two\tthree"}"#,
        "mkdir -p $out/words\nfor w in $extra; do touch \"$out/words/$w\"; done\nfor w in \"$extra\"; do echo \"[$w]\" > $out/quoted; done",
    ),
    (
        "lists-brace-expansion-and-globs",
        r#"{"docs": ["README", "demo.1"]}"#,
        "mkdir -p $out/{a,b}/c\ncp \"${docs[@]}\" $out/a/\nfor f in *.c src/* nothing-*; do echo \"$f\" >> $out/globbed; done",
    ),
    (
        "cd-pushd-popd-and-subshells",
        "{}",
        "mkdir -p $out/x\ncd src\ntouch moved-here\n(cd .. && touch ../outside-subshell)\npushd $out/x\ntouch in-out\npopd\necho \"$PWD\" | sed \"s|$NIX_BUILD_TOP|BUILD|\" > $out/pwd\ncp -r . $out/src-copy",
    ),
    (
        "cp-follows-source-symlinks-and-masks-modes",
        "{}",
        "mkdir -p $out/c d\nln -s README link\ncp README d/\nchmod 664 d/README\ncp link $out/c/\ncp -r d $out/c/\ncp -a d $out/c/archived",
    ),
    (
        "conditions-case-and-lists",
        r#"{"kind": "library.so"}"#,
        "mkdir -p $out/c\nif [ -f Makefile ] && [[ $kind == *.so ]]; then touch $out/c/one; elif [ -d nope ]; then touch $out/c/two; else touch $out/c/three; fi\ncase \"$kind\" in\n  *.a|*.la) touch $out/c/static ;;\n  lib*) touch $out/c/lib ;;\n  *) touch $out/c/other ;;\nesac\n[ -e $out/c/none ] || touch $out/c/made\ntest -n \"$kind\" && touch $out/c/nonempty\ngrep -q nothing-like-this Makefile || true\n[ \"$kind\" != x ] && [ 3 -lt 10 ] && touch $out/c/numbers",
    ),
    (
        "command-substitution-and-text",
        "{}",
        "mkdir -p $out/t\nb=$(basename src/demo.c .c)\nd=$(dirname src/demo.c)\nn=$(grep -c demo Makefile)\necho \"$n lines\" > $out/t/count\necho \"$b $d\" > $out/t/names\necho -n no-newline > $out/t/n\nprintf '%s=%s\\n' a 1 b 2 > $out/t/printf\ncat > $out/t/doc <<'EOF'\nliteral $out and $(date)\nEOF\necho appended >> $out/t/doc",
    ),
    (
        "hand-on-to-later-phases",
        r#"{"makeFlags": ["A=1"], "dontStrip": false}"#,
        "export DEMO_VAR=\"from $pname\"\nmakeFlags+=(B=2 \"C=three four\")\ndontStrip=1\nnewFlags=x\nplain=\"kept for later\"\nappendToVar makeFlags D=4\nunset HOME",
    ),
];

/// What later phases saw, written by a bash postFixup (not translated: it reads arrays).
const SHOW: &str = "mkdir -p $out/seen\necho \"${DEMO_VAR-}|${HOME-unset}|${dontStrip-}|${newFlags-}|${plain-}\" > $out/seen/vars\nfor f in \"${makeFlags[@]+${makeFlags[@]}}\"; do echo \"$f\"; done > $out/seen/flags";

fn plan(attrs: &str, snippet: &str) -> Value {
    let mut plan = json!({
        "pname": "demo",
        "version": "1.0",
        "src": workspace_root().join("tests/fixtures/demo-1.0"),
        "dontBuild": true,
        "dontFixup": false,
        "dontPatchShebangs": true,
        "dontStrip": true,
        "installPhase": "mkdir -p $out",
        "postInstall": snippet,
        "phaser": {"hooks": {"postFixup": {"bash": SHOW}}}
    });
    let extra: Value = serde_json::from_str(attrs).unwrap();
    for (k, v) in extra.as_object().unwrap() {
        plan[k] = v.clone();
    }
    plan
}

#[test]
fn each_case_ports_to_lua_and_rhai_with_identical_outputs() {
    let failures: std::sync::Mutex<Vec<String>> = Default::default();
    // A here-document too long for one Lua or Rhai expression.
    let lines: String = (0..150)
        .map(|i| format!("line{i}=$out/{i} $pname\n"))
        .collect();
    let long = format!("cat > $out/long <<EOF\n{lines}EOF");
    let mut cases: Vec<(&str, &str, &str)> = CASES.to_vec();
    cases.push(("a-long-here-document", "{}", long.as_str()));
    std::thread::scope(|scope| {
        for (name, attrs, snippet) in &cases {
            for target in ["lua", "rhai"] {
                let failures = &failures;
                scope.spawn(move || {
                    let sandbox = Sandbox::new();
                    let path = sandbox.write_plan(&plan(attrs, snippet));
                    let output = phaser()
                        .args(["port", "--check"])
                        .arg(&path)
                        .args(["--to", target])
                        .env("TMPDIR", sandbox.path(""))
                        .output()
                        .unwrap();
                    let stdout = String::from_utf8_lossy(&output.stdout);
                    let report = String::from_utf8_lossy(&output.stderr);
                    // Translated, at most partly through `bash -c`.
                    let translated = report
                        .lines()
                        .find(|l| l.starts_with("postInstall: "))
                        .is_some_and(|l| !l.ends_with("(kept in bash)"));
                    if !output.status.success()
                        || !stdout.contains("outputs identical")
                        || !translated
                    {
                        failures
                            .lock()
                            .unwrap()
                            .push(format!("{name} ({target}):\n{}", describe(&output)));
                    }
                });
            }
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
