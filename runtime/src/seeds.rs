//! Seed manifests: the exact files a bootstrap starts from, checked before
//! the first phase runs.
//!
//! A plan names its manifest with `phaser.seeds`. The manifest is JSON:
//!
//! ```json
//! {
//!   "root": "..",
//!   "dirs": ["bin", "lib", "lib64", "usr"],
//!   "files": [
//!     {"path": "usr/bin/tcc", "sha256": "9c1b…", "what": "tcc 0.9.27, the C compiler"},
//!     {"path": "lib64/ld-linux-x86-64.so.2",
//!      "symlink": "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "what": "the loader's ELF path"}
//!   ]
//! }
//! ```
//!
//! `root` (relative to the manifest's directory, default `.`) is where the
//! paths start. `dirs` are the directories that hold seeds and nothing else
//! (default: the first component of every listed path): a file in them that
//! the manifest does not list is an error, so nothing can slip into a seed
//! set unnoticed. Every listed file must exist as a regular file with
//! exactly the given sha256, or, for a `symlink` entry, as a symbolic link
//! with exactly that target, which must itself be a listed file (so every
//! byte reachable through a seed path is hashed). One problem of any kind
//! stops the build before its first phase.

use std::collections::BTreeSet;
use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

/// What the manifest says about one seed file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// Path relative to the manifest's root.
    pub path: String,
    /// Lowercase hex sha256 of a regular file's bytes.
    #[serde(default)]
    pub sha256: Option<String>,
    /// The target of a symbolic link (instead of `sha256`).
    #[serde(default)]
    pub symlink: Option<String>,
    /// What the file is and where it comes from, for people.
    pub what: String,
}

/// A parsed seed manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The manifest file.
    pub file: PathBuf,
    /// The directory seed paths are relative to.
    pub root: PathBuf,
    /// Directories (relative to `root`) that must hold only listed seeds.
    pub dirs: Vec<String>,
    /// The seeds, in the manifest's order.
    pub files: Vec<Seed>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestText {
    #[serde(default)]
    root: Option<String>,
    #[serde(default)]
    dirs: Option<Vec<String>>,
    files: Vec<Seed>,
}

/// What is wrong with one path of a seed set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Listed, but not there.
    Missing,
    /// Listed, but its bytes differ.
    Changed {
        /// The manifest's sha256.
        expected: String,
        /// The file's sha256.
        found: String,
    },
    /// Listed, but not a regular file (a directory, link or device).
    NotAFile(&'static str),
    /// Listed as a symbolic link, but it is not one or points elsewhere.
    Link {
        /// The manifest's target.
        expected: String,
        /// What is there: `-> target`, or the kind of file.
        found: String,
    },
    /// In a seed directory, but not listed.
    Extra,
    /// Listed, but could not be read.
    Unreadable(String),
}

/// Why a seed set was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeedError {
    /// The manifest itself cannot be read or is malformed.
    #[error("seed manifest {}: {message}", file.display())]
    Manifest {
        /// The manifest file.
        file: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
    /// The files on disk do not match the manifest.
    #[error("{}", describe_mismatch(file, root, problems))]
    Mismatch {
        /// The manifest file.
        file: PathBuf,
        /// Its root directory.
        root: PathBuf,
        /// Each path with its problem, sorted by path.
        problems: Vec<(String, Problem)>,
    },
}

/// A seed set that matched its manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// How many files were checked.
    pub files: usize,
    /// Their total size in bytes.
    pub bytes: u64,
}

