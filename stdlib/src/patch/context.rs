//! Context diffs (`diff -c`): `***************` hunks with an old side
//! (`*** 3,9 ****`, lines marked ` `, `-`, `!`) and a new side
//! (`--- 3,10 ----`, lines marked ` `, `+`, `!`), either side left out when
//! the other says it all. Hunks are read the way GNU patch 2.7 reads them
//! (`another_hunk` in its pch.c), quirks included, then merged into the
//! one sequence of context, removed and added lines the rest of `patch`
//! uses, the way GNU patch's `apply_hunk` walks the two sides. `hunk` is
//! long because it follows `another_hunk` step by step: kept whole, the
//! correspondence stays checkable.

mod walk;

use super::parse::Hunk;
use walk::{merge, swap, Slot};

/// The largest line number GNU patch accepts (its `LINENUM_MAX`).
const LINENUM_MAX: i64 = i64::MAX;

const MAX_LINE_NUMBER: i64 = super::MAX_LINE_NUMBER as i64;

/// Old-style context diffs (`*** 3,9` without the trailing stars) read a
/// few malformed lines differently; a hunk can reveal that the diff is
/// new-style after all, and later hunks of the file are read so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Old,
    New,
}

/// Reads the patch's lines as GNU patch's `get_line` does: `#` lines are
/// comments, and with a CRLF header the CRs are dropped.
pub(crate) struct Reader<'a> {
    pub lines: &'a [&'a [u8]],
    /// Index of the next line.
    pub at: usize,
    pub strip_cr: bool,
}

impl Reader<'_> {
    /// The next line with its end of line, and its 1-based number; `None`
    /// at the end (a last line without a newline counts as the end, as in
    /// GNU patch).
    fn line(&mut self) -> Option<(Vec<u8>, usize)> {
        loop {
            let raw = self.lines.get(self.at)?;
            if !raw.ends_with(b"\n") {
                return None;
            }
            self.at += 1;
            if raw.first() == Some(&b'#') {
                continue;
            }
            let line = match self.strip_cr && raw.ends_with(b"\r\n") {
                true => [&raw[..raw.len() - 2], b"\n"].concat(),
                false => raw.to_vec(),
            };
            return Some((line, self.at));
        }
    }

    /// `\ No newline at end of file` next: consumed, and `true`.
    fn incomplete_line(&mut self) -> bool {
        let next = self.lines.get(self.at);
        if next.is_some_and(|l| l.first() == Some(&b'\\')) {
            self.at += 1;
            return true;
        }
        false
    }
}

/// A hunk as read, with what the file-level reading needs.
pub(crate) struct Read {
    pub hunk: Hunk,
    /// The new side is empty and starts at line 1 (the file is emptied).
    pub empties: bool,
}

fn number(text: &[u8], at: &mut usize, line: usize, raw: &[u8]) -> Result<i64, String> {
    let start = *at;
    let mut value: i64 = 0;
    let mut overflow = false;
    while let Some(digit) = text.get(*at).filter(|b| b.is_ascii_digit()) {
        match value
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(digit - b'0')))
        {
            Some(v) => value = v,
            None => overflow = true,
        }
        *at += 1;
    }
    if *at == start {
        return Err(format!(
            "missing line number at line {line}: {}",
            shown(raw)
        ));
    }
    if overflow || value > MAX_LINE_NUMBER {
        return Err(format!(
            "line number {} is too large for any file (at most {MAX_LINE_NUMBER}) at line {line}: {}",
            String::from_utf8_lossy(&text[start..*at]),
            shown(raw)
        ));
    }
    Ok(value)
}

fn shown(line: &[u8]) -> String {
    String::from_utf8_lossy(super::parse::trim_eol(line)).into_owned()
}

fn malformed(line: usize, raw: &[u8]) -> String {
    format!("malformed patch at line {line}: {}", shown(raw))
}

