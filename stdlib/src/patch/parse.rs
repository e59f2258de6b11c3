//! Reading a patch file into per-file sections of hunks: unified diffs,
//! with or without git's extended headers, and context diffs (see
//! `context`), with any text (mail headers, DEP-3 descriptions, diffstats)
//! before and between them (see `intuit`).

use super::context::{self, Reader, Style};
use super::intuit::{self, Body};
use super::time::{Timestamp, Zone};
use super::Format;

/// What changes how a patch file is read (GNU patch's options).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reading {
    /// Which diff formats are recognized (`-u`, `-c`).
    pub format: Format,
    /// `--binary`: CRs of a CRLF patch are kept.
    pub binary: bool,
    /// `-Z`/`-T`: header dates are read exactly, in this zone, and kept.
    pub times: Option<Zone>,
    /// `-l`: one quirk of context diff lines depends on it.
    pub ignore_whitespace: bool,
    /// `-pN` (`None`: base names): a name with too few components has no
    /// say about its side, as in GNU patch.
    pub strip: Option<usize>,
}

/// Whether a header says the file exists on its side (GNU patch's
/// `p_says_nonexistent`: 0, 1, 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Existence {
    /// The file is there.
    Exists,
    /// An empty range with no epoch timestamp: absent, or empty.
    Maybe,
    /// `/dev/null`, an epoch timestamp, or git's new/deleted file mode.
    Absent,
}

/// The old and the new side's file names, either possibly absent.
pub(crate) type NamePair = (Option<Vec<u8>>, Option<Vec<u8>>);

/// One side's file name as the header gives it (not yet stripped).
#[derive(Debug, Clone)]
pub(crate) struct Name {
    pub path: Option<Vec<u8>>,
    pub existence: Existence,
    /// `/dev/null` or an epoch timestamp: with an empty first range the
    /// file is certainly absent on this side.
    pub epoch: bool,
    /// The header's date, read only for `-Z`/`-T`.
    pub time: Option<Timestamp>,
}

/// What git's extended headers say.
#[derive(Debug, Clone, Default)]
pub(crate) struct Git {
    pub old_mode: Option<u32>,
    pub new_mode: Option<u32>,
    pub rename: bool,
    pub copy: bool,
    pub binary: bool,
}

/// A line of a hunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Context,
    Delete,
    Insert,
}

/// A hunk's lines, each with its end of line (none after `\ No newline`).
pub(crate) type HunkLines = Vec<(Kind, Vec<u8>)>;

/// One `@@` hunk.
#[derive(Debug, Clone)]
pub(crate) struct Hunk {
    /// The `@@ ... @@` line, for messages.
    pub header: String,
    pub old_start: usize,
    pub old_len: usize,
    pub new_start: usize,
    pub new_len: usize,
    /// Each line with its end of line (none after `\ No newline`).
    pub lines: HunkLines,
    /// The lines of the reversed hunk when they are not just `lines` with
    /// removals and additions exchanged (context hunks whose sides differ).
    pub reverse_lines: Option<HunkLines>,
    /// Context lines before the first change and after the last, as GNU
    /// patch counts them (for context diffs, the smaller of the sides').
    pub prefix: usize,
    pub suffix: usize,
}

/// The changes to one file.
#[derive(Debug, Clone)]
pub(crate) struct Section {
    /// Line of the patch where the section's header is (1-based).
    pub line: usize,
    pub old: Name,
    pub new: Name,
    /// The `Index:` name, used only when the header names are unusable.
    pub index: Option<Vec<u8>>,
    pub git: Option<Git>,
    pub hunks: Vec<Hunk>,
    /// The sides were swapped (`-R`): GNU patch still weighs the names in
    /// the header's order.
    pub reversed: bool,
    /// A `Prereq:` word the file must contain.
    pub prereq: Option<Vec<u8>>,
}

