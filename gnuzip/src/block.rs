//! One DEFLATE block: the literals and copies LZ77 found, when gzip ends
//! the block, and which of the three block types it writes.

use crate::bits::BitWriter;
use crate::huffman::{self, Tree};
use crate::tables::{
    distance_code, CODE_LENGTH_CODES, CODE_LENGTH_ORDER, DISTANCE_BASE, DISTANCE_CODES,
    DISTANCE_EXTRA, END_OF_BLOCK, FIXED_DISTANCE_LENGTHS, FIXED_LITERAL_LENGTHS, LENGTH_BASE,
    LENGTH_CODE, LENGTH_EXTRA, LITERAL_LENGTH_CODES,
};

/// gzip's symbol buffer size; a block ends one symbol short of it.
const SYMBOL_BUFFER: usize = 0x8000;
/// How often (in symbols) gzip checks whether ending the block early pays.
const CHECK_EVERY: usize = 0x1000;

/// A literal byte (`distance` 0) or a copy of `value + 3` bytes from
/// `distance` back.
#[derive(Clone, Copy)]
struct Symbol {
    distance: u16,
    value: u8,
}

/// The block being collected.
pub(crate) struct Block {
    symbols: Vec<Symbol>,
    literal_freq: [u32; LITERAL_LENGTH_CODES],
    distance_freq: [u32; DISTANCE_CODES],
    copies: usize,
}

impl Block {
    pub(crate) fn new() -> Block {
        let mut block = Block {
            symbols: Vec::with_capacity(SYMBOL_BUFFER),
            literal_freq: [0; LITERAL_LENGTH_CODES],
            distance_freq: [0; DISTANCE_CODES],
            copies: 0,
        };
        block.literal_freq[END_OF_BLOCK] = 1;
        block
    }

    /// Records a literal; `span` is how many input bytes the block covers
    /// so far. Says whether the block should end here.
    pub(crate) fn literal(&mut self, byte: u8, span: usize) -> bool {
        self.symbols.push(Symbol {
            distance: 0,
            value: byte,
        });
        self.literal_freq[usize::from(byte)] += 1;
        self.should_end(span)
    }

    /// Records a copy of `length` bytes from `distance` back.
    pub(crate) fn copy(&mut self, distance: usize, length: usize, span: usize) -> bool {
        let value = (length - 3) as u8;
        let distance = distance as u16;
        self.symbols.push(Symbol { distance, value });
        self.literal_freq[257 + usize::from(LENGTH_CODE[usize::from(value)])] += 1;
        self.distance_freq[distance_code(distance - 1)] += 1;
        self.copies += 1;
        self.should_end(span)
    }

    /// gzip ends a block when its buffer is full, or, every 4096 symbols,
    /// when fewer than half are copies and a rough size (8 bits a symbol
    /// plus 5 and the extra bits a distance) is under half the input.
    fn should_end(&self, span: usize) -> bool {
        let symbols = self.symbols.len();
        if symbols.is_multiple_of(CHECK_EVERY) {
            let distance_bits: usize = self
                .distance_freq
                .iter()
                .zip(DISTANCE_EXTRA)
                .map(|(&freq, extra)| freq as usize * (5 + usize::from(extra)))
                .sum();
            let estimate = (symbols * 8 + distance_bits) >> 3;
            if self.copies < symbols / 2 && estimate < span / 2 {
                return true;
            }
        }
        symbols == SYMBOL_BUFFER - 1 || self.copies == SYMBOL_BUFFER
    }

    /// Writes the block as gzip would: stored when that is smallest and its
    /// input (`raw`) is still in the window, with the fixed trees when they
    /// are no larger than dynamic ones, else with dynamic trees. Then
    /// starts a new block.
    pub(crate) fn write(
        &mut self,
        out: &mut BitWriter,
        raw: Option<&[u8]>,
        span: usize,
        last: bool,
    ) {
        let literals = huffman::build(&self.literal_freq, &huffman::LITERALS);
        let distances = huffman::build(&self.distance_freq, &huffman::DISTANCES);
        let literal_runs = length_runs(&literals.lengths[..=literals.last]);
        let distance_runs = length_runs(&distances.lengths[..=distances.last]);
        let mut run_freq = [0u32; CODE_LENGTH_CODES];
        for &(code, _) in literal_runs.iter().chain(&distance_runs) {
            run_freq[usize::from(code)] += 1;
        }
        let runs = huffman::build(&run_freq, &huffman::CODE_LENGTHS);
        // At least 4 code-length lengths are sent; trailing zeros are not.
        let mut run_codes_sent = CODE_LENGTH_CODES;
        while run_codes_sent > 4 && runs.lengths[CODE_LENGTH_ORDER[run_codes_sent - 1]] == 0 {
            run_codes_sent -= 1;
        }

        let dynamic_bits =
            literals.cost + distances.cost + runs.cost + 3 * run_codes_sent as u64 + 5 + 5 + 4;
        let fixed_bits = literals.fixed_cost + distances.fixed_cost;
        // Sizes in bytes, counting the 3-bit block header.
        let dynamic_size = (dynamic_bits + 3 + 7) >> 3;
        let fixed_size = (fixed_bits + 3 + 7) >> 3;
        let best = dynamic_size.min(fixed_size);
        let last_bit = u32::from(last);

        match raw {
            Some(raw) if span as u64 + 4 <= best => {
                out.put(last_bit, 3);
                out.align();
                let len = raw.len() as u16;
                out.bytes(&len.to_le_bytes());
                out.bytes(&(!len).to_le_bytes());
                out.bytes(raw);
            }
            _ if fixed_size == best => {
                out.put(2 | last_bit, 3);
                self.write_symbols(out, &fixed_literals(), &fixed_distances());
            }
            _ => {
                out.put(4 | last_bit, 3);
                out.put((literals.last + 1 - 257) as u32, 5);
                out.put(distances.last as u32, 5);
                out.put((run_codes_sent - 4) as u32, 4);
                for &code in &CODE_LENGTH_ORDER[..run_codes_sent] {
                    out.put(u32::from(runs.lengths[code]), 3);
                }
                for &(code, extra) in literal_runs.iter().chain(&distance_runs) {
                    let code = usize::from(code);
                    out.put(u32::from(runs.codes[code]), u32::from(runs.lengths[code]));
                    let extra_bits = crate::tables::CODE_LENGTH_EXTRA[code];
                    if extra_bits > 0 {
                        out.put(u32::from(extra), u32::from(extra_bits));
                    }
                }
                self.write_symbols(out, &Coder::from(&literals), &Coder::from(&distances));
            }
        }
        *self = Block::new();
    }

