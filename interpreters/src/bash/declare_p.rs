//! Reading what bash's `declare -p` prints: one `declare -FLAGS NAME=VALUE`
//! line per variable, the value quoted the way bash quotes it for reuse as
//! input (`"..."`, or `$'...'` when it holds a character that does not
//! print), arrays as `([0]="a" [1]="b")`, associative arrays with their
//! keys quoted only where they must be. One `declare -p` costs a fraction
//! of reading each variable in a bash loop, which was the bash driver's
//! main cost.
//!
//! The quoting forms are those `declare -p` produces from bash 4.4 (which
//! the driver needs for `${name@a}` anyway) through 5.3: `sh_double_quote`,
//! `ansic_quote`, `array_to_assign` and `assoc_to_assign` print the same
//! forms in all of them. The parser also accepts every escape `$'...'`
//! has, so a value reads back as the bytes bash held.

/// One variable as `declare -p` lists it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Declaration {
    /// The attribute letters (`x`, `a`, `A`, `n`, `i`, `r`, ...); empty
    /// for `declare --`.
    pub flags: String,
    pub name: String,
    /// `None` for a variable declared but never given a value (`declare
    /// -- u`), which is not set.
    pub value: Option<Value>,
}

/// A declared value: the bytes of a scalar, or an array's subscripts and
/// elements in the order bash prints them.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    Scalar(Vec<u8>),
    List(Vec<Element>),
}

/// An array element: its subscript (an index, or an associative array's
/// key) and its value.
pub(super) type Element = (Vec<u8>, Vec<u8>);

/// Parses a whole `declare -p` listing.
pub(super) fn parse(text: &[u8]) -> Result<Vec<Declaration>, String> {
    let mut cursor = Cursor { text, at: 0 };
    let mut declarations = Vec::new();
    while !cursor.at_end() {
        if cursor.eat(b"\n") {
            continue;
        }
        declarations.push(cursor.declaration()?);
    }
    Ok(declarations)
}

