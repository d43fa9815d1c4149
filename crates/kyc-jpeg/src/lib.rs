//! Baseline JPEG decoded to its planes, each at its own resolution.
//!
//! The checker analyses a half-size colour copy and reads text from
//! full-size luma. A general decoder hands back full-size RGB: it
//! upsamples the half-size chroma of a 4:2:0 photo, converts every pixel,
//! and the checker then averages the colours back down and turns them back
//! into luma. This decoder stops before all that: luma at full size, chroma
//! as stored. It takes only what phones write (baseline or extended
//! Huffman, 8-bit, one interleaved scan of greyscale or YCbCr) and says
//! [`Error::Unsupported`] to the rest, which the caller decodes the general
//! way.

mod huffman;
mod idct;

use huffman::{BitReader, Table};

/// Why a file was not decoded here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A valid JPEG of a kind this decoder leaves to a general one
    /// (progressive, arithmetic-coded, 12-bit, CMYK, several scans).
    #[error("not handled here: {0}")]
    Unsupported(&'static str),
    #[error("{0}")]
    Corrupt(&'static str),
    #[error("{width}x{height} is over the pixel limit")]
    TooLarge { width: u32, height: u32 },
}

/// One component's samples, row-major with no padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plane {
    pub width: usize,
    pub height: usize,
    pub data: Vec<u8>,
}

/// A decoded JPEG: one plane (grey) or three (Y, Cb, Cr; JFIF, full range).
#[derive(Debug, Clone)]
pub struct Image {
    pub width: usize,
    pub height: usize,
    pub planes: Vec<Plane>,
    /// Per plane, how many full-size pixels one sample covers, across and
    /// down: (1, 1) for luma, (2, 2) for the chroma of a 4:2:0 photo.
    pub subsampling: Vec<(usize, usize)>,
    /// The APP1 EXIF block (after "Exif\0\0"), for the orientation.
    pub exif: Option<Vec<u8>>,
}

impl Plane {
    /// A decoded block's samples at (`x`, `y`), clipped to the plane (the
    /// padding blocks past its edge are dropped). `end` is one past the
    /// block's last coded zigzag index, which picks the cheapest transform.
    fn put(&mut self, x: usize, y: usize, block: &[i32; 64], end: usize) {
        if x >= self.width || y >= self.height {
            return;
        }
        let (w, h, stride) = (self.width - x, self.height - y, self.width);
        let out = &mut self.data[y * stride + x..];
        match end {
            1 => idct::idct_dc(block[0], out, stride, w, h),
            // Zigzag positions 0-9 all lie in the top-left 4x4.
            2..=10 => idct::idct_block(block, true, out, stride, w, h),
            _ => idct::idct_block(block, false, out, stride, w, h),
        }
    }
}

struct Component {
    id: u8,
    h: usize,
    v: usize,
    quant: usize,
}

