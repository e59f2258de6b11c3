//! Reading a child's output: captured whole, or streamed to our own
//! stdout/stderr while the last lines of stderr are kept for the error
//! message of a failed command.

use std::collections::VecDeque;
use std::io::{self, Read, Write};

/// How many lines of stderr a failure message shows.
const TAIL_LINES: usize = 20;
/// Longer lines are cut (minified code, progress bars without newlines).
const TAIL_WIDTH: usize = 400;

/// The last lines of a stream.
#[derive(Debug, Default)]
pub(crate) struct Tail {
    lines: VecDeque<Vec<u8>>,
    partial: Vec<u8>,
    cut: bool,
}

impl Tail {
    /// Adds the next bytes of the stream.
    pub(crate) fn feed(&mut self, mut chunk: &[u8]) {
        while let Some(newline) = memchr::memchr(b'\n', chunk) {
            self.extend(&chunk[..newline]);
            self.end_line();
            chunk = &chunk[newline + 1..];
        }
        self.extend(chunk);
    }

    fn extend(&mut self, bytes: &[u8]) {
        let room = TAIL_WIDTH.saturating_sub(self.partial.len());
        self.partial
            .extend_from_slice(&bytes[..bytes.len().min(room)]);
        self.cut |= bytes.len() > room;
    }

    fn end_line(&mut self) {
        let mut line = std::mem::take(&mut self.partial);
        if std::mem::take(&mut self.cut) {
            line.extend_from_slice(" [...]".as_bytes());
        }
        self.lines.push_back(line);
        if self.lines.len() > TAIL_LINES {
            self.lines.pop_front();
        }
    }

    /// The kept lines, decoded lossily; an unterminated last line counts.
    pub(crate) fn into_lines(mut self) -> Vec<String> {
        if !self.partial.is_empty() {
            self.end_line();
        }
        self.lines
            .iter()
            .map(|line| String::from_utf8_lossy(line).into_owned())
            .collect()
    }
}

/// Reads `pipe` to its end: into the returned buffer when `capture`, else
/// copied to this process's stderr as it comes. The tail is kept either way.
pub(crate) fn drain_stderr(mut pipe: impl Read, capture: bool) -> io::Result<(Vec<u8>, Tail)> {
    let mut all = Vec::new();
    let mut tail = Tail::default();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match pipe.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        tail.feed(&buf[..n]);
        if capture {
            all.extend_from_slice(&buf[..n]);
        } else {
            // Our stderr going away must not stop the child's output being drained.
            let _ = io::stderr().lock().write_all(&buf[..n]);
        }
    }
    Ok((all, tail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_lines_and_cuts_long_ones() {
        let mut tail = Tail::default();
        for i in 0..30 {
            tail.feed(format!("line {i}\n").as_bytes());
        }
        tail.feed(b"unterminated");
        let lines = tail.into_lines();
        assert_eq!(lines.len(), TAIL_LINES);
        assert_eq!(lines[0], "line 11");
        assert_eq!(lines.last().unwrap(), "unterminated");

        let mut tail = Tail::default();
        tail.feed(&vec![b'x'; 1000]);
        tail.feed(b"\nshort\n");
        let lines = tail.into_lines();
        assert_eq!(lines[0].len(), TAIL_WIDTH + " [...]".len());
        assert_eq!(lines[1], "short");
    }

    #[test]
    fn lines_split_across_reads_are_joined() {
        let mut tail = Tail::default();
        tail.feed(b"hel");
        tail.feed(b"lo\nwor");
        tail.feed(b"ld\n");
        assert_eq!(tail.into_lines(), ["hello", "world"]);
    }
}
