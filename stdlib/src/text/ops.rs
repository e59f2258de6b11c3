//! The operations of `substitute`, their two spellings (a JSON list and
//! stdenv's flags) and applying them to bytes.

use std::io::{self, Write};
use std::path::Path;

use memchr::memmem;
use serde::Deserialize;

use crate::{Context, Error, Result};

/// One substitution, applied to the result of the previous one.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Op {
    /// `--replace-fail A B`: replace every A by B; no A is an error.
    ReplaceFail(String, String),
    /// `--replace-warn A B`: the same, but no A is a warning.
    ReplaceWarn(String, String),
    /// `--replace-quiet A B`: the same, silently.
    ReplaceQuiet(String, String),
    /// `--replace A B`: deprecated in stdenv; acts as `--replace-warn`.
    Replace(String, String),
    /// `--subst-var NAME`: `@NAME@` becomes the variable's value.
    SubstVar(String),
    /// `--subst-var-by NAME VALUE`: `@NAME@` becomes VALUE.
    SubstVarBy(String, String),
}

/// Parses stdenv's option list (`--replace-fail a b --subst-var out`).
pub fn parse_flags(args: &[String]) -> Result<Vec<Op>> {
    let mut ops = Vec::new();
    let mut rest = args;
    while let Some((flag, after)) = rest.split_first() {
        let (arity, usage) = match flag.as_str() {
            "--replace-fail" | "--replace-warn" | "--replace-quiet" | "--replace" => {
                (2, "PATTERN REPLACEMENT")
            }
            "--subst-var" => (1, "NAME"),
            "--subst-var-by" => (2, "NAME VALUE"),
            _ => {
                return Err(Error::msg(format!(
                    "substitute: Invalid command line argument: {flag} (the options are \
                     --replace-fail, --replace-warn, --replace-quiet, --replace, --subst-var \
                     and --subst-var-by; with substituteInPlace, files come before options)"
                )))
            }
        };
        if after.len() < arity {
            return Err(Error::msg(format!(
                "substitute: {flag} needs {arity} argument(s): {flag} {usage}"
            )));
        }
        let (a, b) = (after[0].clone(), after.get(1).cloned().unwrap_or_default());
        ops.push(match flag.as_str() {
            "--replace-fail" => Op::ReplaceFail(a, b),
            "--replace-warn" => Op::ReplaceWarn(a, b),
            "--replace-quiet" => Op::ReplaceQuiet(a, b),
            "--replace" => Op::Replace(a, b),
            "--subst-var" => Op::SubstVar(a),
            _ => Op::SubstVarBy(a, b),
        });
        rest = &after[arity..];
    }
    Ok(ops)
}

/// What to do when a pattern does not occur.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Absent {
    Fail,
    Warn,
    Quiet,
}

/// The result of applying operations: the content with every replacement
/// made except the last one that matched, which [`Substituted::write_to`]
/// makes while writing, so the final output never has to be held in memory
/// next to its input.
#[derive(Debug)]
pub struct Substituted {
    content: Vec<u8>,
    last: Option<(Vec<u8>, Vec<u8>)>,
}

impl Substituted {
    /// Writes the result to `out`.
    pub fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        let Some((pattern, replacement)) = &self.last else {
            return out.write_all(&self.content);
        };
        let mut last = 0;
        for at in memmem::find_iter(&self.content, pattern) {
            out.write_all(&self.content[last..at])?;
            out.write_all(replacement)?;
            last = at + pattern.len();
        }
        out.write_all(&self.content[last..])
    }
}

/// What a substitution's messages name: the derivation (stdenv's `$name`)
/// and the file as the caller wrote it.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// The derivation's name, when the caller knows it (bash's `$name`).
    pub derivation: Option<&'a str>,
    /// The file, as given.
    pub file: &'a Path,
}

impl Subject<'_> {
    /// The start of a message, as stdenv's substituteStream words it.
    fn prefix(&self) -> String {
        match self.derivation {
            Some(name) => format!("substituteStream() in derivation {name}:"),
            None => String::from("substitute:"),
        }
    }
}

