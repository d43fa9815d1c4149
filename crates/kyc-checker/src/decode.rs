//! From untrusted bytes to upright pixels, refusing early and cheaply.
//!
//! The order matters: the format comes from the magic bytes, the size from
//! the header, and only then does a decoder allocate — with the pixel limit
//! handed to it as well, so a lying header cannot get past it either.
//! Analysis copies of large JPEGs come from a DCT-scaled decode (1/4,
//! 1/8), which skips most of the inverse DCT and the colour conversion
//! work; those of phone-sized ones from the JPEG's own planes (`planes`),
//! with full-size luma alongside for the reader.

mod exif;
mod header;
mod planes;

use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};

use image::codecs::jpeg::JpegDecoder;
use image::codecs::png::PngDecoder;
use image::{DynamicImage, GrayImage, ImageDecoder, RgbImage};

use crate::report::Limits;

pub use header::{header_dimensions, sniff};

/// The formats the checker accepts, as recognised by their bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Jpeg,
    Png,
}

impl ImageFormat {
    /// The media type a stored document of this format is served as.
    pub fn mime(self) -> &'static str {
        match self {
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Png => "image/png",
        }
    }
}

/// Why bytes did not become an image. Each maps to one file-level reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("not a JPEG or PNG")]
    UnsupportedFormat,
    #[error("the file is over the byte limit")]
    FileTooLarge,
    #[error("{width}x{height} is over the pixel limit")]
    ImageTooLarge { width: u32, height: u32 },
    #[error("the image does not decode: {0}")]
    Corrupt(String),
}

/// A decoded image, already turned upright.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub image: RgbImage,
    /// Upright size of the full-resolution image, in pixels.
    pub full_width: u32,
    pub full_height: u32,
}

impl Decoded {
    /// Full-resolution pixels per pixel of `image`.
    pub fn scale(&self) -> f64 {
        f64::from(self.full_width.max(self.full_height))
            / f64::from(self.image.width().max(self.image.height()).max(1))
    }
}

/// Full-resolution pixels, upright, for the reader (which reads luma).
#[derive(Debug, Clone)]
pub enum FullPixels {
    /// Luma straight from a JPEG's Y plane (the planar decode).
    Luma(GrayImage),
    /// Colour, from a general decoder.
    Rgb(RgbImage),
}

/// Which decoder a file goes to. The planar one (`kyc-jpeg`) never makes
/// full-size colour, and is for the photos phones take: a JPEG between two
/// and four times the analysis size (larger ones are decoded DCT-scaled),
/// when `planar` is asked for. The checker asks for it for identity
/// documents and cards, which are checked while the player waits and read
/// by template or digit shapes; not for bills, read by Tesseract over
/// seconds, whose readings were tuned on the colour decode and move with
/// any change of a grey level (measured: 2 of 45 SROIE dates lost).
fn use_planes(format: ImageFormat, w: u32, h: u32, min_long_side: u32, planar: bool) -> bool {
    let long = w.max(h);
    planar && format == ImageFormat::Jpeg && long >= 2 * min_long_side && long < 4 * min_long_side
}

/// Runs every refusal that needs no pixels: byte limit, format, header size.
pub fn preflight(bytes: &[u8], limits: &Limits) -> Result<(ImageFormat, u32, u32), DecodeError> {
    if bytes.len() as u64 > limits.max_bytes {
        return Err(DecodeError::FileTooLarge);
    }
    let format = sniff(bytes).ok_or(DecodeError::UnsupportedFormat)?;
    let (width, height) = header_dimensions(bytes)?;
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(DecodeError::ImageTooLarge { width, height });
    }
    if format == ImageFormat::Jpeg && !header::jpeg_complete(bytes) {
        return Err(DecodeError::Corrupt(
            "the JPEG data is cut short".to_owned(),
        ));
    }
    Ok((format, width, height))
}

