use super::*;
use crate::testing::day;

fn dates(text: &str) -> Vec<NaiveDate> {
    find_dates(text).into_iter().map(|f| f.date).collect()
}

#[test]
fn numeric_formats() {
    let d = day(2026, 10, 15);
    for text in [
        "15.10.2026",
        "15/10/2026",
        "15-10-2026",
        "2026-10-15",
        "2026/10/15",
        "15.10.26",
        "Date: 15.10.2026 г.",
        "(15/10/2026)",
        "15. 10. 2026",
        "20261015",
    ] {
        assert_eq!(dates(text), vec![d], "{text}");
    }
}

#[test]
fn month_names_in_five_languages_with_and_without_diacritics() {
    let d = day(2026, 10, 15);
    for text in [
        "15 oktyabr 2026",
        "15 oktyabr 2026-cı il",
        "15 октября 2026 г.",
        "15 Ekim 2026",
        "2026 жылғы 15 қазан",
        "2026 жылгы 15 казан",
        "October 15, 2026",
        "Oct 15 2026",
        "15 OCT 2026",
        "15-OCT-2026",
        "15/Oct/2026",
        "15 October 2026",
        "«15» октября 2026 г.",
        "“15” октября 2026",
        "2026 жылғы «15» қазан",
        "2026-cı il 15 oktyabr",
    ] {
        assert_eq!(dates(text), vec![d], "{text}");
    }
    // OCR reads the dotless `ı` of `-cı il` as `1`.
    assert_eq!(dates("2026-c1 il 1 yanvar"), vec![day(2026, 1, 1)]);
    assert_eq!(dates("3 Kasım 2026"), vec![day(2026, 11, 3)]);
    assert_eq!(dates("3 Kasim 2026"), vec![day(2026, 11, 3)]);
    assert_eq!(dates("1 Şubat 2026"), vec![day(2026, 2, 1)]);
    assert_eq!(dates("1 Subat 2026"), vec![day(2026, 2, 1)]);
    assert_eq!(dates("28 Ağustos 2026"), vec![day(2026, 8, 28)]);
    assert_eq!(dates("5 avqust 2026"), vec![day(2026, 8, 5)]);
    assert_eq!(dates("1 мая 2026 г."), vec![day(2026, 5, 1)]);
    assert_eq!(dates("2026 жылғы 3 желтоқсан"), vec![day(2026, 12, 3)]);
    assert_eq!(dates("2026 ж. 9 сәуір"), vec![day(2026, 4, 9)]);
    assert_eq!(dates("12 dekabr 2025"), vec![day(2025, 12, 12)]);
    assert_eq!(dates("30 Haziran 2026"), vec![day(2026, 6, 30)]);
}

#[test]
fn two_digit_years() {
    assert_eq!(dates("28 MAR 18"), vec![day(2018, 3, 28)]);
    assert_eq!(dates("28-12-17"), vec![day(2017, 12, 28)]);
    assert_eq!(expand_year(69, 2), 2069);
    assert_eq!(expand_year(70, 2), 1970);
    assert_eq!(expand_year(2026, 4), 2026);
}

#[test]
fn day_first_unless_impossible_and_ambiguity_is_flagged() {
    let f = find_dates("04/01/2018");
    assert_eq!(f[0].date, day(2018, 1, 4));
    assert!(f[0].ambiguous);
    let f = find_dates("10/15/2026");
    assert_eq!(f[0].date, day(2026, 10, 15));
    assert!(!f[0].ambiguous);
    assert!(!find_dates("15/10/2026")[0].ambiguous);
    assert!(!find_dates("05/05/2026")[0].ambiguous);
}

#[test]
fn impossible_dates_times_and_phone_numbers_are_not_dates() {
    for text in [
        "31.02.2026",
        "18:32:36",
        "Tel 1300-88-6555",
        "32.01.2026",
        "15.13.2026",
        "May",
        "15 march",
    ] {
        assert!(dates(text).is_empty(), "{text}");
    }
    assert!(dates("marketing 15 2026").is_empty());
}

#[test]
fn ocr_lookalikes_inside_numbers_are_read_as_digits() {
    assert_eq!(dates("l5.1O.2026"), vec![day(2026, 10, 15)]);
}

#[test]
fn several_dates_on_one_line_in_order() {
    assert_eq!(
        dates("Period 01.09.2026 - 30.09.2026 issued 2 October 2026"),
        vec![day(2026, 9, 1), day(2026, 9, 30), day(2026, 10, 2)]
    );
    assert_eq!(
        dates("ORD #94 -REG #19- 21/05/2018 11:59:48"),
        vec![day(2018, 5, 21)]
    );
    assert_eq!(
        dates("18/05/2022 10/09/2024"),
        vec![day(2022, 5, 18), day(2024, 9, 10)]
    );
}

#[test]
fn folding_keeps_one_char_per_char() {
    let s = "Verilmə Tarixi: İyun Şubat Қазан";
    assert_eq!(fold(s).chars().count(), s.chars().count());
    assert_eq!(fold(s), "verilme tarixi: iyun subat казан");
    assert_eq!(month_of("SEPT."), Some(9));
    assert_eq!(month_of("mart'ta"), Some(3));
    assert_eq!(month_of("ma"), None);
    assert_eq!(month_of("marketing"), None);
}

#[test]
fn date_like_lines_are_spotted_and_plain_numbers_are_not() {
    for text in [
        "14/4ur/2017 09:34:22",
        "Date : 04-00-/ 553,52",
        "14/JUN/2017",
        "Tarix: 5 oktyabr",
        "Дата 0б.1О",
        "СВХ: 78293158323 144lur/2017 00:34:22",
    ] {
        assert!(looks_like_date(text), "{text}");
    }
    for text in [
        "Total 14.95",
        "Tel 03-7845 8155",
        "GST 6%",
        "Update 12",
        "18:32:36",
    ] {
        assert!(!looks_like_date(text), "{text}");
    }
}

#[test]
fn a_month_abbreviation_with_one_misread_letter_between_day_and_year() {
    assert_eq!(dates("14/lun/2017"), vec![day(2017, 6, 14)]);
    assert_eq!(dates("14/dun/2017"), vec![day(2017, 6, 14)]);
    // Two months as close (`jan`, `jun`), or none: not a date.
    assert!(dates("14/jxn/2017").is_empty());
    assert!(dates("14/abc/2017").is_empty());
    assert!(dates("Lun 14, 2017").is_empty());
}
