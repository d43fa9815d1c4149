//! Huffman tables and the entropy-coded bit stream.

use crate::Error;

/// Codes up to this many bits are decoded with one table lookup.
const FAST_BITS: u32 = 9;
const FAST_SIZE: usize = 1 << FAST_BITS;

/// A decoding table built from a DHT segment's code lengths and symbols.
#[derive(Clone)]
pub struct Table {
    /// Per `FAST_BITS`-bit prefix: `length << 8 | symbol`, or 0 when the
    /// code is longer (and goes the slow way).
    fast: Box<[u16; FAST_SIZE]>,
    /// Per prefix, for AC tables: a whole coefficient in one step,
    /// `value << 8 | run << 4 | bits used` (code and value bits together),
    /// or 0 when it does not fit. End-of-block is `bits used` alone (value
    /// 0, which no coded coefficient has).
    ac: Box<[i16; FAST_SIZE]>,
    /// The largest code of each length (-1 when none), for the slow path.
    max_code: [i32; 17],
    /// Index into `symbols` of each length's first code, minus that code.
    offset: [i32; 17],
    symbols: [u8; 256],
}

impl Table {
    /// `counts[i]` codes have length `i + 1`; `symbols` lists them in order.
    pub fn new(counts: &[u8; 16], symbols: &[u8]) -> Result<Self, Error> {
        let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
        if total > 256 || symbols.len() < total {
            return Err(Error::Corrupt("Huffman table has too many codes"));
        }
        let mut table = Table {
            fast: Box::new([0; FAST_SIZE]),
            ac: Box::new([0; FAST_SIZE]),
            max_code: [-1; 17],
            offset: [0; 17],
            symbols: [0; 256],
        };
        table.symbols[..total].copy_from_slice(&symbols[..total]);
        let mut code: u32 = 0;
        let mut k = 0usize;
        for len in 1..=16u32 {
            let n = usize::from(counts[len as usize - 1]);
            table.offset[len as usize] = k as i32 - code as i32;
            for _ in 0..n {
                if code >= 1 << len {
                    return Err(Error::Corrupt("Huffman code lengths overflow"));
                }
                if len <= FAST_BITS {
                    let first = (code << (FAST_BITS - len)) as usize;
                    let entry = (len as u16) << 8 | u16::from(symbols[k]);
                    table.fast[first..first + (1 << (FAST_BITS - len))].fill(entry);
                }
                code += 1;
                k += 1;
            }
            if n > 0 {
                table.max_code[len as usize] = code as i32 - 1;
            }
            code <<= 1;
        }
        table.build_ac();
        Ok(table)
    }

    fn build_ac(&mut self) {
        for prefix in 0..FAST_SIZE {
            let entry = self.fast[prefix];
            let len = u32::from(entry >> 8);
            if len == 0 {
                continue;
            }
            let symbol = entry & 0xff;
            let (run, size) = (u32::from(symbol >> 4), u32::from(symbol & 15));
            if symbol == 0 {
                self.ac[prefix] = len as i16;
                continue;
            }
            if size == 0 || len + size > FAST_BITS {
                continue;
            }
            let bits = (prefix as u32 >> (FAST_BITS - len - size)) & ((1 << size) - 1);
            let value = extend(bits as i32, size);
            if (-128..=127).contains(&value) {
                self.ac[prefix] = (value * 256 + (run as i32) * 16 + (len + size) as i32) as i16;
            }
        }
    }
}

/// Whether any byte of `word` is 0xFF.
#[inline(always)]
fn has_ff_byte(word: u64) -> bool {
    let v = !word;
    v.wrapping_sub(0x0101_0101_0101_0101) & !v & 0x8080_8080_8080_8080 != 0
}

/// A `size`-bit magnitude category value to its signed coefficient.
#[inline(always)]
fn extend(bits: i32, size: u32) -> i32 {
    if size == 0 {
        0
    } else if bits < 1 << (size - 1) {
        bits - (1 << size) + 1
    } else {
        bits
    }
}

