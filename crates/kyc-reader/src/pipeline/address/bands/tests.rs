use super::*;
use crate::testing::{day, line_at};

fn window() -> Option<(NaiveDate, NaiveDate)> {
    Some((day(2012, 1, 1), day(2027, 1, 1)))
}

#[test]
fn a_line_may_hold_a_date_when_it_shows_one_a_misread_one_or_a_year_alone() {
    assert!(may_hold_date("Date: 05.10.2026", window()));
    assert!(may_hold_date("14/4ur/2017", window()));
    // A Russian month name read in `eng` is junk, but the year is there.
    assert!(may_hold_date("«15» okTA6pA 2026 r.", window()));
    assert!(!may_hold_date("Total 12.90", window()));
    // Four digits outside the window's years, or inside a longer number,
    // are not a year.
    assert!(!may_hold_date("Qty 1890 pcs", window()));
    assert!(!may_hold_date("GST ID 002139201536", window()));
    // Nor is a year outside the window.
    assert!(!may_hold_date("Since 1955", window()));
}

#[test]
fn bands_take_date_rows_and_the_label_row_above_but_no_other_row() {
    let lines = vec![
        line_at("ACME POWER LTD", 0, 0),       // 0..20
        line_at("Customer John Smith", 0, 40), // 40..60
        line_at("Statement date", 0, 100),     // 100..120, label above
        line_at("05.10.2026", 0, 130),         // 130..150, the value
        line_at("Total 12.90", 0, 200),        // 200..220
        line_at("Thank you", 0, 260),          // 260..280
        line_at("Due 25.10.2026", 0, 330),     // 330..350, no line close above
        line_at("far right words", 500, 332),  // same row, another block
    ];
    let bands = date_bands(&lines, window(), 1000);
    // Margin: 2 + 0.15 * 20 = 5 px; the second band grows to hold the
    // words on its row that sit 2 px lower.
    assert_eq!(bands, vec![(95, 155), (325, 357)]);
}

#[test]
fn bands_that_touch_are_merged_and_stay_on_the_page() {
    let lines = vec![
        line_at("01.09.2026", 0, 0),
        line_at("30.09.2026", 0, 24),
        line_at("Bill date 05.10.2026", 0, 985),
    ];
    let bands = date_bands(&lines, window(), 1000);
    assert_eq!(bands, vec![(0, 49), (980, 1000)]);
}

#[test]
fn a_band_margin_stops_at_the_next_line() {
    let lines = vec![
        line_at("Thank you", 0, 0),
        line_at("Date 05.10.2026", 0, 80),
        line_at("Cashier 3", 0, 102),
    ];
    // 5 px of margin above; below, the next line starts 2 px down.
    assert_eq!(date_bands(&lines, window(), 1000), vec![(75, 102)]);
}

#[test]
fn no_band_without_a_date_row() {
    let lines = vec![line_at("Thank you", 0, 0), line_at("Total 12.90", 0, 40)];
    assert!(date_bands(&lines, window(), 1000).is_empty());
    assert!(date_bands(&[], window(), 1000).is_empty());
}

/// A page whose row `y` holds the value `y % 200 + 10`, so every row of the
/// stack shows where it came from.
fn striped_page() -> GrayImage {
    GrayImage::from_fn(50, 400, |_, y| Luma([(y % 200 + 10) as u8]))
}

#[test]
fn a_stack_holds_the_bands_rows_on_paper_gaps() {
    let page = striped_page();
    let stack = Stack::new(&page, &[(10, 20), (300, 330)], 8).unwrap();
    // 8 + 10 + 8 + 30 + 8 rows.
    assert_eq!(stack.image.dimensions(), (50, 64));
    for x in [0, 49] {
        assert_eq!(stack.image.get_pixel(x, 8).0[0], 20, "first band row");
        assert_eq!(stack.image.get_pixel(x, 17).0[0], 29, "last row of band 1");
        assert_eq!(
            stack.image.get_pixel(x, 26).0[0],
            110,
            "row 300 of the page"
        );
        assert_eq!(stack.image.get_pixel(x, 55).0[0], 139, "row 329");
    }
    // The gaps carry the bands' paper shade: their 90th percentile.
    let gap = stack.image.get_pixel(0, 3).0[0];
    assert!((130..=140).contains(&gap), "gap shade {gap}");
    assert_eq!(stack.image.get_pixel(0, 20).0[0], gap);
}

#[test]
fn words_read_on_a_stack_go_back_to_page_rows_and_gap_words_are_dropped() {
    let page = striped_page();
    let stack = Stack::new(&page, &[(10, 20), (300, 330)], 8).unwrap();
    let word = |y: u32, h: u32| Word {
        text: "x".into(),
        conf: 90.0,
        x: 7,
        y,
        w: 5,
        h,
    };
    let lines = vec![
        Line {
            words: vec![word(9, 6), word(0, 4)],
        },
        Line {
            words: vec![word(28, 10)],
        },
        Line {
            words: vec![word(19, 6)],
        },
    ];
    let back = stack.to_page(lines);
    assert_eq!(back.len(), 2, "the line made only of gap words is dropped");
    assert_eq!(back[0].words.len(), 1);
    assert_eq!((back[0].words[0].x, back[0].words[0].y), (7, 11));
    assert_eq!((back[1].words[0].y, back[1].words[0].h), (302, 10));
}

#[test]
fn no_stack_without_bands_inside_the_page() {
    let page = striped_page();
    assert!(Stack::new(&page, &[], 8).is_none());
    assert!(Stack::new(&page, &[(500, 600)], 8).is_none());
}

#[test]
fn merge_replaces_the_lines_inside_bands_only() {
    let first = vec![
        line_at("Statement dale", 0, 100),
        line_at("O5.1O.2O26", 0, 130),
        line_at("Total 12.90", 0, 200),
    ];
    let again = vec![
        line_at("Statement date", 0, 100),
        line_at("05.10.2026", 0, 130),
    ];
    let merged = merge(&first, &[(95, 155)], again);
    let texts: Vec<String> = merged.iter().map(Line::text).collect();
    assert_eq!(texts, ["Total 12.90", "Statement date", "05.10.2026"]);
}