    fn write_symbols(&self, out: &mut BitWriter, literals: &Coder, distances: &Coder) {
        for symbol in &self.symbols {
            if symbol.distance == 0 {
                literals.put(out, usize::from(symbol.value));
                continue;
            }
            let value = usize::from(symbol.value);
            let code = usize::from(LENGTH_CODE[value]);
            literals.put(out, 257 + code);
            if LENGTH_EXTRA[code] > 0 {
                let extra = value - usize::from(LENGTH_BASE[code]);
                out.put(extra as u32, u32::from(LENGTH_EXTRA[code]));
            }
            let distance = symbol.distance - 1;
            let code = distance_code(distance);
            distances.put(out, code);
            if DISTANCE_EXTRA[code] > 0 {
                let extra = distance - DISTANCE_BASE[code];
                out.put(u32::from(extra), u32::from(DISTANCE_EXTRA[code]));
            }
        }
        literals.put(out, END_OF_BLOCK);
    }
}

/// The codes and lengths a block's symbols are written with.
struct Coder {
    codes: Vec<u16>,
    lengths: Vec<u8>,
}

impl Coder {
    fn from(tree: &Tree) -> Coder {
        Coder {
            codes: tree.codes.clone(),
            lengths: tree.lengths.clone(),
        }
    }

    fn fixed(lengths: &[u8]) -> Coder {
        Coder {
            codes: huffman::canonical_codes(lengths, &huffman::count_lengths(lengths)),
            lengths: lengths.to_vec(),
        }
    }

    fn put(&self, out: &mut BitWriter, symbol: usize) {
        out.put(
            u32::from(self.codes[symbol]),
            u32::from(self.lengths[symbol]),
        );
    }
}

fn fixed_literals() -> Coder {
    Coder::fixed(&FIXED_LITERAL_LENGTHS)
}

fn fixed_distances() -> Coder {
    Coder::fixed(&FIXED_DISTANCE_LENGTHS)
}

/// A tree's code lengths as code-length symbols: a length (0-15), 16 (the
/// previous length 3-6 more times), 17 (3-10 zeros) or 18 (11-138 zeros),
/// each with its extra-bits value. Runs stop where gzip stops them: at 6
/// repeats after a length already sent, 7 for a new one, 138 zeros.
fn length_runs(lengths: &[u8]) -> Vec<(u8, u8)> {
    let mut runs = Vec::new();
    let mut previous: Option<u8> = None;
    let mut count = 0usize;
    let (mut max_count, mut min_count) = if lengths[0] == 0 { (138, 3) } else { (7, 4) };
    for (n, &current) in lengths.iter().enumerate() {
        let next = lengths.get(n + 1).copied();
        count += 1;
        if count < max_count && next == Some(current) {
            continue;
        }
        if count < min_count {
            for _ in 0..count {
                runs.push((current, 0));
            }
        } else if current != 0 {
            if previous != Some(current) {
                runs.push((current, 0));
                count -= 1;
            }
            runs.push((16, (count - 3) as u8));
        } else if count <= 10 {
            runs.push((17, (count - 3) as u8));
        } else {
            runs.push((18, (count - 11) as u8));
        }
        count = 0;
        previous = Some(current);
        (max_count, min_count) = match next {
            Some(0) => (138, 3),
            Some(next) if next == current => (6, 3),
            _ => (7, 4),
        };
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::length_runs;

    #[test]
    fn code_lengths_run_as_gzip_runs_them() {
        // Eight 8s: the first alone, then a repeat of 6, then one more.
        let mut lengths = vec![8u8; 8];
        // 20 zeros, then 3 zeros at the end.
        lengths.extend([0; 20]);
        lengths.push(5);
        lengths.extend([0; 3]);
        lengths.push(4);
        let runs = length_runs(&lengths);
        assert_eq!(
            runs,
            [(8, 0), (16, 3), (8, 0), (18, 9), (5, 0), (17, 0), (4, 0)]
        );
    }
}
