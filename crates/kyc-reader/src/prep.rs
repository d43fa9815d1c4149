//! Getting an image into the shape Tesseract reads best: the document
//! warped flat to a canonical rectangle when its corners are known, grey,
//! scaled so text is near 30 px x-height.

use std::borrow::Cow;

use image::{imageops, GrayImage, RgbImage};
use kyc_checker::{Corners, FieldLocation};

/// Maps a point of the output rectangle back to the source image.
#[derive(Debug, Clone, Copy)]
struct Homography([f64; 8]);

impl Homography {
    /// The projective map taking the corners of a `w`x`h` rectangle
    /// (clockwise from top-left) to `quad`.
    fn rect_to_quad(w: f64, h: f64, quad: &Corners) -> Option<Self> {
        let src = [[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]];
        let mut a = [[0.0f64; 9]; 8];
        for i in 0..4 {
            let ([x, y], [u, v]) = (src[i], quad[i]);
            a[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
            a[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
        }
        solve8(a).map(Self)
    }

    fn apply(&self, x: f64, y: f64) -> (f64, f64) {
        let h = &self.0;
        let d = h[6] * x + h[7] * y + 1.0;
        (
            (h[0] * x + h[1] * y + h[2]) / d,
            (h[3] * x + h[4] * y + h[5]) / d,
        )
    }
}

/// Gaussian elimination with partial pivoting on an 8x9 augmented matrix.
fn solve8(mut a: [[f64; 9]; 8]) -> Option<[f64; 8]> {
    for col in 0..8 {
        let pivot = (col..8).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-9 {
            return None;
        }
        a.swap(col, pivot);
        let pivot_row = a[col];
        for (row, r) in a.iter_mut().enumerate() {
            if row != col {
                let f = r[col] / pivot_row[col];
                for (x, p) in r.iter_mut().zip(pivot_row.iter()).skip(col) {
                    *x -= f * p;
                }
            }
        }
    }
    let mut out = [0.0; 8];
    for i in 0..8 {
        out[i] = a[i][8] / a[i][i];
    }
    Some(out)
}

/// An image prepared for OCR and the way back to the source photo's
/// pixels, so every value read can be boxed on the original.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub image: GrayImage,
    /// Maps canonical document coordinates to the source image.
    hom: Option<Homography>,
    /// Prepared pixels per canonical pixel.
    scale: f64,
    source: (u32, u32),
}

/// The full-resolution image the reader reads: colour, turned to grey only
/// where it is sampled, or luma straight from a JPEG's Y plane (the
/// checker's planar decode, which never makes full-size colour).
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    Rgb(&'a RgbImage),
    Luma(&'a GrayImage),
}

impl<'a> From<&'a kyc_checker::FullPixels> for Source<'a> {
    fn from(full: &'a kyc_checker::FullPixels) -> Self {
        match full {
            kyc_checker::FullPixels::Rgb(rgb) => Source::Rgb(rgb),
            kyc_checker::FullPixels::Luma(luma) => Source::Luma(luma),
        }
    }
}

impl Source<'_> {
    pub fn dimensions(&self) -> (u32, u32) {
        match self {
            Source::Rgb(rgb) => rgb.dimensions(),
            Source::Luma(luma) => luma.dimensions(),
        }
    }
}

/// Luma access to one kind of [`Source`], for the copies generic over it.
/// Colour keeps its exact BT.709 luma, fractions included: the OCR and MRZ
/// readings were tuned on it, and rounding it to bytes first moved 11 of 38
/// PassportEye readings.
trait Pixels: Copy {
    fn raw(&self) -> &[u8];
    fn dimensions(&self) -> (u32, u32);
    /// The luma of pixel `i` (row-major index).
    fn luma(raw: &[u8], i: usize) -> f64;
    /// [`Pixels::luma`] in 16.16 fixed point, unrounded.
    fn luma_fixed(raw: &[u8], i: usize) -> u32;
    /// The whole image in grey (borrowed when it already is).
    fn to_gray(&self) -> Cow<'_, GrayImage>;
}

impl Pixels for &RgbImage {
    fn raw(&self) -> &[u8] {
        self.as_raw()
    }
    fn dimensions(&self) -> (u32, u32) {
        RgbImage::dimensions(self)
    }
    fn luma(raw: &[u8], i: usize) -> f64 {
        luma(raw, i)
    }
    #[inline]
    fn luma_fixed(raw: &[u8], i: usize) -> u32 {
        luma_fixed(raw, i)
    }
    fn to_gray(&self) -> Cow<'_, GrayImage> {
        Cow::Owned(to_gray(self))
    }
}

impl Pixels for &GrayImage {
    fn raw(&self) -> &[u8] {
        self.as_raw()
    }
    fn dimensions(&self) -> (u32, u32) {
        GrayImage::dimensions(self)
    }
    fn luma(raw: &[u8], i: usize) -> f64 {
        f64::from(raw[i])
    }
    #[inline]
    fn luma_fixed(raw: &[u8], i: usize) -> u32 {
        u32::from(raw[i]) << 16
    }
    fn to_gray(&self) -> Cow<'_, GrayImage> {
        Cow::Borrowed(self)
    }
}

/// How a quad is copied (see [`Prepared::new`] and [`Prepared::quick`]).
type Warp<P> = fn(P, &Corners, u32, u32) -> Option<GrayImage>;

impl Prepared {
    /// The document flattened with `corners` when they are usable, else
    /// the whole image; then scaled by `scale_for(width, height)`.
    pub fn new(
        source: Source<'_>,
        corners: Option<&Corners>,
        scale_for: impl Fn(f64, f64) -> f64,
    ) -> Self {
        match source {
            Source::Rgb(rgb) => Self::with_warp(rgb, corners, scale_for, warp_luma),
            Source::Luma(luma) => Self::with_warp(luma, corners, scale_for, warp_luma),
        }
    }