/// A side's range after `*** ` or `--- `: (first line, line count), GNU
/// style (an empty range starts at the line after).
fn range(raw: &[u8], line: usize, new_side: bool) -> Result<(i64, i64), String> {
    let mut at = raw.iter().position(u8::is_ascii_digit).unwrap_or(raw.len());
    if !new_side && raw[at..].starts_with(b"0,0") {
        at += 2;
    }
    let first = number(raw, &mut at, line, raw)?;
    if raw.get(at) == Some(&b',') {
        if new_side {
            // `--- 3,` with nothing after is malformed.
            at += 1;
            while !raw.get(at).is_some_and(u8::is_ascii_digit) {
                if at >= raw.len() || raw[at] == b'\n' {
                    return Err(malformed(line, raw));
                }
                at += 1;
            }
        } else {
            while at < raw.len() && !raw[at].is_ascii_digit() {
                at += 1;
            }
        }
        let last = number(raw, &mut at, line, raw)?;
        let count = last
            .checked_add(1)
            .and_then(|v| v.checked_sub(first))
            .filter(|c| *c >= 0)
            .ok_or_else(|| malformed(line, raw))?;
        Ok((first, count))
    } else if first != 0 {
        Ok((first, 1))
    } else {
        Ok((1, 0))
    }
}

/// What GNU patch keeps from one hunk to the next while reading a file:
/// a hunk whose `***` line is missing reads with the last one's ranges,
/// and whether a new side may be left out depends on the last hunk's
/// leading context.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Stale {
    /// `p_prefix_context` (kept across files too).
    pub prefix: i64,
    /// `p_first`, `p_ptrn_lines`, `p_newfirst`, `p_repl_lines`.
    pub ranges: (i64, i64, i64, i64),
}

