use super::*;
use crate::testing::{day, line_at};

/// OCR lines for a page of text: each char 10 px wide, lines 30 px apart,
/// words 20 px tall, so runs of spaces lay out columns.
fn page(text: &str) -> Vec<Line> {
    text.lines()
        .enumerate()
        .map(|(li, l)| line_at(l, 0, li as u32 * 30))
        .collect()
}

fn chosen(text: &str) -> Option<NaiveDate> {
    choose_issue_date(&page(text), None).map(|d| d.date)
}

#[test]
fn issue_label_beats_due_date_and_period_in_every_language() {
    let cases = [
        ("Son ödəniş tarixi: 25.10.2026\nVerilmə tarixi: 05.10.2026\nDövr: 01.09.2026 - 30.09.2026", day(2026, 10, 5)),
        ("Срок оплаты: 25.10.2026\nДата выдачи: 05.10.2026\nПериод: 01.09.2026 - 30.09.2026", day(2026, 10, 5)),
        ("Son Ödeme Tarihi: 25.10.2026\nDüzenleme Tarihi: 05.10.2026\nDönem 01.09.2026-30.09.2026", day(2026, 10, 5)),
        ("Төлеу мерзімі: 25.10.2026\nБерілген күні: 05.10.2026\nКезең: 01.09.2026 - 30.09.2026", day(2026, 10, 5)),
        ("Due date: October 25, 2026\nStatement date: October 5, 2026\nBilling period 01/09/2026 - 30/09/2026", day(2026, 10, 5)),
    ];
    for (text, want) in cases {
        assert_eq!(chosen(text), Some(want), "{text}");
    }
}

#[test]
fn generic_date_label_beats_unlabelled_and_contract_dates() {
    let text =
        "Contract date 01.01.2020\nCustomer 12345\nDate: 07.10.2026\nPrinted 08.10.2026 12:00";
    assert_eq!(chosen(text), Some(day(2026, 10, 7)));
    assert_eq!(
        chosen("Tarix 07.10.2026\nMüqavilə tarixi 01.01.2020"),
        Some(day(2026, 10, 7))
    );
    assert_eq!(
        chosen("Счет № 77 от 07.10.2026\nДоговор от 01.01.2020"),
        Some(day(2026, 10, 7))
    );
}

#[test]
fn a_label_on_the_line_above_counts() {
    let text = "Customer ACME\nInvoice date\n07.10.2026\nDue date\n21.10.2026";
    let d = choose_issue_date(&page(text), None).unwrap();
    assert_eq!(d.date, day(2026, 10, 7));
    assert_eq!(d.bbox, (0, 60, 100, 20));
}

#[test]
fn without_labels_the_first_date_wins() {
    assert_eq!(
        chosen("ACME\n28 Mar 18 18:32\nthanks 01/04/2018"),
        Some(day(2018, 3, 28))
    );
    assert_eq!(chosen("no dates here"), None);
    assert_eq!(chosen(""), None);
}

#[test]
fn the_box_covers_the_date_words() {
    let d = choose_issue_date(&page("Statement date: 15 October 2026 page 1"), None).unwrap();
    assert_eq!(d.bbox, (160, 0, 150, 20));
    let d = choose_issue_date(&page("Verilmə tarixi: 05.10.2026"), None).unwrap();
    assert_eq!(d.bbox, (160, 0, 100, 20));
}

#[test]
fn label_scores() {
    assert_eq!(label_score("Statement date:"), 3);
    assert_eq!(label_score("Due date"), -3);
    assert_eq!(label_score("Date"), 2);
    assert_eq!(label_score("от"), 2);
    assert_eq!(label_score("Отчет"), 0);
    assert_eq!(label_score("Total"), 0);
}

#[test]
fn three_month_rule_is_exact_to_the_day() {
    let as_of = day(2026, 11, 22);
    assert_eq!(age(day(2026, 8, 22), as_of), Age::Fresh);
    assert_eq!(age(day(2026, 8, 21), as_of), Age::TooOld);
    assert_eq!(age(day(2026, 11, 22), as_of), Age::Fresh);
    assert_eq!(age(day(2026, 11, 23), as_of), Age::InFuture);
}

#[test]
fn three_month_rule_clamps_month_ends() {
    // 31 May looks back to 28 February (no 31 February).
    assert_eq!(age(day(2026, 2, 28), day(2026, 5, 31)), Age::Fresh);
    assert_eq!(age(day(2026, 2, 27), day(2026, 5, 31)), Age::TooOld);
    // Leap year: 29 February.
    assert_eq!(age(day(2024, 2, 29), day(2024, 5, 31)), Age::Fresh);
    assert_eq!(age(day(2024, 2, 28), day(2024, 5, 31)), Age::TooOld);
    // Across a year boundary.
    assert_eq!(age(day(2025, 10, 15), day(2026, 1, 15)), Age::Fresh);
    assert_eq!(age(day(2025, 10, 14), day(2026, 1, 15)), Age::TooOld);
}

