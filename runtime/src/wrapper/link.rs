//! The run path of a link: nixpkgs' ld-wrapper adds `-rpath DIR` for every
//! library directory (`-L`) that holds a library the link names (`-lfoo`,
//! or a `.so` given by path), when DIR is in the store; fixup's `patchelf
//! --shrink-rpath` then drops the entries no needed library comes from.
//! Here both happen at link time: a dependency's directory goes in when a
//! library the link names is there, and the package's own library
//! directory (`-rpath $out/lib` in `NIX_LDFLAGS`) only when the link uses
//! one of the package's own libraries, from the build tree.

use std::path::Path;

use super::Flags;

/// How the link is made (the wrappers' `checkLinkType`: the last
/// `-static` or `-static-pie` decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LinkType {
    Dynamic,
    Static,
    StaticPie,
}

impl LinkType {
    pub(super) fn of<'a>(words: impl Iterator<Item = &'a str>) -> LinkType {
        let mut kind = LinkType::Dynamic;
        for word in words {
            match word {
                "-static" => kind = LinkType::Static,
                "-static-pie" => kind = LinkType::StaticPie,
                _ => {}
            }
        }
        kind
    }
}

/// `words` without their `-rpath DIR` pairs, and the DIRs.
pub(super) fn split_rpaths<'a>(words: impl Iterator<Item = &'a str>) -> (Vec<String>, Vec<String>) {
    let mut rest = Vec::new();
    let mut rpaths = Vec::new();
    let mut words = words.peekable();
    while let Some(word) = words.next() {
        if word == "-rpath" {
            if let Some(dir) = words.next() {
                rpaths.push(dir.to_string());
            }
        } else if let Some(dir) = word.strip_prefix("-rpath=") {
            rpaths.push(dir.to_string());
        } else {
            rest.push(word.to_string());
        }
    }
    (rest, rpaths)
}

/// What a link reads libraries from.
#[derive(Debug, Default)]
pub(super) struct Link {
    /// `-L` directories, in order.
    dirs: Vec<String>,
    /// The file names `-l` options ask for (`-lfoo`: `libfoo.so`).
    libs: Vec<String>,
    /// Shared libraries given by path.
    direct: Vec<String>,
    /// `-r`: a relocatable object, no run path.
    relocatable: bool,
}

/// Compiler options whose value is the next argument.
const COMPILER_VALUE_OPTIONS: &[&str] = &[
    "-o",
    "-x",
    "-D",
    "-U",
    "-I",
    "-include",
    "-imacros",
    "-isystem",
    "-idirafter",
    "-iquote",
    "-iprefix",
    "-MF",
    "-MT",
    "-MQ",
    "-T",
    "-u",
    "-z",
    "-e",
    "-B",
    "-Xassembler",
    "-Xpreprocessor",
    "--param",
    "-aux-info",
];

/// Linker options whose value is the next argument.
const LINKER_VALUE_OPTIONS: &[&str] = &[
    "-o",
    "-m",
    "-e",
    "-h",
    "-soname",
    "-T",
    "-u",
    "-y",
    "-z",
    "-A",
    "-b",
    "-F",
    "-f",
    "-G",
    "-Y",
    "-R",
    "-rpath",
    "-rpath-link",
    "-dynamic-linker",
    "-plugin",
    "-plugin-opt",
    "-Map",
    "--version-script",
    "--dynamic-list",
    "-a",
    "-c",
];

impl Link {
    /// The libraries a compiler command line links: its own `-L` and `-l`
    /// options, shared libraries given by path, and what it passes to the
    /// linker with `-Wl,` and `-Xlinker`.
    pub(super) fn from_compiler_args(args: &[String]) -> Link {
        let mut link = Link::default();
        let mut linker_words: Vec<&str> = Vec::new();
        let mut iter = args.iter().map(String::as_str);
        while let Some(arg) = iter.next() {
            match arg {
                "-L" => link.dirs.extend(iter.next().map(str::to_string)),
                "-l" => link.libs.extend(iter.next().map(library_file)),
                "-Xlinker" => linker_words.extend(iter.next()),
                "--" => break,
                a if COMPILER_VALUE_OPTIONS.contains(&a) => {
                    iter.next();
                }
                a if a.starts_with("-Wl,") => linker_words.extend(a[4..].split(',')),
                a if a.starts_with("-L") => link.dirs.push(a[2..].to_string()),
                a if a.starts_with("-l") => link.libs.push(library_file(&a[2..])),
                a if !a.starts_with('-') && is_shared_library(a) => link.direct.push(a.to_string()),
                _ => {}
            }
        }
        link.add_ld_words(linker_words.into_iter());
        link
    }