/// Reads one `***************` hunk at the reader's position; `None` (and
/// nothing consumed) when the next line does not start one.
pub(crate) fn hunk(
    r: &mut Reader,
    style: &mut Style,
    stale: &mut Stale,
    ignore_whitespace: bool,
) -> Result<Option<Read>, String> {
    let start = r.at;
    match r.line() {
        Some((line, _)) if line.len() > 8 && line.starts_with(b"********") => {}
        _ => {
            r.at = start;
            return Ok(None);
        }
    }
    let hunk_line = r.at + 1;
    let mut p: Vec<Slot> = Vec::new();
    let (mut first, mut ptrn_lines, mut newfirst, mut repl_lines) = stale.ranges;
    let mut max: Option<i64> = None;
    let mut repl_beginning: Option<usize> = None;
    let (mut fillcnt, mut fillsrc, mut filldst) = (0i64, 0usize, 0usize);
    let mut ptrn_spaces_eaten = false;
    let mut some_context = false;
    let mut repl_could_be_missing = true;
    let mut ptrn_missing = false;
    let mut repl_missing = false;
    let mut backtrack = 0usize;
    let mut repl_context = 0i64;
    let (mut ptrn_prefix, mut ptrn_suffix, mut repl_prefix) = (-1i64, -1i64, -1i64);
    let (mut ptrn_copiable, mut repl_copiable) = (0i64, 0i64);
    let mut context = 0i64;
    let mut header = String::new();
    let end = |p: &Vec<Slot>| p.len() as i64 - 1;

    loop {
        if max.is_some_and(|m| end(&p) >= m) {
            break;
        }
        let (line, number_at) = match r.line() {
            Some(read) => read,
            None => {
                if repl_beginning.is_some() && repl_could_be_missing {
                    repl_missing = true;
                    break;
                }
                // Mailers eat trailing blank lines: up to three are restored.
                match max {
                    Some(m) if m - end(&p) < 4 => (b"  \n".to_vec(), r.at),
                    _ => return Err("unexpected end of file in patch".into()),
                }
            }
        };
        let missing_new_side = repl_beginning.is_some() && repl_could_be_missing;
        p.push(Slot {
            mark: line[0],
            text: Vec::new(),
        });
        let p_end = end(&p);
        let last_of_side = |p_end: i64| match repl_beginning {
            Some(_) => max == Some(p_end),
            None => p_end == ptrn_lines,
        };
        match line[0] {
            b'*' => {
                if line.starts_with(b"********") || p_end != 0 {
                    if missing_new_side {
                        p.pop();
                        repl_missing = true;
                        break;
                    }
                    return Err(if line.starts_with(b"********") {
                        format!("unexpected end of hunk at line {number_at}")
                    } else {
                        format!("unexpected '***' at line {number_at}: {}", shown(&line))
                    });
                }
                context = 0;
                header = shown(&line);
                (first, ptrn_lines) = range(&line, number_at, false)?;
                if first >= LINENUM_MAX - ptrn_lines || ptrn_lines >= LINENUM_MAX - 6 {
                    return Err(malformed(number_at, &line));
                }
                p[0].text = line;
            }
            b'-' if line.get(1) == Some(&b'-') => {
                if ptrn_prefix == -1 {
                    ptrn_prefix = context;
                }
                ptrn_suffix = context;
                let blank = p_end >= 1 && p[(p_end - 1) as usize].mark == b'\n';
                if repl_beginning.is_some() || p_end != ptrn_lines + 1 + i64::from(blank) {
                    if p_end == 1 {
                        // The old side was left out: it is the new side's
                        // context lines, filled in below.
                        ptrn_missing = true;
                        let slot = p.pop().unwrap_or_default();
                        // Filled from the new side's context lines below:
                        // more than the patch has lines cannot be.
                        let count = usize::try_from(ptrn_lines)
                            .ok()
                            .filter(|n| *n <= r.lines.len())
                            .ok_or_else(|| mangled(hunk_line))?;
                        p.resize(count + 1, Slot::default());
                        p.push(slot);
                        ptrn_prefix = -1;
                        ptrn_suffix = -1;
                        fillsrc = p.len();
                        filldst = 1;
                        fillcnt = ptrn_lines;
                    } else if repl_beginning.is_none() {
                        return Err(format!(
                            "{} '---' at line {number_at}; check line numbers at line {hunk_line}",
                            if p_end <= ptrn_lines {
                                "Premature"
                            } else {
                                "Overdue"
                            }
                        ));
                    } else if !repl_could_be_missing {
                        return Err(format!(
                            "duplicate '---' at line {number_at}; check line numbers at line {}",
                            hunk_line + repl_beginning.unwrap_or(0)
                        ));
                    } else {
                        p.pop();
                        repl_missing = true;
                        break;
                    }
                }
                let at = p.len() - 1;
                repl_beginning = Some(at);
                backtrack = r.at;
                repl_context = context;
                p[at] = Slot {
                    mark: b'=',
                    text: line.clone(),
                };
                (newfirst, repl_lines) = range(&line, number_at, true)?;
                if newfirst >= LINENUM_MAX - repl_lines || repl_lines >= LINENUM_MAX - at as i64 {
                    return Err(malformed(number_at, &line));
                }
                max = Some(repl_lines + at as i64);
                if repl_lines != ptrn_copiable
                    && (stale.prefix != 0 || context != 0 || repl_lines != 1)
                {
                    repl_could_be_missing = false;
                }
                context = 0;
            }
            mark @ (b'-' | b'+' | b'!') => {
                if mark != b'-' {
                    repl_could_be_missing = false;
                }
                let mut text = line[1..].to_vec();
                if text == b"\n" && ignore_whitespace {
                    text = b" \n".to_vec();
                }
                if matches!(text.first(), Some(b' ' | b'\t')) {
                    text.remove(0);
                } else if repl_beginning.is_some() && repl_could_be_missing {
                    p.pop();
                    repl_missing = true;
                    break;
                }
                match repl_beginning {
                    None if ptrn_prefix == -1 => ptrn_prefix = context,
                    Some(_) if repl_prefix == -1 => repl_prefix = context,
                    _ => {}
                }
                if text.len() > 1 && last_of_side(p_end) && r.incomplete_line() {
                    text.pop();
                }
                p[p_end as usize].text = text;
                context = 0;
            }
            b'\t' | b'\n' => {
                // A context line whose leading spaces were eaten. (GNU
                // patch keeps a tab-led line minus its last byte.)
                let mut length = line.len() - usize::from(line[0] == b'\t');
                if missing_new_side && (!ptrn_spaces_eaten || *style == Style::New) {
                    p.pop();
                    repl_missing = true;
                    break;
                }
                if length > 1 && last_of_side(p_end) && r.incomplete_line() {
                    length -= 1;
                }
                let slot = &mut p[p_end as usize];
                slot.text = line[..length].to_vec();
                if p_end != ptrn_lines + 1 {
                    ptrn_spaces_eaten |= repl_beginning.is_some();
                    some_context = true;
                    context += 1;
                    match repl_beginning {
                        Some(_) => repl_copiable += 1,
                        None => ptrn_copiable += 1,
                    }
                    slot.mark = b' ';
                }
            }
            b' ' => {
                let mut text = line[1..].to_vec();
                if text == b"\n" && ignore_whitespace {
                    // GNU patch's -l turns such a line into "\n\0".
                    text = b"\n\0".to_vec();
                }
                if matches!(text.first(), Some(b' ' | b'\t')) {
                    text.remove(0);
                } else if missing_new_side {
                    p.pop();
                    repl_missing = true;
                    break;
                }
                some_context = true;
                context += 1;
                match repl_beginning {
                    Some(_) => repl_copiable += 1,
                    None => ptrn_copiable += 1,
                }
                if text.len() > 1 && last_of_side(p_end) && r.incomplete_line() {
                    text.pop();
                }
                p[p_end as usize].text = text;
            }
            _ => {
                if missing_new_side {
                    p.pop();
                    repl_missing = true;
                    break;
                }
                return Err(malformed(number_at, &line));
            }
        }
    }

    let Some(repl_at) = repl_beginning else {
        return Err(format!("no '---' found in patch at line {hunk_line}"));
    };
    if repl_missing {
        // The new side was left out: it is the old side's context lines.
        r.at = backtrack;
        context = repl_context;
        p.truncate(repl_at + 1);
        fillsrc = 1;
        filldst = repl_at + 1;
        fillcnt = repl_lines;
        // Filled from the old side's context lines: no more than it has.
        let last = usize::try_from(max.unwrap_or(0))
            .ok()
            .filter(|_| repl_lines <= repl_at as i64)
            .ok_or_else(|| mangled(hunk_line))?;
        p.resize(last + 1, Slot::default());
    } else if !ptrn_missing && ptrn_copiable != repl_copiable {
        return Err(format!("context mangled in hunk at line {hunk_line}"));
    } else if !some_context && fillcnt == 1 {
        // A hunk with no context whose old side ("*** 5 ****") is one
        // line that is not there: an insertion after line 5.
        p.remove(filldst);
        first += 1;
        fillcnt = 0;
        ptrn_lines = 0;
    }
    let prefix = if repl_prefix == -1 || (ptrn_prefix != -1 && ptrn_prefix < repl_prefix) {
        ptrn_prefix
    } else {
        repl_prefix
    };
    let suffix = if ptrn_suffix != -1 && ptrn_suffix < context {
        ptrn_suffix
    } else {
        context
    };
    if prefix == -1 || suffix == -1 {
        return Err(mangled(hunk_line));
    }
    if *style == Style::Old && (fillcnt != 0 || (first > 1 && prefix + suffix < ptrn_copiable)) {
        *style = Style::New;
    }
    for _ in 0..fillcnt {
        while fillsrc < p.len() && fillsrc != repl_at && p[fillsrc].mark != b' ' {
            fillsrc += 1;
        }
        if fillsrc >= p.len() || fillsrc == repl_at {
            return Err(mangled(hunk_line));
        }
        p[filldst] = p[fillsrc].clone();
        fillsrc += 1;
        filldst += 1;
    }
    if fillcnt > 0 {
        while fillsrc < p.len() && fillsrc != repl_at {
            if p[fillsrc].mark == b' ' {
                return Err(mangled(hunk_line));
            }
            fillsrc += 1;
        }
    }
    let lines = merge(&p, ptrn_lines as usize).map_err(|(old, new)| {
        format!(
            "out-of-sync patch, lines {old},{new} -- mangled text or line numbers, maybe? (hunk at line {hunk_line})"
        )
    })?;
    // The sides' context lines may differ (eaten blanks): reversed, the
    // new side's are matched, so the reversed hunk is walked on its own.
    let reverse_lines = merge(&swap(&p, ptrn_lines as usize), repl_lines as usize).ok();
    *stale = Stale {
        prefix,
        ranges: (first, ptrn_lines, newfirst, repl_lines),
    };
    // Both are at least 0 (an empty side at line 0 is 1 already).
    let to_unified = |start: i64, count: i64| {
        let start = if count == 0 { start - 1 } else { start };
        (start.max(0) as usize, count.max(0) as usize)
    };
    let (old_start, old_len) = to_unified(first, ptrn_lines);
    let (new_start, new_len) = to_unified(newfirst, repl_lines);
    Ok(Some(Read {
        hunk: Hunk {
            header,
            old_start,
            old_len,
            new_start,
            new_len,
            lines,
            reverse_lines,
            prefix: prefix as usize,
            suffix: suffix as usize,
        },
        empties: repl_lines == 0 && newfirst == 1,
    }))
}

