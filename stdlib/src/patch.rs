//! Standard-library family `patch`: a native `patch -pN` for unified and
//! git-style diffs, all or nothing per patch file.
//!
//! Hunks are placed the way GNU patch places them (see `apply`), file names
//! are chosen the way it chooses them (see `names`), and the result of the
//! whole patch file is computed in memory before anything is written (see
//! `stage`), so a hunk that does not apply leaves the tree untouched.

mod apply;
mod names;
mod parse;
mod stage;

use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{json, Value};

use crate::archive::decompress_all;
use crate::{Context, Error, Function, Result};
use apply::Placement;
use parse::{Existence, NamePair, Section};
use stage::{Contents, Stage};

/// Mode of files a patch creates without saying (git diffs say).
const NEW_FILE_MODE: u32 = 0o644;

/// What [`patch`] applies, where, and how.
#[derive(Debug, Clone)]
pub struct PatchOptions {
    /// The patch file; gzip, bzip2, xz, lzma or zstd compression is
    /// recognized by its magic number.
    pub patch: PathBuf,
    /// The directory the patch's file names are relative to.
    pub dir: PathBuf,
    /// Leading path components removed from file names (`-pN`).
    pub strip: usize,
    /// Undo the patch instead (`-R`).
    pub reverse: bool,
    /// Context lines a hunk may ignore at each end (`-F`).
    pub fuzz: usize,
}

impl PatchOptions {
    /// `patch -p1` of `patch` in `dir`, with GNU patch's fuzz of 2.
    pub fn new(patch: impl Into<PathBuf>, dir: impl Into<PathBuf>) -> PatchOptions {
        PatchOptions {
            patch: patch.into(),
            dir: dir.into(),
            strip: 1,
            reverse: false,
            fuzz: 2,
        }
    }
}

/// One file a patch changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// The file, relative to [`PatchOptions::dir`].
    pub path: String,
    /// `patched`, `created`, `deleted`, `renamed` or `copied`.
    pub action: &'static str,
    /// For renames and copies, the original.
    pub from: Option<String>,
}

/// A hunk that applied somewhere else than the patch said, or with fuzz.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adjusted {
    /// The file it applied to.
    pub file: String,
    /// The hunk's number within that file's section (1-based).
    pub hunk: usize,
    /// Where it landed in the patched file.
    pub line: usize,
    /// Lines away from where the patch said (cumulative, like GNU patch).
    pub offset: isize,
    /// Context lines ignored at each end.
    pub fuzz: usize,
}

/// What [`patch`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatchSummary {
    /// Every file changed, in patch order.
    pub files: Vec<FileChange>,
    /// Hunks that needed an offset or fuzz.
    pub adjusted: Vec<Adjusted>,
}

/// Applies a patch file to the tree at [`PatchOptions::dir`]: every file
/// or none.
pub fn patch(cx: &Context, options: &PatchOptions) -> Result<PatchSummary> {
    let patch_path = cx.resolve(&options.patch);
    let raw = fs::read(&patch_path).map_err(|e| Error::io("reading the patch", &patch_path, e))?;
    let (_, data) = decompress_all(raw).map_err(|e| {
        Error::msg(format!(
            "patch {}: cannot decompress it: {e}",
            patch_path.display()
        ))
    })?;
    let sections = parse::parse(&data)
        .map_err(|e| Error::msg(format!("patch {}: {e}", patch_path.display())))?;
    // An empty patch file changes nothing, as with GNU patch; text without
    // any diff in it is a mistake.
    if sections.is_empty() && !data.is_empty() {
        return Err(Error::msg(format!(
            "patch {}: only garbage was found in the patch input: it contains no unified diff",
            patch_path.display()
        )));
    }
    let mut run = Run {
        patch: &patch_path,
        options,
        stage: Stage::new(cx, cx.resolve(&options.dir)),
        summary: PatchSummary::default(),
    };
    for section in sections {
        let section = if options.reverse {
            section.reversed()
        } else {
            section
        };
        run.section(&section)?;
    }
    let Run { stage, summary, .. } = run;
    stage.commit()?;
    for file in &summary.files {
        cx.log(format!(
            "{}: {} {}",
            display_name(&patch_path),
            file.action,
            file.path
        ));
    }
    for hunk in &summary.adjusted {
        cx.log(format!(
            "{}: hunk #{} of {} succeeded at {} (offset {}, fuzz {})",
            display_name(&patch_path),
            hunk.hunk,
            hunk.file,
            hunk.line,
            hunk.offset,
            hunk.fuzz
        ));
    }
    Ok(summary)
}

