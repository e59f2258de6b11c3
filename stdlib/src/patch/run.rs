//! Applying the sections of one patch file, file by file, with GNU patch's
//! decisions (pch.c's `intuit_diff_type`/`maybe_reverse`, patch.c's main
//! loop): which file to patch, whether the patch seems applied already and
//! what `-N`/`-t`/`-f` make of that, backups, removal of emptied files, and
//! file times. Every case where GNU patch would exit non-zero is an error
//! here, and then nothing is written.

use std::path::{Path, PathBuf};

use super::apply::{self, Failure, Matching, Placement};
use super::names;
use super::parse::{Existence, NamePair, Section};
use super::stage::{Contents, Stage};
use super::{Adjusted, FileChange, PatchOptions, PatchSummary, ReadOnly};
use crate::{Context, Error, Result};

/// Applies `sections` of the patch file `patch` to `dir`.
pub(crate) fn apply(
    cx: &Context,
    patch: &Path,
    options: &PatchOptions,
    dir: PathBuf,
    sections: Vec<Section>,
) -> Result<PatchSummary> {
    let mut run = Run {
        cx,
        patch,
        options,
        stage: Stage::new(cx, dir),
        summary: PatchSummary::default(),
    };
    for section in sections {
        let section = if options.reverse {
            section.reversed()
        } else {
            section
        };
        run.section(section)?;
    }
    let Run {
        stage, mut summary, ..
    } = run;
    if options.dry_run {
        return Ok(summary);
    }
    for (file, backup) in stage.commit(&options.backup)? {
        let (file, backup) = (shown(&file), shown(&backup));
        // A file changed twice is listed twice; the backup is of the first.
        if let Some(change) = summary.files.iter_mut().find(|c| c.path == file) {
            change.backup = Some(backup);
        }
    }
    Ok(summary)
}

fn shown(name: &[u8]) -> String {
    String::from_utf8_lossy(name).into_owned()
}

/// One patch file being applied.
struct Run<'a> {
    cx: &'a Context,
    patch: &'a Path,
    options: &'a PatchOptions,
    stage: Stage<'a>,
    summary: PatchSummary,
}

/// What GNU patch does with a patch that seems reversed (its
/// `ok_to_reverse`), given that it has no terminal to ask.
enum Answer {
    /// `-t`: assume `-R` for this file.
    Reverse,
    /// `-f`: apply it as it is.
    AsItIs,
}