/// Reads the entropy-coded segment: bytes stuffed after 0xFF, markers
/// ending the data. Past a marker or the end it reads zeros, and counts
/// them, so corrupt data ends in an error rather than a long loop.
pub struct BitReader<'a> {
    data: &'a [u8],
    pub pos: usize,
    /// Bits not yet used, most significant first.
    buf: u64,
    bits: u32,
    /// Zero bytes made up after the data ran out.
    padding: usize,
}

impl<'a> BitReader<'a> {
    pub fn new(data: &'a [u8], pos: usize) -> Self {
        BitReader {
            data,
            pos,
            buf: 0,
            bits: 0,
            padding: 0,
        }
    }

    #[inline(always)]
    fn refill(&mut self) {
        // A code and its value take at most 27 bits: with 32 in hand there
        // is no need to look at the data yet (a refill per coefficient
        // cost a fifth of the decode).
        if self.bits >= 32 {
            return;
        }
        // Whole bytes at once when the next eight hold no 0xFF (a stuffed
        // byte or a marker), which is all but a few per cent of the time.
        if let Some(chunk) = self.data.get(self.pos..self.pos + 8) {
            let word = u64::from_be_bytes(chunk.try_into().unwrap_or([0xFF; 8]));
            if !has_ff_byte(word) {
                let n = (63 - self.bits) / 8;
                self.buf |= (word >> (64 - 8 * n)) << (64 - self.bits - 8 * n);
                self.bits += 8 * n;
                self.pos += n as usize;
                return;
            }
        }
        while self.bits < 56 {
            let byte = match self.data.get(self.pos) {
                Some(0xFF) if self.data.get(self.pos + 1) == Some(&0) => {
                    self.pos += 2;
                    0xFF
                }
                Some(0xFF) | None => {
                    // A marker or the end: zeros from here on.
                    self.padding += 1;
                    0
                }
                Some(&b) => {
                    self.pos += 1;
                    b
                }
            };
            self.buf |= u64::from(byte) << (56 - self.bits);
            self.bits += 8;
        }
    }

    #[inline(always)]
    fn peek(&self, n: u32) -> u32 {
        (self.buf >> (64 - n)) as u32
    }

    #[inline(always)]
    fn consume(&mut self, n: u32) {
        self.buf <<= n;
        self.bits -= n;
    }

    /// `n` (at most 16) bits as an unsigned value; the caller has refilled.
    #[inline(always)]
    fn take(&mut self, n: u32) -> i32 {
        if n == 0 {
            return 0;
        }
        let v = self.peek(n) as i32;
        self.consume(n);
        v
    }

    /// Decodes one symbol; the caller has refilled.
    #[inline(always)]
    fn symbol(&mut self, table: &Table) -> Result<u8, Error> {
        let entry = table.fast[self.peek(FAST_BITS) as usize];
        if entry != 0 {
            self.consume(u32::from(entry >> 8));
            return Ok(entry as u8);
        }
        for len in FAST_BITS + 1..=16 {
            let code = self.peek(len) as i32;
            if code <= table.max_code[len as usize] {
                self.consume(len);
                let k = table.offset[len as usize] + code;
                return Ok(table.symbols[(k as usize) & 255]);
            }
        }
        Err(Error::Corrupt("bad Huffman code"))
    }