/// One patch file being applied.
struct Run<'a> {
    patch: &'a Path,
    options: &'a PatchOptions,
    stage: Stage<'a>,
    summary: PatchSummary,
}

impl Run<'_> {
    fn fail(&self, section: &Section, message: impl std::fmt::Display) -> Error {
        Error::msg(format!(
            "patch {} (line {}): {message}; nothing was changed (a patch file is applied whole or not at all)",
            self.patch.display(),
            section.line
        ))
    }

    fn section(&mut self, section: &Section) -> Result<()> {
        let git = section.git.clone().unwrap_or_default();
        if git.binary {
            return Err(self.fail(
                section,
                "binary diffs are not supported; apply this patch with `git apply`",
            ));
        }
        for mode in [git.old_mode, git.new_mode].into_iter().flatten() {
            if mode & 0o170000 != 0 && mode & 0o170000 != 0o100000 {
                return Err(self.fail(
                    section,
                    format!("a file of mode {mode:o} (symbolic link or submodule) cannot be patched natively"),
                ));
            }
        }
        if git.copy && self.options.reverse {
            return Err(self.fail(section, "a git copy cannot be reversed"));
        }
        let (input, output) = self.names(section)?;
        let shown = |name: &[u8]| String::from_utf8_lossy(name).into_owned();
        let current = match &input {
            Some(name) => self.stage.read(name)?,
            None => None,
        };
        let target = output.clone().or(input.clone()).unwrap_or_default();
        if current.is_none() && section.old.existence == Existence::Exists {
            return Err(self.fail(
                section,
                format!(
                    "can't find file to patch: {} does not exist",
                    shown(&target)
                ),
            ));
        }
        if let (Some(existing), Existence::Absent) = (&current, section.old.existence) {
            if !existing.bytes.is_empty() {
                return Err(self.fail(
                    section,
                    format!(
                        "the patch creates {}, which already exists (is the patch already applied?)",
                        shown(&target)
                    ),
                ));
            }
        }
        let base = current.as_ref().map_or(&[][..], |c| c.bytes.as_slice());
        let (bytes, placements) = apply::apply(base, &section.hunks, self.options.fuzz)
            .map_err(|index| self.hunk_failure(section, index, base, &shown(&target)))?;
        self.note(&shown(&target), placements);

        if section.new.existence == Existence::Absent {
            if !bytes.is_empty() {
                return Err(self.fail(
                    section,
                    format!(
                        "the patch deletes {} but the file has more content than the patch removes",
                        shown(&target)
                    ),
                ));
            }
            let name = input.clone().unwrap_or(target.clone());
            self.stage.set(&name, None)?;
            return self.record(&name, "deleted", None);
        }
        let mode = match (git.new_mode, &current) {
            (Some(new), _) if Some(new) != git.old_mode => new & 0o7777,
            (_, Some(existing)) => existing.mode,
            (new, None) => new.map_or(NEW_FILE_MODE, |m| m & 0o7777),
        };
        self.stage.set(&target, Some(Contents { bytes, mode }))?;
        match &input {
            Some(from) if *from != target && (git.rename || git.copy) => {
                if git.rename {
                    self.stage.set(from, None)?;
                }
                let action = if git.rename { "renamed" } else { "copied" };
                self.record(&target, action, Some(shown(from)))
            }
            _ if current.is_none() => self.record(&target, "created", None),
            _ => self.record(&target, "patched", None),
        }
    }

    /// The file to read and the file to write, after `-pN`.
    fn names(&self, section: &Section) -> Result<NamePair> {
        let strip = |name: &Option<Vec<u8>>| {
            name.as_deref()
                .and_then(|n| names::strip(n, self.options.strip))
        };
        let (old, new) = (strip(&section.old.path), strip(&section.new.path));
        let index = if old.is_none() && new.is_none() {
            strip(&section.index)
        } else {
            None
        };
        let given: Vec<Vec<u8>> = [old.clone(), new.clone(), index]
            .into_iter()
            .flatten()
            .collect();
        let dangerous: Vec<&Vec<u8>> = given.iter().filter(|n| !names::is_safe(n)).collect();
        let shown = |names: &[&Vec<u8>]| {
            names
                .iter()
                .map(|n| format!("`{}`", String::from_utf8_lossy(n)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if let Some(git) = &section.git {
            let input = old.filter(|_| section.old.existence != Existence::Absent);
            let output = new.filter(|_| section.new.existence != Existence::Absent);
            if input.is_none() && output.is_none() || !dangerous.is_empty() {
                return Err(self.fail(section, self.no_names(&given, &dangerous)));
            }
            // Plain git diffs name one file twice; only renames and copies
            // read one file and write another.
            if !(git.rename || git.copy) {
                let name = output.clone().or(input.clone());
                return Ok((input.and(name.clone()), output.and(name)));
            }
            return Ok((input, output));
        }
        let mut candidates: Vec<&Vec<u8>> = given.iter().filter(|n| names::is_safe(n)).collect();
        candidates.dedup();
        if candidates.is_empty() {
            return Err(self.fail(section, self.no_names(&given, &dangerous)));
        }
        let existing: Vec<&Vec<u8>> = candidates
            .iter()
            .copied()
            .filter(|n| self.stage.exists(n))
            .collect();
        let chosen = if let Some(best) = names::best(existing.iter().map(|n| n.as_slice())) {
            existing[best]
        } else if section.old.existence != Existence::Exists {
            // A new file: prefer the name needing the fewest new directories.
            let fewest = candidates
                .iter()
                .map(|n| self.missing_dirs(n))
                .min()
                .unwrap_or(0);
            let cheapest: Vec<&Vec<u8>> = candidates
                .iter()
                .copied()
                .filter(|n| self.missing_dirs(n) == fewest)
                .collect();
            cheapest[names::best(cheapest.iter().map(|n| n.as_slice())).unwrap_or(0)]
        } else {
            return Err(self.fail(
                section,
                format!(
                    "can't find file to patch: none of {} exists in {} (is -p{} the right strip level?)",
                    shown(&candidates),
                    self.options.dir.display(),
                    self.options.strip
                ),
            ));
        };
        let exists = self.stage.exists(chosen);
        Ok((exists.then(|| chosen.clone()), Some(chosen.clone())))
    }

    fn no_names(&self, given: &[Vec<u8>], dangerous: &[&Vec<u8>]) -> String {
        if let Some(name) = dangerous.first() {
            return format!(
                "refusing to patch `{}`: the name leaves the directory being patched",
                String::from_utf8_lossy(name)
            );
        }
        format!(
            "the header names no usable file ({} name(s) after removing {} leading component(s); is -p{} \
             the right strip level?)",
            given.len(),
            self.options.strip,
            self.options.strip
        )
    }

    /// How many directories creating `name` would have to create.
    fn missing_dirs(&self, name: &[u8]) -> usize {
        let path = self.stage.path(name);
        path.ancestors()
            .skip(1)
            .take_while(|dir| !dir.is_dir())
            .count()
    }

    fn hunk_failure(&self, section: &Section, index: usize, base: &[u8], file: &str) -> Error {
        let hunk = &section.hunks[index];
        let applied = apply::applies_cleanly(base, &hunk.reversed());
        self.fail(
            section,
            format!(
                "hunk #{} `{}` does not apply to {file}{} (tried every offset, with fuzz up to {})",
                index + 1,
                hunk.header,
                if applied {
                    ": its changes seem to be there already (is the patch already applied? `reverse: true` undoes it)"
                } else {
                    ""
                },
                self.options.fuzz
            ),
        )
    }

    fn note(&mut self, file: &str, placements: Vec<Placement>) {
        self.summary
            .adjusted
            .extend(placements.into_iter().map(|p| Adjusted {
                file: file.to_string(),
                hunk: p.hunk,
                line: p.line,
                offset: p.offset,
                fuzz: p.fuzz,
            }));
    }

    fn record(&mut self, name: &[u8], action: &'static str, from: Option<String>) -> Result<()> {
        self.summary.files.push(FileChange {
            path: String::from_utf8_lossy(name).into_owned(),
            action,
            from,
        });
        Ok(())
    }
}

fn display_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn default_strip() -> usize {
    1
}

fn default_fuzz() -> usize {
    2
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatchArgs {
    patch: String,
    #[serde(default = "default_strip")]
    strip: usize,
    #[serde(default)]
    dir: Option<String>,
    #[serde(default)]
    reverse: bool,
    #[serde(default = "default_fuzz")]
    fuzz: usize,
}

fn summary_json(summary: &PatchSummary) -> Value {
    let files: Vec<Value> = summary
        .files
        .iter()
        .map(|f| match &f.from {
            Some(from) => json!({"path": f.path, "action": f.action, "from": from}),
            None => json!({"path": f.path, "action": f.action}),
        })
        .collect();
    let hunks: Vec<Value> = summary
        .adjusted
        .iter()
        .map(|h| json!({"file": h.file, "hunk": h.hunk, "line": h.line, "offset": h.offset, "fuzz": h.fuzz}))
        .collect();
    json!({"files": files, "hunks": hunks})
}

/// This family's functions, for the registry.
pub(crate) fn functions() -> Vec<Function> {
    vec![Function::new(
        "patch",
        "{patch: string, strip?: int, dir?: string, reverse?: bool, fuzz?: int}",
        &["patch"],
        "Applies the patch file `patch` to the tree at `dir` (default: the working directory) like \
         `patch -p<strip>` (default 1), natively. Reads unified diffs and git diffs (new, deleted and \
         renamed or copied files, mode changes; not binary diffs), several files per patch, `\\ No \
         newline at end of file`, CRLF lines byte for byte, and skips text before and between diffs \
         (mail or DEP-3 headers); an empty patch file changes nothing. `patch` is relative to the \
         working directory, not to `dir`. gzip, bzip2, xz, lzma and zstd patch files are decompressed \
         (detected by content). Hunks are placed like GNU patch: at their line, else at the nearest \
         offset, else with up to `fuzz` (default 2) context lines ignored at each end; offsets carry \
         over to later hunks. `reverse: true` undoes the patch. All or nothing: if any hunk of any \
         file fails, the error names the patch, the file and the hunk with its @@ line, and no file \
         is changed. Patched files keep their modes. Returns `{files: [{path, action}], hunks: \
         [{file, hunk, line, offset, fuzz}]}` listing the hunks that needed an offset or fuzz.",
        |cx: &Context, a: PatchArgs| {
            let dir = a.dir.map_or_else(|| cx.cwd().to_path_buf(), PathBuf::from);
            let options = PatchOptions {
                strip: a.strip,
                reverse: a.reverse,
                fuzz: a.fuzz,
                ..PatchOptions::new(a.patch, dir)
            };
            Ok(summary_json(&patch(cx, &options)?))
        },
    )]
}
