//! File names in patch headers: reading them (quoting, timestamps),
//! stripping `-pN` components, and GNU patch's choice among several.

/// A `---`/`+++`/`***`/`Index:` header: the name (`None` for
/// `/dev/null` or no name) and the text after it, where diff writes a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    pub name: Option<Vec<u8>>,
    /// The name was `/dev/null`: the file does not exist on this side.
    pub dev_null: bool,
    /// What follows the name, without the final newline (a CR stays:
    /// GNU patch reads it as a date too).
    pub date: String,
}

/// Reads a header's name and date.
pub(crate) fn header_name(rest: &[u8]) -> Header {
    let rest = rest.trim_ascii_start();
    let rest = rest.strip_suffix(b"\n").unwrap_or(rest);
    let (name, tail) = if rest.first() == Some(&b'"') {
        match unquote(rest) {
            Some((name, tail)) => (name, tail),
            None => (Vec::new(), &b""[..]),
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
    let date = String::from_utf8_lossy(tail).into_owned();
    let dev_null = name == b"/dev/null";
    Header {
        name: (!name.is_empty() && !dev_null).then_some(name),
        dev_null,
        date,
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
/// goes. `None` when the name has fewer. Without `n` (no `-p`), only the
/// base name is kept.
pub(crate) fn strip(name: &[u8], n: Option<usize>) -> Option<Vec<u8>> {
    let Some(n) = n else {
        let start = name.iter().rposition(|b| *b == b'/').map_or(0, |at| at + 1);
        return (start < name.len()).then(|| name[start..].to_vec());
    };
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
    fn header_names_are_split_from_their_dates() {
        let h = header_name(b" bc.orig/bc/execute.c\t2017-07-26 16:59:48.547792339 -0400\n");
        assert_eq!(h.name, Some(b"bc.orig/bc/execute.c".to_vec()));
        assert_eq!(h.date.trim(), "2017-07-26 16:59:48.547792339 -0400");
        assert_eq!(
            header_name(b"a/with space.c\t2020-01-01\n").name,
            Some(b"a/with space.c".to_vec())
        );
        assert_eq!(
            header_name(b"a/crlf.c\r\n").date,
            "\r",
            "a CR is text after the name"
        );
        let plain = header_name(b"a/plain.c\n");
        assert_eq!(
            (plain.name, plain.date),
            (Some(b"a/plain.c".to_vec()), String::new())
        );
        let null = header_name(b"/dev/null\n");
        assert!(null.name.is_none() && null.dev_null);
        assert_eq!(
            header_name(b"\"a/tab\\there\"\n").name,
            Some(b"a/tab\there".to_vec())
        );
        assert_eq!(
            header_name(b"\"a/\\303\\251\"\n").name,
            Some("a/\u{e9}".as_bytes().to_vec())
        );
    }

    #[test]
    fn strip_counts_slash_runs() {
        assert_eq!(strip(b"a/b/c", Some(1)), Some(b"b/c".to_vec()));
        assert_eq!(strip(b"a//b/c", Some(2)), Some(b"c".to_vec()));
        assert_eq!(strip(b"a/b/c", Some(0)), Some(b"a/b/c".to_vec()));
        assert_eq!(strip(b"c", Some(1)), None);
        assert_eq!(strip(b"a/", Some(1)), None);
        assert_eq!(strip(b"/abs/x", Some(1)), Some(b"abs/x".to_vec()));
        assert_eq!(strip(b"a//b/c.c", None), Some(b"c.c".to_vec()));
        assert_eq!(strip(b"a/b/", None), None);
    }

    #[test]
    fn the_best_name_has_fewest_components_then_shortest_base() {
        assert_eq!(best([&b"a/b/c.c"[..], b"c.c"]), Some(1));
        assert_eq!(best([&b"x/foo.c.orig"[..], b"x/foo.c"]), Some(1));
        assert_eq!(best([&b"x/foo.c"[..], b"y/foo.c"]), Some(0));
        assert!(!is_safe(b"../etc/passwd") && !is_safe(b"/etc/passwd") && is_safe(b"a/..b"));
    }
}