#[test]
fn dates_outside_the_window_are_ignored() {
    let as_of = Some(day(2026, 11, 1));
    let lines = page("Ref 04-06-51\nDate 07.10.2026");
    assert_eq!(
        choose_issue_date(&lines, as_of).map(|d| d.date),
        Some(day(2026, 10, 7))
    );
    assert_eq!(choose_issue_date(&page("Ref 04-06-51"), as_of), None);
    assert_eq!(choose_issue_date(&page("Ref 04-06-28"), as_of), None);
}

#[test]
fn future_and_much_older_dates_lose_ties() {
    let as_of = Some(day(2024, 12, 1));
    let pick = |text: &str| choose_issue_date(&page(text), as_of).map(|d| d.date);
    // An unknown label (OCR-garbled) and the issue date's: both generic.
    assert_eq!(
        pick("Mxqavxle tarixi: 11.01.2010\nTarix: 12.11.2024"),
        Some(day(2024, 11, 12))
    );
    assert_eq!(
        pick("Tarix: 20.12.2024\nTarix: 12.11.2024"),
        Some(day(2024, 11, 12))
    );
    // Alone, a future date is still the one read (it goes to review).
    assert_eq!(pick("Tarix: 20.12.2024"), Some(day(2024, 12, 20)));
}

#[test]
fn one_misread_letter_in_a_long_label_is_tolerated() {
    assert_eq!(label_score("Mügavile tarixi"), -3);
    assert_eq!(label_score("Verilme tarlxi"), 3);
    assert_eq!(label_score("Oт"), 0);
    assert_eq!(label_score("date"), 2);
    assert_eq!(label_score("dale"), 0);
    assert_eq!(label_score("Hesab-fakturanın tarixi"), 3);
    assert_eq!(label_score("Төлем мерзімі"), -3);
}

#[test]
fn labels_in_a_table_head_label_the_values_below_them() {
    let cases = [
        ("Hesabın tarixi        Son ödəniş tarixi\n10/09/2024            05/10/2024", day(2024, 9, 10)),
        ("Müqavilə tarixi     Verilmə tarixi\n18/05/2022          10/09/2024", day(2024, 9, 10)),
        ("Son Ödeme Tarihi    Tarih\n11.09.2024          28.08.2024", day(2024, 8, 28)),
        ("Sayğac göstəricisinin tarixi   Dövr\n28.08.2024                      01.08.2024 - 29.08.2024\nKüni\n10.09.2024", day(2024, 9, 10)),
        ("Төлеу мерзімі    Құжат күні\n17.05.2025       22.04.2025", day(2025, 4, 22)),
    ];
    for (text, want) in cases {
        assert_eq!(chosen(text), Some(want), "{text}");
    }
}

#[test]
fn a_value_in_its_own_block_far_right_keeps_its_label() {
    // Tesseract returned the labels as one block and the values as another.
    let lines = vec![
        line_at("Son Ödeme Tarihi", 0, 0),
        line_at("Tarih", 0, 30),
        line_at("30.05.2026", 600, 1),
        line_at("10.05.2026", 600, 31),
    ];
    assert_eq!(
        choose_issue_date(&lines, None).map(|d| d.date),
        Some(day(2026, 5, 10))
    );
}

#[test]
fn reading_start_and_next_dates_are_not_the_issue_date() {
    let text = "Okuma Tarihi: 09.05.2026\nAbonelik Başlangıç Tarihi: 21.12.2011\nTarih: 10.05.2026";
    assert_eq!(chosen(text), Some(day(2026, 5, 10)));
    let text = "Next statement date: 05.11.2026\nStatement date: 05.10.2026";
    assert_eq!(chosen(text), Some(day(2026, 10, 5)));
    let text = "Дата снятия показаний: 28.09.2026\nДата: 02.10.2026";
    assert_eq!(chosen(text), Some(day(2026, 10, 2)));
    assert_eq!(label_score("Следующая дата выставления"), -3);
    assert_eq!(label_score("Көрсеткіш алынған күн"), -3);
}

#[test]
fn plausible_issue_dates_are_past_and_at_most_two_years_old() {
    let as_of = day(2018, 1, 29);
    assert!(plausible(day(2017, 12, 29), as_of));
    assert!(plausible(as_of, as_of));
    assert!(!plausible(day(2011, 12, 29), as_of));
    assert!(!plausible(day(2018, 1, 30), as_of));
}

#[test]
fn more_bill_wordings() {
    assert_eq!(
        chosen("Dövr: 01.09.2026-dən 30.09.2026-dək\nÇap tarixi: 02.10.2026"),
        Some(day(2026, 10, 2))
    );
    assert_eq!(
        chosen("Pay before 20.10.2026\nDate 02.10.2026"),
        Some(day(2026, 10, 2))
    );
    assert_eq!(label_score("Hesap Kesim Tarihi"), 3);
    assert_eq!(label_score("Шот-фактура күні"), 3);
}
