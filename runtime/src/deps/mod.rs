//! A plan's dependencies, as nixpkgs' stdenv finds and activates them
//! (pkgs/stdenv/generic/setup.sh): resolved once, before the first phase.
//!
//! - [`find`]: the dependency attributes (`nativeBuildInputs`,
//!   `buildInputs`, the `propagated*` and `deps*` forms, check inputs)
//!   followed through `nix-support/propagated-*` into stdenv's six
//!   accumulators, in its order and with its de-duplication;
//! - [`environment`]: what they give the build: `PATH`, `HOST_PATH`,
//!   `XDG_DATA_DIRS` (`activatePackage`), and the work of the env hooks of
//!   stdenv's default tools (cc-wrapper's `-isystem`, bintools-wrapper's
//!   `-L`, pkg-config's `PKG_CONFIG_PATH`, cmake's prefix path, automake's
//!   `ACLOCAL_PATH`), done natively;
//! - [`setup_hooks`]: the bash step that sources the dependencies'
//!   `nix-support/setup-hook` files and runs the env hooks they register.
//!
//! Each dependency is an installed prefix: a store path under Nix, an
//! earlier `phaser run`'s output directory outside it.

pub mod environment;
pub mod find;
pub mod setup_hooks;

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

pub use find::{words, NotFound, DEPENDENCY_ATTRIBUTES};

/// Where a dependency runs and what it targets, relative to the package
/// being built: -1 the build platform, 0 the host, 1 the target
/// (stdenv's `hostOffset` and `targetOffset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offsets {
    /// `hostOffset`.
    pub host: i8,
    /// `targetOffset`.
    pub target: i8,
}

impl Offsets {
    /// The pair `(host, target)`.
    pub const fn new(host: i8, target: i8) -> Offsets {
        Offsets { host, target }
    }
}

/// stdenv's accumulators in activation order, with the offsets of the
/// dependencies each holds.
pub const ACCUMULATORS: [(&str, Offsets); 6] = [
    ("pkgsBuildBuild", Offsets::new(-1, -1)),
    ("pkgsBuildHost", Offsets::new(-1, 0)),
    ("pkgsBuildTarget", Offsets::new(-1, 1)),
    ("pkgsHostHost", Offsets::new(0, 0)),
    ("pkgsHostTarget", Offsets::new(0, 1)),
    ("pkgsTargetTarget", Offsets::new(1, 1)),
];

/// The resolved dependencies of a build.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dependencies {
    /// The prefixes of each accumulator, in [`ACCUMULATORS`]' order.
    pub lists: [Vec<PathBuf>; 6],
    /// `strictDeps`: only build-platform dependencies reach `PATH`, and
    /// env hooks see only the dependencies of their own kind.
    pub strict: bool,
}

impl Dependencies {
    /// Resolves the dependency attributes of `attrs`; an error names the
    /// attribute (or the `propagated-*` file) of a prefix that does not
    /// exist.
    pub fn resolve(attrs: &Map<String, Value>) -> Result<Dependencies, NotFound> {
        Ok(Dependencies {
            lists: find::find_inputs(attrs)?,
            strict: crate::plan::is_set(attrs.get("strictDeps")),
        })
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.lists.iter().all(Vec::is_empty)
    }

    /// Every dependency with its offsets, in activation order (a prefix
    /// in two accumulators comes twice).
    pub fn activation_order(&self) -> impl Iterator<Item = (&Path, Offsets)> {
        ACCUMULATORS
            .iter()
            .zip(&self.lists)
            .flat_map(|((_, offsets), list)| list.iter().map(move |p| (p.as_path(), *offsets)))
    }

    /// Every dependency once, in activation order: the packages env hooks
    /// visit without `strictDeps`.
    pub fn unique(&self) -> Vec<&Path> {
        let mut seen: Vec<&Path> = Vec::new();
        for (pkg, _) in self.activation_order() {
            if !seen.contains(&pkg) {
                seen.push(pkg);
            }
        }
        seen
    }

    /// What the dependencies give a build before its first phase: their
    /// environment (see [`environment::apply`]) in `env`, and the
    /// accumulators (`pkgsHostTarget`, ...) as attributes, which setup
    /// hooks and later bash phases read as stdenv's globals.
    pub fn prepare(&self, attrs: &mut Map<String, Value>, env: &mut environment::Env) {
        if self.is_empty() {
            return;
        }
        environment::apply(self, env);
        for ((name, _), list) in ACCUMULATORS.iter().zip(&self.lists) {
            let items = list
                .iter()
                .map(|p| Value::String(p.display().to_string()))
                .collect();
            attrs.insert(name.to_string(), Value::Array(items));
        }
    }

    /// The prefixes of the accumulator with `offsets`.
    pub fn list(&self, offsets: Offsets) -> &[PathBuf] {
        ACCUMULATORS
            .iter()
            .position(|(_, o)| *o == offsets)
            .map(|i| self.lists[i].as_slice())
            .unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests;
