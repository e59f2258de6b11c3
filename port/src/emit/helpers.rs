//! The few helper functions bash's expansion rules need in Lua and Rhai
//! (word splitting, joining, `basename`, ...), written at the top of a
//! translation only when it uses them.

use super::{Target, Writer};

impl Writer {
    pub(super) fn helper_text(&self) -> String {
        let mut out = String::new();
        for name in &self.helpers {
            let text = match (self.target, *name) {
                (Target::Lua, "words") => LUA_WORDS,
                (Target::Lua, "concat") => LUA_CONCAT,
                (Target::Lua, "basename") => LUA_BASENAME,
                (Target::Lua, "dirname") => LUA_DIRNAME,
                (Target::Rhai, "words") => RHAI_WORDS,
                (Target::Rhai, "join_words") => RHAI_JOIN,
                (Target::Rhai, "chomp") => RHAI_CHOMP,
                (Target::Rhai, "basename") => RHAI_BASENAME,
                (Target::Rhai, "dirname") => RHAI_DIRNAME,
                (Target::Rhai, "after_first") => RHAI_AFTER_FIRST,
                (Target::Rhai, "before_first") => RHAI_BEFORE_FIRST,
                (Target::Rhai, "before_last") => RHAI_BEFORE_LAST,
                (Target::Rhai, "replace_all") => RHAI_REPLACE_ALL,
                (Target::Rhai, "replace_first") => RHAI_REPLACE_FIRST,
                (Target::Rhai, "number_or_text") => RHAI_NUMBER_OR_TEXT,
                (Target::Rhai, "concat_text") => RHAI_CONCAT_TEXT,
                _ => continue,
            };
            out.push_str(text);
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out
    }
}

const LUA_WORDS: &str = "-- bash splits an unquoted expansion into words at blanks
local function words(text)
    local list = {}
    for word in text:gmatch(\"%S+\") do list[#list + 1] = word end
    return list
end
";
const LUA_CONCAT: &str = "-- words and lists joined into one list, as bash expands arguments
local function concat(...)
    local list = {}
    for _, part in ipairs({...}) do
        if type(part) == \"table\" then
            for _, word in ipairs(part) do list[#list + 1] = word end
        else
            list[#list + 1] = part
        end
    end
    return list
end
";
const LUA_BASENAME: &str = "-- the last component of a path, as `basename`
local function basename(path)
    local trimmed = path:gsub(\"/+$\", \"\")
    if trimmed == \"\" then return path == \"\" and \"\" or \"/\" end
    return (trimmed:gsub(\"^.*/\", \"\"))
end
";
const LUA_DIRNAME: &str = "-- all but the last component of a path, as `dirname`
local function dirname(path)
    local trimmed = path:gsub(\"/+$\", \"\")
    if not trimmed:find(\"/\") then return trimmed == \"\" and path ~= \"\" and \"/\" or \".\" end
    local dir = trimmed:gsub(\"/*[^/]*$\", \"\")
    return dir == \"\" and \"/\" or dir
end
";
const RHAI_WORDS: &str = "// bash splits an unquoted expansion into words at blanks
fn words(text) {
    let t = text;
    t.replace(\"\\t\", \" \");
    t.replace(\"\\n\", \" \");
    t.split(\" \").filter(|w| w != \"\")
}
";
const RHAI_JOIN: &str = "// words joined by spaces, as bash joins \"${list[*]}\"
fn join_words(list) {
    let out = \"\";
    for (word, i) in list {
        if i > 0 { out += \" \"; }
        out += word;
    }
    out
}
";
const RHAI_CHOMP: &str = "// a command's output without its trailing newlines, as `$(...)` gives it
fn chomp(text) {
    let t = text;
    while t.ends_with(\"\\n\") { t.truncate(t.len() - 1); }
    t
}
";
const RHAI_BASENAME: &str = "// the last component of a path, as `basename`
fn basename(path) {
    let t = path;
    while t.len() > 1 && t.ends_with(\"/\") { t.truncate(t.len() - 1); }
    if t == \"/\" { return t; }
    t.split(\"/\")[-1]
}
";
const RHAI_DIRNAME: &str = "// all but the last component of a path, as `dirname`
fn dirname(path) {
    let t = path;
    while t.len() > 1 && t.ends_with(\"/\") { t.truncate(t.len() - 1); }
    let parts = t.split(\"/\");
    if parts.len() == 1 { return \".\"; }
    parts.pop();
    while parts.len() > 1 && parts[-1] == \"\" { parts.pop(); }
    let dir = \"\";
    for (p, i) in parts { if i > 0 { dir += \"/\"; } dir += p; }
    if dir == \"\" { \"/\" } else { dir }
}
";
const RHAI_AFTER_FIRST: &str = "// `${text#*c}`: the text after the first c
fn after_first(text, c) {
    let i = text.index_of(c);
    if i < 0 { text } else { text.sub_string(i + 1) }
}
";
const RHAI_BEFORE_FIRST: &str = "// `${text%%c*}`: the text before the first c
fn before_first(text, c) {
    let i = text.index_of(c);
    if i < 0 { text } else { text.sub_string(0, i) }
}
";
const RHAI_BEFORE_LAST: &str = "// `${text%c*}`: the text before the last c
fn before_last(text, c) {
    let parts = text.split(c);
    if parts.len() < 2 { return text; }
    parts.pop();
    let out = \"\";
    for (p, i) in parts { if i > 0 { out += c; } out += p; }
    out
}
";
const RHAI_REPLACE_ALL: &str = "// `${text//a/b}`
fn replace_all(text, a, b) {
    let t = text;
    t.replace(a, b);
    t
}
";
const RHAI_REPLACE_FIRST: &str = "// `${text/a/b}`
fn replace_first(text, a, b) {
    let i = text.index_of(a);
    if i < 0 { text } else { text.sub_string(0, i) + b + text.sub_string(i + a.len()) }
}
";
const RHAI_NUMBER_OR_TEXT: &str =
    "// a number attribute stays a number while its text is one, as bash's answer types it
fn number_or_text(text) {
    try { return parse_int(text); } catch { return text; }
}
";
const RHAI_CONCAT_TEXT: &str = "// pieces of a long text (a here-document) joined
fn concat_text(pieces) {
    let out = \"\";
    for piece in pieces { out += piece; }
    out
}
";