    /// [`Prepared::new`] with the quad interpolated in integer arithmetic
    /// (as [`quick_copy`] enlarges), at most a grey level off and ~40 %
    /// cheaper: for the MRZ template reader, whose threshold a grey level
    /// does not move (the same readings on the 46 MRZ images). Copies
    /// for OCR keep the float interpolation: Tesseract's readings move
    /// with a grey level (measured: 3 of 38 PassportEye readings changed).
    pub fn quick(
        source: Source<'_>,
        corners: &Corners,
        scale_for: impl Fn(f64, f64) -> f64,
    ) -> Self {
        match source {
            Source::Rgb(rgb) => Self::with_warp(rgb, Some(corners), scale_for, warp_luma_fixed),
            Source::Luma(luma) => Self::with_warp(luma, Some(corners), scale_for, warp_luma_fixed),
        }
    }

    fn with_warp<P: Pixels>(
        pixels: P,
        corners: Option<&Corners>,
        scale_for: impl Fn(f64, f64) -> f64,
        warp: Warp<P>,
    ) -> Self {
        let source = pixels.dimensions();
        if let Some(c) = corners {
            let (w, h) = quad_size(c);
            let s = scale_for(w, h);
            if let Some((ow, oh)) = output_size(w, h, s) {
                if let (Some(hom), Some(image)) =
                    (Homography::rect_to_quad(w, h, c), warp(pixels, c, ow, oh))
                {
                    return Self {
                        image,
                        hom: Some(hom),
                        scale: s,
                        source,
                    };
                }
            }
        }
        let gray = pixels.to_gray();
        let s = scale_for(f64::from(source.0), f64::from(source.1));
        let image = if (s - 1.0).abs() < 1e-3 {
            gray.into_owned()
        } else {
            resize_to(&gray, s)
        };
        Self {
            image,
            hom: None,
            scale: s,
            source,
        }
    }

    /// A box in prepared pixels as a box in the source image.
    pub fn to_source(&self, x: u32, y: u32, w: u32, h: u32) -> FieldLocation {
        let pts = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)].map(|(px, py)| {
            let (cx, cy) = (f64::from(px) / self.scale, f64::from(py) / self.scale);
            match &self.hom {
                Some(hom) => hom.apply(cx, cy),
                None => (cx, cy),
            }
        });
        let (sw, sh) = (f64::from(self.source.0), f64::from(self.source.1));
        let x0 = pts
            .iter()
            .map(|p| p.0)
            .fold(f64::MAX, f64::min)
            .clamp(0.0, sw);
        let y0 = pts
            .iter()
            .map(|p| p.1)
            .fold(f64::MAX, f64::min)
            .clamp(0.0, sh);
        let x1 = pts
            .iter()
            .map(|p| p.0)
            .fold(f64::MIN, f64::max)
            .clamp(0.0, sw);
        let y1 = pts
            .iter()
            .map(|p| p.1)
            .fold(f64::MIN, f64::max)
            .clamp(0.0, sh);
        FieldLocation {
            x: x0.round() as u32,
            y: y0.round() as u32,
            width: (x1 - x0).round() as u32,
            height: (y1 - y0).round() as u32,
        }
    }
}

/// A quick grey copy for finding things (not for reading them): the
/// quad `corners`, or the whole image, scaled by `scale_for(width,
/// height)` and, when shrunk, sampled at the nearest pixel: several times
/// cheaper than [`Prepared::new`]'s interpolation, and a detector working
/// near the source's own resolution loses nothing by it.
pub fn quick_copy(
    source: Source<'_>,
    corners: Option<&Corners>,
    scale_for: impl Fn(f64, f64) -> f64,
) -> Option<GrayImage> {
    match source {
        Source::Rgb(rgb) => quick_copy_of(rgb, corners, scale_for),
        Source::Luma(luma) => quick_copy_of(luma, corners, scale_for),
    }
}

fn quick_copy_of<P: Pixels>(
    pixels: P,
    corners: Option<&Corners>,
    scale_for: impl Fn(f64, f64) -> f64,
) -> Option<GrayImage> {
    let (sw, sh) = pixels.dimensions();
    let whole = rectangle(sw, sh);
    let quad = corners.unwrap_or(&whole);
    let (w, h) = quad_size(quad);
    let s = scale_for(w, h);
    let (ow, oh) = output_size(w, h, s)?;
    let raw = pixels.raw();
    let (width, height) = (sw as usize, sh as usize);
    if s > 1.0 {
        // Enlarged pixels sampled at the nearest source pixel become blocks
        // that merge neighbouring glyphs: interpolate instead.
        return warp_with(quad, ow, oh, (sw, sh), |u, v| {
            bilinear_luma_fixed::<P>(raw, width, height, u, v)
        });
    }
    nearest_luma(pixels, quad, ow, oh)
}

/// Output pixels per exactly mapped point of [`nearest_luma`]: between
/// two, the source position is stepped linearly in 16.16 fixed point.
const NEAREST_SPAN: usize = 8;

