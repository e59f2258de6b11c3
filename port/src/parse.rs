//! Parsing bash with brush-parser, keeping each top-level statement's
//! source text (for the comment above its translation and for `bash -c`).

use brush_parser::ast::{AndOrList, SeparatorOperator, SourceLocation};

/// A parsed snippet.
pub struct Snippet {
    text: String,
    items: Vec<(AndOrList, SeparatorOperator)>,
    /// Character offset where each item starts.
    starts: Vec<usize>,
}

/// A snippet bash itself would refuse.
#[derive(Debug, Clone)]
pub struct ParseError {
    /// The parser's message.
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl Snippet {
    /// Parses `text` as a bash script.
    pub fn parse(text: &str) -> Result<Snippet, ParseError> {
        let options = brush_parser::ParserOptions::default();
        let mut parser = brush_parser::Parser::new(std::io::Cursor::new(text), &options);
        let program = parser.parse_program().map_err(|e| ParseError {
            message: e.to_string(),
        })?;
        let mut items = Vec::new();
        let mut starts = Vec::new();
        for list in program.complete_commands {
            for item in list.0 {
                let start = item.0.location().map(|l| l.start.index).unwrap_or_default();
                starts.push(start);
                items.push((item.0, item.1));
            }
        }
        Ok(Snippet {
            text: text.to_string(),
            items,
            starts,
        })
    }

    /// The top-level statements with what separates each from the next.
    pub fn items(&self) -> Vec<&(AndOrList, SeparatorOperator)> {
        self.items.iter().collect()
    }

    /// The 1-based line a statement starts on.
    pub fn line_of(&self, list: &AndOrList) -> usize {
        list.location().map_or(1, |l| l.start.line)
    }

    /// The source of top-level statement `index`: from its start to the next
    /// one's (so a here-document's body is included), without trailing blanks.
    pub fn text_of(&self, index: usize) -> String {
        let start = self.starts[index];
        let end = self.starts.get(index + 1).copied();
        let text: String = match end {
            Some(end) => self.text.chars().skip(start).take(end - start).collect(),
            None => self.text.chars().skip(start).collect(),
        };
        let mut lines: Vec<&str> = text.trim_end().lines().collect();
        // A comment just before the next statement belongs to it, not here.
        while lines.len() > 1
            && lines
                .last()
                .is_some_and(|l| l.trim_start().starts_with('#'))
        {
            lines.pop();
        }
        lines.join("\n").trim_end().to_string()
    }

    /// The whole text.
    pub fn text(&self) -> &str {
        &self.text
    }
}
