//! stdenv's `findInputs` (pkgs/stdenv/generic/setup.sh): the dependency
//! attributes, followed through the `nix-support/propagated-*` files they
//! name, into the six accumulators `pkgsBuildBuild` ... `pkgsTargetTarget`.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::{Offsets, ACCUMULATORS};
use crate::plan::is_set;

/// The attributes that seed each accumulator, in setup.sh's order of the
/// `findInputs` loops (the `default*` ones last, as there). A `(when,
/// list)` extra is appended to the list when the attribute `when` is set:
/// make-derivation.nix adds the check inputs that way.
struct Seed {
    attrs: &'static [&'static str],
    extra: &'static [(&'static str, &'static str)],
    offsets: Offsets,
}

const SEEDS: &[Seed] = &[
    Seed {
        attrs: &["depsBuildBuild", "depsBuildBuildPropagated"],
        extra: &[],
        offsets: Offsets::new(-1, -1),
    },
    Seed {
        attrs: &["nativeBuildInputs", "propagatedNativeBuildInputs"],
        extra: &[
            ("doCheck", "nativeCheckInputs"),
            ("doInstallCheck", "nativeInstallCheckInputs"),
        ],
        offsets: Offsets::new(-1, 0),
    },
    Seed {
        attrs: &["depsBuildTarget", "depsBuildTargetPropagated"],
        extra: &[],
        offsets: Offsets::new(-1, 1),
    },
    Seed {
        attrs: &["depsHostHost", "depsHostHostPropagated"],
        extra: &[],
        offsets: Offsets::new(0, 0),
    },
    Seed {
        attrs: &["buildInputs", "propagatedBuildInputs"],
        extra: &[
            ("doCheck", "checkInputs"),
            ("doInstallCheck", "installCheckInputs"),
        ],
        offsets: Offsets::new(0, 1),
    },
    Seed {
        attrs: &["depsTargetTarget", "depsTargetTargetPropagated"],
        extra: &[],
        offsets: Offsets::new(1, 1),
    },
    Seed {
        attrs: &["defaultNativeBuildInputs"],
        extra: &[],
        offsets: Offsets::new(-1, 0),
    },
    Seed {
        attrs: &["defaultBuildInputs"],
        extra: &[],
        offsets: Offsets::new(0, 1),
    },
];

/// Every attribute that names dependencies, for type checks and for
/// anchoring relative paths to the plan.
pub const DEPENDENCY_ATTRIBUTES: &[&str] = &[
    "depsBuildBuild",
    "depsBuildBuildPropagated",
    "nativeBuildInputs",
    "propagatedNativeBuildInputs",
    "nativeCheckInputs",
    "nativeInstallCheckInputs",
    "depsBuildTarget",
    "depsBuildTargetPropagated",
    "depsHostHost",
    "depsHostHostPropagated",
    "buildInputs",
    "propagatedBuildInputs",
    "checkInputs",
    "installCheckInputs",
    "depsTargetTarget",
    "depsTargetTargetPropagated",
    "defaultNativeBuildInputs",
    "defaultBuildInputs",
];

/// The `nix-support` files a dependency propagates through, by the
/// offsets relative to that dependency: `[relative host + 1][relative
/// target - relative host]` (setup.sh's `propagatedDepFilesVars`).
const PROPAGATED_FILES: [&[&str]; 3] = [
    &[
        "propagated-build-build-deps",
        "propagated-native-build-inputs",
        "propagated-build-target-deps",
    ],
    &["propagated-host-host-deps", "propagated-build-inputs"],
    &["propagated-target-target-deps"],
];

/// The words of a dependency attribute: a list's strings, or a string's
/// white-space separated words (stdenv without structured attributes).
pub fn words(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .flat_map(str::split_whitespace)
            .map(str::to_string)
            .collect(),
        Some(Value::String(text)) => text.split_whitespace().map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

/// Where a missing dependency was named (an attribute with its index, or
/// a `propagated-*` file) and what is wrong.
pub type NotFound = (String, String);

/// The accumulators as `findInputs` fills them.
pub(super) fn find_inputs(attrs: &Map<String, Value>) -> Result<[Vec<PathBuf>; 6], NotFound> {
    let mut lists: [Vec<PathBuf>; 6] = Default::default();
    for seed in SEEDS {
        let mut names: Vec<(String, String)> = Vec::new();
        for attr in seed.attrs {
            let list = words(attrs.get(*attr));
            names.extend(
                list.into_iter()
                    .enumerate()
                    .map(|(i, p)| (p, format!("{attr}[{i}]"))),
            );
            // make-derivation.nix appends the check inputs to the first
            // list of the pair (nativeBuildInputs, buildInputs).
            if *attr == seed.attrs[0] {
                for (when, extra) in seed.extra {
                    if is_set(attrs.get(*when)) {
                        let list = words(attrs.get(*extra));
                        names.extend(
                            list.into_iter()
                                .enumerate()
                                .map(|(i, p)| (p, format!("{extra}[{i}]"))),
                        );
                    }
                }
            }
        }
        for (pkg, from) in names {
            find(&mut lists, Path::new(&pkg), seed.offsets, &from)?;
        }
    }
    Ok(lists)
}

/// One `findInputs PKG HOST TARGET`: adds `pkg` to its accumulator unless
/// it is there already, then follows what it propagates, each file's
/// offsets mapped through the package's own.
fn find(
    lists: &mut [Vec<PathBuf>; 6],
    pkg: &Path,
    offsets: Offsets,
    from: &str,
) -> Result<(), NotFound> {
    let Some(slot) = ACCUMULATORS.iter().position(|(_, o)| *o == offsets) else {
        // A target offset past the target platform: setup.sh has no
        // accumulator for it either.
        return Ok(());
    };
    if lists[slot].iter().any(|p| p == pkg) {
        return Ok(());
    }
    lists[slot].push(pkg.to_path_buf());
    if !pkg.exists() {
        return Err((
            from.to_string(),
            format!(
                "build input {} does not exist (a dependency is an installed prefix: a store \
                 path, or an earlier `phaser run`'s --out-dir/NAME)",
                pkg.display()
            ),
        ));
    }
    // setup.sh's mapOffset: offsets relative to `pkg` into offsets relative
    // to the package being built.
    let map = |relative: i8| {
        if relative <= 0 {
            relative + offsets.host
        } else {
            relative - 1 + offsets.target
        }
    };
    for relative_host in -1i8..=1 {
        let host = map(relative_host);
        if !(-1..=1).contains(&host) {
            continue;
        }
        let files = PROPAGATED_FILES[(relative_host + 1) as usize];
        for relative_target in relative_host..=1 {
            let name = files[(relative_target - relative_host) as usize];
            let file = pkg.join("nix-support").join(name);
            let Ok(text) = std::fs::read_to_string(&file) else {
                continue;
            };
            let next = Offsets::new(host, map(relative_target));
            let from = file.display().to_string();
            for word in text.split_whitespace() {
                find(lists, Path::new(word), next, &from)?;
            }
        }
    }
    Ok(())
}
