//! Finding the next diff in a patch file and what the lines before its
//! first hunk say, the way GNU patch's `intuit_diff_type` does: header
//! lines (`*** `, `--- `, `+++ `, `Index:`, `diff --git` and git's extended
//! headers) may come in any order with other text between them; a unified
//! diff starts at `@@ -`, a context diff at a `*** ` line after a line of
//! stars. Everything else is text around the diffs.

use super::names::{self, header_name, unquote};
use super::parse::{Existence, Git, Name, NamePair, Reading, Section};
use super::time::{self, Timestamp, Zone};
use super::Format;

/// What follows the headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Body {
    /// Unified hunks from `at` (the `@@` line).
    Unified,
    /// Context hunks from `at` (the `****` line).
    Context,
    /// No hunks (a git diff of a rename or mode change); reading goes on
    /// at `at`.
    Nothing,
}

/// A diff found: its headers as a section without hunks, where its body
/// starts, and the header line whose CRLF means the hunks' CRs go.
pub(crate) struct Found<'a> {
    pub section: Section,
    pub body: Body,
    pub at: usize,
    pub cr_line: &'a [u8],
}

/// The git diff being read: its `diff --git` names and extended headers.
#[derive(Default)]
struct GitHeaders {
    names: Vec<u8>,
    git: Git,
    rename_from: Option<Vec<u8>>,
    rename_to: Option<Vec<u8>>,
    old: Option<Existence>,
    new: Option<Existence>,
}

impl GitHeaders {
    /// Reads an extended header line; `false` if it is none.
    fn read(&mut self, line: &[u8]) -> bool {
        let line = super::parse::trim_eol(line);
        let git = &mut self.git;
        if let Some(mode) = line.strip_prefix(b"old mode ") {
            git.old_mode = octal(mode);
        } else if let Some(mode) = line.strip_prefix(b"new mode ") {
            git.new_mode = octal(mode);
        } else if let Some(mode) = line.strip_prefix(b"deleted file mode ") {
            git.old_mode = octal(mode);
            self.new = Some(Existence::Absent);
        } else if let Some(mode) = line.strip_prefix(b"new file mode ") {
            git.new_mode = octal(mode);
            self.old = Some(Existence::Absent);
        } else if let Some(from) = line
            .strip_prefix(b"rename from ")
            .or(line.strip_prefix(b"copy from "))
        {
            git.rename |= line.starts_with(b"rename");
            git.copy |= line.starts_with(b"copy");
            self.rename_from = Some(git_path(from));
        } else if let Some(to) = line
            .strip_prefix(b"rename to ")
            .or(line.strip_prefix(b"copy to "))
        {
            self.rename_to = Some(git_path(to));
        } else if let Some(rest) = line.strip_prefix(b"index ") {
            // `index abc123..def456 100644`: the mode applies to both
            // sides; an all-zero hash means no file, git's empty blob an
            // empty one.
            let mut words = rest.split(|b| *b == b' ');
            let hashes = words.next().unwrap_or_default();
            let Some((a, b)) = split_hashes(hashes) else {
                return false;
            };
            self.old = self.old.or(hash_existence(a));
            self.new = self.new.or(hash_existence(b));
            if let Some(mode) = words.next().and_then(octal) {
                git.old_mode.get_or_insert(mode);
                git.new_mode.get_or_insert(mode);
            }
        } else if line.starts_with(b"GIT binary patch") {
            git.binary = true;
        } else {
            return false;
        }
        true
    }
}

fn split_hashes(text: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = text.windows(2).position(|w| w == b"..")?;
    let (a, b) = (&text[..at], &text[at + 2..]);
    let hex = |s: &[u8]| !s.is_empty() && s.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
    (hex(a) && hex(b)).then_some((a, b))
}

fn hash_existence(hash: &[u8]) -> Option<Existence> {
    const EMPTY_BLOB: &[u8] = b"e69de29bb2d1d6434b8b29ae775ad8c2e48c5391";
    if hash.iter().all(|c| *c == b'0') {
        Some(Existence::Absent)
    } else if EMPTY_BLOB.starts_with(hash) {
        Some(Existence::Maybe)
    } else {
        None
    }
}

/// A side no header has named yet.
fn unnamed() -> Name {
    Name {
        path: None,
        existence: Existence::Exists,
        epoch: false,
        time: None,
    }
}