impl Section {
    /// The same change undone: sides swapped, insertions and deletions
    /// exchanged.
    pub(crate) fn reversed(mut self) -> Section {
        std::mem::swap(&mut self.old, &mut self.new);
        self.reversed = !self.reversed;
        if let Some(git) = &mut self.git {
            std::mem::swap(&mut git.old_mode, &mut git.new_mode);
        }
        for hunk in &mut self.hunks {
            *hunk = hunk.reversed();
        }
        self
    }
}

impl Hunk {
    /// Leading and trailing context line counts.
    pub(crate) fn context(&self) -> (usize, usize) {
        (self.prefix, self.suffix)
    }

    /// The hunk undone.
    pub(crate) fn reversed(&self) -> Hunk {
        let flip = |kind: Kind| match kind {
            Kind::Context => Kind::Context,
            Kind::Delete => Kind::Insert,
            Kind::Insert => Kind::Delete,
        };
        let (lines, reverse_lines) = match &self.reverse_lines {
            Some(reversed) => (reversed.clone(), Some(self.lines.clone())),
            None => (
                self.lines
                    .iter()
                    .map(|(k, t)| (flip(*k), t.clone()))
                    .collect(),
                None,
            ),
        };
        Hunk {
            header: self.header.clone(),
            old_start: self.new_start,
            old_len: self.new_len,
            new_start: self.old_start,
            new_len: self.old_len,
            lines,
            reverse_lines,
            prefix: self.prefix,
            suffix: self.suffix,
        }
    }
}

/// Splits `data` into sections; text that is not part of a diff is skipped.
/// Errors are messages about a line number of the patch.
pub(crate) fn parse(data: &[u8], reading: Reading) -> Result<Vec<Section>, String> {
    let lines: Vec<&[u8]> = data.split_inclusive(|b| *b == b'\n').collect();
    Parser {
        reading,
        stale_prefix: 0,
    }
    .sections(&lines)
}

/// The state GNU patch carries from hunk to hunk while reading.
struct Parser {
    reading: Reading,
    /// GNU patch's `p_prefix_context` as the last hunk left it: reading a
    /// context hunk depends on it.
    stale_prefix: i64,
}

impl Parser {
    fn sections(&mut self, lines: &[&[u8]]) -> Result<Vec<Section>, String> {
        let mut sections = Vec::new();
        let mut at = 0;
        while let Some(found) = intuit::next(lines, at, &self.reading) {
            let mut section = found.section;
            at = match found.body {
                Body::Unified => self.hunks(lines, found.at, found.cr_line, &mut section)?,
                Body::Context => self.context_hunks(lines, found.at, &mut section)?,
                Body::Nothing => found.at,
            };
            sections.push(section);
            // GNU patch forgets -u/-c after the first file.
            self.reading.format = Format::Any;
        }
        Ok(sections)
    }

    /// Whether the hunks after `header` (the `+++` or `*** N` line) lose
    /// their CRs: a CRLF header means a patch whose lines all got CRs.
    fn strip_cr(&self, header: &[u8]) -> bool {
        !self.reading.binary && header.ends_with(b"\r\n")
    }

