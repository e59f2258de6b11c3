//! `@FILE` arguments (GCC's and ld's response files) read for the
//! wrapper's own look at the command line; the tool still gets `@FILE`.

use std::ffi::OsString;

/// How deep `@FILE` inside a response file is followed.
const MAX_DEPTH: usize = 10;

/// `args` as text, each `@FILE` replaced by the arguments in FILE (an
/// unreadable one stays as it is, as GCC keeps it).
pub(super) fn expand(args: &[OsString]) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    for arg in args {
        push(&arg.to_string_lossy(), 0, &mut out);
    }
    out
}

fn push(arg: &str, depth: usize, out: &mut Vec<String>) {
    if let Some(file) = arg.strip_prefix('@').filter(|_| depth < MAX_DEPTH) {
        if let Ok(text) = std::fs::read_to_string(file) {
            for word in split(&text) {
                push(&word, depth + 1, out);
            }
            return;
        }
    }
    out.push(arg.to_string());
}

/// libiberty's `buildargv`: words separated by white space, with `'...'`,
/// `"..."` and backslash escapes.
fn split(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (_, '\\') => {
                if let Some(next) = chars.next() {
                    word.push(next);
                }
                in_word = true;
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(
            split("-L/a 'b c' \"d\\\"e\" f\\ g\n"),
            vec!["-L/a", "b c", "d\"e", "f g"]
        );
    }

    #[test]
    fn files_are_read_and_nested() {
        let dir = tempfile::tempdir().unwrap();
        let inner = dir.path().join("inner");
        std::fs::write(&inner, "-lz").unwrap();
        let outer = dir.path().join("outer");
        std::fs::write(&outer, format!("-L/x @{}", inner.display())).unwrap();
        let args = [
            OsString::from("-c"),
            OsString::from(format!("@{}", outer.display())),
            OsString::from("@missing"),
        ];
        assert_eq!(expand(&args), vec!["-c", "-L/x", "-lz", "@missing"]);
    }
}