impl Run<'_> {
    fn fail(&self, section: &Section, message: impl std::fmt::Display) -> Error {
        Error::msg(format!(
            "patch {} (line {}): {message}; nothing was changed (a patch file is applied whole or not at all)",
            self.patch.display(),
            section.line
        ))
    }

    /// GNU patch's answer to "reversed patch detected", or the error its
    /// skipping the file amounts to.
    fn reversal(&self, section: &Section, what: &str) -> Result<Answer> {
        let o = self.options;
        if o.forward {
            Err(self.fail(
                section,
                format!("{what}: skipping it (-N), which makes GNU patch fail too"),
            ))
        } else if o.force {
            Ok(Answer::AsItIs)
        } else if o.batch {
            Ok(Answer::Reverse)
        } else {
            Err(self.fail(
                section,
                format!(
                    "{what}: is the patch already applied? (`reverse: true` or -R undoes it; GNU patch \
                     without a terminal skips such a file and fails)"
                ),
            ))
        }
    }

    fn section(&mut self, mut section: Section) -> Result<()> {
        let git = section.git.clone().unwrap_or_default();
        if git.binary {
            return Err(self.fail(
                &section,
                "binary diffs are not supported; apply this patch with `git apply`",
            ));
        }
        for mode in [git.old_mode, git.new_mode].into_iter().flatten() {
            if mode & 0o170000 != 0 && mode & 0o170000 != 0o100000 {
                return Err(self.fail(
                    &section,
                    format!("a file of mode {mode:o} (symbolic link or submodule) cannot be patched natively"),
                ));
            }
        }
        if git.copy && self.options.reverse {
            return Err(self.fail(&section, "a git copy cannot be reversed"));
        }
        let (input, output) = self.names(&section)?;
        let current = match &input {
            Some(name) => self.stage.read(name)?,
            None => None,
        };
        let target = output.clone().or(input.clone()).unwrap_or_default();
        let mut reversed = false;
        if let Some(what) = looks_reversed(&section, current.as_ref(), &shown(&target)) {
            let what = match self.options.reverse {
                true => what.replacen("patch", "patch, when reversed,", 1),
                false => what,
            };
            if let Answer::Reverse = self.reversal(&section, &what)? {
                section = section.reversed();
                reversed = true;
            }
        }
        if current.is_none() && section.old.existence == Existence::Exists {
            return Err(self.fail(
                &section,
                format!(
                    "can't find file to patch: {} does not exist in {} (is -p{} the right strip level?)",
                    shown(&target),
                    self.stage.dir().display(),
                    self.options
                        .strip
                        .map_or_else(|| " (none given: base names)".into(), |n| n.to_string())
                ),
            ));
        }
        if let (Some(existing), Some(name)) = (&current, &input) {
            self.check_writable(&section, name, existing)?;
        }
        if let Some(word) = &section.prereq {
            let text = current.as_ref().map_or(&[][..], |c| c.bytes.as_slice());
            if !has_version(text, word) && !self.options.force {
                return Err(self.fail(
                    &section,
                    format!(
                        "{} doesn't appear to be the {} version (its Prereq: line) -- aborting, as GNU \
                         patch does without -f",
                        shown(&target),
                        shown(word)
                    ),
                ));
            }
        }
        let base = current.as_ref().map_or(&[][..], |c| c.bytes.as_slice());
        // GNU patch fails a hunk that creates a file over one with content.
        let creates_existing = |section: &Section| {
            if section.old.existence == Existence::Absent && !base.is_empty() {
                return Err(self.fail(
                    section,
                    format!(
                        "the patch creates {}, which already exists (is the patch already applied?)",
                        shown(&target)
                    ),
                ));
            }
            Ok(())
        };
        creates_existing(&section)?;
        let mut matching = Matching {
            max_fuzz: self.options.fuzz,
            ignore_whitespace: self.options.ignore_whitespace,
            detect_reversed: !self.options.force && !reversed,
        };
        let mut mismatch = false;
        let applied = match apply::apply_with(base, &section.hunks, matching) {
            Err(Failure::Reversed) => {
                let what = match self.options.reverse {
                    true => "unreversed patch detected",
                    false => "reversed (or previously applied) patch detected",
                };
                let what = format!("{}: {what}", shown(&target));
                // Only -t gets here: the file is patched reversed.
                self.reversal(&section, &what)?;
                section = section.reversed();
                creates_existing(&section)?;
                reversed = true;
                // GNU patch counts the failed first try as a mismatch.
                mismatch = true;
                matching.detect_reversed = false;
                apply::apply_with(base, &section.hunks, matching)
            }
            other => other,
        };
        let (bytes, placements) = applied.map_err(|failure| match failure {
            Failure::Hunk(index) => self.hunk_failure(&section, index, base, &shown(&target)),
            Failure::Reversed => self.fail(&section, "the patch seems applied already"),
        })?;
        mismatch |= !placements.is_empty();
        self.note(&shown(&target), placements);
        let backup = self.options.backup.always || (self.options.backup.if_mismatch && mismatch);

        if bytes.is_empty()
            && (self.options.remove_empty_files || section.new.existence == Existence::Absent)
        {
            let name = output.clone().or(input.clone()).unwrap_or(target.clone());
            self.stage.set(&name, None, backup)?;
            return self.record(&name, "deleted", None, reversed);
        }
        if section.new.existence == Existence::Absent {
            return Err(self.fail(
                &section,
                format!(
                    "not deleting file {} as content differs from patch (it has more than the patch removes)",
                    shown(&target)
                ),
            ));
        }
        let (old_mode, new_mode) = match reversed {
            true => (git.new_mode, git.old_mode),
            false => (git.old_mode, git.new_mode),
        };
        let set_mode = new_mode.is_some() && new_mode != old_mode;
        if section.hunks.is_empty() && !set_mode && !git.rename && !git.copy {
            // GNU patch leaves a file with nothing to change alone (backed
            // up by a copy if asked).
            if let (true, Some(existing), Some(name)) = (backup, current, &input) {
                self.stage.keep(name, existing)?;
            }
            return Ok(());
        }
        // GNU patch keeps the permission bits only (no setuid, setgid or
        // sticky bit); a new file gets 0666 less the umask unless git says.
        let mode = match (new_mode, &current) {
            (Some(new), _) if Some(new) != old_mode => Some(new & 0o777),
            (_, Some(existing)) => existing.mode.map(|m| m & 0o777),
            (new, None) => new.map(|m| m & 0o777),
        };
        let time = self.time(&section, current.as_ref(), mismatch, &target);
        self.stage
            .set(&target, Some(Contents { bytes, mode, time }), backup)?;
        match &input {
            Some(from) if *from != target && (git.rename || git.copy) => {
                if git.rename {
                    self.stage.set(from, None, backup)?;
                }
                let action = if git.rename { "renamed" } else { "copied" };
                self.record(&target, action, Some(shown(from)), reversed)
            }
            _ if current.is_none() => self.record(&target, "created", None, reversed),
            _ => self.record(&target, "patched", None, reversed),
        }
    }

    /// `--read-only`: GNU patch patches read-only files anyway (saying
    /// so), unless told to fail.
    fn check_writable(&self, section: &Section, name: &[u8], existing: &Contents) -> Result<()> {
        if existing.time.is_none() || self.stage.writable(name) {
            // Written by this patch already, or writable.
            return Ok(());
        }
        match self.options.read_only {
            ReadOnly::Ignore => Ok(()),
            ReadOnly::Warn => {
                if !self.options.quiet {
                    self.cx.log(format!(
                        "File {} is read-only; trying to patch anyway",
                        shown(name)
                    ));
                }
                Ok(())
            }
            ReadOnly::Fail => Err(self.fail(
                section,
                format!(
                    "file {} is read-only; refusing to patch (--read-only=fail)",
                    shown(name)
                ),
            )),
        }
    }

    /// The time `-Z`/`-T` give the file, as GNU patch decides: the new
    /// side's date, unless the file's time is not the old side's date or a
    /// hunk needed an offset or fuzz (both ignored with `-f`).
    fn time(
        &self,
        section: &Section,
        current: Option<&Contents>,
        mismatch: bool,
        target: &[u8],
    ) -> Option<super::Timestamp> {
        self.options.set_times?;
        let new_time = section.new.time?;
        let force = self.options.force;
        let old_time = section.old.time;
        let why = if let (false, Some(file), false, Some(old)) = (
            force,
            current,
            section.old.existence == Existence::Absent,
            old_time,
        ) {
            (file.time != Some(old)).then_some("time mismatch")
        } else {
            None
        };
        let why = why.or((!force && mismatch).then_some("contents mismatch"));
        match why {
            Some(why) => {
                if !self.options.quiet {
                    self.cx.log(format!(
                        "Not setting time of file {} ({why})",
                        shown(target)
                    ));
                }
                None
            }
            None => Some(new_time),
        }
    }

    /// The file to read and the file to write, after `-pN`, chosen as GNU
    /// patch chooses (git diffs too): the best existing of the names, else
    /// for a new file the one needing the fewest new directories. A file
    /// that is needed but missing gives no file to read and the last name
    /// (the caller decides, after GNU patch's check for a reversed patch).
    fn names(&self, section: &Section) -> Result<NamePair> {
        let strip = |name: &Option<Vec<u8>>| {
            name.as_deref()
                .and_then(|n| names::strip(n, self.options.strip))
        };
        let (old, new) = (strip(&section.old.path), strip(&section.new.path));
        // GNU patch weighs the names in the header's order, reversed or not.
        let (first, second) = match section.reversed {
            true => (new.clone(), old.clone()),
            false => (old.clone(), new.clone()),
        };
        let index = if old.is_none() && new.is_none() {
            strip(&section.index)
        } else {
            None
        };
        let given: Vec<Vec<u8>> = [first, second, index].into_iter().flatten().collect();
        let dangerous: Vec<&Vec<u8>> = given.iter().filter(|n| !names::is_safe(n)).collect();
        let mut candidates: Vec<&Vec<u8>> = given.iter().filter(|n| names::is_safe(n)).collect();
        candidates.dedup();
        let Some(last) = candidates.last() else {
            return Err(self.fail(section, self.no_names(&given, &dangerous)));
        };
        let existing: Vec<&Vec<u8>> = candidates
            .iter()
            .copied()
            .filter(|n| self.stage.exists(n))
            .collect();
        // A git rename or copy writes its new name, whichever it reads
        // (the new name too when renamed already).
        let renamed = section.git.as_ref().is_some_and(|g| g.rename || g.copy);
        if renamed && !new.as_ref().is_some_and(|n| names::is_safe(n)) {
            return Err(self.fail(
                section,
                format!(
                    "cannot rename or copy a file without two valid names; {}",
                    self.no_names(&given, &dangerous)
                ),
            ));
        }
        let output = |chosen: &Vec<u8>| {
            Some(if renamed {
                new.clone().unwrap_or_default()
            } else {
                chosen.clone()
            })
        };
        if let Some(best) = names::best(existing.iter().map(|n| n.as_slice())) {
            let chosen = existing[best];
            return Ok((Some(chosen.clone()), output(chosen)));
        }
        if section.old.existence == Existence::Exists {
            // Missing: GNU patch names the last candidate.
            return Ok((None, output(last)));
        }
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
        let chosen = cheapest[names::best(cheapest.iter().map(|n| n.as_slice())).unwrap_or(0)];
        Ok((None, output(chosen)))
    }

    fn no_names(&self, given: &[Vec<u8>], dangerous: &[&Vec<u8>]) -> String {
        if let Some(name) = dangerous.first() {
            return format!(
                "refusing to patch `{}`: the name leaves the directory being patched",
                shown(name)
            );
        }
        let strip = match self.options.strip {
            Some(n) => {
                format!("removing {n} leading component(s); is -p{n} the right strip level?")
            }
            None => "keeping base names (no -p was given)".into(),
        };
        format!(
            "the header names no usable file ({} name(s) after {strip})",
            given.len()
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
                    ": its changes seem to be there already (is the patch already applied? `reverse: true` \
                     or -R undoes it)"
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

    fn record(
        &mut self,
        name: &[u8],
        action: &'static str,
        from: Option<String>,
        reversed: bool,
    ) -> Result<()> {
        self.summary.files.push(FileChange {
            path: shown(name),
            action,
            from,
            reversed,
            backup: None,
        });
        Ok(())
    }
}

/// Whether `text` has `word` as a word, the way GNU patch looks for a
/// `Prereq:` (quirks included: only where a byte follows it, and at the
/// last such place whatever that byte is).
fn has_version(text: &[u8], word: &[u8]) -> bool {
    let space = |b: u8| b.is_ascii_whitespace() || b == 0x0b;
    let Some(last) = text.len().checked_sub(word.len()) else {
        return false;
    };
    (0..last).any(|at| {
        text[at..].starts_with(word)
            && (at == 0 || space(text[at - 1]))
            && (at + 1 == last || space(text[at + word.len()]))
    })
}

/// GNU patch's `maybe_reverse`: a patch that would create a file that
/// exists (with content), delete one that does not exist, or empty one
/// that is empty seems reversed. Returns what it would do, for messages.
fn looks_reversed(section: &Section, current: Option<&Contents>, name: &str) -> Option<String> {
    use Existence::{Absent, Exists, Maybe};
    let (old, new) = (section.old.existence, section.new.existence);
    let (what, which) = match current {
        Some(file) if !file.bytes.is_empty() => {
            if old != Absent {
                return None;
            }
            ("create", "already exists")
        }
        // An empty file may be created or deleted when the patch says it
        // is empty (git's index line does).
        None if new != Exists && !(new == Maybe && old == Absent) => ("delete", "does not exist"),
        Some(_) if new != Exists && !(old == Maybe && new == Absent) => {
            ("empty out", "is already empty")
        }
        _ => return None,
    };
    Some(format!(
        "the next patch would {what} the file {name}, which {which}"
    ))
}
