//! The inverse DCT: libjpeg's accurate integer algorithm (Loeffler, Ligtenberg
//! and Moschytz, 13-bit constants), over eight lanes at once: a whole row of
//! the block in one vector register.

use wide::i32x8;

const CONST_BITS: u32 = 13;
const PASS1_BITS: u32 = 2;

#[inline(always)]
fn k(v: i32) -> i32x8 {
    i32x8::splat(v)
}

#[inline(always)]
fn descale(a: i32x8, n: u32) -> i32x8 {
    (a + k(1 << (n - 1))) >> n
}

/// One 1-D pass over eight lanes: `v[k]` holds coefficient `k` of each lane.
/// With `LOW`, coefficients 4 to 7 are known to be zero and left out.
#[inline(always)]
fn pass<const LOW: bool>(v: [i32x8; 8], shift: u32) -> [i32x8; 8] {
    if LOW {
        return pass_low(v, shift);
    }
    // Even part.
    let z1 = (v[2] + v[6]) * k(4433);
    let tmp2 = z1 + v[6] * k(-15137);
    let tmp3 = z1 + v[2] * k(6270);
    let tmp0 = (v[0] + v[4]) << CONST_BITS;
    let tmp1 = (v[0] - v[4]) << CONST_BITS;
    let tmp10 = tmp0 + tmp3;
    let tmp13 = tmp0 - tmp3;
    let tmp11 = tmp1 + tmp2;
    let tmp12 = tmp1 - tmp2;
    // Odd part.
    let (t0, t1, t2, t3) = (v[7], v[5], v[3], v[1]);
    let z5 = (t0 + t1 + t2 + t3) * k(9633);
    let z1 = (t0 + t3) * k(-7373);
    let z2 = (t1 + t2) * k(-20995);
    let z3 = (t0 + t2) * k(-16069) + z5;
    let z4 = (t1 + t3) * k(-3196) + z5;
    let t0 = t0 * k(2446) + z1 + z3;
    let t1 = t1 * k(16819) + z2 + z4;
    let t2 = t2 * k(25172) + z2 + z3;
    let t3 = t3 * k(12299) + z1 + z4;
    butterfly([tmp10, tmp11, tmp12, tmp13], [t0, t1, t2, t3], shift)
}

/// The last stage of both passes: even and odd parts combined, descaled.
#[inline(always)]
fn butterfly(
    [tmp10, tmp11, tmp12, tmp13]: [i32x8; 4],
    [t0, t1, t2, t3]: [i32x8; 4],
    shift: u32,
) -> [i32x8; 8] {
    [
        descale(tmp10 + t3, shift),
        descale(tmp11 + t2, shift),
        descale(tmp12 + t1, shift),
        descale(tmp13 + t0, shift),
        descale(tmp13 - t0, shift),
        descale(tmp12 - t1, shift),
        descale(tmp11 - t2, shift),
        descale(tmp10 - t3, shift),
    ]
}

/// [`pass`] when only coefficients 0 to 3 can be non-zero: the common case
/// (smooth areas, chroma), for about half the work.
#[inline(always)]
fn pass_low(v: [i32x8; 8], shift: u32) -> [i32x8; 8] {
    let z1 = v[2] * k(4433);
    let tmp0 = v[0] << CONST_BITS;
    let (tmp2, tmp3) = (z1, z1 + v[2] * k(6270));
    let tmp10 = tmp0 + tmp3;
    let tmp13 = tmp0 - tmp3;
    let tmp11 = tmp0 + tmp2;
    let tmp12 = tmp0 - tmp2;
    let (t2, t3) = (v[3], v[1]);
    let z5 = (t2 + t3) * k(9633);
    let z1 = t3 * k(-7373);
    let z2 = t2 * k(-20995);
    let z3 = t2 * k(-16069) + z5;
    let z4 = t3 * k(-3196) + z5;
    let t0 = z1 + z3;
    let t1 = z2 + z4;
    let t2 = t2 * k(25172) + z2 + z3;
    let t3 = t3 * k(12299) + z1 + z4;
    butterfly([tmp10, tmp11, tmp12, tmp13], [t0, t1, t2, t3], shift)
}

