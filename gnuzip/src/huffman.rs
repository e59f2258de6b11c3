//! Huffman trees as gzip builds them. Many trees are optimal for one set of
//! frequencies; gzip's is fixed by three choices this module keeps: a binary
//! heap keyed on frequency with ties going to the shallower subtree (then
//! to the node already nearer the top), code lengths over the limit pulled
//! back by moving leaves down from the deepest level with room, and
//! canonical codes in symbol order.

use crate::tables::{
    CODE_LENGTH_EXTRA, DISTANCE_EXTRA, FIXED_DISTANCE_LENGTHS, FIXED_LITERAL_LENGTHS, LENGTH_EXTRA,
    LITERAL_LENGTH_CODES,
};

/// Room for the largest tree's leaves and internal nodes (and the heap
/// that sorts them).
const NODES: usize = 2 * LITERAL_LENGTH_CODES + 1;
/// The longest code DEFLATE allows.
const MAX_BITS: usize = 15;

/// What sets one kind of tree apart from the others.
pub(crate) struct Kind {
    /// The longest code this tree may have.
    max_length: u8,
    /// Extra bits carried by the symbols from `extra_base` on.
    extra: &'static [u8],
    extra_base: usize,
    /// The code lengths of the fixed tree a block could use instead.
    fixed: Option<&'static [u8]>,
}

/// The literal/length tree.
pub(crate) const LITERALS: Kind = Kind {
    max_length: MAX_BITS as u8,
    extra: &LENGTH_EXTRA,
    extra_base: 257,
    fixed: Some(&FIXED_LITERAL_LENGTHS),
};
/// The distance tree.
pub(crate) const DISTANCES: Kind = Kind {
    max_length: MAX_BITS as u8,
    extra: &DISTANCE_EXTRA,
    extra_base: 0,
    fixed: Some(&FIXED_DISTANCE_LENGTHS),
};
/// The tree that codes the other two trees' code lengths.
pub(crate) const CODE_LENGTHS: Kind = Kind {
    max_length: 7,
    extra: &CODE_LENGTH_EXTRA,
    extra_base: 0,
    fixed: None,
};

/// A tree built for one block.
pub(crate) struct Tree {
    /// Code length of every symbol (0: no code).
    pub(crate) lengths: Vec<u8>,
    /// Every symbol's code, bit-reversed for the LSB-first stream.
    pub(crate) codes: Vec<u16>,
    /// The highest symbol with a code.
    pub(crate) last: usize,
    /// Bits the block's symbols take with this tree, extra bits included.
    pub(crate) cost: u64,
    /// Bits they would take with the fixed tree (0 when there is none).
    pub(crate) fixed_cost: u64,
}

/// Builds the tree for `freqs` (one entry per symbol).
pub(crate) fn build(freqs: &[u32], kind: &Kind) -> Tree {
    let mut nodes = Nodes::new(freqs);
    let mut cost: i64 = 0;
    let mut fixed_cost: i64 = 0;

    let mut last: Option<usize> = None;
    for (symbol, &freq) in freqs.iter().enumerate() {
        if freq != 0 {
            nodes.push(symbol);
            last = Some(symbol);
        }
    }
    // Every tree gets at least two codes, so that even a single symbol is
    // sent in one bit: the next unused symbol below 2, else symbol 0.
    while nodes.heap_len < 2 {
        let symbol = match last {
            Some(l) if l >= 2 => 0,
            Some(l) => {
                last = Some(l + 1);
                l + 1
            }
            None => {
                last = Some(0);
                0
            }
        };
        nodes.freq[symbol] = 1;
        nodes.push(symbol);
        // The forced symbol is never sent: take back what counting it adds.
        cost -= 1;
        if let Some(fixed) = kind.fixed {
            fixed_cost -= i64::from(fixed[symbol]);
        }
    }
    let last = last.unwrap_or(0);

    nodes.combine(freqs.len());
    let mut bl_count = [0u32; MAX_BITS + 1];
    let (leaf_cost, leaf_fixed_cost) = nodes.assign_lengths(kind, last, &mut bl_count);
    cost += leaf_cost;
    fixed_cost += leaf_fixed_cost;

    let lengths = nodes.len[..freqs.len()].to_vec();
    let codes = canonical_codes(&lengths, &bl_count);
    Tree {
        lengths,
        codes,
        last,
        cost: u64::try_from(cost).expect("a block's cost is never negative"),
        fixed_cost: u64::try_from(fixed_cost).expect("a block's cost is never negative"),
    }
}

