//! phaser modules: plan fragments dependencies ship in
//! `nix-support/phaser-module.json`. The two example modules
//! (runtime/modules: installShellFiles in Lua, wrapProgram in Rhai) used
//! by a plan, what `phaser plan` says about modules, the plan's own
//! settings winning, conflicts naming both modules, and the schema.

use std::path::{Path, PathBuf};
use std::process::Command;

use phaser_tests::{describe, phaser, stderr, workspace_root, Sandbox};
use serde_json::{json, Value};

fn example(name: &str) -> String {
    workspace_root()
        .join("runtime/modules")
        .join(name)
        .display()
        .to_string()
}

/// A module `name` in the sandbox: `module` as its phaser-module.json,
/// with `files` beside it.
fn module(sandbox: &Sandbox, name: &str, module: Value, files: &[(&str, &str)]) -> String {
    let dir = sandbox.path(name).join("nix-support");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("phaser-module.json"), module.to_string()).unwrap();
    for (file, content) in files {
        std::fs::write(dir.join(file), content).unwrap();
    }
    sandbox.path(name).display().to_string()
}

/// greet (tests/fixtures/greet-1.0) installed by a bash installPhase,
/// with both example modules doing the rest.
fn greet_plan() -> Value {
    json!({
        "pname": "greet", "version": "1.0",
        "src": workspace_root().join("tests/fixtures/greet-1.0"),
        "outputs": ["out", "man"],
        "nativeBuildInputs": [example("install-shell-files"), example("wrap-program")],
        "dontConfigure": true, "dontBuild": true,
        "installPhase": "runHook preInstall\ninstall -Dm755 greet $out/bin/greet\nrunHook postInstall",
        "installManPages": ["greet.1", "libgreet.3"],
        "installShellCompletions": [
            "completions/greet.bash",
            "completions/_greet",
            {"path": "completions/greet.fish"},
            {"path": "completions/greet.nu", "cmd": "greet"}
        ],
        "wrapPrograms": {"bin/greet": {
            "set": {"GREETING": "hello from the wrapper"},
            "prefix": [["PATH", ":", "/opt/greet/bin"]],
            "addFlags": ["--loud"]
        }}
    })
}

#[test]
fn the_example_modules_install_shell_files_and_wrap_a_program() {
    let sandbox = Sandbox::new();
    let output = sandbox.run(&greet_plan(), &[]);
    assert!(output.status.success(), "{}", describe(&output));
    let out = sandbox.path("out/out");
    let man = sandbox.path("out/man");
    // Man pages by section, into the man output, gzipped by fixup after.
    assert!(man.join("share/man/man1/greet.1.gz").is_file());
    assert!(man.join("share/man/man3/libgreet.3.gz").is_file());
    for (path, content) in [
        (
            "share/bash-completion/completions/greet.bash",
            "complete -W",
        ),
        ("share/zsh/site-functions/_greet", "#compdef greet"),
        (
            "share/fish/vendor_completions.d/greet.fish",
            "complete -c greet",
        ),
        (
            "share/nushell/vendor/autoload/greet.nu",
            "export extern greet",
        ),
    ] {
        let text =
            std::fs::read_to_string(out.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(text.starts_with(content), "{path}: {text}");
    }
    // The program moved aside; the wrapper sets the environment, adds the
    // flag and passes the arguments on.
    assert!(out.join("bin/.greet-wrapped").is_file());
    let run = Command::new(out.join("bin/greet"))
        .arg("world")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "hello from the wrapper\nPATH starts with /opt/greet/bin\narguments: --loud world\n"
    );
    let wrapper = std::fs::read_to_string(out.join("bin/greet")).unwrap();
    assert!(
        wrapper.starts_with("#! /") && wrapper.contains("bash -e\n"),
        "{wrapper}"
    );
}

#[test]
fn a_completion_of_an_unknown_shell_is_an_error_at_the_module_line() {
    let sandbox = Sandbox::new();
    let mut plan = greet_plan();
    plan["installShellCompletions"] = json!(["greet.1"]);
    let output = sandbox.run(&plan, &[]);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(err.contains("install/postInstall"), "{err}");
    assert!(err.contains("install-shell-files.lua:"), "{err}");
    assert!(err.contains("cannot tell the shell of greet.1"), "{err}");
}