impl Manifest {
    /// Reads and checks the shape of a manifest file.
    pub fn load(file: &Path) -> Result<Manifest, SeedError> {
        let bad = |message: String| SeedError::Manifest {
            file: file.to_path_buf(),
            message,
        };
        let text = std::fs::read_to_string(file).map_err(|e| {
            bad(format!(
                "cannot read it ({e}); the plan's `phaser.seeds` names it relative to the plan (bootstrap/make-seeds writes one)"
            ))
        })?;
        let parsed: ManifestText = serde_json::from_str(&text).map_err(|e| {
            bad(format!(
                "invalid manifest ({e}); it takes `files` (a list of {{path, sha256, what}}) and optional `root` and `dirs`"
            ))
        })?;
        let base = file.parent().unwrap_or(Path::new("."));
        let root = base.join(parsed.root.as_deref().unwrap_or("."));
        // `/bootstrap/..` reads better as `/` in messages; a root that does
        // not exist stays as written and every seed is reported missing.
        let root = root.canonicalize().unwrap_or(root);
        let mut seen = BTreeSet::new();
        for seed in &parsed.files {
            check_relative(&seed.path)
                .map_err(|why| bad(format!("files: `{}` {why}", seed.path)))?;
            if !seen.insert(seed.path.as_str()) {
                return Err(bad(format!("files: `{}` is listed twice", seed.path)));
            }
            match (&seed.sha256, &seed.symlink) {
                (Some(sha), None) => {
                    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return Err(bad(format!(
                            "files: `{}` has sha256 `{sha}`, which is not 64 hex digits",
                            seed.path
                        )));
                    }
                }
                (None, Some(_)) => {}
                _ => {
                    return Err(bad(format!(
                        "files: `{}` needs exactly one of `sha256` (a file) and `symlink` (a link's target)",
                        seed.path
                    )))
                }
            }
        }
        let regular: BTreeSet<&str> = parsed
            .files
            .iter()
            .filter(|s| s.sha256.is_some())
            .map(|s| s.path.as_str())
            .collect();
        for seed in &parsed.files {
            if let Some(target) = &seed.symlink {
                let resolved = link_target(&seed.path, target);
                if !resolved.as_deref().is_some_and(|t| regular.contains(t)) {
                    return Err(bad(format!(
                        "files: `{}` links to `{target}`, which is not a file the manifest lists; a seed link must point at a listed file",
                        seed.path
                    )));
                }
            }
        }
        let dirs = match parsed.dirs {
            Some(dirs) => dirs,
            None => parsed
                .files
                .iter()
                .filter_map(|s| s.path.split('/').next().map(str::to_string))
                .filter(|first| parsed.files.iter().all(|s| s.path != *first))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        };
        for dir in &dirs {
            check_relative(dir).map_err(|why| bad(format!("dirs: `{dir}` {why}")))?;
        }
        Ok(Manifest {
            file: file.to_path_buf(),
            root,
            dirs,
            files: parsed.files,
        })
    }

    /// Checks the files on disk against the manifest: every seed present
    /// with its sha256, nothing unlisted in the seed directories.
    pub fn verify(&self) -> Result<Verified, SeedError> {
        let mut problems = Vec::new();
        let mut bytes = 0;
        for seed in &self.files {
            let path = self.root.join(&seed.path);
            let checked = match (&seed.sha256, &seed.symlink) {
                (Some(sha256), _) => check_file(&path, sha256),
                (None, Some(target)) => check_link(&path, target).map(|()| 0),
                // Manifest::load refuses this; a hand-built Manifest may not.
                (None, None) => Err(Problem::Unreadable(
                    "the manifest gives neither its sha256 nor its symlink target".into(),
                )),
            };
            match checked {
                Ok(size) => bytes += size,
                Err(problem) => problems.push((seed.path.clone(), problem)),
            }
        }
        let listed: BTreeSet<&str> = self.files.iter().map(|s| s.path.as_str()).collect();
        for dir in &self.dirs {
            let mut found = Vec::new();
            walk(&self.root, Path::new(dir), &mut found);
            for (path, kind) in found {
                if !listed.contains(path.as_str()) {
                    problems.push((path, kind.unwrap_or(Problem::Extra)));
                }
            }
        }
        if problems.is_empty() {
            return Ok(Verified {
                files: self.files.len(),
                bytes,
            });
        }
        problems.sort_by(|a, b| a.0.cmp(&b.0));
        problems.dedup_by(|a, b| a.0 == b.0);
        Err(SeedError::Mismatch {
            file: self.file.clone(),
            root: self.root.clone(),
            problems,
        })
    }
}

/// Loads the manifest `file` and verifies the seed set it describes.
pub fn verify(file: &Path) -> Result<Verified, SeedError> {
    Manifest::load(file)?.verify()
}

/// The sha256 of a file's bytes, lowercase hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 16];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Checks that `path` is a symbolic link to exactly `target`.
fn check_link(path: &Path, target: &str) -> Result<(), Problem> {
    let meta = match path.symlink_metadata() {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Problem::Missing),
        Err(e) => return Err(Problem::Unreadable(e.to_string())),
    };
    let found = if meta.file_type().is_symlink() {
        let found = std::fs::read_link(path).map_err(|e| Problem::Unreadable(e.to_string()))?;
        if found.as_os_str() == target {
            return Ok(());
        }
        format!("-> {}", found.display())
    } else if meta.is_file() {
        String::from("a regular file")
    } else {
        kind_of(&meta).to_string()
    };
    Err(Problem::Link {
        expected: target.to_string(),
        found,
    })
}

