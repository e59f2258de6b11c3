//! What the dependencies give the build's environment, computed natively:
//!
//! - setup.sh's `activatePackage`: each dependency's `bin/` on `PATH`
//!   (build-platform ones only with `strictDeps`), host dependencies'
//!   `bin/` on `HOST_PATH`, build-platform ones' `share/` on
//!   `XDG_DATA_DIRS`, all in front of what was there;
//! - the env hooks of the tools every nixpkgs build has, run over the
//!   dependencies as `_addToEnv` runs them (see [`DEFAULT_ENV_HOOKS`]).
//!
//! phaser plays those tools' part (the compiler and linker wrapper reads
//! `NIX_CFLAGS_COMPILE` and `NIX_LDFLAGS`), so their hooks' effects are
//! here; the hooks a dependency brings itself run in bash
//! ([`super::setup_hooks`]), after these.

use std::collections::BTreeMap;
use std::path::Path;

use super::{Dependencies, ACCUMULATORS};

/// The environment being built.
pub type Env = BTreeMap<String, String>;

/// One env hook of a default tool: the offset its setup hook passes to
/// `addEnvHooks`, and what it does for one dependency (given the
/// dependency's host offset, as `depHostOffset`).
pub struct EnvHook {
    /// The tool and its nixpkgs file, for documentation.
    pub from: &'static str,
    /// The `addEnvHooks` offset.
    pub offset: i8,
    apply: fn(&Path, i8, &mut Env),
}

/// The env hooks of stdenv's default tools, in the order phaser runs them.
pub const DEFAULT_ENV_HOOKS: &[EnvHook] = &[
    EnvHook {
        from: "cc-wrapper (pkgs/build-support/cc-wrapper/setup-hook.sh): -isystem DEP/include in NIX_CFLAGS_COMPILE",
        offset: 0,
        apply: cc_wrapper,
    },
    EnvHook {
        from: "bintools-wrapper (pkgs/build-support/bintools-wrapper/setup-hook.sh): -L DEP/lib in NIX_LDFLAGS",
        offset: 0,
        apply: bintools_wrapper,
    },
    EnvHook {
        from: "pkg-config (pkgs/build-support/pkg-config-wrapper/setup-hook.sh): PKG_CONFIG_PATH",
        offset: 0,
        apply: pkg_config,
    },
    EnvHook {
        from: "cmake (pkgs/by-name/cm/cmake/setup-hook.sh): NIXPKGS_CMAKE_PREFIX_PATH, and CMAKE_PREFIX_PATH for a cmake without nixpkgs' patch",
        offset: 0,
        apply: cmake,
    },
    EnvHook {
        from: "automake (its setup hook): ACLOCAL_PATH for build-platform dependencies",
        offset: -1,
        apply: aclocal,
    },
];

/// Applies the dependencies to `env`: activation, then the default env
/// hooks.
pub fn apply(deps: &Dependencies, env: &mut Env) {
    let mut path = Env::new();
    for (pkg, offsets) in deps.activation_order() {
        if !deps.strict || offsets.host <= -1 {
            add_to_search_path(&mut path, "_PATH", &pkg.join("bin"));
        }
        if offsets.host <= -1 {
            add_to_search_path(&mut path, "_XDG_DATA_DIRS", &pkg.join("share"));
        }
        if offsets.host == 0 {
            add_to_search_path(&mut path, "_HOST_PATH", &pkg.join("bin"));
        }
    }
    add_to_env(deps, DEFAULT_ENV_HOOKS, env);
    for (var, prefix) in [
        ("PATH", "_PATH"),
        ("HOST_PATH", "_HOST_PATH"),
        ("XDG_DATA_DIRS", "_XDG_DATA_DIRS"),
    ] {
        if let Some(front) = path.get(prefix).filter(|p| !p.is_empty()) {
            let joined = match env.get(var).filter(|v| !v.is_empty()) {
                Some(rest) => format!("{front}:{rest}"),
                None => front.clone(),
            };
            env.insert(var.to_string(), joined);
        }
    }
}

