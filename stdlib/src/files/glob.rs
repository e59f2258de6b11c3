//! `glob`: a shell pattern expanded the way bash does with `nullglob`.
//!
//! Each `/`-separated component is matched against the entries of the
//! directories the previous components matched: `*` and `?` never match a
//! `/` nor a leading `.` (unless the component starts with `.`), `[...]`
//! is a bracket expression (`[!...]`/`[^...]` negate, ranges by byte), and
//! `\` quotes the next character. Components without wildcards are taken
//! as they are, so `lib/*.so` looks in `lib` only. Results are sorted by
//! their bytes (bash in the C locale) and keep the pattern's form: a
//! relative pattern gives paths relative to `dir`.

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::{Context, Function};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GlobArgs {
    pattern: String,
    #[serde(default)]
    dir: Option<String>,
}

/// This module's functions, for the registry.
pub(super) fn functions() -> Vec<Function> {
    vec![Function::new(
        "glob",
        "{pattern: string, dir?: string}",
        &["pattern"],
        "Expands a shell glob like bash with `nullglob`: the matching paths, sorted (bytewise, as in the C locale), none when nothing matches. `*` and `?` do not match `/` or a leading `.`; `[...]` is a bracket expression; `\\` quotes a character. A pattern without wildcards gives itself when that path exists (symlinks included, even dangling ones). Relative patterns are expanded in `dir` (default: the working directory) and give paths relative to it, as bash's `*.c` gives `a.c`.",
        |cx: &Context, a: GlobArgs| {
            let base = match &a.dir {
                Some(dir) => cx.resolve(dir),
                None => cx.cwd().to_path_buf(),
            };
            let found = expand(&base, &a.pattern);
            Ok(Value::Array(found.into_iter().map(Value::String).collect()))
        },
    )]
}

/// The paths `pattern` matches below `base` (for relative patterns), sorted.
pub fn expand(base: &Path, pattern: &str) -> Vec<String> {
    let absolute = pattern.starts_with('/');
    let components: Vec<&str> = pattern.split('/').filter(|c| !c.is_empty()).collect();
    // Each candidate: (the path as the pattern writes it, the path on disk).
    let start = if absolute {
        (String::from("/"), std::path::PathBuf::from("/"))
    } else {
        (String::new(), base.to_path_buf())
    };
    let mut current = vec![start];
    for (i, component) in components.iter().enumerate() {
        let last = i + 1 == components.len();
        let mut next = Vec::new();
        for (shown, disk) in &current {
            let join = |name: &str| {
                let shown = if shown.is_empty() || shown.ends_with('/') {
                    format!("{shown}{name}")
                } else {
                    format!("{shown}/{name}")
                };
                (shown, disk.join(name))
            };
            if !has_wildcard(component) {
                let name = unquote(component);
                let (s, d) = join(&name);
                let exists = d.symlink_metadata().is_ok();
                if exists && (last || d.is_dir()) {
                    next.push((s, d));
                }
                continue;
            }
            let Ok(entries) = std::fs::read_dir(disk) else {
                continue;
            };
            let mut names: Vec<String> = entries
                .flatten()
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| matches(component.as_bytes(), n.as_bytes()))
                .collect();
            names.sort();
            for name in names {
                let (s, d) = join(&name);
                if last || d.is_dir() {
                    next.push((s, d));
                }
            }
        }
        current = next;
    }
    if components.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<String> = current
        .into_iter()
        .map(|(shown, _)| {
            if pattern.ends_with('/') {
                format!("{shown}/")
            } else {
                shown
            }
        })
        .collect();
    out.sort();
    out
}

fn has_wildcard(component: &str) -> bool {
    let bytes = component.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'*' | b'?' => return true,
            b'[' if bytes[i + 1..].contains(&b']') => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

fn unquote(component: &str) -> String {
    let mut out = String::new();
    let mut chars = component.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether `name` matches the component pattern, bash's way.
fn matches(pattern: &[u8], name: &[u8]) -> bool {
    if name.first() == Some(&b'.') && pattern.first() != Some(&b'.') {
        return false;
    }
    match_from(pattern, name)
}

fn match_from(pattern: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0, 0);
    let (mut star_p, mut star_n) = (usize::MAX, 0);
    while n < name.len() {
        if p < pattern.len() {
            match pattern[p] {
                b'*' => {
                    star_p = p;
                    star_n = n;
                    p += 1;
                    continue;
                }
                b'?' => {
                    p += 1;
                    n += 1;
                    continue;
                }
                b'[' => {
                    if let Some((matched, len)) = bracket(&pattern[p..], name[n]) {
                        if matched {
                            p += len;
                            n += 1;
                            continue;
                        }
                    } else if name[n] == b'[' {
                        p += 1;
                        n += 1;
                        continue;
                    }
                }
                b'\\' if p + 1 < pattern.len() && pattern[p + 1] == name[n] => {
                    p += 2;
                    n += 1;
                    continue;
                }
                c if c != b'\\' && c == name[n] => {
                    p += 1;
                    n += 1;
                    continue;
                }
                _ => {}
            }
        }
        if star_p == usize::MAX {
            return false;
        }
        p = star_p + 1;
        star_n += 1;
        n = star_n;
    }
    pattern[p..].iter().all(|c| *c == b'*')
}

/// A bracket expression at the start of `pattern`: whether `c` matches and
/// the expression's length, or `None` when it is not one (no `]`).
fn bracket(pattern: &[u8], c: u8) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(pattern.get(1), Some(b'!') | Some(b'^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < pattern.len() {
        let b = pattern[i];
        if b == b']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if i + 2 < pattern.len() && pattern[i + 1] == b'-' && pattern[i + 2] != b']' {
            if pattern[i] <= c && c <= pattern[i + 2] {
                matched = true;
            }
            i += 3;
        } else {
            if b == c {
                matched = true;
            }
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_like_bash() {
        assert!(matches(b"*.so", b"libx.so"));
        assert!(!matches(b"*.so", b".hidden.so"));
        assert!(matches(b".*", b".hidden"));
        assert!(matches(b"lib[a-c]?.a", b"libb1.a"));
        assert!(!matches(b"lib[!a-c]*", b"libb"));
        assert!(matches(b"a\\*b", b"a*b"));
        assert!(!matches(b"a\\*b", b"axb"));
    }

    #[test]
    fn expansion_is_sorted_relative_and_null_when_nothing_matches() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["b.txt", "a.txt", ".h.txt", "sub/c.txt", "sub/d.md"] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        assert_eq!(expand(dir.path(), "*.txt"), ["a.txt", "b.txt"]);
        assert_eq!(expand(dir.path(), "*/*.txt"), ["sub/c.txt"]);
        assert_eq!(expand(dir.path(), "sub/*"), ["sub/c.txt", "sub/d.md"]);
        assert!(expand(dir.path(), "*.none").is_empty());
        let abs = format!("{}/*.txt", dir.path().display());
        assert_eq!(expand(Path::new("/"), &abs).len(), 2);
    }
}