/// The analysis copy (long side in `[min_long_side, 2 * min_long_side)` when
/// the photo is big enough) and, when getting it meant decoding everything
/// anyway, the full-resolution pixels too.
///
/// Only a JPEG whose long side is at least four times `min_long_side` is
/// decoded with DCT scaling (1/4 or 1/8): measured on this machine, a 1/2
/// scaled decode with `jpeg-decoder` is no faster than a full decode with
/// `zune-jpeg`, while 1/4 of a 12 MP photo is 3-4 times faster. One between
/// two and four times is decoded to its planes (`kyc-jpeg`) when `planar`
/// and the file is of the kind phones write (see `use_planes`); anything
/// else by a general decoder.
pub fn decode_analysis(
    bytes: &[u8],
    limits: &Limits,
    min_long_side: u32,
    planar: bool,
) -> Result<(Decoded, Option<FullPixels>), DecodeError> {
    let (format, w, h) = preflight(bytes, limits)?;
    let min_long_side = min_long_side.max(1);
    // CMYK goes through the unscaled path: jpeg-decoder's scaled output
    // for it did not match its full-size output in our tests.
    let scalable = format == ImageFormat::Jpeg && header::jpeg_frame(bytes)?.components != 4;
    if scalable && w.max(h) >= 4 * min_long_side {
        let analysis = guarded(|| decode_jpeg_scaled(bytes, limits, min_long_side))?;
        return Ok((
            reduce_to(&analysis, min_long_side).unwrap_or(analysis),
            None,
        ));
    }
    if use_planes(format, w, h, min_long_side, planar) {
        let factor = (w.max(h) / min_long_side) as usize;
        if let Some(decoded) = from_planes(bytes, limits, factor) {
            return Ok(decoded);
        }
    }
    let full = guarded(|| decode_with_image_crate(bytes, format, limits))?;
    Ok(match reduce_to(&full, min_long_side) {
        Some(analysis) => (analysis, Some(FullPixels::Rgb(full.image))),
        None => (full, None),
    })
}

/// [`decode_analysis`] through `kyc-jpeg`, or `None` when it does not take
/// the file (see [`decode_planes`]).
fn from_planes(
    bytes: &[u8],
    limits: &Limits,
    factor: usize,
) -> Option<(Decoded, Option<FullPixels>)> {
    let (image, orientation) = decode_planes(bytes, limits)?;
    let (w, h) = (image.width as u32, image.height as u32);
    let analysis = upright(planes::analysis_rgb(&image, factor), orientation, w, h);
    let (luma, _) = turn(planes::luma(image), orientation);
    Some((analysis, Some(FullPixels::Luma(luma))))
}

/// The JPEG's planes and its EXIF orientation, or `None` when `kyc-jpeg`
/// does not take the file (progressive, CMYK, damaged: a general decoder
/// then decides). A panic is caught as in [`guarded`].
fn decode_planes(bytes: &[u8], limits: &Limits) -> Option<(kyc_jpeg::Image, u8)> {
    let image = catch_unwind(|| kyc_jpeg::decode(bytes, limits.max_pixels))
        .ok()?
        .ok()?;
    let orientation = image
        .exif
        .as_deref()
        .and_then(exif::orientation)
        .unwrap_or(1);
    Some((image, orientation))
}

/// The reduced copy, or `None` when the image is already small enough (the
/// caller then uses it as both analysis and full image, with no copy).
fn reduce_to(decoded: &Decoded, min_long_side: u32) -> Option<Decoded> {
    let long = decoded.image.width().max(decoded.image.height());
    let factor = long / min_long_side.max(1);
    (factor > 1).then(|| Decoded {
        image: box_reduce(&decoded.image, factor),
        ..*decoded
    })
}

/// The full-resolution pixels [`decode_analysis`] hands the reader for the
/// same file and `min_long_side`, `planar`, decoded on their own (a stored
/// document read later, or a photo large enough for a scaled analysis).
pub fn decode_for_reading(
    bytes: &[u8],
    limits: &Limits,
    min_long_side: u32,
    planar: bool,
) -> Result<FullPixels, DecodeError> {
    let (format, w, h) = preflight(bytes, limits)?;
    if use_planes(format, w, h, min_long_side, planar) {
        if let Some((image, orientation)) = decode_planes(bytes, limits) {
            return Ok(FullPixels::Luma(turn(planes::luma(image), orientation).0));
        }
    }
    Ok(FullPixels::Rgb(
        guarded(|| decode_with_image_crate(bytes, format, limits))?.image,
    ))
}