/// Decodes `bytes`, refusing images over `max_pixels` before allocating.
pub fn decode(bytes: &[u8], max_pixels: u64) -> Result<Image, Error> {
    if bytes.get(0..2) != Some(&[0xFF, 0xD8]) {
        return Err(Error::Corrupt("no start-of-image marker"));
    }
    let mut pos = 2;
    let mut quant = [[0i32; 64]; 4];
    let mut dc_tables: [Option<Table>; 4] = Default::default();
    let mut ac_tables: [Option<Table>; 4] = Default::default();
    let mut frame: Option<(usize, usize, Vec<Component>)> = None;
    let mut restart_interval = 0usize;
    let mut exif = None;
    let mut adobe_transform = None;
    loop {
        // Fill bytes (0xFF runs) may precede a marker.
        while bytes.get(pos) == Some(&0xFF) && bytes.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        if bytes.get(pos) != Some(&0xFF) {
            return Err(Error::Corrupt("expected a marker"));
        }
        let marker = *bytes.get(pos + 1).ok_or(Error::Corrupt("cut short"))?;
        pos += 2;
        if marker == 0xD9 {
            return Err(Error::Corrupt("no scan before the end"));
        }
        if (0xD0..=0xD8).contains(&marker) || marker == 0x01 {
            continue;
        }
        let len = usize::from(u16::from_be_bytes([
            *bytes.get(pos).ok_or(Error::Corrupt("cut short"))?,
            *bytes.get(pos + 1).ok_or(Error::Corrupt("cut short"))?,
        ]));
        let segment = bytes
            .get(pos + 2..pos + len.max(2))
            .ok_or(Error::Corrupt("segment cut short"))?;
        pos += len.max(2);
        match marker {
            0xC0 | 0xC1 => frame = Some(read_frame(segment, max_pixels)?),
            0xC2 | 0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                return Err(Error::Unsupported("not a baseline Huffman JPEG"));
            }
            0xC4 => read_huffman(segment, &mut dc_tables, &mut ac_tables)?,
            0xDB => read_quant(segment, &mut quant)?,
            0xDD => {
                restart_interval = usize::from(u16::from_be_bytes([
                    *segment.first().ok_or(Error::Corrupt("short DRI"))?,
                    *segment.get(1).ok_or(Error::Corrupt("short DRI"))?,
                ]));
            }
            0xE1 if exif.is_none() && segment.starts_with(b"Exif\0\0") => {
                exif = Some(segment[6..].to_vec());
            }
            0xEE if segment.starts_with(b"Adobe") => adobe_transform = segment.get(11).copied(),
            0xDA => {
                let (width, height, components) =
                    frame.take().ok_or(Error::Corrupt("scan before frame"))?;
                if components.len() == 3 && adobe_transform == Some(0) {
                    return Err(Error::Unsupported("RGB, not YCbCr"));
                }
                let planes = Scan {
                    width,
                    height,
                    components: &components,
                    quant: &quant,
                    dc: &dc_tables,
                    ac: &ac_tables,
                    restart_interval,
                }
                .decode(bytes, pos, segment)?;
                let (hmax, vmax) = (components[0].h, components[0].v);
                return Ok(Image {
                    width,
                    height,
                    planes,
                    subsampling: components
                        .iter()
                        .map(|c| (hmax / c.h, vmax / c.v))
                        .collect(),
                    exif,
                });
            }
            _ => {}
        }
    }
}

fn read_frame(s: &[u8], max_pixels: u64) -> Result<(usize, usize, Vec<Component>), Error> {
    let short = Error::Corrupt("short frame header");
    let &[precision, h0, h1, w0, w1, n, ..] = s else {
        return Err(short);
    };
    if precision != 8 {
        return Err(Error::Unsupported("not 8-bit"));
    }
    let (width, height) = (u16::from_be_bytes([w0, w1]), u16::from_be_bytes([h0, h1]));
    if width == 0 || height == 0 {
        return Err(Error::Unsupported("height in a later marker, or none"));
    }
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(Error::TooLarge {
            width: u32::from(width),
            height: u32::from(height),
        });
    }
    if n != 1 && n != 3 {
        return Err(Error::Unsupported("neither grey nor YCbCr"));
    }
    let mut components = Vec::new();
    for i in 0..usize::from(n) {
        let c = s
            .get(6 + 3 * i..9 + 3 * i)
            .ok_or(Error::Corrupt("short frame header"))?;
        let (h, v) = (usize::from(c[1] >> 4), usize::from(c[1] & 15));
        if c[2] > 3 {
            return Err(Error::Corrupt("bad quantisation table index"));
        }
        components.push(Component {
            id: c[0],
            h,
            v,
            quant: usize::from(c[2]),
        });
    }
    let luma_only_subsampled = components.iter().skip(1).all(|c| c.h == 1 && c.v == 1);
    let first = &components[0];
    if n == 1 {
        components[0].h = 1;
        components[0].v = 1;
    } else if !luma_only_subsampled || !(1..=2).contains(&first.h) || !(1..=2).contains(&first.v) {
        return Err(Error::Unsupported("unusual subsampling"));
    }
    if n == 3 && components.iter().map(|c| c.id).eq(*b"RGB") {
        return Err(Error::Unsupported("RGB, not YCbCr"));
    }
    Ok((usize::from(width), usize::from(height), components))
}

fn read_huffman(
    mut s: &[u8],
    dc: &mut [Option<Table>; 4],
    ac: &mut [Option<Table>; 4],
) -> Result<(), Error> {
    while let Some((&class_id, rest)) = s.split_first() {
        let counts: [u8; 16] = rest
            .get(..16)
            .and_then(|c| c.try_into().ok())
            .ok_or(Error::Corrupt("short Huffman table"))?;
        let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
        let symbols = rest
            .get(16..16 + total)
            .ok_or(Error::Corrupt("short Huffman table"))?;
        let table = Table::new(&counts, symbols)?;
        let slot = usize::from(class_id & 15);
        match (class_id >> 4, slot) {
            (0, 0..=3) => dc[slot] = Some(table),
            (1, 0..=3) => ac[slot] = Some(table),
            _ => return Err(Error::Corrupt("bad Huffman table class or index")),
        }
        s = &rest[16 + total..];
    }
    Ok(())
}

