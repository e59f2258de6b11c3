//! Conditions: `[ ]`, `test`, `[[ ]]`, programs' exit statuses, `!`,
//! `&&`/`||`, and `case` patterns.

use brush_parser::ast::{
    self, BinaryPredicate, CommandPrefixOrSuffixItem, CompoundList, ExtendedTestExpr, Pipeline,
    TestExpr, UnaryPredicate,
};

use super::{Lowerer, NotHere};
use crate::ir::{Cond, Expr, FileTest, Pattern};

impl Lowerer<'_> {
    /// An `if`/`elif` condition: one and-or list.
    pub(crate) fn list_condition(&mut self, list: &CompoundList) -> Result<Cond, NotHere> {
        let [item] = list.0.as_slice() else {
            return Err(NotHere::statement("a condition of several commands".into()));
        };
        let mut cond = self.pipeline_condition(&item.0.first)?;
        for next in &item.0.additional {
            cond = match next {
                ast::AndOr::And(p) => {
                    Cond::And(Box::new(cond), Box::new(self.pipeline_condition(p)?))
                }
                ast::AndOr::Or(p) => {
                    Cond::Or(Box::new(cond), Box::new(self.pipeline_condition(p)?))
                }
            };
        }
        Ok(cond)
    }

    /// A pipeline's exit status as a condition.
    pub(crate) fn pipeline_condition(&mut self, pipeline: &Pipeline) -> Result<Cond, NotHere> {
        let [command] = pipeline.seq.as_slice() else {
            return Err(NotHere::statement("a pipeline as a condition".into()));
        };
        let cond = match command {
            ast::Command::ExtendedTest(test, None) => self.extended_test(&test.expr)?,
            ast::Command::Simple(simple) => {
                let name = simple.word_or_name.as_ref().map(|w| w.value.as_str());
                match name {
                    Some("[") | Some("test") => {
                        if simple.prefix.is_some() {
                            return Err(NotHere::statement("assignments before a test".into()));
                        }
                        let mut words = Vec::new();
                        for item in simple.suffix.iter().flat_map(|s| s.0.iter()) {
                            match item {
                                CommandPrefixOrSuffixItem::Word(w) => words.push(w.value.clone()),
                                _ => {
                                    return Err(NotHere::statement(
                                        "a redirection in a test".into(),
                                    ))
                                }
                            }
                        }
                        if name == Some("[") && words.pop().as_deref() != Some("]") {
                            return Err(NotHere::statement("`[` without its `]`".into()));
                        }
                        let expr = brush_parser::test_command::parse(&words).map_err(|e| {
                            NotHere::statement(format!("cannot parse the test: {e}"))
                        })?;
                        self.test(&expr)?
                    }
                    Some("true") | Some(":") if simple.suffix.is_none() => Cond::Const(true),
                    Some("false") if simple.suffix.is_none() => Cond::Const(false),
                    _ => match self.external_call(pipeline)? {
                        Some(call) => Cond::Succeeds(call),
                        None => {
                            return Err(NotHere::statement(format!(
                                "`{}` as a condition",
                                name.unwrap_or("an assignment")
                            )))
                        }
                    },
                }
            }
            _ => {
                return Err(NotHere::statement(
                    "a compound command as a condition".into(),
                ))
            }
        };
        Ok(if pipeline.bang {
            Cond::Not(Box::new(cond))
        } else {
            cond
        })
    }

    fn test(&mut self, expr: &TestExpr) -> Result<Cond, NotHere> {
        Ok(match expr {
            TestExpr::False => Cond::Const(false),
            TestExpr::Literal(word) => Cond::NonEmpty(self.test_word(word)?),
            TestExpr::And(a, b) => Cond::And(Box::new(self.test(a)?), Box::new(self.test(b)?)),
            TestExpr::Or(a, b) => Cond::Or(Box::new(self.test(a)?), Box::new(self.test(b)?)),
            TestExpr::Not(a) => Cond::Not(Box::new(self.test(a)?)),
            TestExpr::Parenthesized(a) => self.test(a)?,
            TestExpr::UnaryTest(predicate, word) => {
                let operand = self.test_word(word)?;
                self.unary(predicate, operand)?
            }
            TestExpr::BinaryTest(predicate, left, right) => {
                let left = self.test_word(left)?;
                let right = self.test_word(right)?;
                self.binary(predicate, left, right, false)?
            }
        })
    }

    /// An operand of `[`: unquoted expansions there split, so it must be one word.
    fn test_word(&mut self, raw: &str) -> Result<Expr, NotHere> {
        self.single(raw).map_err(|_| {
            NotHere::statement(format!("the test operand `{raw}` may be several words"))
        })
    }

    fn extended_test(&mut self, expr: &ExtendedTestExpr) -> Result<Cond, NotHere> {
        Ok(match expr {
            ExtendedTestExpr::And(a, b) => Cond::And(
                Box::new(self.extended_test(a)?),
                Box::new(self.extended_test(b)?),
            ),
            ExtendedTestExpr::Or(a, b) => Cond::Or(
                Box::new(self.extended_test(a)?),
                Box::new(self.extended_test(b)?),
            ),
            ExtendedTestExpr::Not(a) => Cond::Not(Box::new(self.extended_test(a)?)),
            ExtendedTestExpr::Parenthesized(a) => self.extended_test(a)?,
            ExtendedTestExpr::UnaryTest(predicate, word) => {
                let operand = self.word_text(&word.value)?;
                self.unary(predicate, operand)?
            }
            ExtendedTestExpr::BinaryTest(predicate, left, right) => {
                let l = self.word_text(&left.value)?;
                match predicate {
                    BinaryPredicate::StringExactlyMatchesPattern
                    | BinaryPredicate::StringDoesNotExactlyMatchPattern => {
                        let pattern = case_pattern(&right.value)?;
                        let cond = Cond::Matches(l, pattern);
                        if matches!(predicate, BinaryPredicate::StringDoesNotExactlyMatchPattern) {
                            Cond::Not(Box::new(cond))
                        } else {
                            cond
                        }
                    }
                    _ => {
                        let r = self.word_text(&right.value)?;
                        self.binary(predicate, l, r, true)?
                    }
                }
            }
        })
    }

    fn unary(&mut self, predicate: &UnaryPredicate, operand: Expr) -> Result<Cond, NotHere> {
        let file = |this: &Self, test: FileTest| -> Result<Cond, NotHere> {
            Ok(Cond::File(test, this.at_dir(operand.clone())?))
        };
        match predicate {
            UnaryPredicate::FileExists => file(self, FileTest::Exists),
            UnaryPredicate::FileExistsAndIsRegularFile => file(self, FileTest::File),
            UnaryPredicate::FileExistsAndIsDir => file(self, FileTest::Dir),
            UnaryPredicate::FileExistsAndIsExecutable => file(self, FileTest::Executable),
            UnaryPredicate::FileExistsAndIsNotZeroLength => file(self, FileTest::NonEmpty),
            UnaryPredicate::FileExistsAndIsSymlink => file(self, FileTest::Symlink),
            UnaryPredicate::StringHasZeroLength => Ok(Cond::Not(Box::new(Cond::NonEmpty(operand)))),
            UnaryPredicate::StringHasNonZeroLength => Ok(Cond::NonEmpty(operand)),
            other => Err(NotHere::statement(format!("the test {other:?}"))),
        }
    }

    fn binary(
        &mut self,
        predicate: &BinaryPredicate,
        left: Expr,
        right: Expr,
        _extended: bool,
    ) -> Result<Cond, NotHere> {
        let compare = |op: &'static str| Ok(Cond::Compare(left.clone(), op, right.clone()));
        match predicate {
            BinaryPredicate::StringExactlyMatchesString
            | BinaryPredicate::StringExactlyMatchesPattern => Ok(Cond::Equal(left, right)),
            BinaryPredicate::StringDoesNotExactlyMatchString
            | BinaryPredicate::StringDoesNotExactlyMatchPattern => {
                Ok(Cond::Not(Box::new(Cond::Equal(left, right))))
            }
            BinaryPredicate::ArithmeticEqualTo => compare("=="),
            BinaryPredicate::ArithmeticNotEqualTo => compare("!="),
            BinaryPredicate::ArithmeticLessThan => compare("<"),
            BinaryPredicate::ArithmeticLessThanOrEqualTo => compare("<="),
            BinaryPredicate::ArithmeticGreaterThan => compare(">"),
            BinaryPredicate::ArithmeticGreaterThanOrEqualTo => compare(">="),
            other => Err(NotHere::statement(format!("the test {other:?}"))),
        }
    }
}

