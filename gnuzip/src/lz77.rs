//! The LZ77 half of gzip's deflate at its default level: a 64 KiB window
//! filled and slid the way gzip fills and slides it, hash chains over
//! three-byte strings, and lazy matching (a match is taken only when the
//! next position has no longer one).
//!
//! Everything is in gzip's window coordinates on purpose: which matches
//! are found depends on them (a chain entry that lands on window position
//! 0 after a slide is dropped; bytes just past the end of the input are
//! zeros or the window's older contents and may lengthen a match that is
//! then cut to the input).

use crate::bits::BitWriter;
use crate::block::Block;

const WSIZE: usize = 0x8000;
const WINDOW: usize = 2 * WSIZE;
const WMASK: usize = WSIZE - 1;
const MIN_MATCH: usize = 3;
const MAX_MATCH: usize = 258;
/// Input kept ahead of the current position: a longest match plus the
/// bytes that hash the string after it.
const MIN_LOOKAHEAD: usize = MAX_MATCH + MIN_MATCH + 1;
/// The farthest back a match may start.
const MAX_DIST: usize = WSIZE - MIN_LOOKAHEAD;
const HASH_SIZE: usize = 1 << 15;
const HASH_MASK: usize = HASH_SIZE - 1;
/// Each byte shifts the hash this far, so a string's hash is its last
/// three bytes'.
const HASH_SHIFT: u32 = 5;
/// A 3-byte match farther back than this is not worth a copy.
const TOO_FAR: usize = 4096;

/// gzip's level 6: searches shorten after a match this long...
const GOOD_LENGTH: usize = 8;
/// ...no lazy search follows a match this long...
const MAX_LAZY: usize = 16;
/// ...a search stops at a match this long...
const NICE_LENGTH: usize = 128;
/// ...or after this many chain entries.
const MAX_CHAIN: usize = 128;

/// Compresses `input` into `out` as DEFLATE blocks, the last one final.
pub(crate) fn compress(input: &[u8], out: &mut BitWriter) {
    let mut w = Window::new(input);
    let mut block = Block::new();
    let mut match_len = MIN_MATCH - 1;
    // Whether the byte before `start` is still waiting to be sent.
    let mut pending = false;
    while w.lookahead != 0 {
        let chain = w.insert(w.start);
        let prev_len = match_len;
        let prev_start = w.match_start;
        match_len = MIN_MATCH - 1;
        if chain != 0
            && prev_len < MAX_LAZY
            && w.start - chain <= MAX_DIST
            && w.start <= WINDOW - MIN_LOOKAHEAD
        {
            match_len = w.longest_match(chain, prev_len).min(w.lookahead);
            // When nothing beat `prev_len`, `match_start` is the previous
            // match's and the test is moot: that match is sent either way.
            if match_len == MIN_MATCH && w.start.wrapping_sub(w.match_start) > TOO_FAR {
                match_len -= 1;
            }
        }

        if prev_len >= MIN_MATCH && match_len <= prev_len {
            // The match found one byte back wins: send it.
            let end = block.copy(w.start - 1 - prev_start, prev_len, w.span());
            w.lookahead -= prev_len - 1;
            for _ in 0..prev_len - 2 {
                w.start += 1;
                w.insert(w.start);
            }
            pending = false;
            match_len = MIN_MATCH - 1;
            w.start += 1;
            if end {
                w.end_block(&mut block, out, false);
            }
        } else if pending {
            let end = block.literal(w.buf[w.start - 1], w.span());
            if end {
                w.end_block(&mut block, out, false);
            }
            w.start += 1;
            w.lookahead -= 1;
        } else {
            pending = true;
            w.start += 1;
            w.lookahead -= 1;
        }
        w.refill();
    }
    if pending {
        block.literal(w.buf[w.start - 1], w.span());
    }
    w.end_block(&mut block, out, true);
}

/// The window and the hash chains over it.
struct Window<'a> {
    input: &'a [u8],
    /// How much of `input` has been read into the window.
    read: usize,
    buf: Vec<u8>,
    /// For each position (mod 32 KiB), the previous one with the same hash.
    prev: Vec<u16>,
    /// For each hash, the latest position with it (0: none).
    head: Vec<u16>,
    hash: usize,
    /// The current position.
    start: usize,
    /// Bytes of input in the window from `start` on.
    lookahead: usize,
    /// Where the current block starts (negative once slid out).
    block_start: isize,
    /// Where the last match found starts.
    match_start: usize,
    at_end: bool,
}