/// Each [`NEAREST_SPAN`]-pixel span of output row `y` (of `width`
/// pixels): the source position of its first pixel and the step per
/// pixel, in 16.16 fixed point. The homography is evaluated exactly at
/// the spans' ends only, one point per span: a span's end is the next
/// one's start (both sums are exact in f64).
fn row_spans(
    hom: &Homography,
    y: usize,
    width: usize,
) -> impl Iterator<Item = ((i64, i64), (i64, i64))> + '_ {
    let yc = y as f64 + 0.5;
    let fixed = |v: f64| (v * 65536.0).round() as i64;
    let span = NEAREST_SPAN as i64;
    let mut start = hom.apply(0.5, yc);
    (0..width.div_ceil(NEAREST_SPAN)).map(move |block| {
        let x0 = (block * NEAREST_SPAN) as f64 + 0.5;
        let end = hom.apply(x0 + NEAREST_SPAN as f64, yc);
        let (u, v) = (fixed(start.0), fixed(start.1));
        start = end;
        (
            (u, v),
            ((fixed(end.0) - u) / span, (fixed(end.1) - v) / span),
        )
    })
}

/// The quad warped to `width` x `height` at the nearest source pixel, as
/// luma; white outside the image. The homography is evaluated exactly
/// every [`NEAREST_SPAN`] pixels of a row and stepped linearly between
/// (perspective bends an 8-pixel stretch by far less than a pixel), so a
/// pixel costs two integer adds instead of a division: the copy was
/// memory- and division-bound, most of the cost of looking for an MRZ.
fn nearest_luma<P: Pixels>(
    pixels: P,
    quad: &Corners,
    width: u32,
    height: u32,
) -> Option<GrayImage> {
    let hom = Homography::rect_to_quad(f64::from(width), f64::from(height), quad)?;
    let raw = pixels.raw();
    let (sw, sh) = pixels.dimensions();
    let source_width = sw as usize;
    let (max_u, max_v) = (i64::from(sw) << 16, i64::from(sh) << 16);
    let inside = |u: i64, v: i64| u >= 0 && v >= 0 && u < max_u && v < max_v;
    // The luma at a 16.16 source position inside the image.
    let at =
        |u: i64, v: i64| luma_u8::<P>(raw, (v >> 16) as usize * source_width + (u >> 16) as usize);
    let mut out = vec![255u8; width as usize * height as usize];
    for (y, row) in out.chunks_exact_mut(width as usize).enumerate() {
        for (pixels, ((mut u, mut v), (du, dv))) in
            row.chunks_mut(NEAREST_SPAN)
                .zip(row_spans(&hom, y, width as usize))
        {
            let last = pixels.len() as i64 - 1;
            if inside(u, v) && inside(u + last * du, v + last * dv) {
                // Both ends inside the image: so is every step between.
                for px in pixels {
                    *px = at(u, v);
                    u += du;
                    v += dv;
                }
                continue;
            }
            for px in pixels {
                if inside(u, v) {
                    *px = at(u, v);
                }
                u += du;
                v += dv;
            }
        }
    }
    GrayImage::from_raw(width, height, out)
}

/// The size of a `w` x `h` document scaled by `s`, when it is one worth
/// warping: 16 to 6000 px a side.
fn output_size(w: f64, h: f64, s: f64) -> Option<(u32, u32)> {
    let (ow, oh) = ((w * s).round() as u32, (h * s).round() as u32);
    ((16..=6000).contains(&ow) && (16..=6000).contains(&oh)).then_some((ow, oh))
}

/// The luma (BT.709, as `image`'s grey conversion) of pixel `i` of a
/// packed RGB buffer.
fn luma(raw: &[u8], i: usize) -> f64 {
    // Indexed byte by byte, as in `luma_fixed` (why: there).
    let j = i * 3;
    0.2126 * f64::from(raw[j]) + 0.7152 * f64::from(raw[j + 1]) + 0.0722 * f64::from(raw[j + 2])
}

/// [`luma`] in 16.16 fixed point, unrounded: the BT.709 weights scaled to
/// sum to 65536. The one integer copy of the weights, for both quick-copy
/// samplers.
///
/// The three bytes are indexed one by one, not as a sub-slice: the slice's
/// range checks kept the copy loops from overlapping their loads
/// (measured: the MRZ search copy at 12 ns a pixel with the slice, 5 ns
/// without).
#[inline]
fn luma_fixed(raw: &[u8], i: usize) -> u32 {
    let j = i * 3;
    13933 * u32::from(raw[j]) + 46871 * u32::from(raw[j + 1]) + 4732 * u32::from(raw[j + 2])
}

/// [`luma`] rounded to a byte, in integer arithmetic: the nearest-pixel
/// copy's whole per-pixel cost is this and two adds.
fn luma_u8<P: Pixels>(raw: &[u8], i: usize) -> u8 {
    ((P::luma_fixed(raw, i) + 32768) >> 16) as u8
}

pub fn to_gray(image: &RgbImage) -> GrayImage {
    imageops::grayscale(image)
}

/// The document flattened to `width`x`height`, or `None` when the corners
/// are degenerate. Pixels outside the image come out white, like paper.
pub fn warp(gray: &GrayImage, corners: &Corners, width: u32, height: u32) -> Option<GrayImage> {
    warp_with(corners, width, height, gray.dimensions(), |u, v| {
        bilinear(gray, u, v)
    })
}

/// [`warp`] straight from a [`Source`]'s pixels: a colour image's luma is
/// computed only at the pixels the output samples, which is cheaper than a
/// grey copy of a whole photo when the output is smaller than the source.
fn warp_luma<P: Pixels>(
    pixels: P,
    corners: &Corners,
    width: u32,
    height: u32,
) -> Option<GrayImage> {
    warp_with(corners, width, height, pixels.dimensions(), |u, v| {
        bilinear_luma(pixels, u, v)
    })
}

