//! Placing hunks in a file the way GNU patch does: at the expected line
//! first, then at growing offsets around it, then with fuzz (ignoring up to
//! N context lines at the hunk's ends); the offset found carries over to
//! later hunks, and a hunk may not start before the previous one's last
//! change.

use super::parse::{Hunk, Kind};

/// Where a hunk went, when it was not exactly where the patch said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Placement {
    /// 1-based hunk number within its file section.
    pub hunk: usize,
    /// First line of the hunk in the patched file.
    pub line: usize,
    /// Lines between the expected and the actual position (cumulative,
    /// as GNU patch reports it).
    pub offset: isize,
    /// Context lines ignored at each end.
    pub fuzz: usize,
}

/// How hunks are matched against the file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Matching {
    /// Context lines a hunk may ignore at each end (`-F`).
    pub max_fuzz: usize,
    /// `-l`: runs of blanks match runs of any length, and line ends are
    /// ignored.
    pub ignore_whitespace: bool,
    /// GNU patch's check: when the first hunk does not apply at some fuzz
    /// but its reverse does, stop with [`Failure::Reversed`].
    pub detect_reversed: bool,
}

/// Why hunks did not apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The hunk with this 0-based index applies nowhere.
    Hunk(usize),
    /// The first hunk applies reversed: the patch seems applied already.
    Reversed,
}

/// The patched contents and the hunks that needed an offset or fuzz, or
/// the 0-based index of the first hunk that does not apply.
#[cfg(test)]
pub(crate) fn apply(
    content: &[u8],
    hunks: &[Hunk],
    max_fuzz: usize,
) -> Result<(Vec<u8>, Vec<Placement>), usize> {
    let matching = Matching {
        max_fuzz,
        ignore_whitespace: false,
        detect_reversed: false,
    };
    apply_with(content, hunks, matching).map_err(|failure| match failure {
        Failure::Hunk(index) => index,
        Failure::Reversed => 0,
    })
}

/// The patched contents and the hunks that needed an offset or fuzz.
pub(crate) fn apply_with(
    content: &[u8],
    hunks: &[Hunk],
    matching: Matching,
) -> Result<(Vec<u8>, Vec<Placement>), Failure> {
    let input: Vec<&[u8]> = content.split_inclusive(|b| *b == b'\n').collect();
    let mut out = Output {
        input: &input,
        bytes: Vec::with_capacity(content.len() + content.len() / 8),
        frozen: 0,
        settled: 0,
    };
    let mut in_offset: isize = 0;
    let mut out_offset: isize = 0;
    let mut placements = Vec::new();
    for (index, hunk) in hunks.iter().enumerate() {
        let ws = matching.ignore_whitespace;
        let first = first_line(hunk) as isize;
        let mut reversed: Option<Hunk> = None;
        let mut found = None;
        // GNU patch tries each fuzz level everywhere before the next; a
        // place found at line 0 counts as none (but moves the offset), and
        // for the first hunk the reversed hunk is tried after each level.
        for fuzz in 0..=matching.max_fuzz.min(max_context(hunk)) {
            if let Some(at) = locate(&input, hunk, in_offset, out.settled, fuzz, ws) {
                in_offset = at - first;
                if at != 0 {
                    found = Some((at, fuzz));
                    break;
                }
            }
            if index == 0 && matching.detect_reversed {
                let reversed = reversed.get_or_insert_with(|| hunk.reversed());
                if let Some(at) = locate(&input, reversed, in_offset, out.settled, fuzz, ws) {
                    in_offset = at - first_line(reversed) as isize;
                    if at != 0 {
                        return Err(Failure::Reversed);
                    }
                }
            }
        }
        // A place before the previous hunk's last change: GNU patch fails
        // the hunk as misordered.
        let (start, fuzz) = found
            .and_then(|(at, fuzz)| Some((usize::try_from(at).ok()?, fuzz)))
            .ok_or(Failure::Hunk(index))?;
        if fuzz != 0 || in_offset != 0 {
            placements.push(Placement {
                hunk: index + 1,
                line: (start as isize + out_offset).max(1) as usize,
                offset: in_offset,
                fuzz,
            });
        }
        if !out.hunk(hunk, start) {
            return Err(Failure::Hunk(index));
        }
        let inserted = hunk
            .lines
            .iter()
            .filter(|(k, _)| *k == Kind::Insert)
            .count();
        let deleted = hunk
            .lines
            .iter()
            .filter(|(k, _)| *k == Kind::Delete)
            .count();
        out_offset += inserted as isize - deleted as isize;
    }
    if out.settled < input.len() {
        out.copy_till(input.len());
    }
    Ok((out.bytes, placements))
}

