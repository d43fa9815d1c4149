//! Format and size from the first bytes, with no decoder and no allocation,
//! so an upload can be refused before it is even fully read.

use super::{DecodeError, ImageFormat};

const PNG_MAGIC: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// The format by its magic bytes; file names and declared types do not count.
pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.starts_with(&PNG_MAGIC) {
        Some(ImageFormat::Png)
    } else {
        None
    }
}

/// Width and height as the header declares them (before any EXIF rotation).
///
/// Needs only the bytes up to the JPEG frame header or the PNG `IHDR`
/// chunk. A header that is cut short or says zero is `Corrupt`.
pub fn header_dimensions(bytes: &[u8]) -> Result<(u32, u32), DecodeError> {
    let (width, height) = match sniff(bytes).ok_or(DecodeError::UnsupportedFormat)? {
        ImageFormat::Png => png_dimensions(bytes)?,
        ImageFormat::Jpeg => jpeg_dimensions(bytes)?,
    };
    if width == 0 || height == 0 {
        return Err(DecodeError::Corrupt("zero width or height".to_owned()));
    }
    Ok((width, height))
}

fn cut_short() -> DecodeError {
    DecodeError::Corrupt("header cut short".to_owned())
}

fn be_u16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*bytes.get(at)?, *bytes.get(at + 1)?]))
}

fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at + 4)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn png_dimensions(bytes: &[u8]) -> Result<(u32, u32), DecodeError> {
    // Signature (8), then the first chunk must be IHDR: length 13, type, w, h.
    if bytes.get(12..16) != Some(b"IHDR") {
        return Err(DecodeError::Corrupt("no IHDR chunk".to_owned()));
    }
    let width = be_u32(bytes, 16).ok_or_else(cut_short)?;
    let height = be_u32(bytes, 20).ok_or_else(cut_short)?;
    Ok((width, height))
}

fn jpeg_dimensions(bytes: &[u8]) -> Result<(u32, u32), DecodeError> {
    jpeg_frame(bytes).map(|f| (f.width, f.height))
}

/// What the checker needs from a JPEG's headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JpegFrame {
    pub width: u32,
    pub height: u32,
    /// 1 grey, 3 colour, 4 CMYK/YCCK.
    pub components: u8,
}

/// Whether the entropy-coded data after the frame header reaches an end
/// marker. Inside scan data every 0xFF byte is stuffed (FF 00) or a restart
/// marker, so FF D9 after the frame header is the real end; a file cut short
/// in transfer lacks it, and some decoders would otherwise fill the missing
/// part with grey and call it a picture. The search runs from the end,
/// where a whole file has its end marker, so it costs a few bytes instead
/// of a pass over the file (1 % of a check); the answer is the same.
pub fn jpeg_complete(bytes: &[u8]) -> bool {
    let Ok(frame_at) = jpeg_frame_offset(bytes) else {
        return false;
    };
    bytes[frame_at..]
        .windows(2)
        .rev()
        .any(|w| w == [0xFF, 0xD9])
}

pub fn jpeg_frame(bytes: &[u8]) -> Result<JpegFrame, DecodeError> {
    let at = jpeg_frame_offset(bytes)?;
    let height = be_u16(bytes, at + 3).ok_or_else(cut_short)?;
    let width = be_u16(bytes, at + 5).ok_or_else(cut_short)?;
    let components = *bytes.get(at + 7).ok_or_else(cut_short)?;
    Ok(JpegFrame {
        width: u32::from(width),
        height: u32::from(height),
        components,
    })
}

/// The offset of the frame header's length field.
fn jpeg_frame_offset(bytes: &[u8]) -> Result<usize, DecodeError> {
    let mut at = 2;
    loop {
        // Markers may be preceded by any number of 0xFF fill bytes.
        if *bytes.get(at).ok_or_else(cut_short)? != 0xFF {
            return Err(DecodeError::Corrupt("expected a JPEG marker".to_owned()));
        }
        while bytes.get(at) == Some(&0xFF) {
            at += 1;
        }
        let marker = *bytes.get(at).ok_or_else(cut_short)?;
        at += 1;
        match marker {
            // Standalone markers carry no length.
            0x01 | 0xD0..=0xD7 => continue,
            0xD9 | 0xDA => {
                return Err(DecodeError::Corrupt(
                    "no frame header before the scan".to_owned(),
                ))
            }
            // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => return Ok(at),
            _ => {
                let len = be_u16(bytes, at).ok_or_else(cut_short)?;
                if len < 2 {
                    return Err(DecodeError::Corrupt("bad segment length".to_owned()));
                }
                at += usize::from(len);
            }
        }
    }
}
