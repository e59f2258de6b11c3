//! DEFLATE's bit packing: values go out least-significant bit first.

/// Collects bits into bytes.
pub(crate) struct BitWriter {
    out: Vec<u8>,
    pending: u64,
    count: u32,
}

impl BitWriter {
    /// Appends to `out`, which already holds whatever precedes the stream.
    pub(crate) fn new(out: Vec<u8>) -> BitWriter {
        BitWriter {
            out,
            pending: 0,
            count: 0,
        }
    }

    /// Writes the low `bits` bits of `value` (at most 32).
    pub(crate) fn put(&mut self, value: u32, bits: u32) {
        debug_assert!(bits <= 32 && (bits == 32 || value >> bits == 0));
        self.pending |= u64::from(value) << self.count;
        self.count += bits;
        if self.count >= 32 {
            self.out
                .extend_from_slice(&(self.pending as u32).to_le_bytes());
            self.pending >>= 32;
            self.count -= 32;
        }
    }

    /// Pads with zero bits to the next byte boundary.
    pub(crate) fn align(&mut self) {
        while self.count > 0 {
            self.out.push(self.pending as u8);
            self.pending >>= 8;
            self.count = self.count.saturating_sub(8);
        }
        self.pending = 0;
    }

    /// Appends whole bytes; the writer must be aligned.
    pub(crate) fn bytes(&mut self, data: &[u8]) {
        debug_assert_eq!(self.count, 0, "bytes written at a bit offset");
        self.out.extend_from_slice(data);
    }

    /// The bytes written, the last one padded.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.align();
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::BitWriter;

    #[test]
    fn bits_fill_bytes_from_the_low_end() {
        let mut w = BitWriter::new(vec![0xaa]);
        w.put(0b1, 1);
        w.put(0b01, 2);
        w.put(0x1ff, 9);
        w.align();
        w.bytes(&[7]);
        w.put(0xffff_ffff, 32);
        assert_eq!(w.finish(), [0xaa, 0xfb, 0x0f, 7, 0xff, 0xff, 0xff, 0xff]);
    }
}