/// Whether `hunk` would apply exactly (no fuzz) somewhere in `content`:
/// used to tell "already applied" from "does not apply".
pub(crate) fn applies_cleanly(content: &[u8], hunk: &Hunk) -> bool {
    let input: Vec<&[u8]> = content.split_inclusive(|b| *b == b'\n').collect();
    locate(&input, hunk, 0, 0, 0, false).is_some_and(|at| at > 0)
}

/// The most context lines the hunk has at either end: the most fuzz that
/// can mean anything.
fn max_context(hunk: &Hunk) -> usize {
    let (prefix, suffix) = hunk.context();
    prefix.max(suffix)
}

/// The line the hunk's old side starts at (1-based); an empty old range
/// `-N,0` means "after line N".
fn first_line(hunk: &Hunk) -> usize {
    if hunk.old_len == 0 {
        hunk.old_start + 1
    } else {
        hunk.old_start
    }
}

/// The 1-based line where the hunk's old side matches `input` with `fuzz`,
/// searched as GNU patch searches: it may be at or before `frozen` (the
/// hunk then fails), or even 0 or less.
fn locate(
    input: &[&[u8]],
    hunk: &Hunk,
    in_offset: isize,
    frozen: usize,
    fuzz: usize,
    ignore_whitespace: bool,
) -> Option<isize> {
    let pattern: Vec<&[u8]> = hunk
        .lines
        .iter()
        .filter(|(k, _)| *k != Kind::Insert)
        .map(|(_, text)| text.as_slice())
        .collect();
    let (prefix, suffix) = hunk.context();
    let context = prefix.max(suffix);
    let search = Search {
        input,
        pattern: &pattern,
        first: first_line(hunk) as isize,
        guess: first_line(hunk) as isize + in_offset,
        frozen: frozen as isize,
        prefix: prefix as isize,
        suffix: suffix as isize,
        context: context as isize,
        ignore_whitespace,
    };
    search.at_fuzz(fuzz as isize)
}

/// One hunk's search, in GNU patch's signed line arithmetic.
struct Search<'a> {
    input: &'a [&'a [u8]],
    pattern: &'a [&'a [u8]],
    /// Where the patch says the hunk starts.
    first: isize,
    /// Where it is expected, after earlier hunks' offsets.
    guess: isize,
    /// Input lines already written out (by earlier hunks).
    frozen: isize,
    prefix: isize,
    suffix: isize,
    context: isize,
    ignore_whitespace: bool,
}

impl Search<'_> {
    fn at_fuzz(&self, fuzz: isize) -> Option<isize> {
        let lines = self.input.len() as isize;
        let pattern_lines = self.pattern.len() as isize;
        if pattern_lines == 0 {
            // Pure insertion without context: the position is the position,
            // past the end too (GNU patch appends then, at no offset).
            return Some(self.guess);
        }
        // A hunk with less context at one end than the other is anchored
        // there: less leading context means it starts the file.
        let prefix_fuzz = fuzz + self.prefix - self.context;
        let suffix_fuzz = fuzz + self.suffix - self.context;
        let max_start = lines - (pattern_lines - suffix_fuzz) + 1;
        let min_start = self.frozen + 1;
        let max_forward = max_start - self.guess;
        let mut max_backward = self.guess - min_start;
        if self.guess <= max_backward {
            max_backward = self.guess - 1;
        }
        if prefix_fuzz < 0 && self.first <= 1 {
            let offset = 1 - self.guess;
            let fits = self.frozen <= self.prefix && offset <= max_forward;
            return (fits && self.matches(1, 0, suffix_fuzz)).then_some(1);
        }
        let prefix_fuzz = prefix_fuzz.max(0);
        if suffix_fuzz < 0 {
            let offset = self.guess - (lines - pattern_lines + 1);
            let start = self.guess - offset;
            return (offset <= max_backward && self.matches(start, prefix_fuzz, 0))
                .then_some(start);
        }
        let min_offset = if max_forward < 0 {
            self.guess - max_start
        } else if max_backward < 0 {
            self.guess - min_start
        } else {
            0
        };
        // With no room behind the guess, GNU patch starts from a negative
        // offset, trying places before the previous hunk too.
        for offset in min_offset..=max_forward.max(max_backward) {
            if offset <= max_forward && self.matches(self.guess + offset, prefix_fuzz, suffix_fuzz)
            {
                return Some(self.guess + offset);
            }
            if 0 < offset
                && offset <= max_backward
                && self.matches(self.guess - offset, prefix_fuzz, suffix_fuzz)
            {
                return Some(self.guess - offset);
            }
        }
        None
    }

    /// Whether the pattern, minus `skip_start` and `skip_end` lines, equals
    /// the input from 1-based line `start` on.
    fn matches(&self, start: isize, skip_start: isize, skip_end: isize) -> bool {
        let end = self.pattern.len() as isize - skip_end;
        (skip_start..end).all(|j| {
            // Lines outside the file read as empty, as in GNU patch.
            let line = usize::try_from(start - 1 + j)
                .ok()
                .and_then(|at| self.input.get(at))
                .map_or(&b""[..], |line| *line);
            let pattern = self.pattern[j as usize];
            match self.ignore_whitespace {
                true => similar(line, pattern),
                false => line == pattern,
            }
        })
    }
}