/// Dequantised coefficients, stored transposed (`block[u * 8 + v]` holds
/// vertical frequency `v`, horizontal `u`: the decoder writes them so, for
/// free), to samples written into `out` at `stride`, clipped to `width` x
/// `height` (the part of the block inside the plane). Transposed input
/// leaves one transposition in the middle instead of two.
/// `low`: only the top-left 4x4 coefficients can be non-zero.
pub fn idct_block(
    block: &[i32; 64],
    low: bool,
    out: &mut [u8],
    stride: usize,
    width: usize,
    height: usize,
) {
    let columns: [i32x8; 8] = std::array::from_fn(|u| {
        let lanes: [i32; 8] = block[u * 8..u * 8 + 8].try_into().unwrap_or_default();
        i32x8::new(lanes)
    });
    // Along the rows first: lane v of `columns[u]` is coefficient (v, u).
    let (first, second) = (CONST_BITS - PASS1_BITS, CONST_BITS + PASS1_BITS + 3);
    let samples = if low {
        pass::<true>(i32x8::transpose(pass::<true>(columns, first)), second)
    } else {
        pass::<false>(i32x8::transpose(pass::<false>(columns, first)), second)
    };
    let w = width.min(8);
    for (row, s) in out.chunks_mut(stride).zip(samples).take(height.min(8)) {
        let clamped = (s + k(128)).max(k(0)).min(k(255)).to_array();
        let bytes: [u8; 8] = clamped.map(|v| v as u8);
        // A whole row is one 8-byte move; a slice of variable length was a
        // call to memcpy per row.
        if w == 8 {
            row[..8].copy_from_slice(&bytes);
        } else {
            row[..w].copy_from_slice(&bytes[..w]);
        }
    }
}

/// The block whose only non-zero coefficient is DC: one flat value, the
/// same the full transform gives.
pub fn idct_dc(dc: i32, out: &mut [u8], stride: usize, width: usize, height: usize) {
    let v = clamp((dc.wrapping_add(4) >> 3).wrapping_add(128));
    let w = width.min(8);
    for row in out.chunks_mut(stride).take(height.min(8)) {
        if w == 8 {
            row[..8].copy_from_slice(&[v; 8]);
        } else {
            row[..w].fill(v);
        }
    }
}

#[inline(always)]
fn clamp(v: i32) -> u8 {
    v.clamp(0, 255) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook inverse DCT in floating point.
    fn reference(block: &[i32; 64]) -> [f64; 64] {
        let c = |k: usize| {
            if k == 0 {
                std::f64::consts::FRAC_1_SQRT_2
            } else {
                1.0
            }
        };
        std::array::from_fn(|i| {
            let (y, x) = (i / 8, i % 8);
            let mut sum = 0.0;
            for v in 0..8 {
                for u in 0..8 {
                    let cu = ((2 * x + 1) as f64 * u as f64 * std::f64::consts::PI / 16.0).cos();
                    let cv = ((2 * y + 1) as f64 * v as f64 * std::f64::consts::PI / 16.0).cos();
                    sum += c(u) * c(v) * f64::from(block[v * 8 + u]) * cu * cv;
                }
            }
            (sum / 4.0 + 128.0).clamp(0.0, 255.0)
        })
    }

    fn transposed(block: &[i32; 64]) -> [i32; 64] {
        std::array::from_fn(|i| block[(i % 8) * 8 + i / 8])
    }

    #[test]
    fn matches_the_textbook_transform_within_one_level() {
        let mut seed = 12345u32;
        let mut next = || {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (seed >> 16) as i32
        };
        for _ in 0..200 {
            let mut block = [0i32; 64];
            for (i, b) in block.iter_mut().enumerate() {
                // Energy falling with frequency, as in photos.
                let range = 600 / (1 + i as i32);
                *b = next() % (2 * range + 1) - range;
            }
            let mut out = [0u8; 64];
            idct_block(&transposed(&block), false, &mut out, 8, 8, 8);
            let want = reference(&block);
            for (got, want) in out.iter().zip(want) {
                assert!((f64::from(*got) - want).abs() <= 1.0, "{got} vs {want}");
            }
        }
    }

    #[test]
    fn the_low_frequency_shortcut_matches_the_full_transform() {
        let mut seed = 99u32;
        for _ in 0..500 {
            let mut block = [0i32; 64];
            for v in 0..4 {
                for u in 0..4 {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    block[u * 8 + v] = (seed >> 16) as i32 % 401 - 200;
                }
            }
            let (mut full, mut low) = ([0u8; 64], [0u8; 64]);
            idct_block(&block, false, &mut full, 8, 8, 8);
            idct_block(&block, true, &mut low, 8, 8, 8);
            assert_eq!(full, low);
        }
    }

    #[test]
    fn a_dc_only_block_is_flat_and_matches_the_full_transform() {
        for dc in [-1024, -300, -5, 0, 3, 4, 5, 77, 1016, 2000] {
            let mut block = [0i32; 64];
            block[0] = dc;
            let (mut full, mut flat) = ([0u8; 64], [0u8; 64]);
            idct_block(&block, false, &mut full, 8, 8, 8);
            idct_dc(dc, &mut flat, 8, 8, 8);
            assert_eq!(full, flat, "dc {dc}");
        }
    }

    #[test]
    fn writes_stay_inside_the_clip() {
        let mut block = [0i32; 64];
        block[0] = 400;
        block[1] = 90;
        let mut out = [7u8; 10 * 10];
        idct_block(&block, false, &mut out[..], 10, 3, 2);
        for (i, v) in out.iter().enumerate() {
            let inside = i % 10 < 3 && i / 10 < 2;
            assert_eq!(*v == 7, !inside, "pixel {i}");
        }
    }
}