/// [`warp_luma`] interpolating in integer arithmetic (see
/// [`bilinear_luma_fixed`]), the homography evaluated exactly every
/// [`NEAREST_SPAN`] pixels of a row and stepped in 16.16 fixed point
/// between, as [`nearest_luma`] does: no division and no float per pixel
/// where a span lies inside the image (measured: 16 ns a pixel with a
/// division and the float interpolation, the most expensive step of an
/// MRZ read by template).
fn warp_luma_fixed<P: Pixels>(
    pixels: P,
    quad: &Corners,
    width: u32,
    height: u32,
) -> Option<GrayImage> {
    let hom = Homography::rect_to_quad(f64::from(width), f64::from(height), quad)?;
    let raw = pixels.raw();
    let (sw, sh) = pixels.dimensions();
    let (sw, sh) = (sw as usize, sh as usize);
    // Pixel centres are at +0.5: the interpolation's own origin is half a
    // pixel up and left of the mapped point.
    const HALF: i64 = 1 << 15;
    let (max_u, max_v) = ((sw as i64) << 16, (sh as i64) << 16);
    // The luma of the quad's bounding box, computed once: each source
    // pixel is a tap of several output pixels (the reading copy enlarges),
    // and converting it at every tap was most of the warp's cost.
    let plane = LumaPlane::of_box(pixels, quad);
    // Both taps of each axis inside the box: no clamping needed.
    let (tap_u, tap_v) = (
        ((plane.x1 as i64 - 1) << 16) - 1,
        ((plane.y1 as i64 - 1) << 16) - 1,
    );
    let (min_u, min_v) = ((plane.x0 as i64) << 16, (plane.y0 as i64) << 16);
    let both_taps = |p: i64, q: i64| p >= min_u && q >= min_v && p <= tap_u && q <= tap_v;
    let interpolate = |p: i64, q: i64| -> u8 {
        let (x0, y0) = ((p >> 16) as usize - plane.x0, (q >> 16) as usize - plane.y0);
        let (fx, fy) = (((p >> 8) & 255) as u32, ((q >> 8) & 255) as u32);
        let pw = plane.x1 - plane.x0;
        let (r0, r1) = (y0 * pw + x0, (y0 + 1) * pw + x0);
        let luma = |i: usize| u32::from(plane.luma[i]);
        let top = luma(r0) * (256 - fx) + luma(r0 + 1) * fx;
        let bottom = luma(r1) * (256 - fx) + luma(r1 + 1) * fx;
        ((u64::from(top) * u64::from(256 - fy) + u64::from(bottom) * u64::from(fy) + (1 << 23))
            >> 24) as u8
    };
    let mut out = vec![255u8; width as usize * height as usize];
    for (y, row) in out.chunks_exact_mut(width as usize).enumerate() {
        for (pixels, ((mut u, mut v), (du, dv))) in
            row.chunks_mut(NEAREST_SPAN)
                .zip(row_spans(&hom, y, width as usize))
        {
            let last = pixels.len() as i64 - 1;
            if both_taps(u - HALF, v - HALF)
                && both_taps(u - HALF + last * du, v - HALF + last * dv)
            {
                for px in pixels {
                    *px = interpolate(u - HALF, v - HALF);
                    u += du;
                    v += dv;
                }
                continue;
            }
            // Near an edge: clamped taps, white outside the image.
            for px in pixels {
                if u >= 0 && v >= 0 && u < max_u && v < max_v {
                    let (x, y) = ((u - HALF) as f64 / 65536.0, (v - HALF) as f64 / 65536.0);
                    *px = bilinear_luma_fixed::<P>(raw, sw, sh, x, y);
                }
                u += du;
                v += dv;
            }
        }
    }
    GrayImage::from_raw(width, height, out)
}

/// The luma of a box of a colour image, in 1/256ths of a grey level (as
/// [`bilinear_luma_fixed`] takes it), row-major.
struct LumaPlane {
    luma: Vec<u16>,
    /// The box, in source pixels: columns `x0..x1`, rows `y0..y1`.
    x0: usize,
    x1: usize,
    y0: usize,
    y1: usize,
}

impl LumaPlane {
    /// The plane of the bounding box of `quad`, a pixel wider each side,
    /// inside the image (empty when the quad is outside it).
    fn of_box<P: Pixels>(pixels: P, quad: &Corners) -> LumaPlane {
        let (sw, sh) = pixels.dimensions();
        let (sw, sh) = (sw as usize, sh as usize);
        let xs = quad.iter().map(|c| c[0]);
        let ys = quad.iter().map(|c| c[1]);
        let lo = |v: f64| (v.floor() - 1.0).max(0.0) as usize;
        let hi = |v: f64, n: usize| ((v.ceil() + 2.0).max(0.0) as usize).min(n);
        let x0 = lo(xs.clone().fold(f64::INFINITY, f64::min)).min(sw);
        let x1 = hi(xs.fold(f64::NEG_INFINITY, f64::max), sw).max(x0);
        let y0 = lo(ys.clone().fold(f64::INFINITY, f64::min)).min(sh);
        let y1 = hi(ys.fold(f64::NEG_INFINITY, f64::max), sh).max(y0);
        let raw = pixels.raw();
        let mut luma = Vec::with_capacity((x1 - x0) * (y1 - y0));
        for y in y0..y1 {
            luma.extend((x0..x1).map(|x| (P::luma_fixed(raw, y * sw + x) >> 8) as u16));
        }
        LumaPlane {
            luma,
            x0,
            x1,
            y0,
            y1,
        }
    }
}

