//! `phaser init`: a starting plan for a source tarball or directory,
//! worked out from its name and what unpacking it shows, each choice with
//! the reason for it.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _};
use serde_json::{json, Map, Value};

/// A plan `phaser run` builds as is, and why each part is what it is.
#[derive(Debug, Clone)]
pub struct Detected {
    /// The plan's attributes.
    pub plan: Map<String, Value>,
    /// One line per choice: what was detected and from what.
    pub reasons: Vec<String>,
}

/// The archive suffixes a source name may end in.
const ARCHIVES: &[&str] = &[
    ".tar.gz",
    ".tar.xz",
    ".tar.bz2",
    ".tar.zst",
    ".tar.lzma",
    ".tgz",
    ".txz",
    ".tbz2",
    ".tbz",
    ".tar",
    ".zip",
];

/// Looks at `source` (a tarball or a directory) and writes a plan whose
/// `src` is `src_in_plan` (the source as the plan names it).
pub fn detect(source: &Path, src_in_plan: &str) -> anyhow::Result<Detected> {
    let mut reasons = Vec::new();
    let mut plan = Map::new();
    let file_name = source
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| anyhow!("{} has no file name", source.display()))?;
    let (pname, version) = name_and_version(&file_name);
    reasons.push(match &version {
        Some(v) => format!("pname `{pname}` and version `{v}` from the name {file_name}"),
        None => {
            format!("pname `{pname}` from the name {file_name} (no version in it: add `version`)")
        }
    });
    plan.insert("pname".into(), json!(pname));
    if let Some(v) = version {
        plan.insert("version".into(), json!(v));
    }
    plan.insert("src".into(), json!(src_in_plan));

    let scratch;
    let root = if source.is_dir() {
        source.to_path_buf()
    } else {
        scratch = tempfile::tempdir().context("creating a directory to unpack into")?;
        unpack(source, scratch.path())?
    };
    let tree = Tree(root);
    match tree.style() {
        Style::Autotools => {
            reasons.push("an executable `configure` script: the autotools style".into());
            if tree.any_contains(
                &["Makefile.am", "Makefile.in"],
                &["check:", "check-am:", "check-TESTS"],
            ) {
                reasons.push("doCheck: the Makefile.in/am have a `check` target".into());
                plan.insert("doCheck".into(), json!(true));
            }
        }
        Style::Cmake => {
            reasons.push("a CMakeLists.txt and no configure script: the cmake style".into());
            plan.insert("configureStyle".into(), json!("cmake"));
            if tree.any_contains(&["CMakeLists.txt"], &["enable_testing", "add_test"]) {
                reasons.push("doCheck: CMakeLists.txt enables testing".into());
                plan.insert("doCheck".into(), json!(true));
            }
        }
        Style::Meson => {
            reasons.push("a meson.build and no configure script: the meson style".into());
            plan.insert("configureStyle".into(), json!("meson"));
            if tree.any_contains(&["meson.build"], &["test("]) {
                reasons.push("doCheck: meson.build declares tests".into());
                plan.insert("doCheck".into(), json!(true));
            }
        }
        Style::Make(makefile) => {
            reasons.push(format!(
                "a plain {makefile} and no configure script: make builds it"
            ));
            if tree.makefile_assigns(&makefile, "PREFIX") {
                reasons.push(format!(
                    "makeFlags PREFIX=$(out): {makefile} installs under PREFIX"
                ));
                plan.insert("makeFlags".into(), json!(["PREFIX=$(out)"]));
            }
            if tree.any_contains(&[makefile.as_str()], &["\ncheck:", "\ntest:"]) {
                reasons.push(format!("doCheck: {makefile} has a check or test target"));
                plan.insert("doCheck".into(), json!(true));
            }
        }
        Style::Unknown => bail!(
            "no build system found in {} (no configure script, CMakeLists.txt, meson.build or \
             Makefile): write the plan's phases yourself",
            tree.0.display()
        ),
    }
    Ok(Detected { plan, reasons })
}