    /// Reads consecutive context hunks starting at the `*****` line
    /// `lines[i]` into `section`.
    fn context_hunks(
        &mut self,
        lines: &[&[u8]],
        i: usize,
        section: &mut Section,
    ) -> Result<usize, String> {
        let first_header = lines[i + 1];
        let mut reader = Reader {
            lines,
            at: i,
            strip_cr: self.strip_cr(first_header),
        };
        let ws = self.reading.ignore_whitespace;
        // GNU patch reads the first hunk once to learn whether the file is
        // emptied, then again for real. `*** 1,3 ****` (trailing stars,
        // before any CR) is a new-style hunk.
        let style = match first_header.strip_suffix(b"\n") {
            Some(line) if line.ends_with(b"*") => Style::New,
            _ => Style::Old,
        };
        let fail = |e: String| format!("hunk #1: {e}");
        let mut stale = context::Stale {
            prefix: self.stale_prefix,
            ranges: (0, 0, 0, 0),
        };
        let first = context::hunk(&mut reader, &mut style.clone(), &mut stale, ws)
            .map_err(fail)?
            .ok_or_else(|| fail(format!("line {}: malformed hunk", i + 1)))?;
        reader.at = i;
        let old = &first_header[4..];
        if old.first() == Some(&b'0') && !old.get(1).is_some_and(u8::is_ascii_digit) {
            section.old.existence = absent_or_maybe(&section.old);
        }
        if first.empties {
            section.new.existence = absent_or_maybe(&section.new);
        }
        let mut style = style;
        loop {
            let number = section.hunks.len() + 1;
            let read = context::hunk(&mut reader, &mut style, &mut stale, ws)
                .map_err(|e| format!("hunk #{number}: {e}"))?;
            let Some(read) = read else { break };
            section.hunks.push(read.hunk);
        }
        self.stale_prefix = stale.prefix;
        Ok(reader.at)
    }

    /// Reads consecutive unified hunks starting at `lines[i]` into
    /// `section`; `header` is the header line that decides about CRs.
    fn hunks(
        &mut self,
        lines: &[&[u8]],
        mut i: usize,
        header: &[u8],
        section: &mut Section,
    ) -> Result<usize, String> {
        let strip_cr = self.strip_cr(header);
        while lines.get(i).is_some_and(|l| l.starts_with(b"@@ -")) {
            let number = section.hunks.len() + 1;
            let (hunk, next) =
                hunk(lines, i, strip_cr).map_err(|e| format!("hunk #{number}: {e}"))?;
            self.stale_prefix = hunk.prefix as i64;
            if section.hunks.is_empty() {
                // GNU patch: a first hunk at line 0 means the file may not
                // exist on that side; with /dev/null or an epoch date it
                // does not.
                for (start, name) in [
                    (hunk.old_start, &mut section.old),
                    (hunk.new_start, &mut section.new),
                ] {
                    if start == 0 {
                        name.existence = absent_or_maybe(name);
                    }
                }
            }
            section.hunks.push(hunk);
            i = next;
        }
        Ok(i)
    }
}

/// What an empty first range says about a side: absent with `/dev/null`
/// or an epoch date, else absent or empty.
fn absent_or_maybe(name: &Name) -> Existence {
    if name.epoch {
        Existence::Absent
    } else {
        Existence::Maybe
    }
}