struct Cursor<'a> {
    text: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn at_end(&self) -> bool {
        self.at >= self.text.len()
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn eat(&mut self, expected: &[u8]) -> bool {
        let found = self.text[self.at..].starts_with(expected);
        if found {
            self.at += expected.len();
        }
        found
    }

    fn error(&self, what: &str) -> String {
        let line = 1 + self.text[..self.at.min(self.text.len())]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        format!("the shell's variable listing (`declare -p`) has {what} on line {line}")
    }

    /// `declare -FLAGS NAME[=VALUE]` up to the end of its line.
    fn declaration(&mut self) -> Result<Declaration, String> {
        if !self.eat(b"declare -") {
            return Err(self.error("a line that is not a declaration"));
        }
        let flags = self.take_while(|b| b != b' ');
        let flags = if flags == b"-" { &[][..] } else { flags };
        if !flags.iter().all(u8::is_ascii_alphabetic) || !self.eat(b" ") {
            return Err(self.error("a declaration with bad attributes"));
        }
        let flags = String::from_utf8_lossy(flags).into_owned();
        let name = self.take_while(|b| b != b'=' && b != b'\n');
        if name.is_empty() {
            return Err(self.error("a declaration without a name"));
        }
        let name = String::from_utf8_lossy(name).into_owned();
        let value = if self.eat(b"=") {
            Some(if self.peek() == Some(b'(') {
                Value::List(self.list()?)
            } else {
                Value::Scalar(self.word(b"\n")?)
            })
        } else {
            None
        };
        if !self.at_end() && !self.eat(b"\n") {
            return Err(self.error("something after a declaration's value"));
        }
        Ok(Declaration { flags, name, value })
    }

    /// `([k]=v [k]=v ...)`, with or without a space before the `)`.
    fn list(&mut self) -> Result<Vec<Element>, String> {
        self.at += 1;
        let mut items = Vec::new();
        loop {
            while self.eat(b" ") {}
            if self.eat(b")") {
                return Ok(items);
            }
            if !self.eat(b"[") {
                return Err(self.error("an array element without a `[subscript]`"));
            }
            let key = self.word(b"]")?;
            if !self.eat(b"]=") {
                return Err(self.error("an array subscript without `]=`"));
            }
            let value = self.word(b" )")?;
            items.push((key, value));
        }
    }

    /// One word: double-quoted, `$'...'`-quoted, or bare up to one of
    /// `stops` (or the end of the line).
    fn word(&mut self, stops: &[u8]) -> Result<Vec<u8>, String> {
        if self.eat(b"\"") {
            return self.double_quoted();
        }
        if self.eat(b"$'") {
            return self.ansi_c_quoted();
        }
        Ok(self
            .take_while(|b| b != b'\n' && !stops.contains(&b))
            .to_vec())
    }

    fn take_while(&mut self, keep: impl Fn(u8) -> bool) -> &'a [u8] {
        let start = self.at;
        while self.peek().is_some_and(&keep) {
            self.at += 1;
        }
        &self.text[start..self.at]
    }

    /// The rest of a `"..."` word: a backslash escapes only `$`, `` ` ``,
    /// `"`, `\` and a newline (which it removes), as in bash.
    fn double_quoted(&mut self) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return Err(self.error("a `\"` that is never closed")),
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.at += 1;
                    match self.peek() {
                        Some(b'\n') => self.at += 1,
                        Some(c @ (b'$' | b'`' | b'"' | b'\\')) => {
                            out.push(c);
                            self.at += 1;
                        }
                        _ => out.push(b'\\'),
                    }
                }
                Some(c) => {
                    out.push(c);
                    self.at += 1;
                }
            }
        }
    }

    /// The rest of a `$'...'` word, with every escape bash gives it.
    fn ansi_c_quoted(&mut self) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error("a `$'` that is never closed"));
            };
            self.at += 1;
            match c {
                b'\'' => return Ok(out),
                b'\\' => self.escape(&mut out)?,
                c => out.push(c),
            }
        }
    }

    /// One escape of `$'...'`, after its backslash.
    fn escape(&mut self, out: &mut Vec<u8>) -> Result<(), String> {
        let Some(c) = self.peek() else {
            return Err(self.error("a `$'` that is never closed"));
        };
        self.at += 1;
        let simple = match c {
            b'a' => Some(0x07),
            b'b' => Some(0x08),
            b'e' | b'E' => Some(0x1b),
            b'f' => Some(0x0c),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'v' => Some(0x0b),
            b'\\' | b'\'' | b'"' | b'?' => Some(c),
            _ => None,
        };
        if let Some(byte) = simple {
            out.push(byte);
            return Ok(());
        }
        match c {
            b'0'..=b'7' => {
                let mut value = u32::from(c - b'0');
                for _ in 0..2 {
                    match self.peek() {
                        Some(d @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(d - b'0');
                            self.at += 1;
                        }
                        _ => break,
                    }
                }
                // bash keeps the low eight bits of `\400` and above.
                out.push((value & 0xff) as u8);
            }
            b'x' => match self.hex_digits(2) {
                Some(value) => out.push(value as u8),
                None => out.extend_from_slice(b"\\x"),
            },
            b'u' | b'U' => {
                let most = if c == b'u' { 4 } else { 8 };
                match self.hex_digits(most) {
                    Some(value) => {
                        let ch = char::from_u32(value).unwrap_or(char::REPLACEMENT_CHARACTER);
                        out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
                    }
                    None => out.extend_from_slice(&[b'\\', c]),
                }
            }
            b'c' => match self.peek() {
                Some(d) => {
                    self.at += 1;
                    out.push(d.to_ascii_uppercase() & 0x1f);
                }
                None => return Err(self.error("a `$'` that is never closed")),
            },
            _ => out.extend_from_slice(&[b'\\', c]),
        }
        Ok(())
    }

    /// Up to `most` hex digits as a number; `None` when there is none.
    fn hex_digits(&mut self, most: usize) -> Option<u32> {
        let digits = self.text[self.at..]
            .iter()
            .take(most)
            .take_while(|b| b.is_ascii_hexdigit())
            .count();
        if digits == 0 {
            return None;
        }
        let text = std::str::from_utf8(&self.text[self.at..self.at + digits]).ok()?;
        self.at += digits;
        u32::from_str_radix(text, 16).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(text: &str) -> Vec<u8> {
        match parse(text.as_bytes()).unwrap().remove(0).value {
            Some(Value::Scalar(bytes)) => bytes,
            other => panic!("not a scalar: {other:?}"),
        }
    }

    #[test]
    fn reads_every_form_bash_prints() {
        let listing = "declare -- u\n\
                       declare -x e=\"1\"\n\
                       declare -- d=\"q\\\"\\$\\`\\\\!x\"\n\
                       declare -- s=$'a\\nb\\tc\\001\\177\u{e9}\\377'\n\
                       declare -a arr=([0]=\"x\" [5]=\"y z\" [7]=$'n\\nl')\n\
                       declare -A h=([\"q\\\"\"]=\"4\" [$'nl\\n']=\"3\" [a=b]=\"6\" [plain]=\"1\" )\n\
                       declare -a empty=()\n";
        let parsed = parse(listing.as_bytes()).unwrap();
        let names: Vec<_> = parsed.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["u", "e", "d", "s", "arr", "h", "empty"]);
        assert_eq!(parsed[0].value, None);
        assert_eq!(parsed[1].flags, "x");
        assert_eq!(parsed[2].flags, "");
        assert_eq!(parsed[2].value, Some(Value::Scalar(b"q\"$`\\!x".to_vec())));
        assert_eq!(
            parsed[3].value,
            Some(Value::Scalar(b"a\nb\tc\x01\x7f\xc3\xa9\xff".to_vec()))
        );
        let list = |items: &[(&str, &str)]| {
            Some(Value::List(
                items
                    .iter()
                    .map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec()))
                    .collect(),
            ))
        };
        assert_eq!(
            parsed[4].value,
            list(&[("0", "x"), ("5", "y z"), ("7", "n\nl")])
        );
        assert_eq!(
            parsed[5].value,
            list(&[("q\"", "4"), ("nl\n", "3"), ("a=b", "6"), ("plain", "1")])
        );
        assert_eq!(parsed[6].value, list(&[]));
    }

    #[test]
    fn reads_every_escape_of_dollar_quotes() {
        assert_eq!(
            scalar(r#"declare -- v=$'\a\b\e\E\f\n\r\t\v\\\'\"\?'"#),
            b"\x07\x08\x1b\x1b\x0c\n\r\t\x0b\\'\"?"
        );
        assert_eq!(scalar(r"declare -- v=$'\x41\x4g\u00e9\U0001F600\cA\q'"), {
            let mut v = b"A\x04g\xc3\xa9".to_vec();
            v.extend_from_slice("\u{1F600}".as_bytes());
            v.extend_from_slice(b"\x01\\q");
            v
        });
        assert_eq!(scalar(r"declare -- v=$'\101\1012\60'"), b"AA20");
    }

    #[test]
    fn says_where_a_listing_is_broken() {
        for (listing, what) in [
            ("declare -- v=\"open\n", "never closed"),
            ("declare -x v=$'open", "never closed"),
            ("export v=1\n", "not a declaration"),
            ("declare -- v=\"a\"b\n", "after a declaration's value"),
            ("declare -a v=(x)\n", "without a `[subscript]`"),
            ("declare -a v=([0\n", "without `]=`"),
            ("declare -- \n", "without a name"),
            ("declare -% v\n", "bad attributes"),
        ] {
            let error = parse(listing.as_bytes()).unwrap_err();
            assert!(error.contains(what), "{listing:?}: {error}");
        }
        let error = parse(b"declare -- a=\"1\"\ndeclare -- b=\"x").unwrap_err();
        assert!(error.ends_with("on line 2"), "{error}");
    }
}