/// Where a link at `path` (relative to the root) pointing at `target`
/// leads, relative to the root; absolute targets count from the root, as
/// they do inside the chroot. `None` when it climbs out of the root.
fn link_target(path: &str, target: &str) -> Option<String> {
    let mut parts: Vec<&str> = if target.starts_with('/') {
        Vec::new()
    } else {
        let mut parent: Vec<&str> = path.split('/').collect();
        parent.pop();
        parent
    };
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// Size of the seed at `path` when it is a regular file with `expected` hash.
fn check_file(path: &Path, expected: &str) -> Result<u64, Problem> {
    let meta = match path.symlink_metadata() {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Problem::Missing),
        Err(e) => return Err(Problem::Unreadable(e.to_string())),
    };
    if !meta.is_file() {
        return Err(Problem::NotAFile(kind_of(&meta)));
    }
    let found = sha256_file(path).map_err(|e| Problem::Unreadable(e.to_string()))?;
    if !found.eq_ignore_ascii_case(expected) {
        return Err(Problem::Changed {
            expected: expected.to_ascii_lowercase(),
            found,
        });
    }
    Ok(meta.len())
}

/// Every entry under `root/dir` that is not a directory, as a
/// `/`-separated path relative to `root`. Symbolic links are not followed:
/// an unlisted link is an extra file like any other. Unreadable directories
/// are reported rather than skipped, since skipping them would hide extra
/// files.
fn walk(root: &Path, dir: &Path, found: &mut Vec<(String, Option<Problem>)>) {
    let entries = match std::fs::read_dir(root.join(dir)) {
        Ok(entries) => entries,
        // A seed directory that does not exist holds no extra files; its
        // listed seeds are reported missing one by one.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
        Err(e) => {
            found.push((slash_path(dir), Some(Problem::Unreadable(e.to_string()))));
            return;
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                found.push((slash_path(dir), Some(Problem::Unreadable(e.to_string()))));
                continue;
            }
        };
        let path = dir.join(entry.file_name());
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => walk(root, &path, found),
            Ok(_) => found.push((slash_path(&path), None)),
            Err(e) => found.push((slash_path(&path), Some(Problem::Unreadable(e.to_string())))),
        }
    }
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let kind = meta.file_type();
    if kind.is_dir() {
        "a directory"
    } else if kind.is_symlink() {
        "a symbolic link"
    } else {
        "a special file"
    }
}

fn slash_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Seed paths stay inside the root: relative, without `.` or `..`.
fn check_relative(path: &str) -> Result<(), &'static str> {
    if path.is_empty() {
        return Err("is empty");
    }
    if path.ends_with('/') || path.contains("//") {
        return Err("must be a plain relative path such as usr/bin/tcc");
    }
    for component in Path::new(path).components() {
        if !matches!(component, Component::Normal(_)) {
            return Err("must be relative to the manifest's root, without `.` or `..`");
        }
    }
    Ok(())
}

fn describe_mismatch(file: &Path, root: &Path, problems: &[(String, Problem)]) -> String {
    let mut text = format!(
        "the seeds do not match {} (root {}); no phase ran:",
        file.display(),
        root.display()
    );
    for (path, problem) in problems {
        text.push_str(&format!("\n  {path}: {problem}"));
    }
    text.push_str(
        "\nRestore the seed set exactly as the manifest lists it; if the change is intended, \
         regenerate the manifest (bootstrap/make-seeds) and review what changed.",
    );
    text
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Missing => f.write_str("missing (the manifest lists it)"),
            Problem::Changed { expected, found } => write!(
                f,
                "changed: its sha256 is {found}, the manifest says {expected}"
            ),
            Problem::NotAFile(what) => {
                write!(f, "is {what}; the manifest lists a regular file")
            }
            Problem::Link { expected, found } => {
                write!(f, "should be a symbolic link to {expected}, but is {found}")
            }
            Problem::Extra => {
                f.write_str("not in the manifest (an extra file in a seed directory)")
            }
            Problem::Unreadable(e) => write!(f, "cannot be read: {e}"),
        }
    }
}

#[cfg(test)]
#[path = "seeds_tests.rs"]
mod tests;
