//! File names in patch headers: reading them (quoting, timestamps),
//! stripping `-pN` components, and GNU patch's choice among several.

/// What the timestamp after a header name says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stamp {
    /// No timestamp.
    None,
    /// 1970-01-01 00:00:00 UTC: diff's way of saying "no such file".
    Epoch,
    /// Any other time.
    Other,
}

/// The name and timestamp of a `---`/`+++`/`Index:` header; `/dev/null`
/// gives no name and counts as an epoch timestamp.
pub(crate) fn header_name(rest: &[u8]) -> (Option<Vec<u8>>, Stamp) {
    let rest = super::parse::trim_eol(rest.trim_ascii_start());
    let (name, tail) = if rest.first() == Some(&b'"') {
        match unquote(rest) {
            Some((name, tail)) => (name, tail),
            None => return (None, Stamp::None),
        }
    } else if let Some(tab) = rest.iter().position(|b| *b == b'\t') {
        // Names may contain spaces only when a tab separates the date.
        (rest[..tab].trim_ascii_end().to_vec(), &rest[tab..])
    } else {
        let end = rest
            .iter()
            .position(u8::is_ascii_whitespace)
            .unwrap_or(rest.len());
        (rest[..end].to_vec(), &rest[end..])
    };
    if name == b"/dev/null" {
        return (None, Stamp::Epoch);
    }
    if name.is_empty() {
        return (None, Stamp::None);
    }
    (Some(name), stamp(tail.trim_ascii()))
}

/// Reads a timestamp like `2017-07-26 16:59:48.547792339 -0400`.
fn stamp(text: &[u8]) -> Stamp {
    if text.is_empty() {
        return Stamp::None;
    }
    let Ok(text) = std::str::from_utf8(text) else {
        return Stamp::Other;
    };
    if text.ends_with("Jan  1 00:00:00 1970") {
        return Stamp::Epoch;
    }
    let parts: Vec<&str> = text.split_ascii_whitespace().collect();
    let (Some(date), Some(time)) = (parts.first(), parts.get(1)) else {
        return Stamp::Other;
    };
    let numbers = |s: &str, sep: char| -> Option<Vec<i64>> {
        s.split(sep)
            .map(|n| n.split('.').next()?.parse().ok())
            .collect()
    };
    let (Some(d), Some(t)) = (numbers(date, '-'), numbers(time, ':')) else {
        return Stamp::Other;
    };
    if d.len() != 3 || t.len() != 3 {
        return Stamp::Other;
    }
    let zone = parts
        .get(2)
        .and_then(|z| {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            let digits: i64 = z.trim_start_matches(['+', '-']).parse().ok()?;
            Some(sign * ((digits / 100) * 3600 + (digits % 100) * 60))
        })
        .unwrap_or(0);
    // Only "is it the epoch" matters, so the date need only be near it.
    let day = match (d[0], d[1], d[2]) {
        (1970, 1, 1) => 0,
        (1969, 12, 31) => -1,
        _ => return Stamp::Other,
    };
    let seconds = day * 86_400 + t[0] * 3600 + t[1] * 60 + t[2] - zone;
    let fraction_zero = !time.contains('.')
        || time
            .split('.')
            .nth(1)
            .is_some_and(|f| f.bytes().all(|b| b == b'0'));
    if seconds == 0 && fraction_zero {
        Stamp::Epoch
    } else {
        Stamp::Other
    }
}