/// Decodes the whole image at full resolution, upright.
pub fn decode_full(bytes: &[u8], limits: &Limits) -> Result<Decoded, DecodeError> {
    let (format, _, _) = preflight(bytes, limits)?;
    guarded(|| decode_with_image_crate(bytes, format, limits))
}

/// Third-party decoders are fuzzed, but a panic on hostile bytes must still
/// become a verdict, not a crashed worker.
fn guarded(f: impl FnOnce() -> Result<Decoded, DecodeError>) -> Result<Decoded, DecodeError> {
    catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(DecodeError::Corrupt("decoder panicked".to_owned())))
}

fn corrupt(err: impl std::fmt::Display) -> DecodeError {
    DecodeError::Corrupt(err.to_string())
}

fn decode_jpeg_scaled(
    bytes: &[u8],
    limits: &Limits,
    min_long_side: u32,
) -> Result<Decoded, DecodeError> {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    // Output bytes at 4 per pixel (CMYK) bound what the decoder may allocate.
    let cap = limits.max_pixels.saturating_mul(4).min(usize::MAX as u64) as usize;
    decoder.set_max_decoding_buffer_size(cap);
    decoder.read_info().map_err(corrupt)?;
    let info = decoder.info().ok_or_else(|| corrupt("no frame header"))?;
    let (full_w, full_h) = (u32::from(info.width), u32::from(info.height));
    let (mut w, mut h) = (info.width, info.height);
    let ratio = f64::from(min_long_side.min(65535)) / f64::from(u32::from(w.max(h)).max(1));
    if ratio < 1.0 {
        let rw = (f64::from(w) * ratio).ceil().clamp(1.0, 65535.0) as u16;
        let rh = (f64::from(h) * ratio).ceil().clamp(1.0, 65535.0) as u16;
        (w, h) = decoder.scale(rw, rh).map_err(corrupt)?;
    }
    let pixels = decoder.decode().map_err(corrupt)?;
    let n = usize::from(w) * usize::from(h);
    let rgb = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => pixels,
        jpeg_decoder::PixelFormat::L8 => pixels.iter().flat_map(|&l| [l, l, l]).collect(),
        jpeg_decoder::PixelFormat::L16 => pixels
            .chunks_exact(2)
            .map(|p| (u16::from_ne_bytes([p[0], p[1]]) >> 8) as u8)
            .flat_map(|l| [l, l, l])
            .collect(),
        // jpeg-decoder undoes the Adobe inversion and hands back ink
        // amounts: 0 is no ink (white paper).
        jpeg_decoder::PixelFormat::CMYK32 => pixels
            .chunks_exact(4)
            .flat_map(|p| {
                let paper = 255 - u16::from(p[3]);
                [p[0], p[1], p[2]].map(|c| (((255 - u16::from(c)) * paper) / 255) as u8)
            })
            .collect(),
    };
    if rgb.len() < n * 3 {
        return Err(corrupt("short pixel buffer"));
    }
    let image = RgbImage::from_raw(u32::from(w), u32::from(h), rgb)
        .ok_or_else(|| corrupt("pixel buffer does not match the size"))?;
    let orientation = decoder.exif_data().and_then(exif::orientation).unwrap_or(1);
    Ok(upright(image, orientation, full_w, full_h))
}