/// Applies `ops` in order to `content`, the content of the file `subject`
/// names, each to the result of the previous. Each step makes at most one
/// new buffer and drops the old one, and the last is left to
/// [`Substituted::write_to`], so memory peaks at twice the file at most.
/// Messages are stdenv's substituteStream's, word for word.
pub fn apply(
    cx: &Context,
    mut content: Vec<u8>,
    ops: &[Op],
    subject: Subject<'_>,
) -> Result<Substituted> {
    let prefix = subject.prefix();
    let file = subject.file.display();
    let mut warned_deprecated = false;
    let mut pending: Option<(Vec<u8>, Vec<u8>)> = None;
    for op in ops {
        let (pattern, replacement, absent) = match op {
            Op::ReplaceFail(a, b) => (a.clone(), b.as_str(), Absent::Fail),
            Op::ReplaceWarn(a, b) => (a.clone(), b.as_str(), Absent::Warn),
            Op::ReplaceQuiet(a, b) => (a.clone(), b.as_str(), Absent::Quiet),
            Op::Replace(a, b) => {
                if !warned_deprecated {
                    cx.warn(format!(
                        "{prefix} WARNING: '--replace' is deprecated, use \
                         --replace-{{fail,warn,quiet}}. (file '{file}')"
                    ));
                    warned_deprecated = true;
                }
                (a.clone(), b.as_str(), Absent::Warn)
            }
            Op::SubstVar(name) => {
                if !is_bash_name(name) {
                    return Err(Error::msg(format!(
                        "{prefix} ERROR: substitution variables must be valid Bash names, \
                         \"{name}\" isn't."
                    )));
                }
                let value = cx.var(name).ok_or_else(|| {
                    Error::msg(format!(
                        "{prefix} ERROR: variable ${name} is unset (--subst-var {name} on file \
                         '{file}'; set it in the phase's environment or use substVarBy)"
                    ))
                })?;
                (format!("@{name}@"), value, Absent::Quiet)
            }
            Op::SubstVarBy(name, value) => (format!("@{name}@"), value.as_str(), Absent::Quiet),
        };
        if let Some((pattern, replacement)) = pending.take() {
            content = replace_all(content, &pattern, &replacement).0;
        }
        // An empty pattern "occurs" everywhere for bash and replaces nothing.
        if pattern.is_empty() {
            continue;
        }
        if memmem::find(&content, pattern.as_bytes()).is_some() {
            pending = Some((pattern.into_bytes(), replacement.as_bytes().to_vec()));
            continue;
        }
        let what = format!(
            "pattern {} doesn't match anything in file '{file}'",
            printf_q(&pattern)
        );
        match absent {
            Absent::Fail => {
                return Err(Error::msg(format!(
                    "{prefix} ERROR: {what} (--replace-fail: fix the pattern, or use \
                     --replace-warn/--replace-quiet if it may legitimately be absent)"
                )))
            }
            Absent::Warn => cx.warn(format!("{prefix} WARNING: {what}")),
            Absent::Quiet => {}
        }
    }
    Ok(Substituted {
        content,
        last: pending,
    })
}

