//! Nix expression syntax for the values `phaser split` writes: JSON values,
//! files Nix must copy into the store, and references to other
//! derivations' outputs.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// A Nix value as `phaser split` writes it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Nix {
    /// A JSON scalar (null, bool, number, string).
    Scalar(Value),
    /// A local file or directory: `"${/abs/path}"`, so Nix copies it into
    /// the store and the derivation depends on its contents.
    Path(PathBuf),
    /// An expression written as is (e.g. `"${phases.unpack.out}"`).
    Expr(String),
    /// A list.
    List(Vec<Nix>),
    /// An attribute set, in the order given.
    Attrs(Vec<(String, Nix)>),
}

impl Nix {
    /// The JSON value as Nix (objects keep their key order).
    pub(crate) fn from_json(value: &Value) -> Nix {
        match value {
            Value::Array(items) => Nix::List(items.iter().map(Nix::from_json).collect()),
            Value::Object(map) => Nix::Attrs(
                map.iter()
                    .map(|(k, v)| (k.clone(), Nix::from_json(v)))
                    .collect(),
            ),
            scalar => Nix::Scalar(scalar.clone()),
        }
    }

    /// A string.
    pub(crate) fn string(text: &str) -> Nix {
        Nix::Scalar(Value::String(text.to_string()))
    }

    /// Writes the value at indentation `indent` (spaces).
    pub(crate) fn write(&self, out: &mut String, indent: usize) {
        match self {
            Nix::Scalar(Value::Null) => out.push_str("null"),
            Nix::Scalar(Value::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
            Nix::Scalar(Value::Number(n)) => out.push_str(&n.to_string()),
            Nix::Scalar(Value::String(s)) => out.push_str(&string_literal(s)),
            Nix::Scalar(other) => Nix::from_json(other).write(out, indent),
            Nix::Path(path) => {
                let _ = write!(out, "\"${{{}}}\"", path_expr(path));
            }
            Nix::Expr(expr) => out.push_str(expr),
            Nix::List(items) if items.is_empty() => out.push_str("[ ]"),
            Nix::List(items) => {
                let mut line = String::from("[");
                for item in items.iter().take_while(|i| i.is_short_scalar()) {
                    line.push(' ');
                    item.write(&mut line, indent);
                }
                line.push_str(" ]");
                // Lists of scalars stay on one line however long, like flags.
                if items.iter().all(|i| matches!(i, Nix::Scalar(_)))
                    || (items.iter().all(Nix::is_short_scalar) && line.len() <= INLINE_WIDTH)
                {
                    out.push_str(&line);
                    return;
                }
                out.push_str("[\n");
                for item in items {
                    pad(out, indent + 2);
                    item.write(out, indent + 2);
                    out.push('\n');
                }
                pad(out, indent);
                out.push(']');
            }
            Nix::Attrs(attrs) if attrs.is_empty() => out.push_str("{ }"),
            Nix::Attrs(attrs) if attrs.iter().all(|(_, v)| v.is_short_scalar()) => {
                let mut line = String::from("{");
                for (key, value) in attrs {
                    line.push(' ');
                    line.push_str(&attr_name(key));
                    line.push_str(" = ");
                    value.write(&mut line, indent);
                    line.push(';');
                }
                line.push_str(" }");
                if line.len() <= INLINE_WIDTH {
                    out.push_str(&line);
                } else {
                    Nix::write_block(attrs, out, indent);
                }
            }
            Nix::Attrs(attrs) => Nix::write_block(attrs, out, indent),
        }
    }

    /// An attribute set, one attribute a line.
    fn write_block(attrs: &[(String, Nix)], out: &mut String, indent: usize) {
        out.push_str("{\n");
        for (key, value) in attrs {
            pad(out, indent + 2);
            out.push_str(&attr_name(key));
            out.push_str(" = ");
            value.write(out, indent + 2);
            out.push_str(";\n");
        }
        pad(out, indent);
        out.push('}');
    }

    /// A value written on one line (strings escape their newlines).
    fn is_short_scalar(&self) -> bool {
        !matches!(self, Nix::List(_) | Nix::Attrs(_))
    }
}

/// Attribute sets of scalars up to this width are written on one line.
const INLINE_WIDTH: usize = 72;

fn pad(out: &mut String, indent: usize) {
    out.push_str(&" ".repeat(indent));
}

/// A double-quoted Nix string with the same bytes as `text`: `\`, `"` and
/// the `${` that would start an interpolation are escaped.
pub(crate) fn string_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

const KEYWORDS: &[&str] = &[
    "if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or",
];

/// An attribute name: bare when Nix's grammar allows it, else quoted.
pub(crate) fn attr_name(name: &str) -> String {
    let mut chars = name.chars();
    let bare = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || "_'-".contains(c))
        && !KEYWORDS.contains(&name);
    if bare {
        name.to_string()
    } else {
        string_literal(name)
    }
}

/// A Nix expression for the absolute path `path`: a path literal when its
/// characters allow one, else `/. + "/..."`; a path already in the Nix
/// store is taken as it is (`builtins.storePath`), not copied again.
pub(crate) fn path_expr(path: &Path) -> String {
    let text = path.display().to_string();
    if text.starts_with("/nix/store/") {
        let top: String = text.split('/').take(4).collect::<Vec<_>>().join("/");
        let rest = &text[top.len()..];
        return format!(
            "builtins.storePath {}{}",
            string_literal(&top),
            if rest.is_empty() {
                String::new()
            } else {
                format!(" + {}", string_literal(rest))
            }
        );
    }
    let literal_ok = text.len() > 1
        && text.starts_with('/')
        && text[1..].split('/').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-+".contains(c))
        });
    if literal_ok {
        text
    } else {
        format!("/. + {}", string_literal(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(value: &Nix) -> String {
        let mut out = String::new();
        value.write(&mut out, 0);
        out
    }

    #[test]
    fn strings_escape_what_nix_would_interpret() {
        assert_eq!(
            string_literal("echo \"${out}\" $HOME \\n\n\t"),
            r#""echo \"\${out}\" $HOME \\n\n\t""#
        );
    }

    #[test]
    fn names_are_quoted_only_when_needed() {
        assert_eq!(attr_name("configureFlags"), "configureFlags");
        assert_eq!(attr_name("__structuredAttrs"), "__structuredAttrs");
        assert_eq!(attr_name("lib-dev"), "lib-dev");
        assert_eq!(attr_name("in"), "\"in\"");
        assert_eq!(attr_name("a.b"), "\"a.b\"");
        assert_eq!(attr_name("1st"), "\"1st\"");
    }

    #[test]
    fn paths_become_store_copies() {
        assert_eq!(
            path_expr(Path::new("/src/hello-2.10.tar.gz")),
            "/src/hello-2.10.tar.gz"
        );
        assert_eq!(path_expr(Path::new("/my src/x")), "/. + \"/my src/x\"");
        assert_eq!(
            path_expr(Path::new("/nix/store/abc-foo/bar")),
            "builtins.storePath \"/nix/store/abc-foo\" + \"/bar\""
        );
    }

    #[test]
    fn json_renders_as_nix() {
        let value = Nix::from_json(&json!({
            "flags": ["--a", "--b"],
            "doCheck": true,
            "n": 2,
            "nothing": null,
            "env": {"PATH": "/usr/bin"},
            "empty": {}
        }));
        assert_eq!(
            render(&value),
            "{\n  flags = [ \"--a\" \"--b\" ];\n  doCheck = true;\n  n = 2;\n  nothing = null;\n  env = { PATH = \"/usr/bin\"; };\n  empty = { };\n}"
        );
    }
}
