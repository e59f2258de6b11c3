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

/// The patched contents and the hunks that needed an offset or fuzz, or
/// the 0-based index of the first hunk that does not apply.
pub(crate) fn apply(
    content: &[u8],
    hunks: &[Hunk],
    max_fuzz: usize,
) -> Result<(Vec<u8>, Vec<Placement>), usize> {
    let input: Vec<&[u8]> = content.split_inclusive(|b| *b == b'\n').collect();
    let mut out = Output {
        input: &input,
        bytes: Vec::with_capacity(content.len() + content.len() / 8),
        frozen: 0,
    };
    let mut in_offset: isize = 0;
    let mut out_offset: isize = 0;
    let mut placements = Vec::new();
    for (index, hunk) in hunks.iter().enumerate() {
        let (start, fuzz) = locate(&input, hunk, in_offset, out.frozen, max_fuzz).ok_or(index)?;
        in_offset = start as isize - first_line(hunk) as isize;
        if fuzz != 0 || in_offset != 0 {
            placements.push(Placement {
                hunk: index + 1,
                line: (start as isize + out_offset).max(1) as usize,
                offset: in_offset,
                fuzz,
            });
        }
        out.hunk(hunk, start);
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
    out.copy_till(input.len());
    Ok((out.bytes, placements))
}

/// Whether `hunk` would apply exactly (no fuzz) somewhere in `content`:
/// used to tell "already applied" from "does not apply".
pub(crate) fn applies_cleanly(content: &[u8], hunk: &Hunk) -> bool {
    let input: Vec<&[u8]> = content.split_inclusive(|b| *b == b'\n').collect();
    locate(&input, hunk, 0, 0, 0).is_some()
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

/// The 1-based line where the hunk's old side starts in `input`, and the
/// fuzz used, trying fuzz 0 everywhere before fuzz 1 anywhere.
fn locate(
    input: &[&[u8]],
    hunk: &Hunk,
    in_offset: isize,
    frozen: usize,
    max_fuzz: usize,
) -> Option<(usize, usize)> {
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
    };
    (0..=max_fuzz.min(context))
        .find_map(|fuzz| search.at_fuzz(fuzz as isize).map(|line| (line, fuzz)))
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
}

impl Search<'_> {
    fn at_fuzz(&self, fuzz: isize) -> Option<usize> {
        let lines = self.input.len() as isize;
        let pattern_lines = self.pattern.len() as isize;
        if pattern_lines == 0 {
            // Pure insertion without context: the position is the position.
            return (self.guess > self.frozen).then_some(self.guess.min(lines + 1) as usize);
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
                .then_some(start as usize);
        }
        let min_offset = if max_forward < 0 {
            self.guess - max_start
        } else if max_backward < 0 {
            self.guess - min_start
        } else {
            0
        };
        for offset in min_offset..=max_forward.max(max_backward) {
            if offset <= max_forward && self.matches(self.guess + offset, prefix_fuzz, suffix_fuzz)
            {
                return Some((self.guess + offset) as usize);
            }
            if offset <= max_backward && self.matches(self.guess - offset, prefix_fuzz, suffix_fuzz)
            {
                return Some((self.guess - offset) as usize);
            }
        }
        None
    }

    /// Whether the pattern, minus `skip_start` and `skip_end` lines, equals
    /// the input from 1-based line `start` on.
    fn matches(&self, start: isize, skip_start: isize, skip_end: isize) -> bool {
        // GNU patch's search can also try lines before the previous hunk's
        // last change and then fails the hunk as misordered; such lines
        // are simply not candidates here.
        if start <= self.frozen || start < 1 {
            return false;
        }
        let end = self.pattern.len() as isize - skip_end;
        (skip_start..end).all(|j| {
            let at = (start - 1 + j) as usize;
            self.input
                .get(at)
                .is_some_and(|line| *line == self.pattern[j as usize])
        })
    }
}

/// The patched file as it is built: input lines are copied lazily, so
/// context lines come from the file (fuzzed ones included), not the patch.
struct Output<'a> {
    input: &'a [&'a [u8]],
    bytes: Vec<u8>,
    /// Input lines copied or deleted so far.
    frozen: usize,
}

impl Output<'_> {
    fn hunk(&mut self, hunk: &Hunk, start: usize) {
        let base = start - 1;
        let mut old = 0;
        for (kind, text) in &hunk.lines {
            match kind {
                Kind::Context => old += 1,
                Kind::Delete => {
                    self.copy_till(base + old);
                    self.frozen += 1;
                    old += 1;
                }
                Kind::Insert => {
                    self.copy_till(base + old);
                    self.write(text);
                }
            }
        }
    }

    /// Copies input lines up to (not including) 0-based line `end`.
    fn copy_till(&mut self, end: usize) {
        let end = end.min(self.input.len());
        while self.frozen < end {
            let line = self.input[self.frozen];
            self.write(line);
            self.frozen += 1;
        }
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
        parse(patch.as_bytes()).unwrap().remove(0).hunks
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
    fn a_hunk_cannot_start_before_the_previous_change() {
        let patch =
            "--- a/f\n+++ b/f\n@@ -5,1 +5,1 @@\n-line 5\n+five\n@@ -2,1 +2,1 @@\n-line 2\n+two\n";
        assert_eq!(apply(numbered(8).as_bytes(), &hunks(patch), 2), Err(1));
    }
}