fn decode_with_image_crate(
    bytes: &[u8],
    format: ImageFormat,
    limits: &Limits,
) -> Result<Decoded, DecodeError> {
    let mut image_limits = image::Limits::default();
    image_limits.max_image_width = Some(u32::try_from(limits.max_pixels).unwrap_or(u32::MAX));
    image_limits.max_image_height = image_limits.max_image_width;
    // 16-bit RGBA is 8 bytes a pixel: the largest buffer a decoder builds.
    image_limits.max_alloc = Some(limits.max_pixels.saturating_mul(8).saturating_add(1 << 20));
    match format {
        ImageFormat::Png => {
            let decoder =
                PngDecoder::with_limits(Cursor::new(bytes), image_limits).map_err(corrupt)?;
            finish(decoder, limits)
        }
        // zune-jpeg (behind the image crate) reads Adobe CMYK inverted:
        // white paper comes out black. jpeg-decoder gets it right.
        ImageFormat::Jpeg if header::jpeg_frame(bytes)?.components == 4 => {
            decode_jpeg_scaled(bytes, limits, u32::MAX)
        }
        ImageFormat::Jpeg => {
            let mut decoder = JpegDecoder::new(Cursor::new(bytes)).map_err(corrupt)?;
            decoder.set_limits(image_limits).map_err(corrupt)?;
            finish(decoder, limits)
        }
    }
}

fn finish(mut decoder: impl ImageDecoder, limits: &Limits) -> Result<Decoded, DecodeError> {
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > limits.max_pixels {
        return Err(DecodeError::ImageTooLarge {
            width: w,
            height: h,
        });
    }
    let orientation = decoder
        .exif_metadata()
        .ok()
        .flatten()
        .and_then(|e| exif::orientation(&e))
        .unwrap_or(1);
    let image = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    if image.width() != w || image.height() != h {
        return Err(corrupt("decoded size differs from the header"));
    }
    Ok(upright(flatten_on_white(image), orientation, w, h))
}

/// Transparent pixels become white paper rather than black ink, which is
/// what a viewer shows and what a reviewer would see.
fn flatten_on_white(image: DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let (w, h) = rgba.dimensions();
    let mut out = RgbImage::new(w, h);
    for (dst, src) in out.pixels_mut().zip(rgba.pixels()) {
        let a = u16::from(src.0[3]);
        for c in 0..3 {
            dst.0[c] = ((u16::from(src.0[c]) * a + 255 * (255 - a)) / 255) as u8;
        }
    }
    out
}

/// Applies an EXIF orientation (1..=8); the full size turns with it.
fn upright(image: RgbImage, orientation: u8, full_w: u32, full_h: u32) -> Decoded {
    let (image, swapped) = turn(image, orientation);
    let (full_width, full_height) = if swapped {
        (full_h, full_w)
    } else {
        (full_w, full_h)
    };
    Decoded {
        image,
        full_width,
        full_height,
    }
}

/// An image turned by an EXIF orientation (1..=8), and whether its width
/// and height swapped.
fn turn<P: image::Pixel + 'static>(
    image: image::ImageBuffer<P, Vec<P::Subpixel>>,
    orientation: u8,
) -> (image::ImageBuffer<P, Vec<P::Subpixel>>, bool) {
    use image::imageops::{flip_horizontal, flip_vertical, rotate180, rotate270, rotate90};
    match orientation {
        2 => (flip_horizontal(&image), false),
        3 => (rotate180(&image), false),
        4 => (flip_vertical(&image), false),
        5 => (flip_horizontal(&rotate90(&image)), true),
        6 => (rotate90(&image), true),
        7 => (flip_horizontal(&rotate270(&image)), true),
        8 => (rotate270(&image), true),
        _ => (image, false),
    }
}