/// A word quoted as bash's `printf %q` quotes it (how stdenv's messages
/// show a pattern): `''` for nothing, `$'...'` when it holds control
/// characters, else a backslash before each character the shell would
/// read specially (`#` and `~` only at the start).
pub fn printf_q(word: &str) -> String {
    if word.is_empty() {
        return String::from("''");
    }
    if word.chars().any(|c| c.is_control()) {
        let mut out = String::from("$'");
        for c in word.chars() {
            match c {
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                '\x07' => out.push_str("\\a"),
                '\x08' => out.push_str("\\b"),
                '\x1b' => out.push_str("\\E"),
                '\x0c' => out.push_str("\\f"),
                '\x0b' => out.push_str("\\v"),
                '\\' => out.push_str("\\\\"),
                '\'' => out.push_str("\\'"),
                c if c.is_control() => out.push_str(&format!("\\{:03o}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('\'');
        return out;
    }
    let mut out = String::with_capacity(word.len());
    for (i, c) in word.chars().enumerate() {
        let special = " !\"$&'()*,;<>?[\\]^`{|}".contains(c) || (i == 0 && (c == '#' || c == '~'));
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `^[a-zA-Z_][a-zA-Z0-9_]*$`, the names stdenv's `--subst-var` accepts.
fn is_bash_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Replaces every non-overlapping occurrence of `pattern`, left to right
/// (bash's `${var//pattern/replacement}`), returning the count. Counts
/// first so the output is allocated once at its exact size; equal lengths
/// are replaced in place.
pub fn replace_all(mut input: Vec<u8>, pattern: &[u8], replacement: &[u8]) -> (Vec<u8>, usize) {
    if pattern.is_empty() {
        return (input, 0);
    }
    let finder = memmem::Finder::new(pattern);
    let count = finder.find_iter(&input).count();
    if count == 0 {
        return (input, 0);
    }
    if pattern.len() == replacement.len() {
        let mut from = 0;
        while let Some(at) = finder.find(&input[from..]) {
            let start = from + at;
            input[start..start + pattern.len()].copy_from_slice(replacement);
            from = start + pattern.len();
        }
        return (input, count);
    }
    let size = input.len() - count * pattern.len() + count * replacement.len();
    let mut out = Vec::with_capacity(size);
    let mut last = 0;
    for at in finder.find_iter(&input) {
        out.extend_from_slice(&input[last..at]);
        out.extend_from_slice(replacement);
        last = at + pattern.len();
    }
    out.extend_from_slice(&input[last..]);
    (out, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replace(input: &[u8], pattern: &str, replacement: &str) -> (Vec<u8>, usize) {
        replace_all(input.to_vec(), pattern.as_bytes(), replacement.as_bytes())
    }

    #[test]
    fn patterns_are_quoted_as_printf_q() {
        assert_eq!(printf_q("xyz"), "xyz");
        assert_eq!(printf_q("a b"), "a\\ b");
        assert_eq!(printf_q("#x~y"), "\\#x~y");
        assert_eq!(printf_q("a,b=c"), "a\\,b=c");
        assert_eq!(printf_q("a\nb"), "$'a\\nb'");
        assert_eq!(printf_q(""), "''");
    }

    #[test]
    fn replaces_left_to_right_without_overlap() {
        assert_eq!(replace(b"aaaa", "aa", "b"), (b"bb".to_vec(), 2));
        assert_eq!(replace(b"aaa", "aa", "xyz"), (b"xyza".to_vec(), 1));
        assert_eq!(replace(b"abcabc", "bc", "Q"), (b"aQaQ".to_vec(), 2));
        assert_eq!(replace(b"abab", "ab", "ba"), (b"baba".to_vec(), 2));
        assert_eq!(replace(b"x", "", "y"), (b"x".to_vec(), 0));
        assert_eq!(replace(b"abc", "abc", ""), (b"".to_vec(), 1));
    }

    fn run(content: &str, ops: &[Op]) -> Result<String> {
        let cx = Context::new("/");
        let subject = Subject {
            derivation: Some("pkg-1"),
            file: Path::new("f"),
        };
        let result = apply(&cx, content.as_bytes().to_vec(), ops, subject)?;
        let mut out = Vec::new();
        result.write_to(&mut out).unwrap();
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn each_operation_sees_the_previous_result() {
        let quiet = |a: &str, b: &str| Op::ReplaceQuiet(a.into(), b.into());
        let fail = |a: &str, b: &str| Op::ReplaceFail(a.into(), b.into());
        assert_eq!(
            run("ab", &[quiet("a", "b"), quiet("b", "c")]).unwrap(),
            "cc"
        );
        assert_eq!(
            run("x", &[quiet("x", "yz"), fail("yz", "ok")]).unwrap(),
            "ok"
        );
        assert_eq!(
            run("ab", &[quiet("a", "A"), quiet("none", "")]).unwrap(),
            "Ab"
        );
        assert_eq!(
            run("ab", &[quiet("none", ""), quiet("b", "B")]).unwrap(),
            "aB"
        );
        assert_eq!(
            run(
                "aXa",
                &[quiet("a", "@v@"), Op::SubstVarBy("v".into(), "1".into())]
            )
            .unwrap(),
            "1X1"
        );
        let err = run("ab", &[quiet("a", "c"), fail("a", "d")]).unwrap_err();
        assert!(
            err.to_string()
                .contains("pattern a doesn't match anything in file 'f'"),
            "{err}"
        );
    }

    #[test]
    fn flags_parse_in_order() {
        let args: Vec<String> = [
            "--replace-fail",
            "a",
            "b",
            "--subst-var",
            "out",
            "--subst-var-by",
            "x",
            "y",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            parse_flags(&args).unwrap(),
            vec![
                Op::ReplaceFail("a".into(), "b".into()),
                Op::SubstVar("out".into()),
                Op::SubstVarBy("x".into(), "y".into()),
            ]
        );
    }

    #[test]
    fn unknown_flags_and_missing_arguments_are_errors() {
        let err = parse_flags(&["--replace-all".into(), "a".into()]).unwrap_err();
        assert!(
            err.to_string()
                .contains("Invalid command line argument: --replace-all"),
            "{err}"
        );
        let err = parse_flags(&["--replace-fail".into(), "a".into()]).unwrap_err();
        assert!(err.to_string().contains("--replace-fail needs 2"), "{err}");
    }

    #[test]
    fn bash_names() {
        assert!(is_bash_name("out"));
        assert!(is_bash_name("_a1"));
        assert!(!is_bash_name("1a"));
        assert!(!is_bash_name("a-b"));
        assert!(!is_bash_name(""));
    }
}
