//! Reading a patch file into per-file sections of hunks: unified diffs,
//! with or without git's extended headers, with any text (mail headers,
//! DEP-3 descriptions, diffstats) before and between them.

use super::names::{header_name, unquote, Stamp};

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
    pub lines: Vec<(Kind, Vec<u8>)>,
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
}

impl Section {
    /// The same change undone: sides swapped, insertions and deletions
    /// exchanged.
    pub(crate) fn reversed(mut self) -> Section {
        std::mem::swap(&mut self.old, &mut self.new);
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
        let prefix = self
            .lines
            .iter()
            .take_while(|(k, _)| *k == Kind::Context)
            .count();
        let suffix = self
            .lines
            .iter()
            .rev()
            .take_while(|(k, _)| *k == Kind::Context)
            .count();
        (prefix, suffix)
    }

    /// The hunk undone.
    pub(crate) fn reversed(&self) -> Hunk {
        let flip = |kind: Kind| match kind {
            Kind::Context => Kind::Context,
            Kind::Delete => Kind::Insert,
            Kind::Insert => Kind::Delete,
        };
        Hunk {
            header: self.header.clone(),
            old_start: self.new_start,
            old_len: self.new_len,
            new_start: self.old_start,
            new_len: self.old_len,
            lines: self
                .lines
                .iter()
                .map(|(k, t)| (flip(*k), t.clone()))
                .collect(),
        }
    }
}

/// Splits `data` into sections; text that is not part of a diff is skipped.
/// Errors are messages about a line number of the patch.
pub(crate) fn parse(data: &[u8]) -> Result<Vec<Section>, String> {
    let lines: Vec<&[u8]> = data.split_inclusive(|b| *b == b'\n').collect();
    let mut sections = Vec::new();
    let mut index: Option<Vec<u8>> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.starts_with(b"diff --git ") {
            let (section, next) = git_section(&lines, i, index.take())?;
            sections.push(section);
            i = next;
        } else if line.starts_with(b"--- ")
            && lines.get(i + 1).is_some_and(|l| l.starts_with(b"+++ "))
            && lines.get(i + 2).is_some_and(|l| l.starts_with(b"@@ -"))
        {
            let mut section = Section {
                line: i + 1,
                old: side(&line[4..]),
                new: side(&lines[i + 1][4..]),
                index: index.take(),
                git: None,
                hunks: Vec::new(),
            };
            let strip_cr = lines[i + 1].ends_with(b"\r\n");
            i = hunks(&lines, i + 2, strip_cr, &mut section)?;
            sections.push(section);
        } else if let Some(rest) = line.strip_prefix(b"Index:") {
            index = header_name(rest).0;
            i += 1;
        } else if line.starts_with(b"*** ")
            && lines.get(i + 1).is_some_and(|l| l.starts_with(b"--- "))
            && lines
                .get(i + 2)
                .is_some_and(|l| l.starts_with(b"***************"))
        {
            return Err(format!(
                "line {}: this is a context diff, which is not supported; convert it to a unified diff \
                 (for example with `filterdiff --format=unified`)",
                i + 1
            ));
        } else {
            i += 1;
        }
    }
    Ok(sections)
}

/// A header name with what its timestamp says (the hunk range adds to it).
fn side(rest: &[u8]) -> Name {
    let (path, stamp) = header_name(rest);
    Name {
        epoch: path.is_none() || stamp == Stamp::Epoch,
        existence: Existence::Exists,
        path,
    }
}

