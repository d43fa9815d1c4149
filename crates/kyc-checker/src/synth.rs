//! Degraded copies of a photo with known amounts of one defect each, to
//! measure the checks where no labelled photos exist (glare, darkness) and
//! to measure blur on documents rather than on general scenes. Used by
//! `kyc eval --synthesize` and by the tests; not by the checker itself.

use image::{Rgb, RgbImage};

use crate::document::{quad_area, quad_size};
use crate::report::Corners;

/// One defect and its amount, relative to the document's size so that the
/// same setting means the same thing on a 1 MP and a 12 MP photo.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Degradation {
    /// Gaussian defocus; sigma as a share of the document's long side.
    Defocus { sigma: f64 },
    /// Linear motion blur; length as a share of the document's long side.
    Motion { length: f64, angle_deg: f64 },
    /// Exposure scaled in linear light by `gain` (1/16 is -4 EV), plus
    /// sensor noise of `noise` (0..255 units), as an under-exposed phone
    /// photo gets after the camera's gain.
    Dark { gain: f64, noise: f64 },
    /// A specular highlight: a clipped core covering `share` of the
    /// document, with a soft halo, centred at (u, v) in document coordinates
    /// (0..1 across, 0..1 down).
    Glare { share: f64, u: f64, v: f64 },
    /// A greyscale copy.
    Greyscale,
    /// The photo cropped on the right so that only `keep` of the document's
    /// width stays in frame (the origin is kept, so corners stay valid).
    CutOff { keep: f64 },
}

/// Applies `d` to `image`, whose document is at `quad` (or the whole image).
pub fn degrade(image: &RgbImage, quad: Option<&Corners>, d: Degradation, seed: u64) -> RgbImage {
    let (w, h) = (f64::from(image.width()), f64::from(image.height()));
    let quad = quad
        .copied()
        .unwrap_or([[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]]);
    let (qw, qh) = quad_size(&quad);
    let doc_long = qw.max(qh);
    match d {
        Degradation::Defocus { sigma } => gaussian_blur(image, (sigma * doc_long).max(0.5)),
        Degradation::Motion { length, angle_deg } => {
            motion_blur(image, (length * doc_long).max(2.0), angle_deg)
        }
        Degradation::Dark { gain, noise } => darken(image, gain, noise, seed),
        Degradation::Glare { share, u, v } => glare(image, &quad, share, u, v),
        Degradation::CutOff { keep } => {
            let min_x = quad.iter().map(|p| p[0]).fold(f64::INFINITY, f64::min);
            let max_x = quad.iter().map(|p| p[0]).fold(f64::NEG_INFINITY, f64::max);
            let cut = (min_x + keep * (max_x - min_x)).clamp(16.0, w.max(16.0));
            image::imageops::crop_imm(image, 0, 0, cut as u32, image.height()).to_image()
        }
        Degradation::Greyscale => {
            let mut out = image.clone();
            for p in out.pixels_mut() {
                let l = (0.299 * f64::from(p.0[0])
                    + 0.587 * f64::from(p.0[1])
                    + 0.114 * f64::from(p.0[2]))
                .round() as u8;
                *p = Rgb([l, l, l]);
            }
            out
        }
    }
}

/// Separable Gaussian, kernel radius 3 sigma.
pub fn gaussian_blur(image: &RgbImage, sigma: f64) -> RgbImage {
    let r = (3.0 * sigma).ceil() as i64;
    let kernel: Vec<f64> = (-r..=r)
        .map(|i| (-((i * i) as f64) / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f64 = kernel.iter().sum();
    let kernel: Vec<(i64, f64)> = (-r..=r).zip(kernel.iter().map(|k| k / sum)).collect();
    let pass = convolve(image, &kernel, 1.0, 0.0);
    convolve(&pass, &kernel, 0.0, 1.0)
}

/// A box of `length` pixels along `angle_deg`, sampled at every pixel step.
pub fn motion_blur(image: &RgbImage, length: f64, angle_deg: f64) -> RgbImage {
    let n = length.round().max(2.0) as i64;
    let (dx, dy) = (angle_deg.to_radians().cos(), angle_deg.to_radians().sin());
    let (w, h) = (image.width() as i64, image.height() as i64);
    let mut out = RgbImage::new(image.width(), image.height());
    let offsets: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let t = i as f64 - (n - 1) as f64 / 2.0;
            (t * dx, t * dy)
        })
        .collect();
    for y in 0..h {
        for x in 0..w {
            let mut acc = [0.0f64; 3];
            for &(ox, oy) in &offsets {
                let sx = (x as f64 + ox).round().clamp(0.0, (w - 1) as f64) as u32;
                let sy = (y as f64 + oy).round().clamp(0.0, (h - 1) as f64) as u32;
                let p = image.get_pixel(sx, sy).0;
                for c in 0..3 {
                    acc[c] += f64::from(p[c]);
                }
            }
            let p = acc.map(|a| (a / n as f64).round() as u8);
            out.put_pixel(x as u32, y as u32, Rgb(p));
        }
    }
    out
}