/// Updates a side from a header line's text after `--- `/`+++ `/`*** `,
/// as GNU patch's `fetchname` does: `/dev/null` only says "no file" (the
/// name stays), a name too short for `-pN` changes nothing, and a usable
/// one replaces the name and its date. `keep_undated`: a usable name
/// without a date keeps the earlier date (`--- ` lines).
fn read_side(side: &mut Name, rest: &[u8], reading: &Reading, keep_undated: bool) {
    let header = header_name(rest);
    let epoch = Timestamp {
        seconds: 0,
        nanos: 0,
    };
    if header.dev_null {
        side.time = Some(epoch);
    } else if let Some(name) = header
        .name
        .filter(|n| names::strip(n, reading.strip).is_some())
    {
        side.path = Some(name);
        // Without -Z/-T, any date near the epoch is it: the zone diff
        // wrote it in is unknown.
        let time = match (reading.times, header.date.is_empty()) {
            (_, true) => None,
            (Some(zone), false) => time::parse(&header.date, zone),
            // Read as UTC first: only a date within days of the epoch
            // needs the (slower) local time zone.
            (None, false) => time::parse(&header.date, Zone::Utc).map(|t| {
                let close = t.seconds.abs() < 3 * 86_400;
                let local = || time::parse(&header.date, Zone::Local);
                match close && local().is_some_and(time::near_epoch) {
                    true => epoch,
                    false => t,
                }
            }),
        };
        if time.is_some() || !keep_undated {
            side.time = time;
        }
    } else {
        return;
    }
    side.epoch = side.time.is_some_and(|t| t.seconds == 0);
}

/// What the scan has gathered since the last diff.
struct Scan<'a> {
    /// GNU patch keeps the `+++` name as "old" until the `@@` line.
    old: Name,
    new: Name,
    index: Option<Vec<u8>>,
    git: Option<GitHeaders>,
    first_header: Option<usize>,
    cr_line: &'a [u8],
    prereq: Option<Vec<u8>>,
}

impl<'a> Scan<'a> {
    /// The diff found, with its body at `at`.
    fn finish(self, body: Body, at: usize, reading: &Reading) -> Found<'a> {
        let (mut first, mut second) = (self.old, self.new);
        // `diff --git A B` names the slots first; header lines after it
        // replace them, and only then are a unified diff's slots swapped
        // (so `--- /dev/null` leaves B as the old name, as in GNU patch).
        if let Some(headers) = &self.git {
            let (a, b) = split_git_names(
                &headers.names,
                headers.rename_from.as_deref(),
                headers.rename_to.as_deref(),
            )
            .unwrap_or((None, None));
            let usable =
                |n: Option<Vec<u8>>| n.filter(|n| names::strip(n, reading.strip).is_some());
            first.path = first.path.or(usable(a));
            second.path = second.path.or(usable(b));
        }
        let (old, new) = match body {
            Body::Unified => (second, first),
            _ => (first, second),
        };
        let mut section = Section {
            line: self.first_header.unwrap_or(at) + 1,
            old,
            new,
            index: self.index,
            git: None,
            hunks: Vec::new(),
            reversed: false,
            prereq: self.prereq,
        };
        if let Some(headers) = self.git {
            section.old.existence = headers.old.unwrap_or(Existence::Exists);
            section.new.existence = headers.new.unwrap_or(Existence::Exists);
            section.git = Some(headers.git);
        }
        // The `Index:` name counts only when the header names no file.
        if section.old.path.is_some() || section.new.path.is_some() {
            section.index = None;
        }
        Found {
            section,
            body,
            at,
            cr_line: self.cr_line,
        }
    }
}

