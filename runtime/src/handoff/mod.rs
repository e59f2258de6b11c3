//! Handing a build from one phase's Nix derivation to the next (`phaser
//! split`): the build tree and the outputs written so far travel as store
//! paths.
//!
//! At the end of phase *i*, [`save`] copies the build directory into the
//! derivation's tree output (`<tree>/build`) and writes a manifest of the
//! modes and timestamps of the tree and of every output that exists
//! (`<tree>/manifest`), because Nix resets both in the store. Phase *i+1*
//! calls [`restore`]: it copies the tree back into its own build directory
//! (always `/build` in Nix's sandbox, so paths in the tree stay valid),
//! copies phase *i*'s outputs into its own outputs, rewrites phase *i*'s
//! output paths to its own in every file and symlink on the way (same
//! length, see [`Rewrites`]), and puts the recorded modes and timestamps
//! back.
//!
//! Cost: every byte of the tree is written twice per phase (into the store
//! and back out) and read once more by the rewrite scan, on top of what Nix
//! itself does with a store path (hashing it, and on remote builders
//! sending it). [`Transfer`] counts both directions for the builder log.

mod copy;
mod manifest;
mod rewrite;

use std::collections::BTreeMap;
use std::ffi::CString;
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context as _};

use copy::copy_tree;
pub use manifest::{Manifest, Meta};
pub use rewrite::Rewrites;

/// Where the build directory's copy goes inside the tree output.
pub const TREE_BUILD_DIR: &str = "build";
/// The manifest's file name inside the tree output.
pub const MANIFEST_FILE: &str = "manifest";
/// Paths (relative to the build directory) that belong to the current
/// build only and are never carried: the files Nix writes for this
/// derivation (the next has its own), the process groups this run started
/// (the runner SIGKILLs recorded groups before it starts, and these ids
/// mean other processes on another machine or in another sandbox). The
/// resume manifest inside the state file is dropped by the builder.
pub const NOT_CARRIED: &[&str] = &[".attrs.json", ".attrs.sh", ".phaser/groups"];

/// What one direction of a hand-off moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Transfer {
    /// Regular files copied.
    pub files: u64,
    /// Bytes of regular files copied.
    pub bytes: u64,
    /// Directories and symlinks created.
    pub others: u64,
    /// Store paths replaced in contents and symlink targets.
    pub rewrites: usize,
    /// Wall time.
    pub elapsed: Duration,
}

impl std::fmt::Display for Transfer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} files ({:.1} MB) and {} directories/symlinks, {} paths rewritten, in {}",
            self.files,
            self.bytes as f64 / 1e6,
            self.others,
            self.rewrites,
            crate::format_duration(self.elapsed)
        )
    }
}

/// Copies `build_top` (without [`NOT_CARRIED`]) to `<tree>/build` and
/// writes `<tree>/manifest` with the modes and timestamps of that tree and
/// of each output in `outputs` that exists.
pub fn save(
    build_top: &Path,
    tree: &Path,
    outputs: &BTreeMap<String, String>,
) -> anyhow::Result<Transfer> {
    let started = Instant::now();
    let mut transfer = Transfer::default();
    fs::create_dir_all(tree).with_context(|| format!("creating {}", tree.display()))?;
    let mut manifest = Manifest::default();
    let entries = copy_tree(
        build_top,
        &tree.join(TREE_BUILD_DIR),
        &Rewrites::new(),
        NOT_CARRIED,
        None,
        &mut transfer,
    )?;
    for (rel, meta) in entries {
        manifest.insert(TREE_BUILD_DIR, &rel, meta);
    }
    for (name, path) in outputs {
        let root = Path::new(path);
        if fs::symlink_metadata(root).is_err() {
            continue;
        }
        for entry in walkdir::WalkDir::new(root) {
            let entry = entry.with_context(|| format!("reading the output {path}"))?;
            let meta = entry
                .metadata()
                .with_context(|| format!("reading {}", entry.path().display()))?;
            let rel = entry.path().strip_prefix(root).unwrap_or(Path::new(""));
            manifest.insert(name, rel, Meta::of(&meta));
        }
    }
    let file = tree.join(MANIFEST_FILE);
    fs::write(&file, manifest.to_bytes()).with_context(|| format!("writing {}", file.display()))?;
    transfer.elapsed = started.elapsed();
    Ok(transfer)
}

/// Restores what [`save`] wrote in `tree`: the build tree into `build_top`,
/// and each output the manifest lists from `previous` (the previous phase's
/// output paths) to `own` (this build's), rewriting with `rewrites`.
/// Modes and timestamps come back from the manifest.
pub fn restore(
    tree: &Path,
    build_top: &Path,
    previous: &BTreeMap<String, String>,
    own: &BTreeMap<String, String>,
    rewrites: &Rewrites,
) -> anyhow::Result<Transfer> {
    let started = Instant::now();
    let mut transfer = Transfer::default();
    let file = tree.join(MANIFEST_FILE);
    let bytes = fs::read(&file).with_context(|| {
        format!(
            "reading {}: is {} the tree output of a `phaser split` phase?",
            file.display(),
            tree.display()
        )
    })?;
    let manifest = Manifest::from_bytes(&bytes).map_err(|e| anyhow!("{}: {e}", file.display()))?;
    let mut copy = |root: &str, from: &Path, to: &Path| -> anyhow::Result<()> {
        let recorded = |rel: &Path, source: Meta| manifest.get(root, rel).unwrap_or(source);
        copy_tree(from, to, rewrites, &[], Some(&recorded), &mut transfer)?;
        Ok(())
    };
    copy(TREE_BUILD_DIR, &tree.join(TREE_BUILD_DIR), build_top)?;
    for name in manifest.roots.keys().filter(|r| *r != TREE_BUILD_DIR) {
        let (Some(from), Some(to)) = (previous.get(name), own.get(name)) else {
            anyhow::bail!(
                "the previous phase wrote the output `{name}`, which this derivation does not have (outputs: {})",
                own.keys().cloned().collect::<Vec<_>>().join(", ")
            );
        };
        copy(name, Path::new(from), Path::new(to))?;
    }
    transfer.elapsed = started.elapsed();
    Ok(transfer)
}

/// Sets the mode (not for symlinks, whose mode means nothing) and the
/// modification time of `path`.
fn set_meta(path: &Path, meta: Meta) -> anyhow::Result<()> {
    let is_link = fs::symlink_metadata(path)
        .map(|m| m.file_type().is_symlink())
        .unwrap_or(false);
    if !is_link {
        fs::set_permissions(path, fs::Permissions::from_mode(meta.mode))
            .with_context(|| format!("setting the mode of {}", path.display()))?;
    }
    let c_path = CString::new(path.as_os_str().as_bytes())?;
    let times = [
        libc::timespec {
            tv_sec: 0,
            tv_nsec: libc::UTIME_OMIT,
        },
        libc::timespec {
            tv_sec: meta.mtime as libc::time_t,
            tv_nsec: meta.mtime_nsec as _,
        },
    ];
    // SAFETY: a valid NUL-terminated path and a two-element timespec array.
    let rc = unsafe {
        libc::utimensat(
            libc::AT_FDCWD,
            c_path.as_ptr(),
            times.as_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error())
            .with_context(|| format!("setting the timestamp of {}", path.display()));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