#[test]
fn phaser_plan_shows_what_each_module_added() {
    let sandbox = Sandbox::new();
    let linter = module(
        &sandbox,
        "linter",
        json!({"name": "linter",
               "phases": {"lint": {"file": "lint.rhai", "after": "build"}},
               "hooks": {"preCheck": {"bash": "echo checking"}}}),
        &[("lint.rhai", "log(\"linting\"); #{}")],
    );
    let mut plan = greet_plan();
    plan["nativeBuildInputs"]
        .as_array_mut()
        .unwrap()
        .push(json!(linter));
    let path = sandbox.write_plan(&plan);
    let output = phaser()
        .arg("plan")
        .arg(&path)
        .arg("--json")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    let resolved: Value = serde_json::from_slice(&output.stdout).unwrap();
    let phase = |name: &str| {
        resolved["phases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("no phase {name}: {resolved}"))
            .clone()
    };
    let lint = phase("lint");
    assert_eq!(lint["source"], "module linter");
    assert_eq!(lint["placedBy"], "module linter");
    assert_eq!(lint["interpreter"], "rhai");
    assert_eq!(
        phase("check")["hooks"],
        json!([{"name": "preCheck", "from": "module linter"}])
    );
    assert_eq!(
        phase("install")["hooks"],
        json!([{"name": "postInstall", "from": "module installShellFiles"}])
    );
    assert_eq!(
        phase("fixup")["hooks"],
        json!([{"name": "postFixup", "from": "module wrapProgram"}])
    );
    let names: Vec<&str> = resolved["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["installShellFiles", "wrapProgram", "linter"]);
    // The table says the same.
    let table = phaser().arg("plan").arg(&path).output().unwrap();
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("module linter: "), "{text}");
    assert!(
        text.contains("postInstall (module installShellFiles)"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains(" lint ") && l.contains("module linter")),
        "{text}"
    );
}

#[test]
fn the_plans_own_settings_win_over_a_modules() {
    let sandbox = Sandbox::new();
    let defaults = module(
        &sandbox,
        "defaults",
        json!({"name": "defaults",
               "attrs": {"greeting": "module", "flavour": "module"},
               "env": {"GREETING_ENV": "module", "OTHER_ENV": "module"},
               "phases": {"say": {"bash": "echo \"module body\"", "after": "build"},
                          "build": {"bash": "echo \"module build\""}}}),
        &[],
    );
    let plan = json!({
        "pname": "t", "phases": ["build", "say"], "nativeBuildInputs": [defaults],
        "greeting": "plan", "env": {"GREETING_ENV": "plan"},
        "phaser": {"phases": {"say": {"bash": "echo \"plan body: $greeting $flavour $GREETING_ENV $OTHER_ENV\""}}}
    });
    let output = sandbox.run(&plan, &[]);
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "module build\nplan body: plan module plan module\n"
    );
}

