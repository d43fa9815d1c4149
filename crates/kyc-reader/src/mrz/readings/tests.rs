use super::*;

const TD3: [&str; 2] = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
];

fn rows(readings: &[&[&str]]) -> Vec<Vec<String>> {
    readings
        .iter()
        .map(|r| r.iter().map(|s| clean_row(s)).collect())
        .collect()
}

#[test]
fn clean_row_keeps_mrz_characters_only() {
    assert_eq!(clean_row("p<uto eriks«son ."), "P<UTOERIKS<SON");
    assert_eq!(clean_row("L898 902C3"), "L898902C3");
}

#[test]
fn the_valid_reading_of_a_row_wins() {
    // The first reading of row two has two unreadable characters in the
    // number (no single fix), the second is right.
    let readings = rows(&[
        &[TD3[0]],
        &["L89X9X2C36UTO7408122F1204159ZE184226B<<<<<10", TD3[1]],
    ]);
    let m = best_of(&readings).unwrap();
    assert!(m.valid, "{:?}", m.failed_checks);
    assert_eq!(m.number, "L898902C3");
}

#[test]
fn fields_are_combined_across_readings_by_their_own_checks() {
    // Reading A breaks the number beyond repair, reading B the birth
    // date: neither is valid alone, their fields together are.
    let a = "L89X9X2C36UTO7408122F1204159ZE184226B<<<<<10";
    let b = "L898902C36UTO74X8X22F1204159ZE184226B<<<<<10";
    let readings = rows(&[&[TD3[0]], &[a, b]]);
    let m = best_of(&readings).unwrap();
    assert!(m.valid, "{:?}", m.failed_checks);
    assert_eq!(m.number, "L898902C3");
    assert_eq!(m.birth, "740812");
}

#[test]
fn a_mix_the_composite_check_rejects_stays_invalid() {
    // Reading A misread the birth date into another date that passes its
    // own check (410812, digit 2), so taking the number from B and the
    // birth date from A still fails the composite check.
    let a = "L89X9X2C36UTO4108122F1204159ZE184226B<<<<<10";
    let b = "L898902C36UTO74X8X22F1204159ZE184226B<<<<<10";
    let m = best_of(&rows(&[&[TD3[0]], &[a, b]])).unwrap();
    assert!(!m.valid, "{:?}", m.lines);
}

#[test]
fn a_visa_parses_as_mrv_a_without_a_composite_check() {
    let visa = [
        "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L8988901C4XXX4009078F96121096ZE184226B<<<<<<",
    ];
    let m = best_of(&rows(&[&[visa[0]], &[visa[1]]])).unwrap();
    assert_eq!(m.format, Format::MrvA);
    assert!(m.valid, "{:?}", m.failed_checks);
    assert_eq!(m.number, "L8988901C");
    // The same second row under a passport code is not valid: a TD3 needs
    // its composite check.
    let as_passport = best_of(&rows(&[&[TD3[0]], &[visa[1]]])).unwrap();
    assert_eq!(as_passport.format, Format::Td3);
    assert!(!as_passport.valid);
}

#[test]
fn no_readings_or_wrong_lengths_give_nothing() {
    assert!(best_of(&[]).is_none());
    assert!(best_of(&rows(&[&[TD3[0]], &[]])).is_none());
    assert!(best_of(&rows(&[&["P<UTO"], &["L898"]])).is_none());
}

#[test]
fn filler_runs_stretch_or_shrink_to_the_width() {
    // Four fillers dropped and a `K` inside the run: the check digit is
    // back at the end of a 30-character TD1 row.
    assert_eq!(
        fit_fillers("7408122F1204159UTO<<<K<<<6", 30).as_deref(),
        Some("7408122F1204159UTO<<<<<<<<<<<6")
    );
    assert_eq!(
        fit_fillers("L898902C36UTO7408122F1204159ZE184226B<<<<<<<10", 44).as_deref(),
        Some("L898902C36UTO7408122F1204159ZE184226B<<<<<10")
    );
    assert_eq!(fit_fillers(TD3[1], 44), None);
    assert_eq!(fit_fillers("L898902C36UTO", 44), None);
}

#[test]
fn a_td1_row_that_lost_fillers_is_read_valid() {
    let td1 = [
        "I<UTOD231458907<<<<<<<<<<<<<<<",
        "7408122F1204159UTO<<<<K<<<6",
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    ];
    let m = best_of(&rows(&[&[td1[0]], &[td1[1]], &[td1[2]]])).unwrap();
    assert_eq!(m.format, Format::Td1);
    assert!(m.valid, "{:?}", m.failed_checks);
}

#[test]
fn one_extra_character_in_a_digit_run_is_taken_out() {
    // `CA0001234` read with one zero too many: every later field shifts.
    let line = "CA000012342UTO7408122F1204159ZE184226B<<<<<18";
    let m = best_of(&rows(&[&[TD3[0]], &[line]])).unwrap();
    assert!(m.valid, "{:?}", m.failed_checks);
    assert_eq!(m.number, "CA0001234");
}

#[test]
fn dates_are_never_corrected_into_letters() {
    // The birth date `74O8I2` (O and I for 0 and 1) must come back as
    // digits, not stay or become letters.
    let line = "L898902C36UTO74O8I22F1204159ZE184226B<<<<<10";
    let m = best_of(&rows(&[&[TD3[0]], &[line]])).unwrap();
    assert!(m.valid, "{:?}", m.failed_checks);
    assert!(m.birth.bytes().all(|b| b.is_ascii_digit()), "{}", m.birth);
}