fn read_quant(mut s: &[u8], quant: &mut [[i32; 64]; 4]) -> Result<(), Error> {
    while let Some((&pq_tq, rest)) = s.split_first() {
        let slot = usize::from(pq_tq & 15);
        let wide = pq_tq >> 4 == 1;
        let size = if wide { 128 } else { 64 };
        let values = rest
            .get(..size)
            .ok_or(Error::Corrupt("short quantisation table"))?;
        let table = quant
            .get_mut(slot)
            .ok_or(Error::Corrupt("bad quantisation table index"))?;
        // Kept in zigzag order, the order coefficients arrive in.
        for (k, q) in table.iter_mut().enumerate() {
            *q = if wide {
                i32::from(u16::from_be_bytes([values[2 * k], values[2 * k + 1]]))
            } else {
                i32::from(values[k])
            };
        }
        s = &rest[size..];
    }
    Ok(())
}

struct Scan<'a> {
    width: usize,
    height: usize,
    components: &'a [Component],
    quant: &'a [[i32; 64]; 4],
    dc: &'a [Option<Table>; 4],
    ac: &'a [Option<Table>; 4],
    restart_interval: usize,
}

impl Scan<'_> {
    fn decode(&self, bytes: &[u8], data_start: usize, header: &[u8]) -> Result<Vec<Plane>, Error> {
        let n = usize::from(*header.first().ok_or(Error::Corrupt("short scan header"))?);
        if n != self.components.len() {
            return Err(Error::Unsupported("more than one scan"));
        }
        // Per scan component: its frame component, DC table, AC table.
        let mut order = Vec::with_capacity(n);
        for i in 0..n {
            let s = header
                .get(1 + 2 * i..3 + 2 * i)
                .ok_or(Error::Corrupt("short scan header"))?;
            let c = self
                .components
                .iter()
                .position(|c| c.id == s[0])
                .ok_or(Error::Corrupt("scan names an unknown component"))?;
            let dc = self.dc[usize::from(s[1] >> 4) & 3]
                .as_ref()
                .ok_or(Error::Corrupt("missing DC table"))?;
            let ac = self.ac[usize::from(s[1] & 15) & 3]
                .as_ref()
                .ok_or(Error::Corrupt("missing AC table"))?;
            order.push((c, dc, ac));
        }
        let (hmax, vmax) = (self.components[0].h, self.components[0].v);
        let mut planes: Vec<Plane> = self
            .components
            .iter()
            .map(|c| {
                let (width, height) = (
                    (self.width * c.h).div_ceil(hmax),
                    (self.height * c.v).div_ceil(vmax),
                );
                Plane {
                    width,
                    height,
                    data: vec![0; width * height],
                }
            })
            .collect();
        let (mcus_x, mcus_y) = (
            self.width.div_ceil(8 * hmax),
            self.height.div_ceil(8 * vmax),
        );
        let mut reader = BitReader::new(bytes, data_start);
        let mut predictions = [0i32; 3];
        let mut block = [0i32; 64];
        let mut left = self.restart_interval;
        for my in 0..mcus_y {
            for mx in 0..mcus_x {
                if self.restart_interval > 0 {
                    if left == 0 {
                        reader.restart()?;
                        predictions = [0; 3];
                        left = self.restart_interval;
                    }
                    left -= 1;
                }
                for &(c, dc, ac) in &order {
                    let comp = &self.components[c];
                    let quant = &self.quant[comp.quant];
                    for (bx, by) in (0..comp.v).flat_map(|by| (0..comp.h).map(move |bx| (bx, by))) {
                        block.fill(0);
                        let end = reader.block(&mut block, dc, ac, quant, &mut predictions[c])?;
                        let (x, y) = ((mx * comp.h + bx) * 8, (my * comp.v + by) * 8);
                        planes[c].put(x, y, &block, end);
                    }
                }
            }
        }
        Ok(planes)
    }
}

#[cfg(test)]
mod tests;
