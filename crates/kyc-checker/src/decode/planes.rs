//! The analysis copy and full-size luma straight from a JPEG's planes
//! (`kyc-jpeg`), for the photos phones take: no full-size colour image is
//! ever made. Luma is averaged down from full size; chroma, stored at half
//! size in a 4:2:0 photo, is averaged from its own size, then the small
//! copy is turned into RGB.

use std::borrow::Cow;

use image::{GrayImage, RgbImage};
use kyc_jpeg::Plane;

/// `image` reduced by `factor` (each output pixel the mean of a `factor`
/// x `factor` block of full-size pixels) and converted to RGB; the size
/// is `(width / factor, height / factor)`, at least 1, as
/// [`super::box_reduce`] gives.
pub fn analysis_rgb(image: &kyc_jpeg::Image, factor: usize) -> RgbImage {
    let (w, h) = (
        (image.width / factor).max(1),
        (image.height / factor).max(1),
    );
    let reduced: Vec<Cow<'_, [u8]>> = image
        .planes
        .iter()
        .zip(&image.subsampling)
        .map(|(plane, &(sx, sy))| reduce(plane, w, h, (factor, sx), (factor, sy)))
        .collect();
    let mut rgb = vec![0u8; w * h * 3];
    match reduced.as_slice() {
        [y, cb, cr] => to_rgb(&y[..w * h], &cb[..w * h], &cr[..w * h], &mut rgb),
        [y] => {
            for (px, &y) in rgb.chunks_exact_mut(3).zip(y.iter()) {
                px.fill(y);
            }
        }
        _ => unreachable!("kyc-jpeg decodes one or three planes"),
    }
    RgbImage::from_raw(w as u32, h as u32, rgb).expect("w x h x 3 bytes")
}

/// The luma plane as an image, without a copy.
pub fn luma(image: kyc_jpeg::Image) -> GrayImage {
    let (w, h) = (image.width as u32, image.height as u32);
    let y = image.planes.into_iter().next().expect("a luma plane");
    GrayImage::from_raw(w, h, y.data).expect("w x h bytes")
}

/// [`ycbcr_to_rgb`] over whole planes, sixteen pixels at a time: the
/// three channels computed in separate lanes (which the compiler
/// vectorises), then interleaved. Pixel by pixel it took 5 % of a check.
fn to_rgb(y: &[u8], cb: &[u8], cr: &[u8], rgb: &mut [u8]) {
    const N: usize = 16;
    let blocks = y.len() / N;
    for b in 0..blocks {
        let (y, cb, cr) = (&y[b * N..][..N], &cb[b * N..][..N], &cr[b * N..][..N]);
        let mut channels = [[0u8; N]; 3];
        for i in 0..N {
            let px = ycbcr_to_rgb(y[i], cb[i], cr[i]);
            for c in 0..3 {
                channels[c][i] = px[c];
            }
        }
        let out = &mut rgb[b * N * 3..][..N * 3];
        for i in 0..N {
            for c in 0..3 {
                out[i * 3 + c] = channels[c][i];
            }
        }
    }
    for i in blocks * N..y.len() {
        rgb[i * 3..i * 3 + 3].copy_from_slice(&ycbcr_to_rgb(y[i], cb[i], cr[i]));
    }
}

/// JFIF's YCbCr to RGB, in 16.16 fixed point (libjpeg's constants).
#[inline(always)]
fn ycbcr_to_rgb(y: u8, cb: u8, cr: u8) -> [u8; 3] {
    let (y, cb, cr) = (i32::from(y), i32::from(cb) - 128, i32::from(cr) - 128);
    let r = y + ((91_881 * cr + 32_768) >> 16);
    let g = y + ((-22_554 * cb - 46_802 * cr + 32_768) >> 16);
    let b = y + ((116_130 * cb + 32_768) >> 16);
    [r, g, b].map(|v| v.clamp(0, 255) as u8)
}