/// `hello-2.10.tar.gz` -> ("hello", Some("2.10")); Debian's
/// `hello_2.10.orig.tar.gz` too.
pub fn name_and_version(file_name: &str) -> (String, Option<String>) {
    let mut stem = file_name;
    for suffix in ARCHIVES {
        if let Some(s) = stem.strip_suffix(suffix) {
            stem = s;
            break;
        }
    }
    let stem = stem.strip_suffix(".orig").unwrap_or(stem);
    let split = stem
        .char_indices()
        .filter(|(i, c)| {
            (*c == '-' || *c == '_') && stem[i + 1..].starts_with(|d: char| d.is_ascii_digit())
        })
        .map(|(i, _)| i)
        .next_back();
    match split {
        Some(i) => (stem[..i].to_string(), Some(stem[i + 1..].to_string())),
        None => (stem.to_string(), None),
    }
}

/// Unpacks `archive` into `dir` with the standard library's unpacker and
/// returns the source root.
fn unpack(archive: &Path, dir: &Path) -> anyhow::Result<PathBuf> {
    // The standard library resolves relative paths against `dir`, the
    // scratch directory; the archive is relative to where phaser runs.
    let archive = &std::path::absolute(archive)?;
    let cx = phaser_stdlib::Context::new(dir)
        .with_roots(phaser_stdlib::Roots::Only(vec![dir.to_path_buf()]))
        .with_label("init");
    let answer = phaser_stdlib::registry()
        .call(&cx, "unpack", json!({"src": archive, "dest": "."}))
        .with_context(|| format!("unpacking {}", archive.display()))?;
    let root = answer["sourceRoot"]
        .as_str()
        .ok_or_else(|| anyhow!("{} unpacked to no single directory", archive.display()))?;
    Ok(dir.join(root))
}

/// How a source is built.
enum Style {
    Autotools,
    Cmake,
    Meson,
    Make(String),
    Unknown,
}

/// An unpacked source tree.
struct Tree(PathBuf);

impl Tree {
    fn style(&self) -> Style {
        let configure = self.0.join("configure");
        let executable = std::fs::metadata(&configure)
            .is_ok_and(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o111 != 0);
        if executable {
            Style::Autotools
        } else if self.0.join("CMakeLists.txt").is_file() {
            Style::Cmake
        } else if self.0.join("meson.build").is_file() {
            Style::Meson
        } else if let Some(name) = ["GNUmakefile", "makefile", "Makefile"]
            .iter()
            .find(|n| self.0.join(n).is_file())
        {
            Style::Make(name.to_string())
        } else {
            Style::Unknown
        }
    }

    /// Whether any of the top-level `files` contains any of `needles`.
    fn any_contains(&self, files: &[&str], needles: &[&str]) -> bool {
        files.iter().any(|f| {
            std::fs::read(self.0.join(f)).is_ok_and(|text| {
                let text = String::from_utf8_lossy(&text);
                needles.iter().any(|n| text.contains(n))
            })
        })
    }

    /// Whether `makefile` assigns `variable` (`PREFIX=...`, `PREFIX ?= ...`).
    fn makefile_assigns(&self, makefile: &str, variable: &str) -> bool {
        std::fs::read_to_string(self.0.join(makefile)).is_ok_and(|text| {
            text.lines().any(|line| {
                let line = line.trim_start();
                line.strip_prefix(variable)
                    .map(str::trim_start)
                    .is_some_and(|rest| {
                        rest.starts_with('=') || rest.starts_with("?=") || rest.starts_with(":=")
                    })
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_versions_from_file_names() {
        let cases = [
            ("hello-2.10.tar.gz", "hello", Some("2.10")),
            ("hello_2.10.orig.tar.gz", "hello", Some("2.10")),
            ("cjson_1.7.15.orig.tar.gz", "cjson", Some("1.7.15")),
            ("lua5.4_5.4.4.orig.tar.gz", "lua5.4", Some("5.4.4")),
            ("gtk-doc-1.33.tar.xz", "gtk-doc", Some("1.33")),
            ("mesondemo-1.0", "mesondemo", Some("1.0")),
            ("plain", "plain", None),
        ];
        for (file, name, version) in cases {
            let (n, v) = name_and_version(file);
            assert_eq!((n.as_str(), v.as_deref()), (name, version), "{file}");
        }
    }
}
