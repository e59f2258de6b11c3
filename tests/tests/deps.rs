//! stdenv's dependency protocol (pkgs/stdenv/generic/setup.sh): prefixes
//! named by the dependency attributes, what they propagate, their setup
//! hooks and env hooks, `strictDeps`, and what reaches the phases.

use std::path::{Path, PathBuf};

use phaser_tests::{describe, stderr, Sandbox};
use serde_json::{json, Value};

/// A prefix `name` in the sandbox with `files` (path, content); files
/// under `bin/` are executable.
fn prefix(sandbox: &Sandbox, name: &str, files: &[(&str, &str)]) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = sandbox.path(name);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, content) in files {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        if file.starts_with("bin/") {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    dir
}

/// `#!/bin/sh` printing `words`.
fn tool(words: &str) -> String {
    format!("#!/bin/sh\necho {words} \"$@\"\n")
}

fn s(path: &Path) -> String {
    path.display().to_string()
}

/// Runs `plan`, which must succeed; returns the final state.
fn run_ok(sandbox: &Sandbox, plan: &Value) -> Value {
    let output = sandbox.run(plan, &[]);
    assert!(output.status.success(), "{}", describe(&output));
    sandbox.state()
}

/// A plan running `bash` as its only phase.
fn bash_plan(attrs: Value, bash: &str) -> Value {
    let mut plan = json!({"pname": "deps", "version": "1", "phases": ["probe"],
        "phaser": {"phases": {"probe": {"bash": bash}}}});
    for (k, v) in attrs.as_object().unwrap() {
        plan[k] = v.clone();
    }
    plan
}

#[test]
fn an_env_hook_from_a_setup_hook_sees_every_other_input() {
    let sandbox = Sandbox::new();
    let leaf = prefix(&sandbox, "leaf", &[("include/leaf.h", "")]);
    let lib = prefix(
        &sandbox,
        "lib",
        &[("nix-support/propagated-build-inputs", &s(&leaf))],
    );
    let other = prefix(&sandbox, "other", &[]);
    // A setup hook in the style of nixpkgs' pkg-config or cmake hooks.
    let hooky = prefix(
        &sandbox,
        "hooky",
        &[(
            "nix-support/setup-hook",
            "recordInput() { export SEEN=\"${SEEN-} $1@$depHostOffset,$depTargetOffset\"; }\n\
             addEnvHooks \"$targetOffset\" recordInput\n\
             export HOOKY_SOURCED_AS=\"$hostOffset,$targetOffset\"\n",
        )],
    );
    let attrs = |strict: bool| {
        json!({"strictDeps": strict, "nativeBuildInputs": [s(&hooky)],
               "buildInputs": [s(&lib), s(&other)]})
    };
    let state = run_ok(&sandbox, &bash_plan(attrs(false), "true"));
    assert_eq!(
        state["env"]["HOOKY_SOURCED_AS"], "-1,0",
        "a native input: host -1, target 0"
    );
    // Registered at offset 0, the hook runs for host-host and host-target
    // dependencies; without strictDeps each time over every input, once
    // each, in findInputs' depth-first order.
    let seen = state["env"]["SEEN"].as_str().unwrap().to_string();
    let all: Vec<String> = [&hooky, &lib, &leaf, &other].iter().map(|p| s(p)).collect();
    let expected: String = ["0,0", "0,1"]
        .iter()
        .flat_map(|kind| all.iter().map(move |p| format!(" {p}@{kind}")))
        .collect();
    assert_eq!(seen, expected);

    // With strictDeps, only the host dependencies (what buildInputs found,
    // propagation included), for the kind they are.
    let state = run_ok(&sandbox, &bash_plan(attrs(true), "true"));
    let host: String = [&lib, &leaf, &other]
        .iter()
        .map(|p| format!(" {}@0,1", s(p)))
        .collect();
    assert_eq!(state["env"]["SEEN"], host.as_str());
}

#[test]
fn propagated_inputs_two_levels_deep() {
    let sandbox = Sandbox::new();
    let tool = prefix(&sandbox, "tool", &[("bin/deep-tool", &tool("deep tool"))]);
    let c = prefix(
        &sandbox,
        "c",
        &[
            ("include/c.h", ""),
            ("lib/libc-dep.so", ""),
            ("lib/pkgconfig/c.pc", ""),
            ("nix-support/propagated-native-build-inputs", &s(&tool)),
        ],
    );
    let b = prefix(
        &sandbox,
        "b",
        &[(
            "nix-support/propagated-build-inputs",
            &format!("{} \n", s(&c)),
        )],
    );
    let a = prefix(
        &sandbox,
        "a",
        &[("nix-support/propagated-build-inputs", &s(&b))],
    );
    let plan = bash_plan(
        json!({"buildInputs": [s(&a)], "strictDeps": true}),
        "deep-tool called from $(pwd)",
    );
    let output = sandbox.run(&plan, &[]);
    assert!(output.status.success(), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("deep tool called"),
        "the tool c propagates natively is on PATH: {}",
        describe(&output)
    );
    let state = sandbox.state();
    assert_eq!(
        state["attrs"]["pkgsHostTarget"],
        json!([s(&a), s(&b), s(&c)])
    );
    assert_eq!(state["attrs"]["pkgsBuildHost"], json!([s(&tool)]));
    let env = &state["env"];
    assert!(
        env["NIX_CFLAGS_COMPILE"]
            .as_str()
            .unwrap()
            .ends_with(&format!(" -isystem {}/include", s(&c))),
        "{env}"
    );
    assert_eq!(
        env["NIX_LDFLAGS"]
            .as_str()
            .unwrap()
            .matches(&format!("-L{}/lib", s(&c)))
            .count(),
        1
    );
    assert_eq!(
        env["PKG_CONFIG_PATH"],
        format!("{}/lib/pkgconfig", s(&c)).as_str()
    );
}

#[test]
fn strict_deps_keeps_build_inputs_bin_off_path() {
    let sandbox = Sandbox::new();
    let native = prefix(&sandbox, "native", &[("bin/native-tool", &tool("native"))]);
    let host = prefix(&sandbox, "host", &[("bin/host-tool", &tool("host"))]);
    let probe = "native-tool ok\n\
                 if command -v host-tool; then echo host-tool on PATH; else echo host-tool not on PATH; fi\n\
                 echo \"HOST_PATH=$HOST_PATH\"";
    for (strict, on_path) in [(true, false), (false, true)] {
        let plan = bash_plan(
            json!({"strictDeps": strict, "nativeBuildInputs": [s(&native)], "buildInputs": [s(&host)]}),
            probe,
        );
        let _ = std::fs::remove_dir_all(sandbox.build_dir());
        let output = sandbox.run(&plan, &[]);
        assert!(output.status.success(), "{}", describe(&output));
        let out = String::from_utf8_lossy(&output.stdout);
        assert!(out.contains("native ok"), "{out}");
        let expected = if on_path {
            "host-tool on PATH"
        } else {
            "host-tool not on PATH"
        };
        assert!(out.contains(expected), "strictDeps={strict}: {out}");
        // Host inputs' bin/ is on HOST_PATH (for patchShebangs) either way.
        assert!(
            out.contains(&format!("HOST_PATH={}/bin", s(&host))),
            "{out}"
        );
    }
}

/// A native input's tool, called from a phase in each interpreter.
fn native_tool_in(lang: &str) {
    let sandbox = Sandbox::new();
    let native = prefix(
        &sandbox,
        "native",
        &[(
            "bin/native-tool",
            "#!/bin/sh\necho \"native tool ran in $PWD\" > \"$out/ran\"\necho '{}'\n",
        )],
    );
    let body = match lang {
        "rhai" => json!({"rhai": "run([\"native-tool\"]); #{}"}),
        "lua" => json!({"lua": "std.run{'native-tool'}"}),
        "bash" => json!({"bash": "native-tool >/dev/null"}),
        _ => json!({"exec": ["native-tool"]}),
    };
    let plan = json!({"pname": "t", "phases": ["probe"], "strictDeps": true,
        "nativeBuildInputs": [s(&native)],
        "phaser": {"phases": {"probe": body}}});
    std::fs::create_dir_all(sandbox.path("out/out")).unwrap();
    run_ok(&sandbox, &plan);
    let ran = std::fs::read_to_string(sandbox.path("out/out/ran")).unwrap();
    assert!(ran.starts_with("native tool ran in"), "{ran}");
}

#[test]
fn native_build_inputs_tools_are_callable_from_rhai() {
    native_tool_in("rhai");
}

#[test]
fn native_build_inputs_tools_are_callable_from_lua() {
    native_tool_in("lua");
}

#[test]
fn native_build_inputs_tools_are_callable_from_bash() {
    native_tool_in("bash");
}

#[test]
fn native_build_inputs_tools_are_callable_from_exec() {
    native_tool_in("exec");
}

#[test]
fn a_setup_hook_adds_flags_and_hooks_and_takes_over_a_phase() {
    let sandbox = Sandbox::new();
    // As nixpkgs' cmake hook: a phase function that runs its hooks, set as
    // the phase unless the package has one, a flag and a pre-phase hook.
    let hooky = prefix(
        &sandbox,
        "hooky",
        &[(
            "nix-support/setup-hook",
            "hookyConfigurePhase() {\n  runHook preConfigure\n  echo \"hooky configure: ${configureFlags[*]}\"\n  runHook postConfigure\n}\n\
             if [ -z \"${configurePhase-}\" ]; then configurePhase=hookyConfigurePhase; fi\n\
             configureFlags+=(--from-hooky)\n\
             hookyPre() { echo 'hooky preConfigure hook'; }\n\
             preConfigureHooks+=(hookyPre)\n",
        )],
    );
    let plan = json!({"pname": "t", "phases": ["configure"], "nativeBuildInputs": [s(&hooky)],
        "configureFlags": ["--own"], "preConfigure": "echo 'own preConfigure'",
        "postConfigure": "echo 'own postConfigure'"});
    let output = sandbox.run(&plan, &[]);
    assert!(output.status.success(), "{}", describe(&output));
    let out = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "own preConfigure",
            "hooky preConfigure hook",
            "hooky configure: --own --from-hooky",
            "own postConfigure"
        ],
        "{}",
        describe(&output)
    );
    assert!(
        stderr(&output)
            .contains("configure (bash, set by a setup hook: configurePhase=hookyConfigurePhase)"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_failing_setup_hook_is_named() {
    let sandbox = Sandbox::new();
    let bad = prefix(
        &sandbox,
        "bad",
        &[("nix-support/setup-hook", "echo sourcing\nfalse\n")],
    );
    let plan = bash_plan(json!({"buildInputs": [s(&bad)]}), "true");
    let output = sandbox.run(&plan, &[]);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(err.contains("setupHooks"), "{err}");
    assert!(
        err.contains(&format!("{}/nix-support/setup-hook", s(&bad))),
        "{err}"
    );
}

#[test]
fn a_missing_dependency_is_a_plan_error() {
    let sandbox = Sandbox::new();
    let plan = bash_plan(json!({"buildInputs": ["missing/out"]}), "true");
    let output = sandbox.run(&plan, &[]);
    assert_eq!(output.status.code(), Some(66), "{}", describe(&output));
    let err = stderr(&output);
    assert!(
        err.contains(&format!(
            "plan.json: buildInputs[0]: build input {} does not exist",
            s(&sandbox.path("missing/out"))
        )),
        "{err}"
    );
}
