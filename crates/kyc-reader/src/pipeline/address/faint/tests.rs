use super::*;
use image::Luma;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2018, 3, d).unwrap()
}

#[test]
fn vote_needs_a_strict_majority_of_the_readings_that_hold_a_date() {
    // Two of three readings agree.
    let r = [vec![day(28)], vec![day(28)], vec![day(24)]];
    assert_eq!(vote(&r), Some(day(28)));
    // Empty readings (a re-read that found nothing) do not vote.
    let r = [vec![day(28)], vec![], vec![day(28)], vec![], vec![day(24)]];
    assert_eq!(vote(&r), Some(day(28)));
    // The most frequent date is not enough when the readings scatter:
    // two of six (seen on a drawn dot-matrix page).
    let r = [
        vec![day(28)],
        vec![day(24)],
        vec![day(20)],
        vec![day(29)],
        vec![day(24)],
        vec![day(26)],
    ];
    assert_eq!(vote(&r), None);
    // A tie is no majority.
    assert_eq!(vote(&[vec![day(28)], vec![day(24)]]), None);
    assert_eq!(
        vote(&[vec![day(28)], vec![day(28)], vec![day(24)], vec![day(24)]]),
        None
    );
    // One reading is not agreement, even if it holds the date twice.
    assert_eq!(vote(&[vec![day(28), day(28)]]), None);
    assert_eq!(vote(&[vec![day(28)], vec![]]), None);
    assert_eq!(vote(&[]), None);
}

#[test]
fn vote_counts_a_reading_that_holds_two_dates_for_both() {
    // Each date is held by two of three readings: a majority each, so
    // neither wins.
    let r = [vec![day(1), day(28)], vec![day(28)], vec![day(1)]];
    assert_eq!(vote(&r), None);
    let r = [vec![day(1), day(28)], vec![day(28)], vec![day(28)]];
    assert_eq!(vote(&r), Some(day(28)));
}

#[test]
fn blur_spreads_a_dot_over_its_neighbours_and_keeps_flat_paper_flat() {
    let mut page = GrayImage::from_pixel(9, 9, Luma([200]));
    page.put_pixel(4, 4, Luma([20]));
    let blurred = blur3(&page);
    // The dot is shared with its 3x3 neighbourhood: (8 * 200 + 20) / 9.
    for (x, y) in [(3, 3), (4, 4), (5, 5), (3, 5)] {
        assert_eq!(blurred.get_pixel(x, y).0[0], 180, "({x}, {y})");
    }
    assert_eq!(blurred.get_pixel(2, 4).0[0], 200);
    assert_eq!(
        blurred.get_pixel(0, 0).0[0],
        200,
        "corners keep their shade"
    );
}

/// A page whose paper darkens from 240 at the left to 120 at the right
/// (a shadow), with a dark band 60 px wide down the left edge (over two
/// paper windows) and faint ink strokes at 80 % of the local paper shade.
fn shaded_page() -> GrayImage {
    GrayImage::from_fn(400, 120, |x, y| {
        let paper = 240.0 - 120.0 * x as f32 / 399.0;
        let v = if x < 60 {
            60.0
        } else if (80..360).contains(&x) && (50..56).contains(&y) && x % 20 < 12 {
            0.8 * paper
        } else {
            paper
        };
        Luma([v.round() as u8])
    })
}

#[test]
fn flattening_whitens_shadowed_paper_and_an_edge_band_but_keeps_ink_dark() {
    let page = shaded_page();
    let flat = flatten(&page);
    let at = |x: u32, y: u32| flat.get_pixel(x, y).0[0];
    // Paper reads white whatever its shade, and so does the band: it is
    // its own local paper, wider than the window.
    for x in [70, 200, 390] {
        assert!(at(x, 10) >= 225, "paper at x={x}: {}", at(x, 10));
    }
    for x in [5, 20, 35] {
        assert!(at(x, 60) >= 225, "edge band at x={x}: {}", at(x, 60));
    }
    // Ink is about as dark in the shadow as in the light, and well under
    // the paper: on the page, ink at the light end (about 180) was
    // brighter than paper in the shadow (about 125).
    let (light, dark) = (at(84, 52), at(344, 52));
    assert!(light < 140 && dark < 140, "ink {light} / {dark}");
    assert!(light.abs_diff(dark) < 30, "ink {light} / {dark}");
    assert!(page.get_pixel(84, 52).0[0] > page.get_pixel(390, 10).0[0]);
}
