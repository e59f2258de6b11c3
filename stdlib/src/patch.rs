//! Standard-library family `patch`: a native GNU patch for unified,
//! git-style and context diffs, all or nothing per patch file.
//!
//! Hunks are placed the way GNU patch places them (see `apply`), file names
//! are chosen the way it chooses them (see `names`), GNU patch's command
//! line is read by `flags`, and the result of the whole patch file is
//! computed in memory before anything is written (see `stage`), so a hunk
//! that does not apply leaves the tree untouched.

mod apply;
mod backup;
mod context;
mod flags;
mod intuit;
mod names;
mod parse;
mod run;
mod stage;
mod time;

/// The largest line number a patch may name: more lines than any file held
/// in memory can have, and small enough that the applier's signed line
/// arithmetic (offsets, sums of a few line numbers) never overflows (GNU
/// patch takes up to `LINENUM_MAX`, to no use).
const MAX_LINE_NUMBER: u64 = 1 << 48;

use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{json, Value};

use crate::archive::decompress_all;
use crate::{Context, Error, Function, Result};
pub use backup::{Backup, BackupStyle};
pub use time::{Timestamp, Zone};

/// What [`patch`] applies, where, and how. [`PatchOptions::new`] gives
/// phaser's defaults, [`PatchOptions::gnu`] GNU patch's for a command line.
#[derive(Debug, Clone)]
pub struct PatchOptions {
    /// The patch file; gzip, bzip2, xz, lzma or zstd compression is
    /// recognized by its magic number.
    pub patch: PathBuf,
    /// The directory the patch's file names are relative to.
    pub dir: PathBuf,
    /// Leading path components removed from file names (`-pN`); `None`
    /// keeps only base names, as GNU patch does without `-p`.
    pub strip: Option<usize>,
    /// Undo the patch instead (`-R`).
    pub reverse: bool,
    /// Context lines a hunk may ignore at each end (`-F`).
    pub fuzz: usize,
    /// Which diff format the first file's diff is read as (`-u`, `-c`);
    /// GNU patch reads any format after it.
    pub format: Format,
    /// `-N`: a patch that seems reversed or already applied fails without
    /// being considered for reversing (as without a terminal anyway).
    pub forward: bool,
    /// `-t`: a patch that seems reversed or already applied is applied
    /// reversed, file by file, as GNU patch assumes `-R` then.
    pub batch: bool,
    /// `-f`: such patches are not looked for; hunks are applied as given.
    pub force: bool,
    /// `-l`: blanks in context lines match any run of blanks.
    pub ignore_whitespace: bool,
    /// `-E`: files the patch leaves empty are removed.
    pub remove_empty_files: bool,
    /// `--binary`: the CRs of a CRLF patch are kept rather than dropped.
    pub binary: bool,
    /// `-Z` (UTC) or `-T` (local time): patched files get the time in the
    /// patch header, as GNU patch sets it.
    pub set_times: Option<Zone>,
    /// Backup files (`.orig`).
    pub backup: Backup,
    /// `--dry-run`: nothing is written.
    pub dry_run: bool,
    /// `--read-only`: what a read-only file to patch means.
    pub read_only: ReadOnly,
    /// `-s`: no log lines for patched files.
    pub quiet: bool,
}

/// The diff formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Unified, git and context diffs.
    Any,
    /// `-u`: only unified and git diffs.
    Unified,
    /// `-c`: only context diffs.
    Context,
}

/// GNU patch's `--read-only`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadOnly {
    /// Patch it without a word.
    Ignore,
    /// Patch it and say so (GNU's default).
    Warn,
    /// Refuse: the patch fails.
    Fail,
}

