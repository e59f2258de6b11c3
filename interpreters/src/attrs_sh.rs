//! The `.attrs.sh` Nix writes for a derivation with `__structuredAttrs =
//! true`: every attribute bash can hold, as a `declare` line. Bash phases
//! start from the same declarations, and the runner writes the file itself
//! outside Nix (stdenv's tests read it).

use serde_json::Value;

/// The `.attrs.sh` for `attrs`: one `declare` line per attribute with a
/// valid shell name that Nix can show (see [`declaration`]).
pub fn structured_attrs_shell(attrs: &serde_json::Map<String, Value>) -> String {
    let mut out = String::new();
    for (name, value) in attrs {
        if is_shell_name(name) {
            if let Some(line) = declaration(name, value) {
                out.push_str(&line);
                out.push('\n');
            }
        }
    }
    out
}

/// Whether `name` is a valid bash variable name (`[A-Za-z_][A-Za-z0-9_]*`).
pub(crate) fn is_shell_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// How a simple JSON value looks in bash, as Nix's `.attrs.sh` writes it:
/// strings as they are, whole numbers in decimal (`2.0` too), `true` as
/// `1`, `false` and `null` as the empty string. Fractions, lists and
/// objects have no simple form (Nix leaves an attribute holding one
/// undeclared).
pub(crate) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(true) => Some(String::from("1")),
        Value::Bool(false) | Value::Null => Some(String::new()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        Value::Number(n) => n
            .as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 1e18)
            .map(|f| (f as i64).to_string()),
        _ => None,
    }
}

/// A bash-quoted word: `'...'` with embedded quotes escaped.
pub(crate) fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// One attribute's `declare` line, as `.attrs.sh` has it, or `None` when
/// Nix would leave it out (a float, a list or object holding something
/// other than simple values).
pub(crate) fn declaration(name: &str, value: &Value) -> Option<String> {
    match value {
        Value::Array(items) => {
            let words: Option<Vec<String>> = items
                .iter()
                .map(|v| scalar_text(v).map(|w| quote(&w)))
                .collect();
            Some(format!("declare -a {name}=({})", words?.join(" ")))
        }
        Value::Object(map) => {
            let words: Option<Vec<String>> = map
                .iter()
                .map(|(k, v)| Some(format!("[{}]={}", quote(k), quote(&scalar_text(v)?))))
                .collect();
            Some(format!("declare -A {name}=({})", words?.join(" ")))
        }
        scalar => Some(format!("declare {name}={}", quote(&scalar_text(scalar)?))),
    }
}