/// One hunk at `lines[start]`; lines are read until both sides' counts
/// are met, so lines that look like headers inside a hunk are content.
fn hunk(lines: &[&[u8]], start: usize, strip_cr: bool) -> Result<(Hunk, usize), String> {
    let header_line = trim_eol(lines[start]);
    let header = String::from_utf8_lossy(header_line).into_owned();
    let ranges = parse_ranges(&header_line[4..])
        .ok_or_else(|| format!("line {}: malformed hunk header `{header}`", start + 1))?;
    if [ranges.0, ranges.1, ranges.2, ranges.3]
        .iter()
        .any(|n| *n > MAX_LINE_NUMBER)
    {
        return Err(format!(
            "line {}: the hunk header `{header}` has a line number too large for any file (at most {MAX_LINE_NUMBER})",
            start + 1
        ));
    }
    let (old_start, old_len, new_start, new_len) = ranges;
    let (mut old_left, mut new_left) = (old_len, new_len);
    let mut body: Vec<(Kind, Vec<u8>)> = Vec::new();
    let mut i = start + 1;
    while old_left > 0 || new_left > 0 {
        let Some(raw) = lines.get(i) else {
            // Mailers eat trailing blank lines; GNU patch restores up to two.
            if old_left == new_left && old_left <= 2 {
                body.push((Kind::Context, b"\n".to_vec()));
                old_left -= 1;
                new_left -= 1;
                continue;
            }
            return Err(format!(
                "the patch ends in the middle of the hunk `{header}`"
            ));
        };
        let line: Vec<u8> = match strip_cr {
            true if raw.ends_with(b"\r\n") => [&raw[..raw.len() - 2], b"\n"].concat(),
            _ => raw.to_vec(),
        };
        let malformed = || {
            format!(
                "line {}: `{}` in the hunk `{header}` is not a context, removed or added line (or the \
                 hunk's line counts are wrong)",
                i + 1,
                String::from_utf8_lossy(trim_eol(&line))
            )
        };
        let (kind, text) = match line.first() {
            Some(b' ') => (Kind::Context, line[1..].to_vec()),
            Some(b'-') => (Kind::Delete, line[1..].to_vec()),
            Some(b'+') => (Kind::Insert, line[1..].to_vec()),
            // `=` is GNU patch's other mark for context.
            Some(b'=') => (Kind::Context, line[1..].to_vec()),
            // A context line whose leading space was eaten.
            Some(b'\n' | b'\t') => (Kind::Context, line.clone()),
            // GNU patch skips `#` lines as comments.
            Some(b'#') => {
                i += 1;
                continue;
            }
            _ => return Err(malformed()),
        };
        match kind {
            Kind::Context if old_left > 0 && new_left > 0 => {
                old_left -= 1;
                new_left -= 1;
            }
            Kind::Delete if old_left > 0 => old_left -= 1,
            Kind::Insert if new_left > 0 => new_left -= 1,
            _ => return Err(malformed()),
        }
        body.push((kind, text));
        i += 1;
        // `\ No newline at end of file` is looked for only after each
        // side's last line, as GNU patch does; anywhere else it is
        // malformed. After a context line it counts for the old side.
        let last_old = kind != Kind::Insert && old_left == 0;
        let last_new = kind != Kind::Delete && new_left == 0;
        for (last, strips) in [(last_old, true), (last_new, kind == Kind::Insert)] {
            if last && lines.get(i).is_some_and(|l| l.starts_with(b"\\")) {
                if strips {
                    strip_newline(&mut body);
                }
                i += 1;
            }
        }
    }
    if !body.iter().any(|(k, _)| *k != Kind::Context) {
        return Err(format!(
            "line {}: the hunk `{header}` changes nothing",
            start + 1
        ));
    }
    let prefix = body.iter().take_while(|(k, _)| *k == Kind::Context).count();
    let suffix = body
        .iter()
        .rev()
        .take_while(|(k, _)| *k == Kind::Context)
        .count();
    let hunk = Hunk {
        header,
        old_start,
        old_len,
        new_start,
        new_len,
        lines: body,
        reverse_lines: None,
        prefix,
        suffix,
    };
    Ok((hunk, i))
}

/// `\ No newline at end of file`: the line before has no end of line.
fn strip_newline(body: &mut [(Kind, Vec<u8>)]) -> Option<()> {
    let (_, text) = body.last_mut()?;
    if text.last() == Some(&b'\n') {
        text.pop();
    }
    Some(())
}

const MAX_LINE_NUMBER: usize = super::MAX_LINE_NUMBER as usize;

/// `a[,b] +c[,d] @@...` into (a, b, c, d); a missing count is 1.
fn parse_ranges(text: &[u8]) -> Option<(usize, usize, usize, usize)> {
    let text = std::str::from_utf8(text).ok()?;
    let (old, rest) = text.split_once(' ')?;
    let rest = rest.trim_start().strip_prefix('+')?;
    let (new, tail) = rest.split_once(' ').unwrap_or((rest, ""));
    if !tail.trim_start().starts_with("@@") {
        return None;
    }
    let range = |r: &str| -> Option<(usize, usize)> {
        match r.split_once(',') {
            Some((start, len)) => Some((start.parse().ok()?, len.parse().ok()?)),
            None => Some((r.parse().ok()?, 1)),
        }
    };
    let (a, b) = range(old)?;
    let (c, d) = range(new)?;
    Some((a, b, c, d))
}

/// The line without its `\n` or `\r\n`.
pub(crate) fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}