/// A `case` or `[[ == ]]` pattern made of literal text and `*` at its ends.
pub(crate) fn case_pattern(raw: &str) -> Result<Pattern, NotHere> {
    let options = brush_parser::ParserOptions::default();
    let pieces = brush_parser::word::parse(raw, &options)
        .map_err(|e| NotHere::statement(format!("cannot parse the pattern `{raw}`: {e}")))?;
    // Literal text, with unquoted `*` kept as a marker.
    let mut text = String::new();
    for piece in pieces {
        match piece.piece {
            brush_parser::word::WordPiece::Text(t) => {
                if t.contains('?') || t.contains('[') {
                    return Err(NotHere::statement(format!("the pattern `{raw}`")));
                }
                text.push_str(&t.replace('*', "\u{0}"));
            }
            brush_parser::word::WordPiece::SingleQuotedText(t) => text.push_str(&t),
            brush_parser::word::WordPiece::EscapeSequence(t) => {
                text.push_str(t.strip_prefix('\\').unwrap_or(&t))
            }
            _ => {
                return Err(NotHere::statement(format!(
                    "the pattern `{raw}` with expansions"
                )))
            }
        }
    }
    let stars = text.matches('\u{0}').count();
    let starts = text.starts_with('\u{0}');
    let ends = text.ends_with('\u{0}');
    let inner = text.trim_matches('\u{0}').to_string();
    Ok(match (stars, starts, ends) {
        (0, _, _) => Pattern::Exact(text),
        (1, true, true) => Pattern::Any,
        (1, false, true) => Pattern::Prefix(inner),
        (1, true, false) => Pattern::Suffix(inner),
        (2, true, true) if !inner.contains('\u{0}') => Pattern::Contains(inner),
        (1, false, false) => {
            let (pre, suf) = text.split_once('\u{0}').expect("one star");
            Pattern::PrefixSuffix(pre.to_string(), suf.to_string())
        }
        _ => return Err(NotHere::statement(format!("the pattern `{raw}`"))),
    })
}