/// Leaves and internal nodes of a tree under construction, and the heap
/// (1-based) that orders them; the heap's top end (from `heap_max` on)
/// collects nodes as they are taken off, least frequent last.
struct Nodes {
    freq: [u32; NODES],
    /// A node's frequency, then its depth (height of its subtree): the
    /// heap's order, ties to the shallower node.
    rank: [u64; NODES],
    parent: [u16; NODES],
    len: [u8; NODES],
    heap: [u16; NODES],
    heap_len: usize,
    heap_max: usize,
}

impl Nodes {
    fn new(freqs: &[u32]) -> Nodes {
        let mut freq = [0u32; NODES];
        freq[..freqs.len()].copy_from_slice(freqs);
        Nodes {
            freq,
            rank: [0; NODES],
            parent: [0; NODES],
            len: [0; NODES],
            heap: [0; NODES],
            heap_len: 0,
            heap_max: NODES,
        }
    }

    /// Adds a leaf at the end of the heap (ordered later by `combine`).
    fn push(&mut self, symbol: usize) {
        self.heap_len += 1;
        self.heap[self.heap_len] = symbol as u16;
        self.rank[symbol] = u64::from(self.freq[symbol]) << 8;
    }

    /// Whether node `a` goes before node `b`: rarer, or as frequent and
    /// no deeper.
    fn before(&self, a: u16, b: u16) -> bool {
        self.rank[usize::from(a)] <= self.rank[usize::from(b)]
    }

    /// Moves the node at heap position `k` down to its place.
    fn sift_down(&mut self, mut k: usize) {
        let node = self.heap[k];
        let mut child = k << 1;
        while child <= self.heap_len {
            if child < self.heap_len && self.before(self.heap[child + 1], self.heap[child]) {
                child += 1;
            }
            if self.before(node, self.heap[child]) {
                break;
            }
            self.heap[k] = self.heap[child];
            k = child;
            child <<= 1;
        }
        self.heap[k] = node;
    }

    /// Joins the two rarest nodes until one is left; internal nodes are
    /// numbered from `first_internal` on.
    fn combine(&mut self, first_internal: usize) {
        for k in (1..=self.heap_len / 2).rev() {
            self.sift_down(k);
        }
        let mut next = first_internal;
        while self.heap_len >= 2 {
            let rarest = self.heap[1];
            self.heap[1] = self.heap[self.heap_len];
            self.heap_len -= 1;
            self.sift_down(1);
            let second = self.heap[1];
            self.heap_max -= 1;
            self.heap[self.heap_max] = rarest;
            self.heap_max -= 1;
            self.heap[self.heap_max] = second;

            let (a, b) = (usize::from(rarest), usize::from(second));
            self.freq[next] = self.freq[a] + self.freq[b];
            let depth = (self.rank[a] & 0xff).max(self.rank[b] & 0xff) + 1;
            self.rank[next] = u64::from(self.freq[next]) << 8 | depth;
            self.parent[a] = next as u16;
            self.parent[b] = next as u16;
            self.heap[1] = next as u16;
            next += 1;
            self.sift_down(1);
        }
        self.heap_max -= 1;
        self.heap[self.heap_max] = self.heap[1];
    }