#[test]
fn two_modules_that_conflict_fail_naming_both() {
    let sandbox = Sandbox::new();
    let a = module(
        &sandbox,
        "a",
        json!({"name": "alpha", "attrs": {"colour": "red"},
               "phases": {"lint": {"bash": "true", "after": "build"}}}),
        &[],
    );
    let b = module(
        &sandbox,
        "b",
        json!({"name": "beta", "attrs": {"colour": "blue"}}),
        &[],
    );
    let c = module(
        &sandbox,
        "c",
        json!({"name": "gamma", "phases": {"lint": {"rhai": "#{}", "before": "install"}}}),
        &[],
    );
    let run = |deps: &[&String], extra: Value| {
        let mut plan = json!({"pname": "t", "nativeBuildInputs": deps});
        for (k, v) in extra.as_object().unwrap() {
            plan[k] = v.clone();
        }
        let output = sandbox.run(&plan, &[]);
        assert_eq!(output.status.code(), Some(65), "{}", describe(&output));
        stderr(&output)
    };
    let err = run(&[&a, &b], json!({}));
    let file = |dir: &String| format!("{dir}/nix-support/phaser-module.json");
    assert!(
        err.contains(&format!(
            "modules `alpha` ({}) and `beta` ({}) both set the attribute `colour`",
            file(&a),
            file(&b)
        )),
        "{err}"
    );
    let err = run(&[&a, &c], json!({}));
    assert!(
        err.contains("modules `alpha`") && err.contains("`gamma`") && err.contains("phase `lint`"),
        "{err}"
    );
    // The plan choosing settles it.
    let plan = json!({"pname": "t", "phases": ["build"], "buildPhase": "echo $colour",
        "nativeBuildInputs": [a, b], "colour": "green"});
    let output = sandbox.run(&plan, &[]);
    assert!(output.status.success(), "{}", describe(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "green\n");
}

#[test]
fn a_bad_module_is_reported_with_its_file_and_key() {
    let sandbox = Sandbox::new();
    let bad = module(&sandbox, "bad", json!({"name": "bad", "hoks": {}}), &[]);
    let plan = json!({"pname": "t", "nativeBuildInputs": [bad]});
    let output = sandbox.run(&plan, &[]);
    assert_eq!(output.status.code(), Some(65));
    let err = stderr(&output);
    assert!(
        err.contains(&format!(
            "{bad}/nix-support/phaser-module.json: hoks: unknown key"
        )),
        "{err}"
    );
    let nameless = module(&sandbox, "nameless", json!({"phases": {}}), &[]);
    let plan = json!({"pname": "t", "nativeBuildInputs": [nameless]});
    let err = stderr(&sandbox.run(&plan, &[]));
    assert!(err.contains("every module has a `name`"), "{err}");
}

#[test]
fn the_example_modules_satisfy_the_module_schema() {
    let output = phaser().args(["schema", "--module"]).output().unwrap();
    assert!(output.status.success(), "{}", describe(&output));
    let schema: Value = serde_json::from_slice(&output.stdout).expect("the schema is JSON");
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler.add_resource("phaser:module.json", schema).unwrap();
    let index = compiler
        .compile("phaser:module.json", &mut schemas)
        .expect("the schema compiles");
    for name in ["install-shell-files", "wrap-program"] {
        let file: PathBuf = Path::new(&example(name)).join("nix-support/phaser-module.json");
        let module: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        if let Err(e) = schemas.validate(&module, index) {
            panic!("{} does not satisfy the schema: {e:#}", file.display());
        }
    }
    for bad in [
        json!({"phases": {}}),
        json!({"name": "x", "hoks": {}}),
        json!({"name": "x", "phases": {"p": {"rhai": "", "lua": ""}}}),
    ] {
        assert!(schemas.validate(&bad, index).is_err(), "{bad} passed");
    }
}

#[test]
fn the_nix_library_builds_a_plan_with_the_example_modules() {
    phaser_tests::require_tool("nix-build", "nix-bin");
    let sandbox = Sandbox::new();
    let store = phaser_tests::NixStore::new(sandbox.path("store"));
    let builder = phaser_tests::phaser_for_nix(sandbox.dir.path());
    let root = workspace_root();
    let expr = format!(
        r#"let
  lib = import {root}/runtime/nix {{ phaser = {builder}; }};
  greet = lib.package {{
    pname = "greet"; version = "1.0";
    src = {root}/tests/fixtures/greet-1.0;
    outputs = [ "out" "man" ];
    nativeBuildInputs = [ lib.modules.installShellFiles lib.modules.wrapProgram ];
    dontConfigure = true; dontBuild = true;
    installPhase = "runHook preInstall\ninstall -Dm755 greet $out/bin/greet\nrunHook postInstall";
    installManPages = [ "greet.1" ];
    installShellCompletions = [ "completions/greet.bash" {{ path = "completions/_greet"; }} ];
    wrapPrograms."bin/greet".set.GREETING = "hello from nix";
    passthru.greeting = "passed through";
  }};
in {{ inherit greet; man = greet.man; greeting = greet.greeting; }}
"#,
        root = root.display(),
        builder = builder.display(),
    );
    let file = sandbox.path("greet.nix");
    std::fs::write(&file, expr).unwrap();
    let (output, paths) = store.build(&[file.as_os_str(), "-A".as_ref(), "greet".as_ref()]);
    assert!(output.status.success(), "{}", describe(&output));
    let out = store.files(&paths[0]);
    let wrapper = std::fs::read_to_string(out.join("bin/greet")).unwrap();
    assert!(
        wrapper.contains("export GREETING='hello from nix'"),
        "{wrapper}"
    );
    assert!(
        wrapper.contains(&format!("{}/bin/.greet-wrapped", paths[0])),
        "{wrapper}"
    );
    assert!(out.join("share/zsh/site-functions/_greet").is_file());
    // Each output is an attribute of the result, and passthru is on it.
    let (_, man) = store.build(&[file.as_os_str(), "-A".as_ref(), "man".as_ref()]);
    assert!(man[0].ends_with("-greet-1.0-man"), "{man:?}");
    assert!(store
        .files(&man[0])
        .join("share/man/man1/greet.1.gz")
        .is_file());
    let greeting = store
        .command("nix-instantiate")
        .args(["--eval", "-A", "greeting"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&greeting.stdout).trim(),
        "\"passed through\""
    );
}