    /// Decodes one block's coefficients, dequantised, into `block`
    /// (transposed, as `idct_block` takes them; all zero on entry).
    /// Returns one past the last coefficient's zigzag index: 1 for a flat
    /// block, at most 10 when all lie in the top-left 4x4.
    pub fn block(
        &mut self,
        block: &mut [i32; 64],
        dc: &Table,
        ac: &Table,
        quant: &[i32; 64],
        prediction: &mut i32,
    ) -> Result<usize, Error> {
        self.refill();
        let size = u32::from(self.symbol(dc)?);
        if size > 11 {
            return Err(Error::Corrupt("DC difference out of range"));
        }
        let diff = extend(self.take(size), size);
        *prediction = prediction.wrapping_add(diff);
        block[0] = prediction.wrapping_mul(quant[0]);
        let mut k = 1usize;
        let mut end = 1;
        while k < 64 {
            self.refill();
            let fast = ac.ac[self.peek(FAST_BITS) as usize];
            if fast != 0 {
                if fast >> 8 == 0 {
                    self.consume((fast & 15) as u32);
                    break;
                }
                k += ((fast >> 4) & 15) as usize;
                if k > 63 {
                    return Err(Error::Corrupt("AC run past the block"));
                }
                self.consume((fast & 15) as u32);
                block[ZIGZAG_T[k]] = i32::from(fast >> 8) * quant[k];
                k += 1;
                end = k;
                continue;
            }
            let rs = self.symbol(ac)?;
            let (run, size) = (usize::from(rs >> 4), u32::from(rs & 15));
            if size == 0 {
                if run != 15 {
                    break;
                }
                k += 16;
                continue;
            }
            k += run;
            if k > 63 || size > 10 {
                return Err(Error::Corrupt("AC coefficient out of range"));
            }
            let value = extend(self.take(size), size);
            block[ZIGZAG_T[k]] = value.wrapping_mul(quant[k]);
            k += 1;
            end = k;
        }
        if self.padding > 64 {
            return Err(Error::Corrupt("entropy-coded data cut short"));
        }
        Ok(end)
    }

    /// Skips to just past the next restart marker, dropping what is left of
    /// the byte in hand.
    pub fn restart(&mut self) -> Result<(), Error> {
        self.buf = 0;
        self.bits = 0;
        self.padding = 0;
        while self.pos + 1 < self.data.len() {
            if self.data[self.pos] == 0xFF && (0xD0..=0xD7).contains(&self.data[self.pos + 1]) {
                self.pos += 2;
                return Ok(());
            }
            self.pos += 1;
        }
        Err(Error::Corrupt("restart marker missing"))
    }
}

/// Zigzag index to position in the transposed block the IDCT takes
/// (column-major: vertical frequency varies fastest).
const ZIGZAG_T: [usize; 64] = transpose(ZIGZAG);

const fn transpose(natural: [usize; 64]) -> [usize; 64] {
    let mut t = [0; 64];
    let mut k = 0;
    while k < 64 {
        t[k] = (natural[k] % 8) * 8 + natural[k] / 8;
        k += 1;
    }
    t
}

/// Zigzag index to natural (row-major) position in the block.
const ZIGZAG: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ff_bytes_are_found_in_every_position() {
        assert!(!has_ff_byte(0x0102_0304_FE7F_8081));
        for i in 0..8 {
            assert!(has_ff_byte(0xFFu64 << (8 * i)), "byte {i}");
            assert!(
                has_ff_byte(0x1234_5678_9ABC_DEF0 | 0xFFu64 << (8 * i)),
                "byte {i}"
            );
        }
    }

    #[test]
    fn extend_gives_both_signs() {
        assert_eq!(extend(0, 1), -1);
        assert_eq!(extend(1, 1), 1);
        assert_eq!(extend(0b010, 3), -5);
        assert_eq!(extend(0b101, 3), 5);
    }

    #[test]
    fn stuffed_bytes_read_as_ff_and_a_marker_ends_the_data() {
        let data = [0xFF, 0x00, 0x12, 0xFF, 0xD9];
        let mut r = BitReader::new(&data, 0);
        r.refill();
        assert_eq!(r.take(8), 0xFF);
        assert_eq!(r.take(8), 0x12);
        assert_eq!(r.take(16), 0);
        assert!(r.padding > 0);
    }

    #[test]
    fn over_long_code_lengths_are_refused() {
        // Three codes of length 1 cannot exist.
        let mut counts = [0u8; 16];
        counts[0] = 3;
        assert!(Table::new(&counts, &[1, 2, 3]).is_err());
    }
}