/// Walks the output rectangle and maps each pixel centre into the source
/// (`source` pixels) through the homography, stepping its linear parts
/// along the row so each pixel costs one division.
fn warp_with(
    corners: &Corners,
    width: u32,
    height: u32,
    source: (u32, u32),
    sample: impl Fn(f64, f64) -> u8,
) -> Option<GrayImage> {
    let hom = Homography::rect_to_quad(f64::from(width), f64::from(height), corners)?;
    let h = &hom.0;
    let (sw, sh) = (f64::from(source.0), f64::from(source.1));
    let mut out = vec![255u8; width as usize * height as usize];
    for (y, row) in out.chunks_exact_mut(width as usize).enumerate() {
        let yc = y as f64 + 0.5;
        let (mut nx, mut ny, mut d) = (
            h[0] * 0.5 + h[1] * yc + h[2],
            h[3] * 0.5 + h[4] * yc + h[5],
            h[6] * 0.5 + h[7] * yc + 1.0,
        );
        for px in row.iter_mut() {
            let inv = 1.0 / d;
            let (u, v) = (nx * inv, ny * inv);
            if u >= 0.0 && v >= 0.0 && u < sw && v < sh {
                *px = sample(u - 0.5, v - 0.5);
            }
            nx += h[0];
            ny += h[3];
            d += h[6];
        }
    }
    GrayImage::from_raw(width, height, out)
}

/// The four pixels around (`x`, `y`) (edge pixels repeat outwards): their
/// row-major offsets and the fractional position between them.
fn taps(x: f64, y: f64, w: usize, h: usize) -> ([usize; 4], f64, f64) {
    let (fx0, fy0) = (x.floor(), y.floor());
    let clamp = |v: f64, n: usize| (v.max(0.0) as usize).min(n - 1);
    let (x0, x1) = (clamp(fx0, w), clamp(fx0 + 1.0, w));
    let (y0, y1) = (clamp(fy0, h) * w, clamp(fy0 + 1.0, h) * w);
    ([y0 + x0, y0 + x1, y1 + x0, y1 + x1], x - fx0, y - fy0)
}

fn lerp4([a, b, c, d]: [f64; 4], fx: f64, fy: f64) -> u8 {
    let top = a + (b - a) * fx;
    let bottom = c + (d - c) * fx;
    (top + (bottom - top) * fy + 0.5).clamp(0.0, 255.0) as u8
}

/// The grey level at a fractional point (pixel centres at +0.5), or
/// white outside the image, like paper.
pub fn sample(img: &GrayImage, x: f64, y: f64) -> u8 {
    let (w, h) = (f64::from(img.width()), f64::from(img.height()));
    if x >= 0.0 && y >= 0.0 && x < w && y < h {
        bilinear(img, x - 0.5, y - 0.5)
    } else {
        255
    }
}

/// [`sample`] along a line: `out[i]` is the grey level at (`x + i dx`,
/// `y + i dy`). Where both taps of a point are inside the image the
/// interpolation skips [`taps`]' floors and clamps (the same values: the
/// coordinates are positive, so truncation is the floor); a straightened
/// MRZ row is ~100 000 such points, and the general path was most of its
/// cost.
pub fn sample_line(img: &GrayImage, (x, y): (f64, f64), (dx, dy): (f64, f64), out: &mut [u8]) {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let raw = img.as_raw();
    let (last_x, last_y) = (w as f64 - 1.0, h as f64 - 1.0);
    for (i, px) in out.iter_mut().enumerate() {
        let (px_x, px_y) = (x + i as f64 * dx, y + i as f64 * dy);
        let (sx, sy) = (px_x - 0.5, px_y - 0.5);
        *px = if sx >= 0.0 && sy >= 0.0 && sx < last_x && sy < last_y {
            let (x0, y0) = (sx as usize, sy as usize);
            let (fx, fy) = (sx - x0 as f64, sy - y0 as f64);
            let at = y0 * w + x0;
            let taps = [raw[at], raw[at + 1], raw[at + w], raw[at + w + 1]];
            lerp4(taps.map(f64::from), fx, fy)
        } else {
            sample(img, px_x, px_y)
        };
    }
}

/// The grey level at (`x`, `y`), interpolated between the four nearest
/// pixels.
fn bilinear(img: &GrayImage, x: f64, y: f64) -> u8 {
    let raw = img.as_raw();
    let (at, fx, fy) = taps(x, y, img.width() as usize, img.height() as usize);
    lerp4(at.map(|i| f64::from(raw[i])), fx, fy)
}

/// The luma (BT.709, as `image`'s grey conversion) at (`x`, `y`) of a
/// colour image, interpolated between the four nearest pixels.
fn bilinear_luma<P: Pixels>(img: P, x: f64, y: f64) -> u8 {
    let raw = img.raw();
    let (w, h) = img.dimensions();
    let (at, fx, fy) = taps(x, y, w as usize, h as usize);
    lerp4(at.map(|i| P::luma(raw, i)), fx, fy)
}

/// [`bilinear_luma`] in integer arithmetic, for the quick copy: luma in
/// 1/256ths of a grey level, weights in 1/256ths, at most one grey level
/// from the exact interpolation. Measured on MIDV-500 frames, the float
/// version (a libm `floor` and eight float multiplies a pixel) was most of
/// the cost of looking for an MRZ on a document that has none.
/// `x`, `y` are at least -0.5 (a pixel centre less a half pixel).
#[inline]
fn bilinear_luma_fixed<P: Pixels>(raw: &[u8], width: usize, height: usize, x: f64, y: f64) -> u8 {
    // Clamped at 0, truncation is the floor; below 0 both taps are the
    // edge pixel either way, as in `taps`.
    let (x, y) = (x.max(0.0), y.max(0.0));
    let (x0, y0) = ((x as usize).min(width - 1), (y as usize).min(height - 1));
    let (x1, y1) = ((x0 + 1).min(width - 1), (y0 + 1).min(height - 1));
    let fx = (((x - x0 as f64) * 256.0) as u32).min(256);
    let fy = (((y - y0 as f64) * 256.0) as u32).min(256);
    let luma = |i: usize| P::luma_fixed(raw, i) >> 8;
    let (r0, r1) = (y0 * width, y1 * width);
    let top = luma(r0 + x0) * (256 - fx) + luma(r0 + x1) * fx;
    let bottom = luma(r1 + x0) * (256 - fx) + luma(r1 + x1) * fx;
    ((u64::from(top) * u64::from(256 - fy) + u64::from(bottom) * u64::from(fy) + (1 << 23)) >> 24)
        as u8
}

