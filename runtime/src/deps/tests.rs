use std::path::{Path, PathBuf};

use serde_json::json;

use super::environment::Env;
use super::*;

/// A prefix `name` under `root` with the given files (path, content).
fn prefix(root: &Path, name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, content) in files {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    dir
}

fn resolve(attrs: serde_json::Value) -> Dependencies {
    Dependencies::resolve(attrs.as_object().unwrap()).unwrap()
}

#[test]
fn propagation_follows_stdenv_offsets_and_keeps_the_first_occurrence() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let base = prefix(r, "base", &[]);
    let tool = prefix(r, "tool", &[]);
    let middle = prefix(
        r,
        "middle",
        &[
            (
                "nix-support/propagated-build-inputs",
                &format!("{} ", base.display()),
            ),
            (
                "nix-support/propagated-native-build-inputs",
                &tool.display().to_string(),
            ),
        ],
    );
    let top = prefix(
        r,
        "top",
        &[(
            "nix-support/propagated-build-inputs",
            &middle.display().to_string(),
        )],
    );
    let native = prefix(
        r,
        "native",
        &[(
            "nix-support/propagated-build-inputs",
            &base.display().to_string(),
        )],
    );
    let deps = resolve(json!({
        "nativeBuildInputs": [native.display().to_string()],
        "buildInputs": [top.display().to_string(), base.display().to_string()],
    }));
    // A native input's propagated host inputs are native too.
    assert_eq!(
        deps.list(Offsets::new(-1, 0)),
        [native.clone(), base.clone(), tool.clone()]
    );
    // Two levels of propagated build inputs, each once.
    assert_eq!(deps.list(Offsets::new(0, 1)), [top, middle, base.clone()]);
    assert!(!deps.strict);
    assert_eq!(deps.unique().len(), 5);
}

#[test]
fn check_inputs_count_only_with_do_check() {
    let root = tempfile::tempdir().unwrap();
    let checker = prefix(root.path(), "checker", &[]);
    let attrs = |do_check: bool| json!({"doCheck": do_check, "nativeCheckInputs": [checker.display().to_string()]});
    assert!(resolve(attrs(false)).is_empty());
    assert_eq!(resolve(attrs(true)).list(Offsets::new(-1, 0)), [checker]);
}

#[test]
fn a_missing_prefix_is_named_with_where_it_came_from() {
    let root = tempfile::tempdir().unwrap();
    let top = prefix(
        root.path(),
        "top",
        &[("nix-support/propagated-build-inputs", "/nonexistent/prefix")],
    );
    let attrs = json!({"buildInputs": [top.display().to_string()]});
    let (at, message) = Dependencies::resolve(attrs.as_object().unwrap()).unwrap_err();
    assert!(
        at.ends_with("top/nix-support/propagated-build-inputs"),
        "{at}"
    );
    assert!(
        message.contains("/nonexistent/prefix does not exist"),
        "{message}"
    );
    let attrs = json!({"nativeBuildInputs": ["/nonexistent/x"]});
    let (at, _) = Dependencies::resolve(attrs.as_object().unwrap()).unwrap_err();
    assert_eq!(at, "nativeBuildInputs[0]");
}

#[test]
fn the_environment_as_the_default_hooks_make_it() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let lib = prefix(
        r,
        "lib",
        &[
            ("include/lib.h", ""),
            ("lib/liblib.so", ""),
            ("lib/pkgconfig/lib.pc", ""),
            ("bin/lib-config", ""),
        ],
    );
    let tool = prefix(
        r,
        "tool",
        &[("bin/tool", ""), ("share/aclocal/tool.m4", "")],
    );
    let attrs = |strict: bool| {
        json!({
            "strictDeps": strict,
            "nativeBuildInputs": [tool.display().to_string()],
            "buildInputs": [lib.display().to_string()],
        })
    };
    let mut env = Env::from([
        ("PATH".to_string(), "/usr/bin".to_string()),
        (
            "NIX_CFLAGS_COMPILE".to_string(),
            " -frandom-seed=x".to_string(),
        ),
    ]);
    let mut attrs_map = attrs(true).as_object().cloned().unwrap();
    resolve(attrs(true)).prepare(&mut attrs_map, &mut env);
    let l = lib.display();
    let t = tool.display();
    // strictDeps: only the native input's bin/ on PATH; the host input's on HOST_PATH.
    assert_eq!(env["PATH"], format!("{t}/bin:/usr/bin"));
    assert_eq!(env["HOST_PATH"], format!("{l}/bin"));
    assert_eq!(env["XDG_DATA_DIRS"], format!("{t}/share"));
    // The compiler and linker see the host input only.
    assert_eq!(
        env["NIX_CFLAGS_COMPILE"],
        format!(" -frandom-seed=x -isystem {l}/include")
    );
    assert_eq!(env["NIX_LDFLAGS"], format!(" -L{l}/lib"));
    assert_eq!(env["PKG_CONFIG_PATH"], format!("{l}/lib/pkgconfig"));
    assert_eq!(env["CMAKE_PREFIX_PATH"], format!("{l}"));
    assert_eq!(env["ACLOCAL_PATH"], format!("{t}/share/aclocal"));
    assert_eq!(attrs_map["pkgsHostTarget"], json!([l.to_string()]));

    // Without strictDeps every env hook sees every input, once per sort
    // of dependency it is registered for, as _addToEnv runs it.
    let mut env = Env::from([("PATH".to_string(), "/usr/bin".to_string())]);
    let mut attrs_map = attrs(false).as_object().cloned().unwrap();
    resolve(attrs(false)).prepare(&mut attrs_map, &mut env);
    assert_eq!(env["PATH"], format!("{t}/bin:{l}/bin:/usr/bin"));
    assert_eq!(
        env["NIX_CFLAGS_COMPILE"],
        format!(" -isystem {l}/include -isystem {l}/include")
    );
    assert_eq!(env["ACLOCAL_PATH"], format!("{t}/share/aclocal"));
}
