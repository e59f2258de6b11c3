//! The `.attrs.sh` Nix writes for a derivation with `__structuredAttrs =
//! true`: every attribute bash can hold, as a `declare` line. Bash phases
//! start from the same declarations, and the runner writes the file itself
//! outside Nix (stdenv's tests read it).

use serde_json::Value;

/// The `.attrs.sh` for `attrs`: one `declare` line per attribute with a
/// valid shell name that Nix can show (see [`declaration`]), in name order.
pub fn structured_attrs_shell(attrs: &serde_json::Map<String, Value>) -> String {
    let mut names: Vec<&String> = attrs.keys().collect();
    names.sort();
    let mut out = String::new();
    for name in names {
        let value = &attrs[name];
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

/// One attribute's `declare` line, exactly as Nix's `.attrs.sh` writes it
/// (strings single-quoted, whole numbers and booleans bare, each array
/// item followed by a space, object keys sorted), or `None` when Nix
/// leaves the attribute out (a fraction, a list or object holding
/// something other than simple values).
pub(crate) fn declaration(name: &str, value: &Value) -> Option<String> {
    match value {
        Value::Array(items) => {
            let mut words = String::new();
            for item in items {
                words.push_str(&simple(item)?);
                words.push(' ');
            }
            Some(format!("declare -a {name}=({words})"))
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut words = String::new();
            for key in keys {
                words.push_str(&format!("[{}]={} ", quote(key), simple(&map[key])?));
            }
            Some(format!("declare -A {name}=({words})"))
        }
        scalar => Some(format!("declare {name}={}", simple(scalar)?)),
    }
}

/// A simple value as Nix renders it in `.attrs.sh`.
fn simple(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(quote(s)),
        Value::Null => Some(String::from("''")),
        other => scalar_text(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn declarations_are_nix_s_byte_for_byte() {
        let attrs = json!({
            "B_STR": "foo bar", "A_TRUE": true, "C_FALSE": false, "D_INT": -123,
            "E_LIST": ["foo", "bar"], "F_ATTRS": {"z": "1", "a": 2}, "G_NULL": null,
            "H_NESTED": [["x"]], "I_FLOAT": 1.5
        });
        assert_eq!(
            structured_attrs_shell(attrs.as_object().unwrap()),
            "declare A_TRUE=1\ndeclare B_STR='foo bar'\ndeclare C_FALSE=\ndeclare D_INT=-123\n\
             declare -a E_LIST=('foo' 'bar' )\ndeclare -A F_ATTRS=(['a']=2 ['z']='1' )\n\
             declare G_NULL=''\n"
        );
    }
}