/// GNU patch's `-l` comparison of a file line with a patch line: every run
/// of blanks in the patch line needs a run of blanks (of any length) in the
/// file line, trailing blanks in the file line are ignored, and so are the
/// line ends.
fn similar(file: &[u8], patch: &[u8]) -> bool {
    let blank = |c: &u8| *c == b' ' || *c == b'\t';
    let skip_blanks = |s: &[u8]| -> usize { s.iter().take_while(|c| blank(c)).count() };
    let mut a = file.strip_suffix(b"\n").unwrap_or(file);
    let mut b = patch.strip_suffix(b"\n").unwrap_or(patch);
    loop {
        if b.first().is_none_or(blank) {
            b = &b[skip_blanks(b)..];
            if let Some(first) = a.first() {
                if !blank(first) {
                    return false;
                }
                a = &a[skip_blanks(a)..];
            }
            if a.is_empty() || b.is_empty() {
                return a.len() == b.len();
            }
        } else if a.first() != b.first() {
            return false;
        } else {
            a = &a[1..];
            b = &b[1..];
        }
    }
}

/// The patched file as it is built: input lines are copied lazily, so
/// context lines come from the file (fuzzed ones included), not the patch.
struct Output<'a> {
    input: &'a [&'a [u8]],
    bytes: Vec<u8>,
    /// Input lines copied or deleted so far.
    frozen: usize,
    /// GNU patch's `last_frozen_line`: as `frozen`, but an insertion past
    /// the end counts the lines up to it, so later hunks must come after.
    settled: usize,
}

