//! Words: bash's expansions (parameters, quotes, braces, globs, word
//! splitting) turned into list items with the same result.

use brush_parser::word::{
    self, BraceExpressionMember, BraceExpressionOrText, Parameter, ParameterExpr,
    ParameterTestType, SpecialParameter, SubstringMatchKind, WordPiece, WordPieceWithSource,
};

use super::{Lowerer, NotHere};
use crate::ir::{AsText, Cond, Expr, Item, List, Source, StrOp};

/// One expanded piece of a word before the word is classified.
#[derive(Debug, Clone)]
enum Seg {
    /// Literal text; `quoted` text never globs.
    Text { text: String, quoted: bool },
    /// An expansion's value; unquoted ones are split unless `one_word`.
    Value {
        expr: Expr,
        quoted: bool,
        one_word: bool,
    },
    /// `"${list[@]}"` (quoted) or `${list[@]}`.
    Spread { source: Source, quoted: bool },
}

impl Lowerer<'_> {
    /// The items one bash word expands to (several after brace expansion).
    pub(crate) fn word(&mut self, raw: &str) -> Result<Vec<Item>, NotHere> {
        let mut items = Vec::new();
        for variant in brace_variants(raw)? {
            items.push(self.one_word(&variant)?);
        }
        Ok(items)
    }

    /// A word that must expand to exactly one string (an assignment's value,
    /// a `case` word, a redirection target).
    pub(crate) fn word_text(&mut self, raw: &str) -> Result<Expr, NotHere> {
        let segs = self.segments(raw, false)?;
        let mut parts = Vec::new();
        for seg in segs {
            match seg {
                Seg::Text { text, .. } => parts.push(Expr::Lit(text)),
                Seg::Value { expr, .. } => parts.push(expr),
                Seg::Spread { source, .. } => {
                    parts.push(Expr::Join(Box::new(List(vec![Item::Spread(source, true)]))))
                }
            }
        }
        Ok(concat(parts))
    }

    /// A word that must be exactly one argument at run time (a path, say).
    pub(crate) fn single(&mut self, raw: &str) -> Result<Expr, NotHere> {
        match self.word(raw)?.as_slice() {
            [Item::Word(expr)] => Ok(expr.clone()),
            _ => Err(NotHere::statement(format!(
                "`{raw}` may expand to several words here"
            ))),
        }
    }

    fn one_word(&mut self, raw: &str) -> Result<Item, NotHere> {
        let segs = self.segments(raw, false)?;
        let spreads = segs
            .iter()
            .filter(|s| matches!(s, Seg::Spread { .. }))
            .count();
        if spreads > 0 {
            return match segs.as_slice() {
                [Seg::Spread { source, quoted }] => {
                    let one_word = *quoted || self.list_is_one_word(source);
                    if one_word {
                        Ok(Item::Spread(source.clone(), true))
                    } else {
                        Ok(Item::Spread(source.clone(), false))
                    }
                }
                _ => Err(NotHere::statement(format!(
                    "`{raw}` joins a list expansion with other text"
                ))),
            };
        }
        let globbing = segs.iter().any(|s| match s {
            Seg::Text {
                text,
                quoted: false,
            } => has_glob(text),
            _ => false,
        });
        if globbing {
            let mut parts = Vec::new();
            for seg in segs {
                match seg {
                    Seg::Text {
                        text,
                        quoted: false,
                    } => parts.push(Expr::Lit(text)),
                    Seg::Text { text, quoted: true } => parts.push(Expr::Lit(escape_glob(&text))),
                    Seg::Value { expr, .. } => parts.push(expr),
                    Seg::Spread { .. } => unreachable!("spreads handled above"),
                }
            }
            let dir = self.cwd_for_glob();
            return Ok(Item::Glob(concat(parts), dir));
        }
        let splitting = segs.iter().any(|s| {
            matches!(
                s,
                Seg::Value {
                    quoted: false,
                    one_word: false,
                    ..
                }
            )
        });
        let quoted_blank = segs.iter().any(|s| match s {
            Seg::Text { text, quoted: true } => text.chars().any(char::is_whitespace),
            Seg::Value {
                quoted: true,
                one_word: false,
                ..
            } => true,
            _ => false,
        });
        if splitting && quoted_blank && segs.len() > 1 {
            return Err(NotHere::statement(format!(
                "`{raw}` mixes quoted blanks with an unquoted expansion"
            )));
        }
        let parts: Vec<Expr> = segs
            .into_iter()
            .map(|seg| match seg {
                Seg::Text { text, .. } => Expr::Lit(text),
                Seg::Value { expr, .. } => expr,
                Seg::Spread { .. } => unreachable!("spreads handled above"),
            })
            .collect();
        let expr = concat(parts);
        Ok(if splitting {
            Item::Split(expr)
        } else {
            Item::Word(expr)
        })
    }

    fn segments(&mut self, raw: &str, heredoc: bool) -> Result<Vec<Seg>, NotHere> {
        let options = brush_parser::ParserOptions::default();
        let pieces = if heredoc {
            word::parse_heredoc(raw, &options)
        } else {
            word::parse(raw, &options)
        }
        .map_err(|e| NotHere::statement(format!("cannot parse the word `{raw}`: {e}")))?;
        let mut segs = Vec::new();
        for piece in pieces {
            self.piece(piece, false, &mut segs)?;
        }
        Ok(segs)
    }

    /// A here-document's text with its expansions (quotes are literal there).
    pub(crate) fn heredoc_text(&mut self, raw: &str) -> Result<Expr, NotHere> {
        let segs = self.segments(raw, true)?;
        let parts = segs
            .into_iter()
            .map(|seg| match seg {
                Seg::Text { text, .. } => Ok(Expr::Lit(text)),
                Seg::Value { expr, .. } => Ok(expr),
                Seg::Spread { source, .. } => {
                    Ok(Expr::Join(Box::new(List(vec![Item::Spread(source, true)]))))
                }
            })
            .collect::<Result<Vec<_>, NotHere>>()?;
        Ok(concat(parts))
    }

    fn piece(
        &mut self,
        piece: WordPieceWithSource,
        quoted: bool,
        out: &mut Vec<Seg>,
    ) -> Result<(), NotHere> {
        let text = |text: String, quoted: bool| Seg::Text { text, quoted };
        match piece.piece {
            WordPiece::Text(t) => out.push(text(t, quoted)),
            WordPiece::SingleQuotedText(t) => out.push(text(t, true)),
            WordPiece::AnsiCQuotedText(t) => out.push(text(ansi_c(&t)?, true)),
            WordPiece::EscapeSequence(t) => {
                let escaped = t.strip_prefix('\\').unwrap_or(&t);
                let literal = if quoted && !matches!(escaped, "$" | "`" | "\"" | "\\" | "\n") {
                    t.clone()
                } else if escaped == "\n" {
                    String::new()
                } else {
                    escaped.to_string()
                };
                out.push(text(literal, true));
            }
            WordPiece::DoubleQuotedSequence(inner)
            | WordPiece::GettextDoubleQuotedSequence(inner) => {
                if inner.is_empty() {
                    out.push(text(String::new(), true));
                }
                for p in inner {
                    self.piece(p, true, out)?;
                }
            }
            WordPiece::TildeExpansion(word::TildeExpr::Home) => {
                let home = self.read_var("HOME")?;
                out.push(Seg::Value {
                    expr: home,
                    quoted: true,
                    one_word: true,
                });
            }
            WordPiece::TildeExpansion(_) => {
                return Err(NotHere::statement("`~user`-style tilde expansion".into()))
            }
            WordPiece::ParameterExpansion(expr) => self.parameter(expr, quoted, out)?,
            WordPiece::CommandSubstitution(cmd) | WordPiece::BackquotedCommandSubstitution(cmd) => {
                let expr = self.command_substitution(&cmd)?;
                out.push(Seg::Value {
                    expr,
                    quoted,
                    one_word: false,
                });
            }
            WordPiece::ArithmeticExpression(e) => {
                return Err(NotHere::statement(format!(
                    "arithmetic expansion `$(({}))`",
                    e.value
                )))
            }
        }
        Ok(())
    }

    fn parameter(
        &mut self,
        expr: ParameterExpr,
        quoted: bool,
        out: &mut Vec<Seg>,
    ) -> Result<(), NotHere> {
        let value = |expr: Expr, one_word: bool| Seg::Value {
            expr,
            quoted,
            one_word,
        };
        match expr {
            ParameterExpr::Parameter {
                parameter,
                indirect: false,
            } => match parameter {
                Parameter::NamedWithAllIndices { name, concatenate } => {
                    let source = self.list_var(&name)?;
                    if concatenate {
                        let joined = Expr::Join(Box::new(List(vec![Item::Spread(source, true)])));
                        out.push(value(joined, false));
                    } else {
                        out.push(Seg::Spread { source, quoted });
                    }
                }
                Parameter::Special(SpecialParameter::AllPositionalParameters { concatenate }) => {
                    let source = self.function_args()?;
                    if concatenate {
                        let joined = Expr::Join(Box::new(List(vec![Item::Spread(source, true)])));
                        out.push(value(joined, false));
                    } else {
                        out.push(Seg::Spread { source, quoted });
                    }
                }
                other => {
                    let (expr, one_word) = self.parameter_value(&other)?;
                    out.push(value(expr, one_word));
                }
            },
            ParameterExpr::UseDefaultValues {
                parameter,
                indirect: false,
                test_type,
                default_value,
            } => {
                let (current, _) = self.parameter_value(&parameter)?;
                let fallback = match default_value {
                    Some(raw) => self.word_text(&raw)?,
                    None => Expr::Lit(String::new()),
                };
                let cond = self.parameter_test(&parameter, &current, test_type)?;
                out.push(value(
                    Expr::Choose(Box::new(cond), Box::new(current), Box::new(fallback)),
                    false,
                ));
            }
            ParameterExpr::UseAlternativeValue {
                parameter,
                indirect: false,
                test_type,
                alternative_value,
            } => {
                let (current, _) = self.parameter_value(&parameter)?;
                let alternative = match alternative_value {
                    Some(raw) => self.word_text(&raw)?,
                    None => Expr::Lit(String::new()),
                };
                let cond = self.parameter_test(&parameter, &current, test_type)?;
                out.push(value(
                    Expr::Choose(
                        Box::new(cond),
                        Box::new(alternative),
                        Box::new(Expr::Lit(String::new())),
                    ),
                    false,
                ));
            }
            ParameterExpr::ParameterLength {
                parameter,
                indirect: false,
            } => {
                let (current, _) = self.parameter_value(&parameter)?;
                out.push(value(Expr::Length(Box::new(current)), true));
            }
            ParameterExpr::RemoveSmallestSuffixPattern {
                parameter,
                indirect: false,
                pattern,
            } => self.strip(parameter, pattern, Strip::ShortSuffix, quoted, out)?,
            ParameterExpr::RemoveLargestSuffixPattern {
                parameter,
                indirect: false,
                pattern,
            } => self.strip(parameter, pattern, Strip::LongSuffix, quoted, out)?,
            ParameterExpr::RemoveSmallestPrefixPattern {
                parameter,
                indirect: false,
                pattern,
            } => self.strip(parameter, pattern, Strip::ShortPrefix, quoted, out)?,
            ParameterExpr::RemoveLargestPrefixPattern {
                parameter,
                indirect: false,
                pattern,
            } => self.strip(parameter, pattern, Strip::LongPrefix, quoted, out)?,
            ParameterExpr::ReplaceSubstring {
                parameter,
                indirect: false,
                pattern,
                replacement,
                match_kind,
            } => {
                let (current, _) = self.parameter_value(&parameter)?;
                let pattern = literal_pattern(&pattern).ok_or_else(|| {
                    NotHere::statement("a replacement with a glob pattern".into())
                })?;
                let replacement = match replacement {
                    Some(r) => literal_pattern(&r).ok_or_else(|| {
                        NotHere::statement("a replacement text with expansions".into())
                    })?,
                    None => String::new(),
                };
                let all = match match_kind {
                    SubstringMatchKind::Anywhere => true,
                    SubstringMatchKind::FirstOccurrence => false,
                    _ => {
                        return Err(NotHere::statement(
                            "an anchored `${var/#...}` replacement".into(),
                        ))
                    }
                };
                if pattern.is_empty() {
                    return Err(NotHere::statement("an empty replacement pattern".into()));
                }
                out.push(value(
                    Expr::Op(StrOp::Replace(pattern, replacement, all), Box::new(current)),
                    false,
                ));
            }
            other => {
                return Err(NotHere::statement(format!(
                    "the parameter expansion `{other:?}`"
                )))
            }
        }
        Ok(())
    }

    fn strip(
        &mut self,
        parameter: Parameter,
        pattern: Option<String>,
        how: Strip,
        quoted: bool,
        out: &mut Vec<Seg>,
    ) -> Result<(), NotHere> {
        let (current, one_word) = self.parameter_value(&parameter)?;
        let pattern = pattern.unwrap_or_default();
        let op = strip_op(&pattern, how).ok_or_else(|| {
            NotHere::statement(format!("the pattern `{pattern}` in a `#`/`%` expansion"))
        })?;
        out.push(Seg::Value {
            expr: Expr::Op(op, Box::new(current)),
            quoted,
            one_word,
        });
        Ok(())
    }

    fn parameter_test(
        &mut self,
        parameter: &Parameter,
        current: &Expr,
        test: ParameterTestType,
    ) -> Result<Cond, NotHere> {
        Ok(match test {
            ParameterTestType::UnsetOrNull => Cond::NonEmpty(current.clone()),
            ParameterTestType::Unset => match parameter {
                Parameter::Named(name) => match self.var_source(name) {
                    Some(source) => Cond::IsSet(source),
                    None => Cond::Const(false),
                },
                _ => {
                    return Err(NotHere::statement(
                        "`${N-...}` of a positional parameter".into(),
                    ))
                }
            },
        })
    }

    /// The text of a parameter and whether it is always one word.
    fn parameter_value(&mut self, parameter: &Parameter) -> Result<(Expr, bool), NotHere> {
        match parameter {
            Parameter::Named(name) => {
                let one_word = self.is_one_word(name);
                Ok((self.read_var(name)?, one_word))
            }
            Parameter::Positional(n) => Ok((self.positional(*n)?, false)),
            Parameter::NamedWithIndex { name, index } => {
                let source = self.list_var(name)?;
                match index.parse::<usize>() {
                    Ok(0) => Ok((Expr::Var(source, AsText::First), false)),
                    _ => Err(NotHere::statement(format!("`${{{name}[{index}]}}`"))),
                }
            }
            other => Err(NotHere::statement(format!(
                "the special parameter {other:?}"
            ))),
        }
    }
}