/// The next diff in `lines` from `from` on; `None` when only text is
/// left.
pub(crate) fn next<'a>(lines: &[&'a [u8]], from: usize, reading: &Reading) -> Option<Found<'a>> {
    let mut scan = Scan {
        old: unnamed(),
        new: unnamed(),
        index: None,
        git: None,
        first_header: None,
        cr_line: b"",
        prereq: None,
    };
    let mut extended = false;
    let mut need_header = true;
    let mut stars_last = false;
    for (at, &line) in lines.iter().enumerate().skip(from) {
        let stars_this = line.starts_with(b"********");
        let mut header = true;
        if !stars_last && line.starts_with(b"*** ") {
            read_side(&mut scan.old, &line[4..], reading, false);
        } else if line.starts_with(b"+++ ") {
            read_side(&mut scan.old, &line[4..], reading, false);
            scan.cr_line = line;
        } else if let Some(rest) = line.strip_prefix(b"Index:") {
            scan.index = header_name(rest)
                .name
                .filter(|n| names::strip(n, reading.strip).is_some());
            scan.cr_line = line;
        } else if let Some(rest) = line.strip_prefix(b"Prereq:") {
            // The first word: the file must contain it (GNU patch's check
            // for the right version of the file).
            let word = rest.trim_ascii_start();
            let end = word
                .iter()
                .position(u8::is_ascii_whitespace)
                .unwrap_or(word.len());
            scan.prereq = (end > 0).then(|| word[..end].to_vec());
            header = false;
        } else if let Some(names) = line.strip_prefix(b"diff --git ") {
            if extended {
                return Some(scan.finish(Body::Nothing, at, reading));
            }
            (scan.old, scan.new) = (unnamed(), unnamed());
            scan.git = Some(GitHeaders {
                names: super::parse::trim_eol(names).to_vec(),
                ..GitHeaders::default()
            });
            scan.first_header = Some(at);
        } else if let Some(headers) = scan.git.as_mut() {
            header = headers.read(line);
            extended |= header;
            if headers.git.binary {
                return Some(scan.finish(Body::Nothing, at + 1, reading));
            }
        } else {
            header = false;
        }
        if !header {
            // `--- ` (after any `- ` of a forwarded mail) names the new side.
            let mut text = line;
            while let Some(rest) = text.strip_prefix(b"- ") {
                text = rest;
            }
            if let Some(rest) = text.strip_prefix(b"--- ") {
                read_side(&mut scan.new, rest, reading, true);
                scan.cr_line = line;
                header = true;
            }
        }
        if header {
            need_header = false;
            scan.first_header.get_or_insert(at);
        }
        if need_header {
            continue;
        }
        if reading.format != Format::Context && line.starts_with(b"@@ -") {
            return Some(scan.finish(Body::Unified, at, reading));
        }
        if reading.format != Format::Unified && stars_last && line.starts_with(b"*** ") {
            return Some(scan.finish(Body::Context, at - 1, reading));
        }
        stars_last = stars_this;
    }
    extended.then(|| scan.finish(Body::Nothing, lines.len(), reading))
}

/// The two names of a `diff --git A B` line. Unquoted names may contain
/// spaces, so the split is chosen where both sides name the same file
/// (after their `a/`, `b/` prefixes) or match the rename/copy headers.
fn split_git_names(text: &[u8], from: Option<&[u8]>, to: Option<&[u8]>) -> Option<NamePair> {
    if text.first() == Some(&b'"') {
        let (a, rest) = unquote(text)?;
        let rest = rest.trim_ascii_start();
        let b = match rest.first() {
            Some(b'"') => unquote(rest)?.0,
            _ => rest.to_vec(),
        };
        return Some((Some(a), Some(b)));
    }
    let spaces = text
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b' ')
        .map(|(i, _)| i);
    let mut candidates = Vec::new();
    for at in spaces {
        let (a, b) = (&text[..at], &text[at + 1..]);
        if b.first() == Some(&b'"') {
            return Some((Some(a.to_vec()), Some(unquote(b)?.0)));
        }
        let same = without_first_component(a) == without_first_component(b);
        let renamed = matches!((from, to), (Some(f), Some(t)) if a.ends_with(f) && b.ends_with(t));
        if same || renamed {
            return Some((Some(a.to_vec()), Some(b.to_vec())));
        }
        candidates.push((a, b));
    }
    match candidates.as_slice() {
        [(a, b)] => Some((Some(a.to_vec()), Some(b.to_vec()))),
        _ => None,
    }
}

fn without_first_component(name: &[u8]) -> &[u8] {
    match name.iter().position(|b| *b == b'/') {
        Some(at) => &name[at + 1..],
        None => name,
    }
}

fn git_path(text: &[u8]) -> Vec<u8> {
    match text.first() {
        Some(b'"') => unquote(text)
            .map(|(name, _)| name)
            .unwrap_or_else(|| text.to_vec()),
        _ => text.to_vec(),
    }
}

fn octal(text: &[u8]) -> Option<u32> {
    u32::from_str_radix(std::str::from_utf8(text.trim_ascii()).ok()?, 8).ok()
}