impl<'a> Window<'a> {
    fn new(input: &'a [u8]) -> Window<'a> {
        let mut w = Window {
            input,
            read: 0,
            buf: vec![0; WINDOW],
            prev: vec![0; WSIZE],
            head: vec![0; HASH_SIZE],
            hash: 0,
            start: 0,
            lookahead: 0,
            block_start: 0,
            match_start: 0,
            at_end: false,
        };
        w.lookahead = w.read_into(0, WINDOW);
        if w.lookahead == 0 {
            w.at_end = true;
            return w;
        }
        w.refill();
        w.hash = (usize::from(w.buf[0]) << HASH_SHIFT ^ usize::from(w.buf[1])) & HASH_MASK;
        w
    }

    /// Copies up to `max` more input bytes to window position `at`.
    fn read_into(&mut self, at: usize, max: usize) -> usize {
        let n = max.min(self.input.len() - self.read);
        self.buf[at..at + n].copy_from_slice(&self.input[self.read..self.read + n]);
        self.read += n;
        n
    }

    /// Input bytes the current block covers so far.
    fn span(&self) -> usize {
        (self.start as isize - self.block_start) as usize
    }

    /// Adds the string at `pos` to its hash chain; returns the chain's
    /// previous head (0: none).
    fn insert(&mut self, pos: usize) -> usize {
        self.hash = (self.hash << HASH_SHIFT ^ usize::from(self.buf[pos + 2])) & HASH_MASK;
        let head = self.head[self.hash];
        self.prev[pos & WMASK] = head;
        self.head[self.hash] = pos as u16;
        usize::from(head)
    }

    /// The longest match for the string at `start` along the chain from
    /// `candidate`, if longer than `best`; sets `match_start` when it is.
    fn longest_match(&mut self, mut candidate: usize, mut best: usize) -> usize {
        let mut chain = if best >= GOOD_LENGTH {
            MAX_CHAIN >> 2
        } else {
            MAX_CHAIN
        };
        let limit = self.start.saturating_sub(MAX_DIST);
        let scan = self.start;
        let buf = &self.buf[..];
        // A candidate can only beat `best` if it agrees on the bytes at
        // `best - 1` and `best` and on the first two: check those first.
        let pair = |at: usize| u16::from_le_bytes([buf[at], buf[at + 1]]);
        let scan_start = pair(scan);
        let mut tail = best.saturating_sub(1);
        let mut scan_tail = pair(scan + tail);
        loop {
            if pair(candidate + tail) == scan_tail && pair(candidate) == scan_start {
                let len = common_prefix(
                    &buf[scan..scan + MAX_MATCH],
                    &buf[candidate..candidate + MAX_MATCH],
                );
                if len > best {
                    self.match_start = candidate;
                    best = len;
                    if len >= NICE_LENGTH {
                        break;
                    }
                    tail = best - 1;
                    scan_tail = pair(scan + tail);
                }
            }
            candidate = usize::from(self.prev[candidate & WMASK]);
            chain -= 1;
            if candidate <= limit || chain == 0 {
                break;
            }
        }
        best
    }

    /// Reads more input while less than a full match and its successor's
    /// hash bytes are ahead.
    fn refill(&mut self) {
        while self.lookahead < MIN_LOOKAHEAD && !self.at_end {
            self.fill();
        }
    }

    /// Slides the upper half of the window down once the position is deep
    /// in it, then reads into the free space; at the end of the input,
    /// zeros the two bytes after it so they hash nothing stale.
    fn fill(&mut self) {
        let mut free = WINDOW - self.lookahead - self.start;
        if self.start >= WSIZE + MAX_DIST {
            self.buf.copy_within(WSIZE..WINDOW, 0);
            self.match_start = self.match_start.wrapping_sub(WSIZE);
            self.start -= WSIZE;
            self.block_start -= WSIZE as isize;
            for entry in self.head.iter_mut().chain(self.prev.iter_mut()) {
                *entry = entry.saturating_sub(WSIZE as u16);
            }
            free += WSIZE;
        }
        let at = self.start + self.lookahead;
        let n = self.read_into(at, free);
        if n == 0 {
            self.at_end = true;
            self.buf[at..at + MIN_MATCH - 1].fill(0);
        } else {
            self.lookahead += n;
        }
    }

    /// Writes the current block (its bytes, for a stored block, when they
    /// are still in the window) and starts the next at `start`.
    fn end_block(&mut self, block: &mut Block, out: &mut BitWriter, last: bool) {
        let raw = usize::try_from(self.block_start)
            .ok()
            .map(|from| &self.buf[from..self.start]);
        block.write(out, raw, self.span(), last);
        self.block_start = self.start as isize;
    }
}

/// How many leading bytes `a` and `b` share.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let mut n = 0;
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        let diff =
            u64::from_le_bytes(x.try_into().unwrap()) ^ u64::from_le_bytes(y.try_into().unwrap());
        if diff != 0 {
            return n + (diff.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    n + a[n..]
        .iter()
        .zip(&b[n..])
        .take_while(|(x, y)| x == y)
        .count()
}
