//! `phaser std`: the standard library from the command line, for bash
//! phases and for people.
//!
//! Arguments: one JSON object, or positional values and `--key value` /
//! `--key=value` / `--flag` (true) options. A key given twice becomes a
//! list. After `--` every word is positional, even one that starts with
//! `--` (so `substituteInPlace -- FILE --replace-fail A B` passes stdenv's
//! flags through untouched). Values are strings unless the function's signature says the key is
//! a bool, int, list or object, in which case they are parsed as JSON.

use phaser::stdlib::{registry, Context, Function};
use serde_json::{Map, Value};

pub fn main(list: bool, reference: bool, json: bool, call: Vec<String>) -> i32 {
    let registry = registry();
    if reference {
        print!("{}", registry.reference_markdown());
        return 0;
    }
    if list || call.is_empty() {
        for f in registry.iter() {
            println!(
                "{}{}\n    {}\n",
                f.name,
                f.signature,
                f.doc.split_whitespace().collect::<Vec<_>>().join(" ")
            );
        }
        return 0;
    }
    let name = &call[0];
    let result = registry
        .get(name)
        .map_err(|e| e.to_string())
        .and_then(|f| Ok((f, arguments(f, &call[1..])?)))
        .and_then(|(f, args)| {
            let cx = Context::from_process().map_err(|e| e.to_string())?;
            f.call(&cx, args).map_err(|e| e.to_string())
        });
    match result {
        Ok(value) if json => {
            println!("{value}");
            0
        }
        Ok(Value::Null) => 0,
        Ok(Value::String(text)) => {
            println!("{text}");
            0
        }
        Ok(value) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            );
            0
        }
        Err(message) => {
            eprintln!("phaser std {name}: {message}");
            1
        }
    }
}

/// Turns command-line words into the function's argument object.
pub fn arguments(f: &Function, words: &[String]) -> Result<Value, String> {
    if let [only] = words {
        if only.trim_start().starts_with('{') {
            return serde_json::from_str(only)
                .map_err(|e| format!("the JSON argument is invalid: {e}"));
        }
    }
    let mut positional = Vec::new();
    let mut named: Map<String, Value> = Map::new();
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        i += 1;
        if word == "--" {
            positional.extend(words[i..].iter().cloned().map(Value::String));
            break;
        }
        let Some(option) = word.strip_prefix("--").filter(|o| !o.is_empty()) else {
            positional.push(Value::String(word.clone()));
            continue;
        };
        let (key, value) = match option.split_once('=') {
            Some((key, value)) => (key.to_string(), Some(value.to_string())),
            None if i < words.len()
                && !words[i].starts_with("--")
                && !declared_type(f.signature, option).is_some_and(|t| t.starts_with("bool")) =>
            {
                i += 1;
                (option.to_string(), Some(words[i - 1].clone()))
            }
            None => (option.to_string(), None),
        };
        let value = match value {
            None => Value::Bool(true),
            Some(text) => typed(f.signature, &key, text)?,
        };
        match named.get_mut(&key) {
            Some(Value::Array(items)) => items.push(value),
            Some(existing) => *existing = Value::Array(vec![existing.take(), value]),
            None => {
                named.insert(key, value);
            }
        }
    }
    f.arguments(positional, named).map_err(|e| e.to_string())
}

/// The type the signature gives `key` (`key?: int` -> `int`).
fn declared_type<'a>(signature: &'a str, key: &str) -> Option<&'a str> {
    let start = signature
        .find(&format!("{key}:"))
        .or_else(|| signature.find(&format!("{key}?:")))?;
    let rest = signature[start..].split_once(':')?.1.trim_start();
    Some(rest)
}

fn typed(signature: &str, key: &str, text: String) -> Result<Value, String> {
    match declared_type(signature, key) {
        Some(t) if t.starts_with("string") || t.starts_with("path") => Ok(Value::String(text)),
        Some(_) => Ok(serde_json::from_str(&text).unwrap_or(Value::String(text))),
        None => Ok(Value::String(text)),
    }
}