    /// Adds what linker arguments `words` link.
    pub(super) fn add_ld_words<'a>(&mut self, words: impl Iterator<Item = &'a str>) {
        let mut words = words;
        while let Some(word) = words.next() {
            match word {
                "-L" | "--library-path" => self.dirs.extend(words.next().map(str::to_string)),
                "-l" | "--library" => self.libs.extend(words.next().map(library_file)),
                "-r" | "--relocatable" | "-i" => self.relocatable = true,
                w if LINKER_VALUE_OPTIONS.contains(&w) => {
                    words.next();
                }
                w if w.starts_with("--library-path=") => {
                    self.dirs.push(w["--library-path=".len()..].to_string())
                }
                w if w.starts_with("--library=") => {
                    self.libs.push(library_file(&w["--library=".len()..]))
                }
                w if w.starts_with("-L") => self.dirs.push(w[2..].to_string()),
                w if w.starts_with("-l") => self.libs.push(library_file(&w[2..])),
                w if !w.starts_with('-') && is_shared_library(w) => self.direct.push(w.to_string()),
                _ => {}
            }
        }
    }

    /// The run path to add: the package's `own` entries first when one of
    /// its own libraries is linked (from the build tree), then each
    /// dependency or output directory (under `flags.prefixes`) that holds
    /// a library the link names.
    pub(super) fn run_path(&self, own: &[String], flags: &Flags) -> Vec<String> {
        if self.relocatable {
            return Vec::new();
        }
        let mut dirs: Vec<String> = Vec::new();
        for dir in &self.dirs {
            let dir = normalize(dir);
            if !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
        let provides = |dir: &str, lib: &str| Path::new(dir).join(lib).is_file();
        let mut found: Vec<String> = Vec::new();
        let mut uses_own = false;
        for dir in &dirs {
            if is_under_any(dir, &flags.prefixes) && self.libs.iter().any(|l| provides(dir, l)) {
                found.push(dir.clone());
            }
        }
        for lib in &self.libs {
            // The linker takes a library from the first directory that has it.
            if let Some(first) = dirs.iter().find(|d| provides(d, lib)) {
                uses_own |= !is_under_any(first, &flags.prefixes) && in_build_tree(first, flags);
            }
        }
        for library in &self.direct {
            if !Path::new(library).is_file() {
                continue;
            }
            let dir = normalize(
                Path::new(library)
                    .parent()
                    .and_then(Path::to_str)
                    .filter(|d| !d.is_empty())
                    .unwrap_or("."),
            );
            if is_under_any(&dir, &flags.prefixes) {
                if !found.contains(&dir) {
                    found.push(dir);
                }
            } else {
                uses_own |= in_build_tree(&dir, flags);
            }
        }
        let mut run_path: Vec<String> = Vec::new();
        let wanted = if uses_own { own } else { &[] };
        for dir in wanted.iter().chain(&found) {
            if !run_path.contains(dir) {
                run_path.push(dir.clone());
            }
        }
        run_path
    }
}

/// `-lfoo` asks for `libfoo.so`; `-l:name` for the file `name`.
fn library_file(name: &str) -> String {
    match name.strip_prefix(':') {
        Some(file) => file.to_string(),
        None => format!("lib{name}.so"),
    }
}

/// `libfoo.so` or `libfoo.so.1.2`.
fn is_shared_library(path: &str) -> bool {
    path.ends_with(".so") || path.contains(".so.")
}

/// A directory with `.` or `..` in it resolved, as ld-wrapper.sh does
/// (`readlink -f`); others as they are.
fn normalize(dir: &str) -> String {
    let has_dots = dir.split('/').any(|part| part == "." || part == "..");
    if has_dots {
        if let Ok(real) = std::fs::canonicalize(dir) {
            return real.display().to_string();
        }
    }
    dir.to_string()
}

fn is_under_any(dir: &str, prefixes: &[String]) -> bool {
    prefixes.iter().any(|p| is_under(dir, p))
}

fn is_under(dir: &str, prefix: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    dir == prefix
        || dir
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// A directory of the build tree: relative (to a directory of the
/// build), or under `NIX_BUILD_TOP`.
fn in_build_tree(dir: &str, flags: &Flags) -> bool {
    !dir.starts_with('/')
        || flags
            .build_top
            .as_deref()
            .is_some_and(|top| is_under(dir, top))
}

#[cfg(test)]
mod tests;