fn mangled(hunk_line: usize) -> String {
    format!("replacement text or line numbers mangled in hunk at line {hunk_line}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::patch::parse::Kind;

    fn read(patch: &str) -> Result<Read, String> {
        let lines: Vec<&[u8]> = patch.as_bytes().split_inclusive(|b| *b == b'\n').collect();
        let mut reader = Reader {
            lines: &lines,
            at: 0,
            strip_cr: false,
        };
        hunk(&mut reader, &mut Style::New, &mut Stale::default(), false)
            .map(|read| read.expect("a hunk"))
    }

    fn kinds(read: &Read) -> String {
        read.hunk
            .lines
            .iter()
            .map(|(kind, _)| match kind {
                Kind::Context => ' ',
                Kind::Delete => '-',
                Kind::Insert => '+',
            })
            .collect()
    }

    #[test]
    fn changes_become_removals_then_additions() {
        let read =
            read("***************\n*** 1,3 ****\n  a\n! b\n  c\n--- 1,3 ----\n  a\n! B\n  c\n")
                .unwrap();
        assert_eq!(kinds(&read), " -+ ");
        assert_eq!((read.hunk.old_start, read.hunk.old_len), (1, 3));
        assert_eq!(read.hunk.context(), (1, 1));
    }

    #[test]
    fn an_omitted_side_is_the_other_sides_context() {
        let insert =
            read("***************\n*** 1,2 ****\n--- 1,3 ----\n  a\n+ new\n  b\n").unwrap();
        assert_eq!(kinds(&insert), " + ");
        let delete =
            read("***************\n*** 1,3 ****\n  a\n- old\n  b\n--- 1,2 ----\n").unwrap();
        assert_eq!(kinds(&delete), " - ");
        // "*** 5 ****" with no old lines: an insertion after line 5.
        let append = read("***************\n*** 5 ****\n--- 6 ----\n+ six\n").unwrap();
        assert_eq!((append.hunk.old_start, append.hunk.old_len), (5, 0));
    }

    #[test]
    fn huge_line_numbers_are_errors_not_overflows() {
        for header in [
            "*** 18446744073709551615,0 ****",
            "*** 9223372036854775807 ****",
            "*** 1,281474976710657 ****",
        ] {
            let patch = format!("***************\n{header}\n- x\n--- 1 ----\n");
            let err = read(&patch).err().unwrap_or_default();
            assert!(err.contains("too large for any file"), "{header}: {err}");
        }
        for omitted in [
            "***************\n*** 1,200000000000000 ****\n--- 1,2 ----\n+ a\n  b\n",
            "***************\n*** 1,2 ****\n  a\n  b\n--- 1,200000000000000 ----\n",
        ] {
            // An error, and no attempt to make room for the lines first.
            assert!(read(omitted).is_err(), "a side too long to fill");
        }
        let err = read("***************\n*** 1 ****\n  a\n--- 1,99999999999999999999 ----\n")
            .err()
            .unwrap_or_default();
        assert!(err.contains("too large"), "{err}");
    }
}