/// The whole of `source` as a quad, clockwise from top-left.
pub fn whole(source: Source<'_>) -> Corners {
    let (w, h) = source.dimensions();
    rectangle(w, h)
}

fn rectangle(w: u32, h: u32) -> Corners {
    let (w, h) = (f64::from(w), f64::from(h));
    [[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]]
}

/// The rows `from..to` (fractions of its height) of the rectangle `quad`
/// is warped to, as a quad in the source image: a copy of that quad shows
/// exactly that band of the warped copy, at a fraction of its cost.
pub fn band_of(quad: &Corners, from: f64, to: f64) -> Option<Corners> {
    let (w, h) = quad_size(quad);
    let hom = Homography::rect_to_quad(w, h, quad)?;
    let at = |x: f64, y: f64| {
        let (u, v) = hom.apply(x, y);
        [u, v]
    };
    Some([
        at(0.0, from * h),
        at(w, from * h),
        at(w, to * h),
        at(0.0, to * h),
    ])
}

/// Side lengths of the quad, as (width, height) averages of opposite sides.
pub fn quad_size(c: &Corners) -> (f64, f64) {
    let d = |a: [f64; 2], b: [f64; 2]| ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
    (
        (d(c[0], c[1]) + d(c[3], c[2])) / 2.0,
        (d(c[0], c[3]) + d(c[1], c[2])) / 2.0,
    )
}

/// Scales so the long side is at most `max_long` and at least `min_long`.
pub fn fit(gray: &GrayImage, min_long: u32, max_long: u32) -> GrayImage {
    let long = gray.width().max(gray.height()).max(1);
    let target = long.clamp(min_long, max_long);
    if target == long {
        return gray.clone();
    }
    resize_to(gray, target as f64 / long as f64)
}

pub fn resize_to(gray: &GrayImage, scale: f64) -> GrayImage {
    let w = ((gray.width() as f64 * scale).round() as u32).max(1);
    let h = ((gray.height() as f64 * scale).round() as u32).max(1);
    let filter = if scale < 1.0 {
        imageops::FilterType::Triangle
    } else {
        imageops::FilterType::CatmullRom
    };
    imageops::resize(gray, w, h, filter)
}

/// A sub-rectangle, clamped to the image.
pub fn crop(gray: &GrayImage, x: u32, y: u32, w: u32, h: u32) -> GrayImage {
    let x = x.min(gray.width().saturating_sub(1));
    let y = y.min(gray.height().saturating_sub(1));
    let w = w.min(gray.width() - x).max(1);
    let h = h.min(gray.height() - y).max(1);
    imageops::crop_imm(gray, x, y, w, h).to_image()
}

/// Smallest side, in pixels, of an image worth giving to OCR. Tesseract
/// scales and thresholds what it gets; on a few-pixel image that leaves
/// nothing, and leptonica prints "pixCreateHeader: width must be > 0".
pub const MIN_OCR_SIDE: u32 = 8;

/// Whether `gray` is big enough to OCR (see [`MIN_OCR_SIDE`]).
pub fn ocr_sized(gray: &GrayImage) -> bool {
    gray.width() >= MIN_OCR_SIDE && gray.height() >= MIN_OCR_SIDE
}

/// A sub-rectangle to OCR: the rectangle clamped to the image, or `None`
/// when what is left is empty or smaller than [`MIN_OCR_SIDE`]. Unlike
/// [`crop`], this never invents a 1x1 image from a rectangle that lies
/// outside the picture.
pub fn crop_for_ocr(gray: &GrayImage, x: u32, y: u32, w: u32, h: u32) -> Option<GrayImage> {
    let x1 = x.saturating_add(w).min(gray.width());
    let y1 = y.saturating_add(h).min(gray.height());
    let (cw, ch) = (x1.checked_sub(x)?, y1.checked_sub(y)?);
    let out = imageops::crop_imm(gray, x, y, cw, ch).to_image();
    ocr_sized(&out).then_some(out)
}

pub fn invert(gray: &GrayImage) -> GrayImage {
    let mut out = gray.clone();
    imageops::invert(&mut out);
    out
}