fn convolve(image: &RgbImage, kernel: &[(i64, f64)], dx: f64, dy: f64) -> RgbImage {
    let (w, h) = (image.width() as i64, image.height() as i64);
    let mut out = RgbImage::new(image.width(), image.height());
    for y in 0..h {
        for x in 0..w {
            let mut acc = [0.0f64; 3];
            for &(k, weight) in kernel {
                let sx = (x + (k as f64 * dx) as i64).clamp(0, w - 1) as u32;
                let sy = (y + (k as f64 * dy) as i64).clamp(0, h - 1) as u32;
                let p = image.get_pixel(sx, sy).0;
                for c in 0..3 {
                    acc[c] += weight * f64::from(p[c]);
                }
            }
            out.put_pixel(
                x as u32,
                y as u32,
                Rgb(acc.map(|a| a.round().clamp(0.0, 255.0) as u8)),
            );
        }
    }
    out
}

fn darken(image: &RgbImage, gain: f64, noise: f64, seed: u64) -> RgbImage {
    let lut: Vec<f64> = (0..256)
        .map(|v| ((v as f64 / 255.0).powf(2.2) * gain).powf(1.0 / 2.2) * 255.0)
        .collect();
    let mut state = seed | 1;
    let mut out = image.clone();
    for p in out.pixels_mut() {
        for c in p.0.iter_mut() {
            // Sum of four uniforms: close enough to Gaussian noise.
            let mut u = 0.0;
            for _ in 0..4 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                u += (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            }
            *c = (lut[usize::from(*c)] + u * noise * 1.732)
                .round()
                .clamp(0.0, 255.0) as u8;
        }
    }
    out
}

fn glare(image: &RgbImage, quad: &Corners, share: f64, u: f64, v: f64) -> RgbImage {
    // Bilinear point inside the quad.
    let lerp =
        |a: [f64; 2], b: [f64; 2], t: f64| [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
    let centre = lerp(lerp(quad[0], quad[1], u), lerp(quad[3], quad[2], u), v);
    // Core (alpha >= 1 after the 2x boost) is r <= sigma * sqrt(2 ln 2):
    // choose sigma so its area is `share` of the document.
    let core_r = (share * quad_area(quad) / std::f64::consts::PI).sqrt();
    let sigma = core_r / (2.0 * std::f64::consts::LN_2).sqrt();
    let mut out = image.clone();
    let reach = 3.5 * sigma;
    let (x0, x1) = (
        (centre[0] - reach).max(0.0) as u32,
        (centre[0] + reach).min(f64::from(image.width())) as u32,
    );
    let (y0, y1) = (
        (centre[1] - reach).max(0.0) as u32,
        (centre[1] + reach).min(f64::from(image.height())) as u32,
    );
    for y in y0..y1 {
        for x in x0..x1 {
            let d2 = (f64::from(x) - centre[0]).powi(2) + (f64::from(y) - centre[1]).powi(2);
            let alpha = (2.0 * (-d2 / (2.0 * sigma * sigma)).exp()).min(1.0);
            let p = out.get_pixel_mut(x, y);
            for c in p.0.iter_mut() {
                *c = (f64::from(*c) * (1.0 - alpha) + 255.0 * alpha).round() as u8;
            }
        }
    }
    out
}

/// JPEG bytes at quality 92, as a phone would save them.
pub fn encode_jpeg(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 92);
    // Encoding an in-memory RGB buffer into a Vec cannot fail.
    if image.write_with_encoder(encoder).is_err() {
        out.clear();
    }
    out
}