    /// Gives every leaf up to `last` its code length, no longer than the
    /// kind allows, counting leaves per length in `bl_count`; returns the
    /// bits the leaves cost with these lengths and with the fixed tree's.
    fn assign_lengths(&mut self, kind: &Kind, last: usize, bl_count: &mut [u32]) -> (i64, i64) {
        let max_length = kind.max_length;
        let mut cost: i64 = 0;
        let mut fixed_cost: i64 = 0;
        let mut overflow = 0i32;
        let root = usize::from(self.heap[self.heap_max]);
        self.len[root] = 0;
        for h in self.heap_max + 1..NODES {
            let n = usize::from(self.heap[h]);
            let mut bits = self.len[usize::from(self.parent[n])] + 1;
            if bits > max_length {
                bits = max_length;
                overflow += 1;
            }
            self.len[n] = bits;
            if n > last {
                continue;
            }
            bl_count[usize::from(bits)] += 1;
            let extra = if n >= kind.extra_base {
                i64::from(kind.extra[n - kind.extra_base])
            } else {
                0
            };
            let freq = i64::from(self.freq[n]);
            cost += freq * (i64::from(bits) + extra);
            if let Some(fixed) = kind.fixed {
                fixed_cost += freq * (i64::from(fixed[n]) + extra);
            }
        }
        if overflow == 0 {
            return (cost, fixed_cost);
        }

        // Each round moves a leaf one level down from the deepest level
        // below the limit that has one, making room for two leaves there:
        // the overflowing one and its sibling's place.
        let max = usize::from(max_length);
        while overflow > 0 {
            let mut bits = max - 1;
            while bl_count[bits] == 0 {
                bits -= 1;
            }
            bl_count[bits] -= 1;
            bl_count[bits + 1] += 2;
            bl_count[max] -= 1;
            overflow -= 2;
        }
        // Hand the lengths out again, longest to the rarest leaves.
        let mut h = NODES;
        for bits in (1..=max).rev() {
            let mut left = bl_count[bits];
            while left != 0 {
                h -= 1;
                let m = usize::from(self.heap[h]);
                if m > last {
                    continue;
                }
                let old = usize::from(self.len[m]);
                if old != bits {
                    cost += (bits as i64 - old as i64) * i64::from(self.freq[m]);
                    self.len[m] = bits as u8;
                }
                left -= 1;
            }
        }
        (cost, fixed_cost)
    }
}

/// Canonical codes (RFC 1951, 3.2.2) for `lengths`, bit-reversed;
/// `bl_count` holds how many symbols have each length.
pub(crate) fn canonical_codes(lengths: &[u8], bl_count: &[u32; MAX_BITS + 1]) -> Vec<u16> {
    let mut next = [0u32; MAX_BITS + 1];
    let mut code = 0u32;
    for bits in 1..=MAX_BITS {
        code = (code + bl_count[bits - 1]) << 1;
        next[bits] = code;
    }
    lengths
        .iter()
        .map(|&len| {
            if len == 0 {
                return 0;
            }
            let code = next[usize::from(len)];
            next[usize::from(len)] += 1;
            reverse(code, len)
        })
        .collect()
}

/// Counts how many of `lengths` have each length (0 left out).
pub(crate) fn count_lengths(lengths: &[u8]) -> [u32; MAX_BITS + 1] {
    let mut count = [0u32; MAX_BITS + 1];
    for &len in lengths.iter().filter(|&&len| len != 0) {
        count[usize::from(len)] += 1;
    }
    count
}

/// The low `bits` bits of `code`, in reverse order.
fn reverse(code: u32, bits: u8) -> u16 {
    (code.reverse_bits() >> (32 - u32::from(bits))) as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixed_literal_codes_are_those_of_rfc_1951() {
        let codes = canonical_codes(
            &FIXED_LITERAL_LENGTHS,
            &count_lengths(&FIXED_LITERAL_LENGTHS),
        );
        // 0 -> 00110000, 144 -> 110010000, 256 -> 0000000, 280 -> 11000000.
        assert_eq!(codes[0], reverse(0b0011_0000, 8));
        assert_eq!(codes[144], reverse(0b1_1001_0000, 9));
        assert_eq!(codes[256], 0);
        assert_eq!(codes[280], reverse(0b1100_0000, 8));
    }

    #[test]
    fn a_lone_symbol_still_gets_a_one_bit_code_and_a_partner() {
        let mut freqs = [0u32; 30];
        freqs[5] = 7;
        let tree = build(&freqs, &DISTANCES);
        assert_eq!((tree.lengths[0], tree.lengths[5]), (1, 1));
        assert_eq!(tree.last, 5);
        assert_eq!(tree.cost, 7 * (1 + 1));
    }

    #[test]
    fn lengths_over_the_limit_are_pulled_back() {
        // Fibonacci frequencies make a degenerate tree 19 levels deep.
        let mut freqs = [0u32; 19];
        let (mut a, mut b) = (1u32, 1u32);
        for f in freqs.iter_mut() {
            *f = a;
            (a, b) = (b, a + b);
        }
        let tree = build(&freqs, &CODE_LENGTHS);
        assert!(tree.lengths.iter().all(|&l| (1..=7).contains(&l)));
        let kraft: f64 = tree.lengths.iter().map(|&l| 0.5f64.powi(l.into())).sum();
        assert!((kraft - 1.0).abs() < 1e-12, "{kraft}");
    }
}