/// A `diff --git` section: extended headers, optional `---`/`+++` lines,
/// hunks. Returns the section and the index of the line after it.
fn git_section(
    lines: &[&[u8]],
    start: usize,
    index: Option<Vec<u8>>,
) -> Result<(Section, usize), String> {
    let names = trim_eol(&lines[start][b"diff --git ".len()..]);
    let mut git = Git::default();
    let (mut new_file, mut deleted) = (false, false);
    let (mut rename_from, mut rename_to) = (None, None);
    let mut i = start + 1;
    while let Some(line) = lines.get(i) {
        let line = trim_eol(line);
        if let Some(mode) = line.strip_prefix(b"old mode ") {
            git.old_mode = octal(mode);
        } else if let Some(mode) = line.strip_prefix(b"new mode ") {
            git.new_mode = octal(mode);
        } else if let Some(mode) = line.strip_prefix(b"deleted file mode ") {
            git.old_mode = octal(mode);
            deleted = true;
        } else if let Some(mode) = line.strip_prefix(b"new file mode ") {
            git.new_mode = octal(mode);
            new_file = true;
        } else if let Some(from) = line
            .strip_prefix(b"rename from ")
            .or(line.strip_prefix(b"copy from "))
        {
            git.rename |= line.starts_with(b"rename");
            git.copy |= line.starts_with(b"copy");
            rename_from = Some(git_path(from));
        } else if let Some(to) = line
            .strip_prefix(b"rename to ")
            .or(line.strip_prefix(b"copy to "))
        {
            rename_to = Some(git_path(to));
        } else if let Some(rest) = line.strip_prefix(b"index ") {
            // `index abc123..def456 100644`: the mode applies to both sides.
            if let Some(mode) = rest.split(|b| *b == b' ').nth(1).and_then(octal) {
                git.old_mode.get_or_insert(mode);
                git.new_mode.get_or_insert(mode);
            }
        } else if line.starts_with(b"GIT binary patch") || line.starts_with(b"Binary files ") {
            git.binary = true;
        } else if !(line.starts_with(b"similarity index ")
            || line.starts_with(b"dissimilarity index "))
        {
            break;
        }
        i += 1;
    }
    let (a, b) = split_git_names(names, rename_from.as_deref(), rename_to.as_deref())
        .unwrap_or((None, None));
    let mut section = Section {
        line: start + 1,
        old: Name {
            path: a,
            existence: if new_file {
                Existence::Absent
            } else {
                Existence::Exists
            },
            epoch: false,
        },
        new: Name {
            path: b,
            existence: if deleted {
                Existence::Absent
            } else {
                Existence::Exists
            },
            epoch: false,
        },
        index,
        git: Some(git),
        hunks: Vec::new(),
    };
    if lines.get(i).is_some_and(|l| l.starts_with(b"--- "))
        && lines.get(i + 1).is_some_and(|l| l.starts_with(b"+++ "))
    {
        // The ---/+++ names win, as in GNU patch; /dev/null keeps the
        // git name for messages.
        let (old, new) = (side(&lines[i][4..]), side(&lines[i + 1][4..]));
        section.old.epoch = old.epoch;
        section.new.epoch = new.epoch;
        if old.path.is_some() {
            section.old.path = old.path;
        }
        if new.path.is_some() {
            section.new.path = new.path;
        }
        let strip_cr = lines[i + 1].ends_with(b"\r\n");
        i = hunks(lines, i + 2, strip_cr, &mut section)?;
    }
    Ok((section, i))
}

/// Reads consecutive hunks starting at `lines[i]` into `section`.
fn hunks(
    lines: &[&[u8]],
    mut i: usize,
    strip_cr: bool,
    section: &mut Section,
) -> Result<usize, String> {
    while lines.get(i).is_some_and(|l| l.starts_with(b"@@ -")) {
        let number = section.hunks.len() + 1;
        let (hunk, next) = hunk(lines, i, strip_cr).map_err(|e| format!("hunk #{number}: {e}"))?;
        if section.hunks.is_empty() {
            // GNU patch: a first hunk at line 0 means the file may not exist
            // on that side; with /dev/null or an epoch date it does not.
            for (start, name) in [
                (hunk.old_start, &mut section.old),
                (hunk.new_start, &mut section.new),
            ] {
                if start == 0 && name.existence == Existence::Exists {
                    name.existence = if name.epoch {
                        Existence::Absent
                    } else {
                        Existence::Maybe
                    };
                }
            }
        }
        section.hunks.push(hunk);
        i = next;
    }
    Ok(i)
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
            // A context line whose leading space was eaten.
            Some(b'\n' | b'\t') => (Kind::Context, line.clone()),
            Some(b'\r') if line == b"\r\n" => (Kind::Context, line.clone()),
            Some(b'\\') => {
                strip_newline(&mut body).ok_or_else(malformed)?;
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
    }
    if lines.get(i).is_some_and(|l| l.starts_with(b"\\")) {
        strip_newline(&mut body);
        i += 1;
    }
    if !body.iter().any(|(k, _)| *k != Kind::Context) {
        return Err(format!(
            "line {}: the hunk `{header}` changes nothing",
            start + 1
        ));
    }
    let hunk = Hunk {
        header,
        old_start,
        old_len,
        new_start,
        new_len,
        lines: body,
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

/// The largest line number or count a hunk header may give: far more
/// lines than any file held in memory can have, and small enough that the
/// applier's signed line arithmetic (offsets, sums of a few line numbers)
/// never overflows.
const MAX_LINE_NUMBER: usize = 1 << 48;

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

/// The line without its `\n` or `\r\n`.
pub(crate) fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}