#[derive(Clone, Copy)]
enum Strip {
    ShortSuffix,
    LongSuffix,
    ShortPrefix,
    LongPrefix,
}

/// The string operation for `${v%pat}`-style expansions the translation can do.
fn strip_op(pattern: &str, how: Strip) -> Option<StrOp> {
    if let Some(lit) = literal_pattern(pattern) {
        return Some(match how {
            Strip::ShortSuffix | Strip::LongSuffix => StrOp::StripSuffix(lit),
            Strip::ShortPrefix | Strip::LongPrefix => StrOp::StripPrefix(lit),
        });
    }
    let mut chars = pattern.chars();
    match (how, chars.next(), chars.next(), chars.next()) {
        // `${v%.*}`: from the last `.`; `${v%%.*}`: from the first.
        (Strip::ShortSuffix, Some(c), Some('*'), None) if !is_glob_char(c) => {
            Some(StrOp::BeforeLast(c))
        }
        (Strip::LongSuffix, Some(c), Some('*'), None) if !is_glob_char(c) => {
            Some(StrOp::BeforeFirst(c))
        }
        // `${v##*/}`: after the last `/`; `${v#*/}`: after the first.
        (Strip::LongPrefix, Some('*'), Some(c), None) if !is_glob_char(c) => {
            Some(StrOp::AfterLast(c))
        }
        (Strip::ShortPrefix, Some('*'), Some(c), None) if !is_glob_char(c) => {
            Some(StrOp::AfterFirst(c))
        }
        _ => None,
    }
}