/// Stretches contrast so the 2nd and 98th percentiles become black and
/// white: embossed card digits are often grey on grey.
pub fn stretch(gray: &GrayImage) -> GrayImage {
    let mut hist = [0u64; 256];
    for p in gray.pixels() {
        hist[p[0] as usize] += 1;
    }
    let total: u64 = hist.iter().sum();
    let pct = |q: f64| {
        let target = (total as f64 * q) as u64;
        let mut acc = 0;
        for (i, n) in hist.iter().enumerate() {
            acc += n;
            if acc > target {
                return i as f64;
            }
        }
        255.0
    };
    let (lo, hi) = (pct(0.02), pct(0.98));
    if hi - lo < 8.0 {
        return gray.clone();
    }
    let mut out = gray.clone();
    for p in out.pixels_mut() {
        p[0] = ((f64::from(p[0]) - lo) / (hi - lo) * 255.0)
            .round()
            .clamp(0.0, 255.0) as u8;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    /// The largest grey-level difference between two same-size images.
    fn largest_difference(a: &GrayImage, b: &GrayImage) -> Option<u8> {
        a.pixels()
            .zip(b.pixels())
            .map(|(p, q)| p[0].abs_diff(q[0]))
            .max()
    }

    #[test]
    fn warp_of_an_axis_aligned_quad_is_a_crop() {
        let mut img = GrayImage::from_pixel(100, 80, Luma([255]));
        for y in 20..40 {
            for x in 30..70 {
                img.put_pixel(x, y, Luma([0]));
            }
        }
        let quad = [[30.0, 20.0], [70.0, 20.0], [70.0, 40.0], [30.0, 40.0]];
        let out = warp(&img, &quad, 40, 20).unwrap();
        assert!(
            out.pixels().all(|p| p[0] < 40),
            "the black box fills the output"
        );
        assert_eq!(quad_size(&quad), (40.0, 20.0));
    }

    #[test]
    fn warping_colour_gives_the_grey_warp_of_its_luma() {
        // A colour gradient in perspective: the direct colour-to-grey warp
        // and the warp of the grey copy agree within rounding.
        let rgb = RgbImage::from_fn(120, 90, |x, y| {
            image::Rgb([(x * 2) as u8, (y * 2) as u8, ((x + y) % 256) as u8])
        });
        let quad = [[10.5, 7.0], [110.0, 12.0], [100.0, 85.0], [5.0, 80.0]];
        let direct = warp_luma(&rgb, &quad, 64, 48).unwrap();
        let via_grey = warp(&to_gray(&rgb), &quad, 64, 48).unwrap();
        let worst = largest_difference(&direct, &via_grey);
        assert!(
            worst.is_some_and(|d| d <= 1),
            "largest difference {worst:?}"
        );
        // And the quad's inside was sampled, not left as white padding.
        assert!(direct.pixels().any(|p| p[0] < 200));
    }

    #[test]
    fn an_enlarged_quick_copy_matches_the_float_interpolation() {
        // The quick copy's integer interpolation against warp_luma's float
        // one, on a colour gradient in perspective enlarged 1.5x, with
        // corners on and beyond the image's edges.
        let rgb = RgbImage::from_fn(120, 90, |x, y| {
            image::Rgb([(x * 2) as u8, (y * 2) as u8, ((x * y) % 256) as u8])
        });
        let quad = [[-0.4, 0.0], [119.9, 3.0], [110.0, 89.9], [2.0, 85.0]];
        let (w, h) = quad_size(&quad);
        let (ow, oh) = output_size(w, h, 1.5).unwrap();
        let quick = quick_copy(Source::Rgb(&rgb), Some(&quad), |_, _| 1.5).unwrap();
        let exact = warp_luma(&rgb, &quad, ow, oh).unwrap();
        assert_eq!(quick.dimensions(), exact.dimensions());
        let worst = largest_difference(&quick, &exact);
        assert!(
            worst.is_some_and(|d| d <= 1),
            "largest difference {worst:?}"
        );
    }

    #[test]
    fn the_stepped_integer_warp_matches_the_float_one() {
        // Prepared::quick's warp against warp_luma, enlarged 1.7x from a
        // quad in perspective with corners on and beyond the image's
        // edges: within a grey level inside, white outside, like it.
        let rgb = RgbImage::from_fn(150, 100, |x, y| {
            image::Rgb([(x * 3 % 256) as u8, (y * 2) as u8, ((x * y) % 256) as u8])
        });
        let quad = [[-6.0, 0.0], [149.9, 4.0], [140.0, 108.0], [3.0, 95.5]];
        let (w, h) = quad_size(&quad);
        let (ow, oh) = output_size(w, h, 1.7).unwrap();
        let stepped = warp_luma_fixed(&rgb, &quad, ow, oh).unwrap();
        let exact = warp_luma(&rgb, &quad, ow, oh).unwrap();
        let worst = largest_difference(&stepped, &exact);
        assert!(
            worst.is_some_and(|d| d <= 1),
            "largest difference {worst:?}"
        );
        assert!(stepped.pixels().any(|p| p[0] == 255) && stepped.pixels().any(|p| p[0] < 100));
    }

    #[test]
    fn sampling_along_a_line_gives_the_point_samples() {
        // A slanted line that starts outside the image, crosses it and
        // leaves past the far edge: every point as `sample` gives it.
        let img = GrayImage::from_fn(60, 40, |x, y| Luma([((x * 7 + y * 13) % 256) as u8]));
        let (start, step) = ((-3.3, 2.7), (0.61, 0.37));
        let mut line = vec![0u8; 120];
        sample_line(&img, start, step, &mut line);
        for (i, &got) in line.iter().enumerate() {
            let (x, y) = (start.0 + i as f64 * step.0, start.1 + i as f64 * step.1);
            assert_eq!(got, sample(&img, x, y), "point {i} at ({x}, {y})");
        }
        assert!(line.contains(&255) && line.iter().any(|&p| p < 200));
    }

    #[test]
    fn the_quick_copy_keeps_what_a_detector_needs() {
        // Dark bars on white, copied at 0.8x: the bars stay dark and the
        // paper white; the whole image is used when there are no corners.
        let rgb = RgbImage::from_fn(200, 100, |x, _| {
            if (x / 10) % 2 == 0 {
                image::Rgb([20, 20, 20])
            } else {
                image::Rgb([240, 240, 240])
            }
        });
        let copy = quick_copy(Source::Rgb(&rgb), None, |_, _| 0.8).unwrap();
        assert_eq!(copy.dimensions(), (160, 80));
        let dark = copy.pixels().filter(|p| p[0] < 40).count();
        let light = copy.pixels().filter(|p| p[0] > 220).count();
        assert_eq!(dark + light, 160 * 80, "nearest sampling invents no greys");
        assert!(dark > 5000 && light > 5000, "{dark} dark, {light} light");
        assert!(quick_copy(Source::Rgb(&rgb), None, |_, _| 0.01).is_none());
    }

    #[test]
    fn the_stepped_nearest_copy_picks_the_exact_mapping_s_pixels() {
        // Every source pixel distinct (grey = x + 3y, mod 256 only past
        // the image): a pixel sampled from the wrong place shows. Strong
        // perspective, a corner outside the image.
        let rgb = RgbImage::from_fn(300, 80, |x, y| {
            let g = ((x + 3 * y) % 256) as u8;
            image::Rgb([g, g, g])
        });
        let quad = [[-5.0, 2.0], [290.0, 10.0], [250.0, 78.0], [30.0, 70.0]];
        let (ow, oh) = (200, 50);
        let copy = nearest_luma(&rgb, &quad, ow, oh).unwrap();
        let hom = Homography::rect_to_quad(f64::from(ow), f64::from(oh), &quad).unwrap();
        let mut wrong = 0;
        for (x, y, p) in copy.enumerate_pixels() {
            let (u, v) = hom.apply(f64::from(x) + 0.5, f64::from(y) + 0.5);
            let want = if u >= 0.0 && v >= 0.0 && u < 300.0 && v < 80.0 {
                rgb.get_pixel(u as u32, v as u32)[0]
            } else {
                255
            };
            wrong += usize::from(p[0] != want);
        }
        // Only positions within a rounding error of a pixel's edge may
        // land on its neighbour.
        assert!(wrong * 200 < (ow * oh) as usize, "{wrong} pixels differ");
    }

    #[test]
    fn a_luma_source_reads_as_the_same_grey_in_colour() {
        // Grey pixels have their own value as luma: every copy made from
        // the luma plane equals the one made from the colour image.
        let luma = GrayImage::from_fn(150, 100, |x, y| {
            Luma([((x * 5 + y * 3 + x * y) % 256) as u8])
        });
        let rgb = RgbImage::from_fn(150, 100, |x, y| {
            let v = luma.get_pixel(x, y)[0];
            image::Rgb([v, v, v])
        });
        let (grey, colour) = (Source::Luma(&luma), Source::Rgb(&rgb));
        let quad = [[-6.0, 0.0], [149.9, 4.0], [140.0, 98.0], [3.0, 95.5]];
        for scale in [0.6, 1.7] {
            let copy = |s: Source<'_>| quick_copy(s, Some(&quad), |_, _| scale).unwrap();
            assert_eq!(copy(grey), copy(colour), "quick copy at {scale}");
            let quick = |s: Source<'_>| Prepared::quick(s, &quad, |_, _| scale).image;
            assert_eq!(quick(grey), quick(colour), "band copy at {scale}");
            let exact = |s: Source<'_>| Prepared::new(s, Some(&quad), |_, _| scale).image;
            assert_eq!(exact(grey), exact(colour), "OCR copy at {scale}");
        }
        assert_eq!(whole(grey), whole(colour));
    }

    #[test]
    fn degenerate_corners_give_none() {
        let img = GrayImage::new(10, 10);
        assert!(warp(&img, &[[1.0, 1.0]; 4], 10, 10).is_none());
    }

    #[test]
    fn fit_keeps_the_long_side_within_bounds() {
        let img = GrayImage::new(400, 100);
        assert_eq!(fit(&img, 1000, 2000).width(), 1000);
        assert_eq!(fit(&img, 100, 200).dimensions(), (200, 50));
        assert_eq!(fit(&img, 100, 1000).dimensions(), (400, 100));
    }

    #[test]
    fn crop_is_clamped_to_the_image() {
        let img = GrayImage::new(50, 40);
        assert_eq!(crop(&img, 40, 30, 100, 100).dimensions(), (10, 10));
        assert_eq!(crop(&img, 90, 90, 5, 5).dimensions(), (1, 1));
    }

    #[test]
    fn crop_for_ocr_refuses_empty_and_tiny_regions() {
        let img = GrayImage::new(50, 40);
        assert!(crop_for_ocr(&GrayImage::new(0, 0), 0, 0, 10, 10).is_none());
        assert!(
            crop_for_ocr(&img, 90, 90, 5, 5).is_none(),
            "outside the image"
        );
        assert!(crop_for_ocr(&img, 0, 0, 0, 40).is_none(), "zero width");
        assert!(crop_for_ocr(&img, 45, 0, 20, 40).is_none(), "5 px left");
        assert!(crop_for_ocr(&img, 0, u32::MAX, 50, 40).is_none());
        assert_eq!(
            crop_for_ocr(&img, 40, 30, 100, 100).map(|c| c.dimensions()),
            Some((10, 10))
        );
        assert!(!ocr_sized(&GrayImage::new(0, 100)));
        assert!(ocr_sized(&GrayImage::new(8, 8)));
    }

    #[test]
    fn stretch_spreads_a_narrow_range() {
        let mut img = GrayImage::from_pixel(10, 10, Luma([100]));
        for x in 0..10 {
            img.put_pixel(x, 0, Luma([140]));
        }
        let out = stretch(&img);
        assert_eq!(out.get_pixel(0, 5)[0], 0);
        assert_eq!(out.get_pixel(0, 0)[0], 255);
    }
}
