//! Quality checks on drawn documents and degraded copies with known amounts.

use kyc_checker::synth::{degrade, Degradation};
use kyc_checker::{check_with, CheckOptions, Report};
use kyc_core::{DocumentKind, ReasonCode};

use crate::fixtures::*;

/// Checks with the drawn document's corners given, as a finder would.
fn check_card(img: &image::RgbImage, kind: DocumentKind) -> Report {
    let options = CheckOptions {
        known_document: Some(CARD),
        ..CheckOptions::default()
    };
    check_with(&jpeg(img), &request(kind), &options).report
}

fn codes(r: &Report) -> Vec<ReasonCode> {
    r.reasons.iter().map(|r| r.code).collect()
}

#[test]
fn a_clean_card_photo_is_accepted_with_the_contract_metrics() {
    let r = check_card(&card_photo(7), DocumentKind::Identity);
    assert!(r.reasons.is_empty(), "{:?}", codes(&r));
    assert_eq!((r.metrics.width, r.metrics.height), (W, H));
    let m = &r.metrics;
    assert!(m.sharpness.is_some() && m.brightness.is_some() && m.glare == Some(0.0));
    assert_eq!(r.document.corners, Some(CARD));
}

#[test]
fn defocus_and_motion_blur_are_blurry() {
    let sharp = card_photo(8);
    for d in [
        Degradation::Defocus { sigma: 0.006 },
        Degradation::Motion {
            length: 0.03,
            angle_deg: 0.0,
        },
        Degradation::Motion {
            length: 0.03,
            angle_deg: 75.0,
        },
    ] {
        let r = check_card(&degrade(&sharp, Some(&CARD), d, 1), DocumentKind::Identity);
        assert_eq!(codes(&r), [ReasonCode::Blurry], "{d:?} {:?}", r.metrics);
    }
}

#[test]
fn under_exposure_is_too_dark_and_over_exposure_is_overexposed() {
    let photo = card_photo(9);
    let dark = degrade(
        &photo,
        Some(&CARD),
        Degradation::Dark {
            gain: 1.0 / 16.0,
            noise: 3.0,
        },
        2,
    );
    assert_eq!(
        codes(&check_card(&dark, DocumentKind::Identity)),
        [ReasonCode::TooDark]
    );
    let mut bright = photo.clone();
    for p in bright.pixels_mut() {
        p.0 = p.0.map(|c| (u16::from(c) * 3).min(255) as u8);
    }
    assert!(check_card(&bright, DocumentKind::Identity).has(ReasonCode::Overexposed));
}

#[test]
fn a_glare_blob_is_glare_but_white_paper_is_not() {
    let paper = white_paper_photo(10);
    let r = check_card(&paper, DocumentKind::Address);
    assert!(r.reasons.is_empty(), "{:?}", codes(&r));
    let glared = degrade(
        &paper,
        Some(&CARD),
        Degradation::Glare {
            share: 0.03,
            u: 0.4,
            v: 0.5,
        },
        3,
    );
    let r = check_card(&glared, DocumentKind::Address);
    assert_eq!(codes(&r), [ReasonCode::Glare]);
    assert!(r.metrics.glare.unwrap() > 0.02, "{:?}", r.metrics.glare);
    let card = degrade(
        &card_photo(11),
        Some(&CARD),
        Degradation::Glare {
            share: 0.015,
            u: 0.7,
            v: 0.6,
        },
        4,
    );
    assert_eq!(
        codes(&check_card(&card, DocumentKind::Card)),
        [ReasonCode::Glare]
    );
}

#[test]
fn a_greyscale_copy_is_black_and_white_for_identity_but_fine_for_a_bill() {
    let grey = degrade(&card_photo(12), Some(&CARD), Degradation::Greyscale, 5);
    assert_eq!(
        codes(&check_card(&grey, DocumentKind::Identity)),
        [ReasonCode::BlackAndWhite]
    );
    assert!(check_card(&grey, DocumentKind::Address).reasons.is_empty());
}

#[test]
fn a_cut_off_document_has_edges_not_visible_and_a_tiny_one_is_low_resolution() {
    let cut = degrade(
        &card_photo(13),
        Some(&CARD),
        Degradation::CutOff { keep: 0.8 },
        6,
    );
    assert!(check_card(&cut, DocumentKind::Identity).has(ReasonCode::EdgesNotVisible));
    let small = image::imageops::thumbnail(&card_photo(14), 360, 480);
    let r = kyc_checker::check(&jpeg(&small), &request(DocumentKind::Identity)).report;
    assert!(r.has(ReasonCode::LowResolution), "{:?}", codes(&r));
}

#[test]
fn without_a_document_the_photo_says_no_document_and_is_still_measured() {
    // The finder is given nothing it can find: a plain desk.
    let desk = image::RgbImage::from_pixel(900, 1200, image::Rgb([120, 82, 50]));
    let r = kyc_checker::check(&jpeg(&desk), &request(DocumentKind::Identity)).report;
    assert!(r.has(ReasonCode::NoDocument));
    assert_eq!(r.document.corners, None);
    assert!(r.metrics.brightness.is_some());
}