/// A pattern's text when it has no glob characters or expansions.
fn literal_pattern(pattern: &str) -> Option<String> {
    let options = brush_parser::ParserOptions::default();
    let pieces = word::parse(pattern, &options).ok()?;
    let mut out = String::new();
    for piece in pieces {
        match piece.piece {
            WordPiece::Text(t) if !has_glob(&t) => out.push_str(&t),
            WordPiece::SingleQuotedText(t) => out.push_str(&t),
            WordPiece::EscapeSequence(t) => out.push_str(t.strip_prefix('\\').unwrap_or(&t)),
            WordPiece::DoubleQuotedSequence(inner) => {
                for p in inner {
                    match p.piece {
                        WordPiece::Text(t) => out.push_str(&t),
                        WordPiece::EscapeSequence(t) => {
                            out.push_str(t.strip_prefix('\\').unwrap_or(&t))
                        }
                        _ => return None,
                    }
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

fn is_glob_char(c: char) -> bool {
    matches!(c, '*' | '?' | '[' | ']' | '\\')
}

/// Whether unquoted text has a glob: `*`, `?`, or `[...]` with its `]`.
pub(crate) fn has_glob(text: &str) -> bool {
    text.contains('*')
        || text.contains('?')
        || text
            .find('[')
            .is_some_and(|open| text[open + 1..].contains(']'))
}

fn escape_glob(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if is_glob_char(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn ansi_c(text: &str) -> Result<String, NotHere> {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some('\'') => out.push('\''),
            Some('"') => out.push('"'),
            Some('e') | Some('E') => out.push('\u{1b}'),
            other => {
                return Err(NotHere::statement(format!(
                    "the escape `\\{}` in $'...'",
                    other.map(String::from).unwrap_or_default()
                )))
            }
        }
    }
    Ok(out)
}

/// Joins expressions, merging neighbouring literals and dropping empty ones.
pub(crate) fn concat(parts: Vec<Expr>) -> Expr {
    let mut out: Vec<Expr> = Vec::new();
    for part in parts {
        match (out.last_mut(), part) {
            (_, Expr::Lit(s)) if s.is_empty() => {}
            (Some(Expr::Lit(prev)), Expr::Lit(s)) => prev.push_str(&s),
            (_, Expr::Concat(inner)) => out.extend(inner),
            (_, part) => out.push(part),
        }
    }
    match out.len() {
        0 => Expr::Lit(String::new()),
        1 => out.pop().expect("one part"),
        _ => Expr::Concat(out),
    }
}

/// The words brace expansion makes of `raw` (the word itself when none).
fn brace_variants(raw: &str) -> Result<Vec<String>, NotHere> {
    if !raw.contains('{') || raw.contains("${") && !has_unquoted_brace_list(raw) {
        return Ok(vec![raw.to_string()]);
    }
    let options = brush_parser::ParserOptions::default();
    let parsed = word::parse_brace_expansions(raw, &options)
        .map_err(|e| NotHere::statement(format!("brace expansion in `{raw}`: {e}")))?;
    let Some(parts) = parsed else {
        return Ok(vec![raw.to_string()]);
    };
    expand_braces(&parts)
}

fn has_unquoted_brace_list(raw: &str) -> bool {
    // `${...}` alone is a parameter, not a list; a `{` not after `$` may be one.
    raw.char_indices()
        .any(|(i, c)| c == '{' && (i == 0 || raw.as_bytes()[i - 1] != b'$'))
}

fn expand_braces(parts: &[BraceExpressionOrText]) -> Result<Vec<String>, NotHere> {
    let mut words = vec![String::new()];
    for part in parts {
        let options: Vec<String> = match part {
            BraceExpressionOrText::Text(t) => vec![t.clone()],
            BraceExpressionOrText::Expr(members) => {
                let mut all = Vec::new();
                for member in members {
                    match member {
                        BraceExpressionMember::Child(child) => all.extend(expand_braces(child)?),
                        BraceExpressionMember::NumberSequence {
                            start,
                            end,
                            increment,
                        } => {
                            let step = increment.unsigned_abs().max(1) as usize;
                            if start <= end {
                                all.extend((*start..=*end).step_by(step).map(|n| n.to_string()));
                            } else {
                                all.extend(
                                    (*end..=*start).rev().step_by(step).map(|n| n.to_string()),
                                );
                            }
                        }
                        BraceExpressionMember::CharSequence { .. } => {
                            return Err(NotHere::statement("a `{a..z}` character sequence".into()))
                        }
                    }
                }
                all
            }
        };
        words = words
            .iter()
            .flat_map(|w| options.iter().map(move |o| format!("{w}{o}")))
            .collect();
    }
    Ok(words)
}