impl PatchOptions {
    /// `patch -p1` of `patch` in `dir`, with GNU patch's fuzz of 2 and no
    /// backups.
    pub fn new(patch: impl Into<PathBuf>, dir: impl Into<PathBuf>) -> PatchOptions {
        PatchOptions {
            patch: patch.into(),
            dir: dir.into(),
            strip: Some(1),
            reverse: false,
            fuzz: 2,
            format: Format::Any,
            forward: false,
            batch: false,
            force: false,
            ignore_whitespace: false,
            remove_empty_files: false,
            binary: false,
            set_times: None,
            backup: Backup::default(),
            dry_run: false,
            read_only: ReadOnly::Warn,
            quiet: false,
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
    /// Applied reversed because it seemed applied already (`-t`).
    pub reversed: bool,
    /// The backup made of the file's previous state, if any.
    pub backup: Option<String>,
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
    let reading = parse::Reading {
        format: options.format,
        binary: options.binary,
        times: options.set_times,
        ignore_whitespace: options.ignore_whitespace,
        strip: options.strip,
    };
    let sections = parse::parse(&data, reading)
        .map_err(|e| Error::msg(format!("patch {}: {e}", patch_path.display())))?;
    // An empty patch file changes nothing, as with GNU patch; text without
    // any diff in it is a mistake.
    if sections.is_empty() && !data.is_empty() {
        return Err(Error::msg(format!(
            "patch {}: only garbage was found in the patch input: it contains no {} diff",
            patch_path.display(),
            match options.format {
                Format::Any => "unified, git or context",
                Format::Unified => "unified or git (-u was given)",
                Format::Context => "context (-c was given)",
            }
        )));
    }
    let dir = cx.resolve(&options.dir);
    if !dir.is_dir() {
        return Err(Error::msg(format!(
            "patch {}: {} is not a directory",
            patch_path.display(),
            dir.display()
        )));
    }
    let summary = run::apply(cx, &patch_path, options, dir, sections)?;
    let name = display_name(&patch_path);
    for file in summary.files.iter().filter(|_| !options.quiet) {
        let reversed = if file.reversed {
            " (reversed: it seemed applied already)"
        } else {
            ""
        };
        let backup = match &file.backup {
            Some(backup) => format!(" (original saved as {backup})"),
            None => String::new(),
        };
        cx.log(format!(
            "{name}: {} {}{reversed}{backup}",
            file.action, file.path
        ));
    }
    for hunk in summary.adjusted.iter().filter(|_| !options.quiet) {
        cx.log(format!(
            "{name}: hunk #{} of {} succeeded at {} (offset {}, fuzz {})",
            hunk.hunk, hunk.file, hunk.line, hunk.offset, hunk.fuzz
        ));
    }
    Ok(summary)
}

fn display_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatchArgs {
    patch: String,
    #[serde(default)]
    strip: Option<usize>,
    #[serde(default)]
    dir: Option<String>,
    #[serde(default)]
    reverse: Option<bool>,
    #[serde(default)]
    fuzz: Option<usize>,
    #[serde(default)]
    flags: Option<Vec<String>>,
}

impl PatchArgs {
    fn options(self, cx: &Context) -> Result<PatchOptions> {
        let dir = self
            .dir
            .map_or_else(|| cx.cwd().to_path_buf(), PathBuf::from);
        let Some(flags) = self.flags else {
            return Ok(PatchOptions {
                strip: Some(self.strip.unwrap_or(1)),
                reverse: self.reverse.unwrap_or(false),
                fuzz: self.fuzz.unwrap_or(2),
                ..PatchOptions::new(self.patch, dir)
            });
        };
        if self.strip.is_some() || self.reverse.is_some() || self.fuzz.is_some() {
            return Err(Error::msg(format!(
                "patch {}: give either `flags` (GNU patch's options, e.g. [\"-p1\", \"-R\"]) or \
                 `strip`/`reverse`/`fuzz`, not both",
                self.patch
            )));
        }
        let shown = self.patch.clone();
        PatchOptions::gnu(self.patch, dir, &flags, |name| {
            cx.var(name).map(str::to_string)
        })
        .map_err(|e| Error::msg(format!("patch {shown}: flags {flags:?}: {e}")))
    }
}

fn summary_json(summary: &PatchSummary) -> Value {
    let files: Vec<Value> = summary
        .files
        .iter()
        .map(|f| {
            let mut entry = json!({"path": f.path, "action": f.action});
            if let Some(from) = &f.from {
                entry["from"] = json!(from);
            }
            if f.reversed {
                entry["reversed"] = json!(true);
            }
            if let Some(backup) = &f.backup {
                entry["backup"] = json!(backup);
            }
            entry
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
        "{patch: string, strip?: int, dir?: string, reverse?: bool, fuzz?: int, flags?: [string]}",
        &["patch"],
        "Applies the patch file `patch` to the tree at `dir` (default: the working directory) like \
         `patch -p<strip>` (default 1), natively. Reads unified diffs, git diffs (new, deleted and \
         renamed or copied files, mode changes; not `GIT binary patch`) and context diffs (`diff -c`, old \
         and new style), several files per patch, `\\ No newline at end of file`, CRLF lines byte \
         for byte, and skips text before and between diffs (mail or DEP-3 headers); an empty patch \
         file changes nothing. `patch` is relative to the working directory, not to `dir`. gzip, \
         bzip2, xz, lzma and zstd patch files are decompressed (detected by content). Hunks are \
         placed like GNU patch: at their line, else at the nearest offset, else with up to `fuzz` \
         (default 2) context lines ignored at each end; offsets carry over to later hunks. A first \
         hunk that does not apply but would reversed means the patch seems applied already: that is \
         an error. `reverse: true` undoes the patch. `flags` instead of `strip`/`reverse`/`fuzz` \
         takes GNU patch's command line (stdenv's `patchFlags`) with GNU patch's meaning and \
         defaults, as `patch FLAGS < PATCH` without a terminal: no `-p` keeps base names; `.orig` \
         backups of files whose hunks needed an offset or fuzz (`--no-backup-if-mismatch`, `-b`, \
         `-z`, `-V`, `-B`, `-Y`, `SIMPLE_BACKUP_SUFFIX`, `VERSION_CONTROL`); `-pN`, `-R`, `-F N`, \
         `-l` (blanks match any blanks), `-N`, `-t` (a patch that seems applied is applied reversed), \
         `-f` (no such check), `-E` (files left empty are removed), `--binary` (CRs of a CRLF patch \
         are kept), `-Z`/`-T` (file times from the headers), `-d DIR`, `-u`/`-c` (only that format, for the first file, as GNU patch), \
         `-s`, `--verbose`, `--dry-run`, `--read-only`, `-r`, `--reject-format`, `--quoting-style`; \
         long options as `--opt=V`, `--opt V` or abbreviated. Other options (`-D`, `-e`, `-n`, `-i`, \
         `-o`, `--merge`, `--posix`) are errors naming them. All or nothing: if any hunk of any file \
         fails (where GNU patch would exit non-zero), the error names the patch, the file and the \
         hunk, and no file is changed. Patched files keep their permission bits (setuid, setgid and \
         sticky bits go, as with GNU patch); new files get 0666 less the umask unless a git diff \
         gives their mode. Returns `{files: [{path, \
         action, from?, reversed?, backup?}], hunks: [{file, hunk, line, offset, fuzz}]}` listing \
         the hunks that needed an offset or fuzz.",
        |cx: &Context, a: PatchArgs| {
            let options = a.options(cx)?;
            Ok(summary_json(&patch(cx, &options)?))
        },
    )]
}
