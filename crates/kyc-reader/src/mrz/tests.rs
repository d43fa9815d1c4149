use super::*;
use crate::testing::day;

/// ICAO 9303's specimen zones, shared with the template reader's tests.
pub(super) const TD3: [&str; 2] = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
];
const TD2: [&str; 2] = [
    "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
    "D231458907UTO7408122F1204159<<<<<<<6",
];
pub(super) const TD1: [&str; 3] = [
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
];

fn owned(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn check_digits_of_the_icao_specimen() {
    assert_eq!(check_digit(b"L898902C3"), Some(6));
    assert_eq!(check_digit(b"740812"), Some(2));
    assert_eq!(check_digit(b"120415"), Some(9));
    assert_eq!(check_digit(b"ZE184226B<<<<<"), Some(1));
    assert_eq!(check_digit(b"D23145890"), Some(7));
    assert_eq!(check_digit(b"<<<"), Some(0));
    assert_eq!(check_digit(b"a"), None);
}

#[test]
fn td3_specimen_parses_and_validates() {
    let m = parse(Format::Td3, &owned(&TD3)).unwrap();
    assert!(m.valid, "{:?}", m.failed_checks);
    assert_eq!(m.corrections, 0);
    assert_eq!(m.document_type, "P");
    assert_eq!(m.country, "UTO");
    assert_eq!(m.surname, "ERIKSSON");
    assert_eq!(m.given_names, "ANNA MARIA");
    assert_eq!(m.number, "L898902C3");
    assert_eq!(m.birth, "740812");
    assert_eq!(m.sex, "F");
    assert_eq!(m.expiry, "120415");
}

#[test]
fn td2_and_td1_specimens_parse_and_validate() {
    let m = parse(Format::Td2, &owned(&TD2)).unwrap();
    assert!(m.valid, "{:?}", m.failed_checks);
    assert_eq!(m.number, "D23145890");
    let m = parse(Format::Td1, &owned(&TD1)).unwrap();
    assert!(m.valid, "{:?}", m.failed_checks);
    assert_eq!(m.number, "D23145890");
    assert_eq!(m.nationality, "UTO");
    assert_eq!(m.surname, "ERIKSSON");
    assert_eq!(m.expiry, "120415");
}

#[test]
fn letters_in_dates_and_a_single_misread_are_corrected() {
    // O for 0 in the birth date and in the number, K for fillers.
    let lines = [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<KKK<<<<",
        "L8989O2C36UTO74O8122F1204159ZE184226B<<<<<10",
    ];
    let m = parse(Format::Td3, &owned(&lines)).unwrap();
    assert!(m.valid, "{:?}", m.failed_checks);
    assert_eq!(m.number, "L898902C3");
    assert_eq!(m.birth, "740812");
    assert!(m.corrections >= 1);
    assert_eq!(m.given_names, "ANNA MARIA");
}

#[test]
fn a_wrong_digit_that_cannot_be_uniquely_fixed_fails() {
    let lines = [TD3[0], "L898902C36UTO7408122F1204159ZE184226B<<<<<14"];
    let m = parse(Format::Td3, &owned(&lines)).unwrap();
    assert!(!m.valid);
    assert_eq!(m.failed_checks, vec!["composite"]);
}

#[test]
fn find_mrz_picks_the_lines_among_noise_and_tolerates_spaces_and_missing_fillers() {
    let raw = vec![
        "PASSPORT PASSEPORT".to_owned(),
        "Surname ERIKSSON".to_owned(),
        "P<UTO ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<".to_owned(),
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10".to_owned(),
    ];
    let (m, start) = find_mrz(&raw).unwrap();
    assert_eq!(start, 2);
    assert_eq!(m.format, Format::Td3);
    assert!(m.valid);
    let td1 = owned(&TD1);
    let (m, _) = find_mrz(&td1).unwrap();
    assert_eq!(m.format, Format::Td1);
    assert!(find_mrz(&owned(&["hello", "world"])).is_none());
}

#[test]
fn names_ending_in_filler_lookalikes_keep_their_letters() {
    let lines = ["P<UTOSMITHE<<JACK<<<<<<<<<<<<<<<<<<<<<<<<<<", TD3[1]];
    let m = parse(Format::Td3, &owned(&lines)).unwrap();
    assert_eq!(m.surname, "SMITHE");
    assert_eq!(m.given_names, "JACK");
}

#[test]
fn centuries_follow_the_check_day() {
    let as_of = day(2026, 6, 1);
    assert_eq!(birth_date("740812", as_of), Some(day(1974, 8, 12)));
    assert_eq!(birth_date("100101", as_of), Some(day(2010, 1, 1)));
    assert_eq!(birth_date("260602", as_of), Some(day(1926, 6, 2)));
    assert_eq!(expiry_date("120415", as_of), Some(day(2012, 4, 15)));
    assert_eq!(expiry_date("340101", as_of), Some(day(2034, 1, 1)));
    assert_eq!(birth_date("7408AA", as_of), None);
    assert_eq!(birth_date("741312", as_of), None);
}

#[test]
fn age_counts_whole_years() {
    assert_eq!(age_on(day(2008, 6, 2), day(2026, 6, 1)), 17);
    assert_eq!(age_on(day(2008, 6, 1), day(2026, 6, 1)), 18);
    assert_eq!(age_on(day(2008, 2, 29), day(2026, 2, 28)), 17);
}

#[test]
fn when_two_fixes_pass_every_check_a_letter_read_for_a_digit_wins() {
    // `L89B...`: B->8 at position 3 and 8->B at position 1 both satisfy
    // the number and composite checks; a letter inside digits is the
    // likelier misread.
    let lines = [TD3[0], "L89B902C36UTO7408122F1204159ZE184226B<<<<<10"];
    let m = parse(Format::Td3, &owned(&lines)).unwrap();
    assert!(m.valid);
    assert_eq!(m.number, "L898902C3");
    assert_eq!(m.corrections, 1);
}

#[test]
fn a_run_of_zeros_read_as_letters_is_fixed_next_to_digits() {
    // `CA0001234` read `CAOO01234`: two letters in a digit run, which no
    // single change fixes; the letters away from digits (`CA`) stay.
    let lines = [TD3[0], "CAOO012342UTO7408122F1204159ZE184226B<<<<<18"];
    let m = parse(Format::Td3, &owned(&lines)).unwrap();
    assert!(m.valid, "{:?}", m.failed_checks);
    assert_eq!(m.number, "CA0001234");
}

#[test]
fn a_composite_failure_is_fixed_where_the_neighbours_agree() {
    // TD1 optional data `LIN` read `L1N`: no field check covers it, only
    // the composite; several single changes make the composite pass, and
    // only `1` → `I` fits between two letters.
    let lines = [
        "I<UTOD231458907LIN<<<<<<<<<<<<",
        "7408122F1204159UTO<<<<<<<<<<<8",
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    ];
    assert!(parse(Format::Td1, &owned(&lines)).unwrap().valid);
    let misread = ["I<UTOD231458907L1N<<<<<<<<<<<<", lines[1], lines[2]];
    let m = parse(Format::Td1, &owned(&misread)).unwrap();
    assert!(m.valid, "{:?}", m.failed_checks);
    assert!(
        m.lines[0].starts_with("I<UTOD231458907LIN<"),
        "{:?}",
        m.lines
    );
}

#[test]
fn a_td1_number_longer_than_nine_characters_overflows_into_the_optional_data() {
    // `D2314589012`: nine characters, `<` where the check digit would be,
    // then `12` and the check digit `0` over the whole number.
    let lines = [
        "I<UTOD23145890<120<<<<<<<<<<<<",
        "7408122F1204159UTO<<<<<<<<<<<2",
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    ];
    let m = parse(Format::Td1, &owned(&lines)).unwrap();
    assert!(m.valid, "{:?}", m.failed_checks);
    assert_eq!(m.number, "D2314589012");
    assert_eq!(m.corrections, 0);
    // A wrong overflow check digit fails the number check.
    let wrong = ["I<UTOD23145890<125<<<<<<<<<<<<", lines[1], lines[2]];
    let m = parse(Format::Td1, &owned(&wrong)).unwrap();
    assert!(m.failed_checks.contains(&"number"), "{:?}", m.failed_checks);
}