/// A C-style quoted name (`"a/tab\there"`), as git writes unusual names;
/// returns it and the text after the closing quote.
pub(crate) fn unquote(text: &[u8]) -> Option<(Vec<u8>, &[u8])> {
    let mut out = Vec::new();
    let mut i = 1;
    while i < text.len() {
        match text[i] {
            b'"' => return Some((out, &text[i + 1..])),
            b'\\' => {
                let escaped = *text.get(i + 1)?;
                i += 2;
                out.push(match escaped {
                    b'a' => 0x07,
                    b'b' => 0x08,
                    b'f' => 0x0c,
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    b'v' => 0x0b,
                    b'0'..=b'7' => {
                        // Three octal digits; the first is `escaped`.
                        let digits = text.get(i - 1..i + 2)?;
                        i += 2;
                        let mut value: u32 = 0;
                        for d in digits {
                            if !(b'0'..=b'7').contains(d) {
                                return None;
                            }
                            value = value * 8 + u32::from(d - b'0');
                        }
                        u8::try_from(value).ok()?
                    }
                    other => other,
                });
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    None
}

/// `name` without its first `n` components, GNU patch's `-pN`: the
/// smallest prefix containing `n` slashes (a run of slashes counts once)
/// goes. `None` when the name has fewer.
pub(crate) fn strip(name: &[u8], n: usize) -> Option<Vec<u8>> {
    let mut start = 0;
    let mut seen = 0;
    let mut i = 0;
    while seen < n && i < name.len() {
        if name[i] == b'/' {
            while name.get(i + 1) == Some(&b'/') {
                i += 1;
            }
            seen += 1;
            start = i + 1;
        }
        i += 1;
    }
    (seen == n && start < name.len()).then(|| name[start..].to_vec())
}

/// Whether a stripped name stays inside the directory patched: relative,
/// without `..` components (GNU patch ignores other names too).
pub(crate) fn is_safe(name: &[u8]) -> bool {
    name.first() != Some(&b'/') && !name.split(|b| *b == b'/').any(|part| part == b"..")
}

/// GNU patch's preference among candidate names: fewest directory
/// components, then the shortest base name, then the shortest name; the
/// first on a tie (old before new before index).
pub(crate) fn best<'a>(names: impl IntoIterator<Item = &'a [u8]>) -> Option<usize> {
    let key = |name: &[u8]| {
        let trimmed = name.strip_suffix(b"/").unwrap_or(name);
        let base = trimmed.rsplit(|b| *b == b'/').next().map_or(0, <[u8]>::len);
        let components = name
            .windows(2)
            .filter(|w| w[1] == b'/' && w[0] != b'/')
            .count();
        (components, base, name.len())
    };
    names
        .into_iter()
        .enumerate()
        .min_by_key(|(i, name)| (key(name), *i))
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_lose_their_timestamps() {
        assert_eq!(
            header_name(b" bc.orig/bc/execute.c\t2017-07-26 16:59:48.547792339 -0400\n"),
            (Some(b"bc.orig/bc/execute.c".to_vec()), Stamp::Other)
        );
        assert_eq!(
            header_name(b"a/with space.c\t2020-01-01\n").0,
            Some(b"a/with space.c".to_vec())
        );
        assert_eq!(
            header_name(b"a/plain.c\n"),
            (Some(b"a/plain.c".to_vec()), Stamp::None)
        );
        assert_eq!(header_name(b"/dev/null\n"), (None, Stamp::Epoch));
        assert_eq!(
            header_name(b"\"a/tab\\there\"\n").0,
            Some(b"a/tab\there".to_vec())
        );
        assert_eq!(
            header_name(b"\"a/\\303\\251\"\n").0,
            Some("a/é".as_bytes().to_vec())
        );
        assert_eq!(
            header_name(b"x.c\t1970-01-01 01:00:00.000000000 +0100\n").1,
            Stamp::Epoch
        );
        assert_eq!(
            header_name(b"x.c\t1970-01-01 00:00:01 +0000\n").1,
            Stamp::Other
        );
    }

    #[test]
    fn strip_counts_slash_runs() {
        assert_eq!(strip(b"a/b/c", 1), Some(b"b/c".to_vec()));
        assert_eq!(strip(b"a//b/c", 2), Some(b"c".to_vec()));
        assert_eq!(strip(b"a/b/c", 0), Some(b"a/b/c".to_vec()));
        assert_eq!(strip(b"c", 1), None);
        assert_eq!(strip(b"a/", 1), None);
        assert_eq!(strip(b"/abs/x", 1), Some(b"abs/x".to_vec()));
    }

    #[test]
    fn the_best_name_has_fewest_components_then_shortest_base() {
        assert_eq!(best([&b"a/b/c.c"[..], b"c.c"]), Some(1));
        assert_eq!(best([&b"x/foo.c.orig"[..], b"x/foo.c"]), Some(1));
        assert_eq!(best([&b"x/foo.c"[..], b"y/foo.c"]), Some(0));
        assert!(!is_safe(b"../etc/passwd") && !is_safe(b"/etc/passwd") && is_safe(b"a/..b"));
    }
}
