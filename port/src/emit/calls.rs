//! Standard-library calls (positional arguments by the registry's keys,
//! the rest named) and list expressions.

use super::Writer;
use crate::ir::{Arg, Call, Item, List, Source};

impl Writer {
    pub(super) fn call(&mut self, call: &Call) -> String {
        let registry = phaser_stdlib::registry();
        let positional: Vec<&str> = registry
            .get(call.function)
            .map(|f| f.positional.to_vec())
            .unwrap_or_default();
        let mut pos = Vec::new();
        let mut named = Vec::new();
        let mut next = 0;
        for (key, arg) in &call.args {
            let slot = positional.get(next).copied().unwrap_or_default();
            let rest = slot.strip_prefix('*');
            if named.is_empty() && rest == Some(*key) {
                if let Arg::List(list) = arg {
                    if list.is_static() {
                        for item in &list.0 {
                            pos.push(self.item_word(item));
                        }
                        next += 1;
                        continue;
                    }
                }
            } else if named.is_empty() && slot == *key {
                pos.push(self.arg(arg));
                next += 1;
                continue;
            }
            named.push((key, self.arg(arg)));
        }
        if self.lua() {
            let mut fields = pos;
            fields.extend(named.iter().map(|(k, v)| format!("{k} = {v}")));
            format!("std.{}{{{}}}", call.function, fields.join(", "))
        } else if named.is_empty()
            && pos.len() <= 6
            && !(pos.len() > 1 && RHAI_BUILTIN_NAMES.contains(&call.function))
        {
            format!("{}({})", call.function, pos.join(", "))
        } else {
            // Rhai takes named arguments as one map, positional ones by their keys.
            let mut fields = Vec::new();
            let mut values = pos.into_iter();
            for key in &positional {
                let key = key.trim_start_matches('*');
                if key
                    == positional
                        .last()
                        .copied()
                        .unwrap_or_default()
                        .trim_start_matches('*')
                    && positional.last().is_some_and(|k| k.starts_with('*'))
                {
                    let rest: Vec<String> = values.by_ref().collect();
                    if !rest.is_empty() {
                        fields.push(format!("{key}: [{}]", rest.join(", ")));
                    }
                    break;
                }
                match values.next() {
                    Some(v) => fields.push(format!("{key}: {v}")),
                    None => break,
                }
            }
            fields.extend(named.iter().map(|(k, v)| format!("{k}: {v}")));
            format!("{}(#{{{}}})", call.function, fields.join(", "))
        }
    }

    pub(super) fn arg(&mut self, arg: &Arg) -> String {
        match arg {
            Arg::Str(e) => self.expr(e),
            Arg::List(l) => self.list(l),
            Arg::Bool(b) => b.to_string(),
            Arg::Map(entries) => {
                let fields: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| {
                        let v = self.expr(v);
                        self.field(k, &v)
                    })
                    .collect();
                self.map(&fields)
            }
            Arg::Ops(ops) => {
                let items: Vec<String> = ops
                    .iter()
                    .map(|(name, values)| {
                        let vals: Vec<String> = values.iter().map(|v| self.expr(v)).collect();
                        let list = if self.lua() {
                            format!("{{{}}}", vals.join(", "))
                        } else {
                            format!("[{}]", vals.join(", "))
                        };
                        self.map(&[self.field(name, &list)])
                    })
                    .collect();
                if self.lua() {
                    format!("{{{}}}", items.join(", "))
                } else {
                    format!("[{}]", items.join(", "))
                }
            }
        }
    }

    /// A list expression (may share a table with the input).
    pub(super) fn list(&mut self, list: &List) -> String {
        if let [single] = list.0.as_slice() {
            if !matches!(single, Item::Word(_)) {
                return self.item_list(single);
            }
        }
        self.fresh_list(list)
    }

    /// A list expression that is a new table or array.
    pub(super) fn fresh_list(&mut self, list: &List) -> String {
        if self.lua() {
            if list.is_static() {
                let words: Vec<String> = list.0.iter().map(|i| self.item_word(i)).collect();
                return format!("{{{}}}", words.join(", "));
            }
            self.helpers.insert("concat");
            let parts: Vec<String> = list
                .0
                .iter()
                .map(|i| match i {
                    Item::Word(e) => self.expr(e),
                    other => self.item_list(other),
                })
                .collect();
            format!("concat({})", parts.join(", "))
        } else {
            let mut parts: Vec<String> = Vec::new();
            let mut words: Vec<String> = Vec::new();
            for item in &list.0 {
                match item {
                    Item::Word(e) => words.push(self.expr(e)),
                    other => {
                        if !words.is_empty() || parts.is_empty() {
                            parts.push(format!("[{}]", words.join(", ")));
                            words.clear();
                        }
                        parts.push(self.item_list(other));
                    }
                }
            }
            if !words.is_empty() || parts.is_empty() {
                parts.push(format!("[{}]", words.join(", ")));
            }
            if parts.len() > 1 && parts[0] == "[]" {
                parts.remove(0);
                if parts.len() == 1 {
                    // `[] + x` copies x; a lone list item is copied by `+ []`.
                    return format!("{} + []", parts[0]);
                }
            }
            parts.join(" + ")
        }
    }

    pub(super) fn item_word(&mut self, item: &Item) -> String {
        match item {
            Item::Word(e) => self.expr(e),
            _ => unreachable!("static lists have only words"),
        }
    }

    pub(super) fn item_list(&mut self, item: &Item) -> String {
        match item {
            Item::Word(e) => {
                let e = self.expr(e);
                if self.lua() {
                    format!("{{{e}}}")
                } else {
                    format!("[{e}]")
                }
            }
            Item::Split(e) => {
                self.helpers.insert("words");
                format!("words({})", self.expr(e))
            }
            Item::Spread(source, _) => {
                let s = self.source(source);
                match source {
                    Source::Input(..) if self.lua() => format!("({s} or {{}})"),
                    Source::Input(..) => format!("({s} ?? [])"),
                    _ => s,
                }
            }
            Item::Glob(pattern, dir) => {
                let mut call = Call::new("glob").arg("pattern", Arg::Str(pattern.clone()));
                if let Some(dir) = dir {
                    call = call.arg("dir", Arg::Str(dir.clone()));
                }
                self.call(&call)
            }
        }
    }
}

/// Standard-library names Rhai also has as built-in methods taking strings
/// (`"abc".remove("b")`): a call with several strings would reach the
/// built-in, so those calls pass one map.
const RHAI_BUILTIN_NAMES: &[&str] = &["remove"];