/// Plane samples averaged to `w` x `h`: output pixel `x` covers full-size
/// pixels `x * f .. (x + 1) * f`, which are plane samples `x * f / s` up to
/// `((x + 1) * f) / s` rounded up (`(f, s)` per axis: the reduction and the
/// plane's subsampling). Whole blocks when `s` divides `f`; a sample
/// straddling two output pixels counts in both otherwise.
fn reduce(
    plane: &Plane,
    w: usize,
    h: usize,
    (fx, sx): (usize, usize),
    (fy, sy): (usize, usize),
) -> Cow<'_, [u8]> {
    if (fx, fy) == (2, 2) && (sx, sy) == (1, 1) && (plane.width / 2, plane.height / 2) == (w, h) {
        return Cow::Owned(super::halve_pixels::<1>(
            &plane.data,
            plane.width,
            plane.height,
        ));
    }
    if (fx, fy) == (sx, sy) && plane.width >= w && plane.height >= h {
        // Stored at the output's own scale (a 4:2:0 photo's chroma halved).
        if plane.width == w {
            return Cow::Borrowed(&plane.data[..w * h]);
        }
        let mut out = Vec::with_capacity(w * h);
        for row in plane.data.chunks_exact(plane.width).take(h) {
            out.extend_from_slice(&row[..w]);
        }
        return Cow::Owned(out);
    }
    let span = |i: usize, f: usize, s: usize, n: usize| {
        let start = (i * f / s).min(n - 1);
        (start, ((i + 1) * f).div_ceil(s).clamp(start + 1, n))
    };
    let columns: Vec<(usize, usize)> = (0..w).map(|x| span(x, fx, sx, plane.width)).collect();
    let mut out = Vec::with_capacity(w * h);
    for y in 0..h {
        let (y0, y1) = span(y, fy, sy, plane.height);
        for &(x0, x1) in &columns {
            let mut sum = 0u32;
            for row in y0..y1 {
                let line = &plane.data[row * plane.width..][..plane.width];
                sum += line[x0..x1].iter().map(|&v| u32::from(v)).sum::<u32>();
            }
            let n = ((y1 - y0) * (x1 - x0)) as u32;
            out.push(((sum + n / 2) / n) as u8);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plane(width: usize, height: usize, f: impl Fn(usize, usize) -> u8) -> Plane {
        Plane {
            width,
            height,
            data: (0..width * height)
                .map(|i| f(i % width, i / width))
                .collect(),
        }
    }

    /// The mean of the samples whose full-size pixels meet output pixel
    /// (x, y), computed the obvious way.
    fn naive(p: &Plane, x: usize, y: usize, f: usize, s: usize) -> u8 {
        let (mut sum, mut n) = (0u32, 0u32);
        for sy in 0..p.height {
            for sx in 0..p.width {
                let meets = |i: usize, o: usize| i * s < (o + 1) * f && (i + 1) * s > o * f;
                if meets(sx, x) && meets(sy, y) {
                    sum += u32::from(p.data[sy * p.width + sx]);
                    n += 1;
                }
            }
        }
        ((sum + n / 2) / n) as u8
    }

    #[test]
    fn every_reduction_is_the_mean_of_the_samples_it_covers() {
        let p = plane(37, 23, |x, y| ((x * 7 + y * 13) % 256) as u8);
        for (f, s) in [(2, 1), (3, 1), (4, 1), (2, 2), (3, 2), (4, 2), (6, 2)] {
            let (w, h) = ((37 * s / f).max(1), (23 * s / f).max(1));
            let got = reduce(&p, w, h, (f, s), (f, s));
            for y in 0..h {
                for x in 0..w {
                    assert_eq!(
                        got[y * w + x],
                        naive(&p, x, y, f, s),
                        "f {f} s {s} at {x},{y}"
                    );
                }
            }
        }
    }

    #[test]
    fn whole_planes_convert_as_single_pixels() {
        let n = 16 * 3 + 5;
        let y: Vec<u8> = (0..n).map(|i| (i * 37 % 256) as u8).collect();
        let cb: Vec<u8> = (0..n).map(|i| (i * 91 % 256) as u8).collect();
        let cr: Vec<u8> = (0..n).map(|i| (255 - i * 13 % 256) as u8).collect();
        let mut rgb = vec![0u8; n * 3];
        to_rgb(&y, &cb, &cr, &mut rgb);
        for i in 0..n {
            assert_eq!(
                rgb[i * 3..i * 3 + 3],
                ycbcr_to_rgb(y[i], cb[i], cr[i]),
                "pixel {i}"
            );
        }
    }

    #[test]
    fn grey_stays_grey_and_primaries_come_out_right() {
        assert_eq!(ycbcr_to_rgb(77, 128, 128), [77, 77, 77]);
        // JFIF red, green and blue.
        let near = |a: [u8; 3], b: [u8; 3]| a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= 1);
        assert!(
            near(ycbcr_to_rgb(76, 85, 255), [255, 0, 0]),
            "{:?}",
            ycbcr_to_rgb(76, 85, 255)
        );
        assert!(
            near(ycbcr_to_rgb(150, 44, 21), [0, 255, 0]),
            "{:?}",
            ycbcr_to_rgb(150, 44, 21)
        );
        assert!(
            near(ycbcr_to_rgb(29, 255, 107), [0, 0, 255]),
            "{:?}",
            ycbcr_to_rgb(29, 255, 107)
        );
    }
}
