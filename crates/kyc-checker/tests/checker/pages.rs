//! Proofs of address are pages, often scanned flat: white by design, filling
//! the frame. They are judged on their ink, not on clipped white or edges.

use image::{Rgb, RgbImage};
use kyc_core::{DocumentKind, ReasonCode};

use crate::fixtures::{jpeg, request};

/// A page filling the whole frame: pure white paper with sparse lines of
/// text in `ink` grey (0 = black), as a flat scan of a bill looks.
fn scanned_page(ink: u8) -> RgbImage {
    RgbImage::from_fn(1240, 1754, |x, y| {
        let in_line = (150..1600).contains(&y) && y % 60 < 14 && (120..1100).contains(&x);
        let glyph = (x / 9) % 3 != 0 && (x / 90) % 5 != 4;
        if in_line && glyph {
            Rgb([ink, ink, ink])
        } else {
            Rgb([255, 255, 255])
        }
    })
}

fn codes(bytes: &[u8], kind: DocumentKind) -> Vec<ReasonCode> {
    let checked = kyc_checker::check(bytes, &request(kind));
    checked.report.reasons.iter().map(|r| r.code).collect()
}

#[test]
fn a_flat_scan_of_a_bill_is_neither_overexposed_glared_nor_cut_off() {
    let page = jpeg(&scanned_page(20));
    let address = codes(&page, DocumentKind::Address);
    for code in [
        ReasonCode::Overexposed,
        // Its white paper is one big clipped patch: paper, not a reflection.
        ReasonCode::Glare,
        ReasonCode::EdgesNotVisible,
        ReasonCode::NoDocument,
    ] {
        assert!(
            !address.contains(&code),
            "{code} on a clean scan: {address:?}"
        );
    }
    // The same picture as an identity document does not show a whole card.
    let identity = codes(&page, DocumentKind::Identity);
    assert!(
        identity.contains(&ReasonCode::NoDocument)
            || identity.contains(&ReasonCode::EdgesNotVisible),
        "{identity:?}"
    );
}

#[test]
fn a_page_whose_ink_is_washed_out_is_overexposed() {
    let washed = jpeg(&scanned_page(240));
    let address = codes(&washed, DocumentKind::Address);
    assert!(address.contains(&ReasonCode::Overexposed), "{address:?}");
}