/// setup.sh's `_addToEnv` for `hooks`: for each kind of dependency (host
/// and target offset), the hooks registered for it run on every
/// dependency (each once, in activation order) without `strictDeps`, or
/// on the dependencies of that kind with it.
fn add_to_env(deps: &Dependencies, hooks: &[EnvHook], env: &mut Env) {
    let all = deps.unique();
    for (_, offsets) in ACCUMULATORS {
        // addEnvHooks OFFSET registers for every kind whose host offset is OFFSET.
        let registered: Vec<&EnvHook> = hooks.iter().filter(|h| h.offset == offsets.host).collect();
        if registered.is_empty() {
            continue;
        }
        let pkgs: Vec<&Path> = if deps.strict {
            deps.list(offsets).iter().map(|p| p.as_path()).collect()
        } else {
            all.clone()
        };
        for pkg in pkgs {
            for hook in &registered {
                (hook.apply)(pkg, offsets.host, env);
            }
        }
    }
}

/// The variable suffix for a dependency's role (pkgs/build-support/
/// setup-hooks/role.bash, `getHostRoleEnvHook`).
fn role(dep_host_offset: i8) -> &'static str {
    match dep_host_offset {
        -1 => "_FOR_BUILD",
        1 => "_FOR_TARGET",
        _ => "",
    }
}

/// setup.sh's `addToSearchPath`: appends an existing directory to the
/// `:`-list `var` unless it is in it already.
pub fn add_to_search_path(env: &mut Env, var: &str, dir: &Path) {
    if !dir.is_dir() {
        return;
    }
    let dir = dir.display().to_string();
    let list = env.entry(var.to_string()).or_default();
    if list.split(':').any(|entry| entry == dir) {
        return;
    }
    if !list.is_empty() {
        list.push(':');
    }
    list.push_str(&dir);
}

/// `export VAR+=" WORDS"`.
fn append_words(env: &mut Env, var: &str, words: &str) {
    let value = env.entry(var.to_string()).or_default();
    value.push(' ');
    value.push_str(words);
}

fn cc_wrapper(pkg: &Path, dep_host: i8, env: &mut Env) {
    let include = pkg.join("include");
    if include.is_dir() {
        let var = format!("NIX_CFLAGS_COMPILE{}", role(dep_host));
        append_words(env, &var, &format!("-isystem {}", include.display()));
    }
}

fn bintools_wrapper(pkg: &Path, dep_host: i8, env: &mut Env) {
    let var = format!("NIX_LDFLAGS{}", role(dep_host));
    let lib64 = pkg.join("lib64");
    if lib64.is_dir() && !lib64.is_symlink() {
        append_words(env, &var, &format!("-L{}", lib64.display()));
    }
    // Only a lib/ with libraries in it (`lib/lib*`): Python's or GHC's
    // lib/ would only make the linker search longer.
    let lib = pkg.join("lib");
    let has_libraries = std::fs::read_dir(&lib).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().as_encoded_bytes().starts_with(b"lib"))
    });
    if has_libraries {
        append_words(env, &var, &format!("-L{}", lib.display()));
    }
}

fn pkg_config(pkg: &Path, dep_host: i8, env: &mut Env) {
    let var = format!("PKG_CONFIG_PATH{}", role(dep_host));
    add_to_search_path(env, &var, &pkg.join("lib/pkgconfig"));
    add_to_search_path(env, &var, &pkg.join("share/pkgconfig"));
}

fn cmake(pkg: &Path, _: i8, env: &mut Env) {
    add_to_search_path(env, "NIXPKGS_CMAKE_PREFIX_PATH", pkg);
    add_to_search_path(env, "CMAKE_PREFIX_PATH", pkg);
}

fn aclocal(pkg: &Path, _: i8, env: &mut Env) {
    add_to_search_path(env, "ACLOCAL_PATH", &pkg.join("share/aclocal"));
}
