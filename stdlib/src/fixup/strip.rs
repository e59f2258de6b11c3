//! `strip`: remove debug information (or all symbols) from the object
//! files of an output, as stdenv's strip hook does, then restore the index
//! of static archives with `ranlib`.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use rayon::prelude::*;
use serde::Deserialize;
use serde_json::Value;

use super::batch;
use super::search_path::SearchPath;
use super::walk;
use crate::{Context, Error, Function, Result};

const NAME: &str = "strip";

/// What to strip and with what.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// Subdirectories (of each output) stripped with `debug_flags`.
    pub debug_list: Vec<String>,
    /// Subdirectories stripped with `all_flags`.
    pub all_list: Vec<String>,
    /// Flags for `debug_list` (`-S -p`).
    pub debug_flags: Vec<String>,
    /// Flags for `all_list` (`-s -p`).
    pub all_flags: Vec<String>,
    /// Glob patterns of files left alone: matched against the file name
    /// and against the path relative to the output.
    pub exclude: Vec<String>,
    /// The strip program (a name looked up on `PATH`, or a path).
    pub strip: String,
    /// The ranlib program.
    pub ranlib: String,
}

impl Default for Options {
    fn default() -> Options {
        let words = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
        Options {
            debug_list: words(&["lib", "lib32", "lib64", "libexec", "bin", "sbin"]),
            all_list: Vec::new(),
            debug_flags: words(&["-S", "-p"]),
            all_flags: words(&["-s", "-p"]),
            exclude: Vec::new(),
            strip: String::from("strip"),
            ranlib: String::from("ranlib"),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Args {
    #[serde(default)]
    paths: Vec<String>,
    debug_list: Option<Vec<String>>,
    all_list: Option<Vec<String>>,
    debug_flags: Option<Vec<String>>,
    all_flags: Option<Vec<String>>,
    #[serde(default)]
    exclude: Vec<String>,
    strip: Option<String>,
    ranlib: Option<String>,
}

/// The registry entry.
pub(crate) fn function() -> Function {
    Function::new::<Args, _>(
        NAME,
        "{paths: [string], debugList?: [string], allList?: [string], debugFlags?: [string], \
         allFlags?: [string], exclude?: [string], strip?: string, ranlib?: string}",
        &["*paths"],
        "Strips the ELF files and static archives (found by their magic bytes) under each \
         output in `paths`, as stdenv's strip hook: files under the subdirectories \
         `debugList` (default lib lib32 lib64 libexec bin sbin) with `debugFlags` (default \
         `-S -p`: debug information goes, the symbol table stays), then files under \
         `allList` (default none) with `allFlags` (default `-s -p`). `lib/debug` and files \
         matching an `exclude` glob (by name, or by path relative to the output) are left \
         alone, hard links are stripped once, and `ranlib` then restores the index of every \
         `*.a`. The programs are `strip`/`ranlib` (default: `STRIP`/`RANLIB` from the \
         environment, else strip and ranlib) looked up on `PATH`; without a strip program \
         it warns and does nothing. Files the program fails on are warned about and kept. \
         Returns the stripped files.",
        |cx, a: Args| {
            let defaults = Options::default();
            let options = Options {
                debug_list: a.debug_list.unwrap_or(defaults.debug_list),
                all_list: a.all_list.unwrap_or(defaults.all_list),
                debug_flags: a.debug_flags.unwrap_or(defaults.debug_flags),
                all_flags: a.all_flags.unwrap_or(defaults.all_flags),
                exclude: a.exclude,
                strip: a
                    .strip
                    .or_else(|| cx.var("STRIP").map(String::from))
                    .unwrap_or(defaults.strip),
                ranlib: a
                    .ranlib
                    .or_else(|| cx.var("RANLIB").map(String::from))
                    .unwrap_or(defaults.ranlib),
            };
            let paths: Vec<PathBuf> = a.paths.iter().map(PathBuf::from).collect();
            let stripped = strip(cx, &paths, &options)?;
            Ok(Value::Array(
                stripped
                    .into_iter()
                    .map(|p| Value::String(p.to_string_lossy().into_owned()))
                    .collect(),
            ))
        },
    )
}

/// Strips the outputs `paths` and returns the stripped files, sorted.
pub(crate) fn strip(cx: &Context, paths: &[PathBuf], options: &Options) -> Result<Vec<PathBuf>> {
    if paths.is_empty() {
        cx.warn(format!("{NAME}: no paths given, nothing to do"));
        return Ok(Vec::new());
    }
    let search = SearchPath::new(cx.var("PATH").unwrap_or(""), cx.cwd());
    let Some(strip_program) = search.find(&options.strip) else {
        cx.warn(format!(
            "{NAME}: no `{}` on PATH, so nothing is stripped (put binutils on PATH, or set \
             `strip`/STRIP to the strip program)",
            options.strip
        ));
        return Ok(Vec::new());
    };
    let ranlib_program = search.find(&options.ranlib);
    let outputs: Vec<PathBuf> = paths.iter().map(|p| cx.resolve(p)).collect();
    let exclude = Exclude::new(&options.exclude)?;

    let mut stripped = HashSet::new();
    let passes = [
        (&options.debug_list, &options.debug_flags),
        (&options.all_list, &options.all_flags),
    ];
    for (list, flags) in passes {
        let found = find_objects(cx, &outputs, list, &exclude)?;
        if found.dirs.is_empty() {
            continue;
        }
        cx.log(format!(
            "stripping (with command {} and flags {}) in {}",
            options.strip,
            flags.join(" "),
            found
                .dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(" ")
        ));
        for file in &found.objects {
            cx.writable(file)?;
        }
        let outcome = batch::run(cx, &strip_program, flags, &found.objects)?;
        for (file, stderr) in &outcome.failed {
            cx.warn(format!(
                "{NAME}: {} could not be stripped, leaving it as it is: {stderr}",
                file.display()
            ));
        }
        stripped.extend(outcome.ok);
        ranlib(
            cx,
            ranlib_program.as_deref(),
            &options.ranlib,
            &found.archives,
        )?;
    }
    let mut stripped: Vec<PathBuf> = stripped.into_iter().collect();
    stripped.sort();
    Ok(stripped)
}

/// Restores the symbol index of static archives, as stdenv does after
/// stripping (failures are only logged, as stdenv ignores them).
fn ranlib(cx: &Context, program: Option<&str>, name: &str, archives: &[PathBuf]) -> Result<()> {
    if archives.is_empty() {
        return Ok(());
    }
    let Some(program) = program else {
        cx.warn(format!(
            "{NAME}: no `{name}` on PATH, so the index of {} static archive(s) is not rebuilt",
            archives.len()
        ));
        return Ok(());
    };
    for archive in archives {
        cx.writable(archive)?;
    }
    let outcome = batch::run(cx, program, &[], archives)?;
    for (file, stderr) in outcome.failed {
        cx.log(format!(
            "{NAME}: {name} failed on {}: {stderr}",
            file.display()
        ));
    }
    Ok(())
}

/// `stripExclude`: globs on the file name or on `<output>/<pattern>`,
/// like find's `-name` and `-wholename`.
#[derive(Debug)]
struct Exclude {
    patterns: Vec<String>,
    names: GlobSet,
}

impl Exclude {
    fn new(patterns: &[String]) -> Result<Exclude> {
        let mut names = GlobSetBuilder::new();
        for pattern in patterns {
            names.add(glob(pattern)?);
        }
        Ok(Exclude {
            patterns: patterns.to_vec(),
            names: names
                .build()
                .map_err(|e| Error::msg(format!("{NAME}: exclude patterns: {e}")))?,
        })
    }

    /// The matcher of whole paths for one output.
    fn for_output(&self, output: &Path) -> Result<GlobSet> {
        let prefix = globset::escape(&output.to_string_lossy());
        let mut whole = GlobSetBuilder::new();
        for pattern in &self.patterns {
            whole.add(glob(&format!("{prefix}/{pattern}"))?);
        }
        whole
            .build()
            .map_err(|e| Error::msg(format!("{NAME}: exclude patterns: {e}")))
    }
}

fn glob(pattern: &str) -> Result<Glob> {
    Glob::new(pattern).map_err(|e| {
        Error::msg(format!(
            "{NAME}: exclude pattern `{pattern}` is not a valid glob: {e}"
        ))
    })
}

/// What one pass works on.
struct Found {
    /// The listed subdirectories that exist.
    dirs: Vec<PathBuf>,
    /// ELF files and archives to strip, one path per inode.
    objects: Vec<PathBuf>,
    /// Every `*.a` file under `dirs` (ranlib ignores the exclusions, as in stdenv).
    archives: Vec<PathBuf>,
}

fn find_objects(
    cx: &Context,
    outputs: &[PathBuf],
    list: &[String],
    exclude: &Exclude,
) -> Result<Found> {
    let mut found = Found {
        dirs: Vec::new(),
        objects: Vec::new(),
        archives: Vec::new(),
    };
    let mut candidates = Vec::new();
    for output in outputs {
        let whole = exclude.for_output(output)?;
        let debug_dir = output.join("lib/debug");
        for dir in list {
            let dir = output.join(dir.trim_start_matches('/'));
            if !dir.exists() {
                continue;
            }
            for file in walk::list(cx, NAME, &dir).files {
                if file.extension().is_some_and(|e| e == "a") {
                    found.archives.push(file.clone());
                }
                let excluded = file.starts_with(&debug_dir)
                    || file.file_name().is_some_and(|n| exclude.names.is_match(n))
                    || whole.is_match(&file);
                if !excluded {
                    candidates.push(file);
                }
            }
            found.dirs.push(dir);
        }
    }
    let identified: Vec<Result<Option<(u64, u64)>>> = candidates
        .par_iter()
        .map(|file| object_identity(file))
        .collect();
    let mut seen = HashSet::new();
    for (file, identity) in candidates.into_iter().zip(identified) {
        if let Some(id) = identity? {
            if seen.insert(id) {
                found.objects.push(file);
            }
        }
    }
    let mut seen_archives = HashSet::new();
    found.archives.retain(|a| {
        fs::metadata(a)
            .map(|m| seen_archives.insert((m.dev(), m.ino())))
            .unwrap_or(false)
    });
    Ok(found)
}

/// The file's (device, inode) if it is an ELF file or an `ar` archive.
fn object_identity(path: &Path) -> Result<Option<(u64, u64)>> {
    let mut file = File::open(path).map_err(|e| Error::io("opening", path, e))?;
    let mut magic = [0u8; 8];
    let mut len = 0;
    while len < magic.len() {
        match file.read(&mut magic[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io("reading", path, e)),
        }
    }
    let magic = &magic[..len];
    if !(magic.starts_with(b"\x7fELF") || magic == b"!<arch>\n") {
        return Ok(None);
    }
    let meta = file.metadata().map_err(|e| Error::io("reading", path, e))?;
    Ok(Some((meta.dev(), meta.ino())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclude_matches_names_and_paths_below_the_output() {
        let exclude = Exclude::new(&["*.so.keep".into(), "bin/keep*".into()]).unwrap();
        let whole = exclude.for_output(Path::new("/out")).unwrap();
        assert!(exclude.names.is_match("libx.so.keep"));
        assert!(whole.is_match("/out/bin/keepme"));
        assert!(!whole.is_match("/out/lib/keepme"));
        assert!(!exclude.names.is_match("keepme"));
    }

    #[test]
    fn a_bad_exclude_pattern_is_named() {
        let err = Exclude::new(&["[oops".into()]).unwrap_err().to_string();
        assert!(err.contains("[oops"), "{err}");
    }

    #[test]
    fn only_elf_files_and_archives_are_objects() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, bytes: &[u8]| {
            let path = dir.path().join(name);
            fs::write(&path, bytes).unwrap();
            path
        };
        assert!(object_identity(&write("elf", b"\x7fELF\x02\x01\x01rest"))
            .unwrap()
            .is_some());
        assert!(object_identity(&write("ar", b"!<arch>\nmember"))
            .unwrap()
            .is_some());
        assert!(object_identity(&write("script", b"#!/bin/sh\n"))
            .unwrap()
            .is_none());
        assert!(object_identity(&write("tiny", b"\x7fE")).unwrap().is_none());
    }
}