impl Output<'_> {
    /// Applies `hunk` at 1-based line `start`; `false` if its first change
    /// comes before the previous hunk's last (GNU patch's "misordered
    /// hunks"), when nothing is written.
    fn hunk(&mut self, hunk: &Hunk, start: usize) -> bool {
        let base = start - 1;
        let mut old = 0;
        for (kind, text) in &hunk.lines {
            match kind {
                Kind::Context => old += 1,
                Kind::Delete => {
                    if !self.copy_till(base + old) {
                        return false;
                    }
                    self.frozen += 1;
                    self.settled = self.settled.max(self.frozen);
                    old += 1;
                }
                Kind::Insert => {
                    if !self.copy_till(base + old) {
                        return false;
                    }
                    self.write(text);
                }
            }
        }
        true
    }

    /// Copies input lines up to (not including) 0-based line `end`;
    /// `false` if lines past `end` were settled already.
    fn copy_till(&mut self, end: usize) -> bool {
        if self.settled > end {
            return false;
        }
        self.settled = end;
        let end = end.min(self.input.len());
        while self.frozen < end {
            let line = self.input[self.frozen];
            self.write(line);
            self.frozen += 1;
        }
        true
    }

    fn write(&mut self, line: &[u8]) {
        // A line after one that lacked its newline (the old last line)
        // needs one, as GNU patch adds it.
        if self.bytes.last().is_some_and(|b| *b != b'\n') {
            self.bytes.push(b'\n');
        }
        self.bytes.extend_from_slice(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::parse::parse;

    fn hunks(patch: &str) -> Vec<Hunk> {
        let reading = crate::patch::parse::Reading {
            format: crate::patch::Format::Any,
            binary: false,
            times: None,
            ignore_whitespace: false,
            strip: Some(1),
        };
        parse(patch.as_bytes(), reading).unwrap().remove(0).hunks
    }

    fn numbered(n: usize) -> String {
        (1..=n).map(|i| format!("line {i}\n")).collect()
    }

    const CHANGE_10: &str =
        "--- a/f\n+++ b/f\n@@ -9,3 +9,3 @@\n line 9\n-line 10\n+LINE TEN\n line 11\n";

    #[test]
    fn an_exact_hunk_applies_in_place() {
        let (out, placed) = apply(numbered(20).as_bytes(), &hunks(CHANGE_10), 2).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            numbered(20).replace("line 10\n", "LINE TEN\n")
        );
        assert!(placed.is_empty());
    }

    #[test]
    fn a_moved_hunk_is_found_at_an_offset_that_carries_over() {
        let shifted = format!("new a\nnew b\nnew c\n{}", numbered(40));
        let patch =
            format!("{CHANGE_10}@@ -29,3 +29,3 @@\n line 29\n-line 30\n+LINE THIRTY\n line 31\n");
        let (out, placed) = apply(shifted.as_bytes(), &hunks(&patch), 2).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("line 9\nLINE TEN\nline 11") && text.contains("LINE THIRTY"));
        assert_eq!(
            placed[0],
            Placement {
                hunk: 1,
                line: 12,
                offset: 3,
                fuzz: 0
            }
        );
        assert_eq!(
            placed[1],
            Placement {
                hunk: 2,
                line: 32,
                offset: 3,
                fuzz: 0
            }
        );
    }

    #[test]
    fn fuzz_ignores_changed_context_and_keeps_the_files_lines() {
        let file = numbered(20).replace("line 9\n", "line nine\n");
        assert!(apply(file.as_bytes(), &hunks(CHANGE_10), 0).is_err());
        let (out, placed) = apply(file.as_bytes(), &hunks(CHANGE_10), 1).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("line nine\nLINE TEN\nline 11\n"), "{text}");
        assert_eq!(
            placed,
            vec![Placement {
                hunk: 1,
                line: 9,
                offset: 0,
                fuzz: 1
            }]
        );
    }

    #[test]
    fn a_hunk_with_short_leading_context_is_anchored_at_the_start() {
        let patch = "--- a/f\n+++ b/f\n@@ -1,3 +1,4 @@\n+first\n line 1\n line 2\n line 3\n";
        let (out, _) = apply(numbered(5).as_bytes(), &hunks(patch), 0).unwrap();
        assert!(out.starts_with(b"first\nline 1\n"));
        // The same lines later in the file do not count: it must start it.
        let file = format!("other\n{}", numbered(5));
        assert_eq!(apply(file.as_bytes(), &hunks(patch), 0), Err(0));
    }

    #[test]
    fn missing_newlines_at_the_end_are_kept_or_added_as_the_patch_says() {
        let patch = "--- a/f\n+++ b/f\n@@ -1,2 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+b\n+c\n\\ No newline at end of file\n";
        let (out, _) = apply(b"a\nb", &hunks(patch), 0).unwrap();
        assert_eq!(out, b"a\nb\nc");
        assert_eq!(
            apply(b"a\nb\n", &hunks(patch), 0),
            Err(0),
            "b has a newline: no match"
        );
    }

    #[test]
    fn crlf_lines_are_matched_and_written_byte_for_byte() {
        let patch = "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n one\r\n-two\r\n+TWO\r\n";
        let (out, _) = apply(b"one\r\ntwo\r\n", &hunks(patch), 0).unwrap();
        assert_eq!(out, b"one\r\nTWO\r\n");
        assert_eq!(apply(b"one\ntwo\n", &hunks(patch), 2), Err(0));
    }

    #[test]
    fn ignoring_whitespace_needs_blanks_where_the_patch_has_them() {
        assert!(similar(b"a  b\t\n", b"a b\n"));
        assert!(similar(b"a\tb", b"a  b\n"), "line ends are ignored");
        assert!(similar(b"x   \n", b"x\n"), "trailing blanks in the file");
        assert!(!similar(b"ab\n", b"a b\n"), "a blank must be there");
        assert!(!similar(b"a b\n", b"ab\n"));
        assert!(!similar(b"  x\n", b"x\n"), "leading blanks count");
        let patch = "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n int  x;\n-old\n+new\n";
        let matching = Matching {
            max_fuzz: 0,
            ignore_whitespace: true,
            detect_reversed: false,
        };
        let (out, _) = apply_with(b"int\tx;\nold\n", &hunks(patch), matching).unwrap();
        assert_eq!(out, b"int\tx;\nnew\n", "context lines come from the file");
    }

    #[test]
    fn an_already_applied_first_hunk_is_reported_before_fuzz_is_tried() {
        let matching = Matching {
            max_fuzz: 2,
            ignore_whitespace: false,
            detect_reversed: true,
        };
        let patched = numbered(20).replace("line 10\n", "LINE TEN\n");
        assert_eq!(
            apply_with(patched.as_bytes(), &hunks(CHANGE_10), matching),
            Err(Failure::Reversed)
        );
    }

    #[test]
    fn a_hunk_cannot_start_before_the_previous_change() {
        let patch =
            "--- a/f\n+++ b/f\n@@ -5,1 +5,1 @@\n-line 5\n+five\n@@ -2,1 +2,1 @@\n-line 2\n+two\n";
        assert_eq!(apply(numbered(8).as_bytes(), &hunks(patch), 2), Err(1));
    }
}
