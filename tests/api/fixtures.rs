//! Images drawn in code: a document-like card on a textured desk.

use image::{ImageFormat, Rgb, RgbImage};

/// A light, coloured ID-sized card (a blue header band, a photo block, dark
/// text lines) on a darker, textured background, fully in frame.
pub fn document_photo(width: u32, height: u32, seed: u32) -> RgbImage {
    let mut img = RgbImage::from_fn(width, height, |x, y| {
        let n = (x.wrapping_mul(7919) ^ y.wrapping_mul(104_729) ^ seed.wrapping_mul(31)) % 23;
        Rgb([60 + n as u8, 70 + n as u8, 80 + n as u8])
    });
    let card_w = width * 7 / 10;
    let card_h = (card_w as f64 / 1.586) as u32;
    let x0 = (width - card_w) / 2;
    let y0 = (height - card_h) / 2;
    for y in y0..y0 + card_h {
        for x in x0..x0 + card_w {
            let (cx, cy) = (x - x0, y - y0);
            let header = cy < card_h / 6;
            let photo =
                cx > card_w / 20 && cx < card_w / 3 && cy > card_h / 4 && cy < card_h * 9 / 10;
            let line = cx > card_w * 2 / 5 && cy > card_h / 4 && cy % 40 < 8 && cx % 120 < 90;
            let pixel = if header {
                [30, 90, 170]
            } else if photo {
                [205, 150, 120]
            } else if line {
                [40, 40, 60]
            } else {
                [200, 225, 240]
            };
            img.put_pixel(x, y, Rgb(pixel));
        }
    }
    img
}

/// The same photo as a greyscale copy.
pub fn greyscale_copy(seed: u32) -> Vec<u8> {
    let grey = image::DynamicImage::ImageRgb8(document_photo(800, 600, seed)).grayscale();
    encode(&grey.to_rgb8(), ImageFormat::Jpeg)
}

pub fn encode(img: &RgbImage, format: ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

pub fn jpeg(seed: u32) -> Vec<u8> {
    encode(&document_photo(800, 600, seed), ImageFormat::Jpeg)
}

pub fn png(seed: u32) -> Vec<u8> {
    encode(&document_photo(800, 600, seed), ImageFormat::Png)
}

/// A valid PNG signature and IHDR chunk declaring `width` x `height`, with
/// a correct CRC, followed by no image data: a decompression bomb's header.
pub fn png_header_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(b"IHDR");
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let crc = crc32(&ihdr);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend_from_slice(&13u32.to_be_bytes());
    out.extend_from_slice(&ihdr);
    out.extend_from_slice(&crc.to_be_bytes());
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// The first bytes of formats kyc does not accept.
pub fn pdf() -> Vec<u8> {
    b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n".to_vec()
}

pub fn gif() -> Vec<u8> {
    let mut v = b"GIF89a".to_vec();
    v.extend_from_slice(&[1, 0, 1, 0, 0, 0, 0, 0x3B]);
    v
}

pub fn heic() -> Vec<u8> {
    let mut v = vec![0, 0, 0, 0x18];
    v.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
    v
}

pub fn webp() -> Vec<u8> {
    let mut v = b"RIFF".to_vec();
    v.extend_from_slice(&26u32.to_le_bytes());
    v.extend_from_slice(b"WEBPVP8L\x0d\0\0\0\x2f\0\0\0\x10\x07\x10\x11\x11\x88\x88\xfe\x07\0");
    v
}