/// Averages `factor` x `factor` blocks: the cheapest reduction that does not
/// alias fine print into false sharpness.
pub fn box_reduce(image: &RgbImage, factor: u32) -> RgbImage {
    let f = factor.max(1) as usize;
    let (width, height) = (image.width() as usize, image.height() as usize);
    if f == 2 && width >= 2 && height >= 2 {
        return halve(image);
    }
    let (w, h) = ((width / f).max(1), (height / f).max(1));
    // The source column of every (block, step) pair, clamped once here
    // rather than per pixel: only an image narrower than a block repeats
    // its edge column.
    let columns: Vec<usize> = (0..w * f).map(|x| x.min(width - 1) * 3).collect();
    let src = image.as_raw();
    let stride = width * 3;
    let n = (f * f) as u32;
    let mut out = RgbImage::new(w as u32, h as u32);
    let mut row = vec![0u32; w * 3];
    for (oy, dst) in out.chunks_exact_mut(w * 3).enumerate() {
        row.iter_mut().for_each(|v| *v = 0);
        for dy in 0..f {
            let y = (oy * f + dy).min(height - 1);
            let line = &src[y * stride..(y + 1) * stride];
            for (acc, block) in row.chunks_exact_mut(3).zip(columns.chunks_exact(f)) {
                for &x in block {
                    acc[0] += u32::from(line[x]);
                    acc[1] += u32::from(line[x + 1]);
                    acc[2] += u32::from(line[x + 2]);
                }
            }
        }
        for (d, s) in dst.iter_mut().zip(&row) {
            *d = ((s + n / 2) / n) as u8;
        }
    }
    out
}

/// [`box_reduce`] by 2, the factor of every 1080x1920 phone photo.
fn halve(image: &RgbImage) -> RgbImage {
    let (width, height) = (image.width() as usize, image.height() as usize);
    let out = halve_pixels::<3>(image.as_raw(), width, height);
    RgbImage::from_raw((width / 2) as u32, (height / 2) as u32, out).expect("w x h x 3 bytes")
}

/// Rows of `width` pixels of `C` interleaved bytes, `height` of them,
/// halved: each output byte is the rounded mean of a 2x2 block (an odd last
/// row or column is dropped). The two source rows are first added column
/// by column (a flat loop the compiler vectorises), then neighbouring
/// pixels of that sum are paired. For colour (`C` = 3) and for a JPEG's
/// luma plane (`C` = 1).
/// Measured on MIDV-500 frames: the general loop took ~10 % of an identity
/// check, a direct 2x2 loop ~5 %, this one ~2 %.
fn halve_pixels<const C: usize>(src: &[u8], width: usize, height: usize) -> Vec<u8> {
    let (w, h) = (width / 2, height / 2);
    let stride = width * C;
    let mut out = vec![0u8; w * h * C];
    let mut pair = vec![0u16; w * 2 * C];
    for (oy, dst) in out.chunks_exact_mut(w * C).enumerate() {
        let top = &src[2 * oy * stride..][..w * 2 * C];
        let bottom = &src[(2 * oy + 1) * stride..][..w * 2 * C];
        for ((p, &a), &b) in pair.iter_mut().zip(top).zip(bottom) {
            *p = u16::from(a) + u16::from(b);
        }
        for (d, s) in dst.chunks_exact_mut(C).zip(pair.chunks_exact(2 * C)) {
            for c in 0..C {
                d[c] = ((s[c] + s[c + C] + 2) >> 2) as u8;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mean of each `f` x `f` block, computed the obvious way.
    fn naive(image: &RgbImage, f: u32) -> RgbImage {
        let (w, h) = ((image.width() / f).max(1), (image.height() / f).max(1));
        RgbImage::from_fn(w, h, |ox, oy| {
            let mut sum = [0u32; 3];
            for y in oy * f..oy * f + f {
                for x in ox * f..ox * f + f {
                    let p = image.get_pixel(x.min(image.width() - 1), y.min(image.height() - 1));
                    for c in 0..3 {
                        sum[c] += u32::from(p[c]);
                    }
                }
            }
            image::Rgb(sum.map(|s| ((s + f * f / 2) / (f * f)) as u8))
        })
    }

    #[test]
    fn box_reduce_averages_every_block() {
        let image = RgbImage::from_fn(37, 23, |x, y| {
            image::Rgb([(x * 7) as u8, (y * 11) as u8, ((x * y) % 251) as u8])
        });
        for f in [1, 2, 3, 4] {
            assert_eq!(box_reduce(&image, f), naive(&image, f), "factor {f}");
        }
        // Narrower than a block: the edge pixels stand in for the rest.
        let thin = RgbImage::from_fn(1, 9, |_, y| image::Rgb([y as u8 * 20, 5, 9]));
        assert_eq!(box_reduce(&thin, 2), naive(&thin, 2));
    }
}
