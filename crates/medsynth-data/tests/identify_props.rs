//! Property tests: detection never panics on arbitrary cells, and the date
//! and value matchers agree with the values they were built from.

use medsynth_data::Column;
use medsynth_data::datetime::days_from_civil;
use medsynth_data::identify::{detect_column, is_email, is_phone, is_ssn, parse_date_text};
use proptest::prelude::*;

proptest! {
    #[test]
    fn detection_never_panics(
        name in "\\PC{0,20}",
        cells in proptest::collection::vec(proptest::option::of("\\PC{0,30}"), 0..80),
    ) {
        let c = Column::from_strs(if name.is_empty() { "c".to_string() } else { name }, &cells);
        let _ = detect_column(&c);
    }

    #[test]
    fn integer_columns_never_panic(values in proptest::collection::vec(proptest::option::of(any::<i64>()), 0..120)) {
        let _ = detect_column(&Column::from_i64("x", &values));
        let _ = detect_column(&Column::from_i64("patient_id", &values));
    }

    #[test]
    fn european_dates_parse_to_the_same_day(y in 1900i64..2100, m in 1u32..=12, d in 1u32..=28) {
        let want = Some(days_from_civil(y, m, d));
        prop_assert_eq!(parse_date_text(&format!("{d:02}.{m:02}.{y:04}")), want);
        prop_assert_eq!(parse_date_text(&format!("{y:04}-{m:02}-{d:02}")), want);
        if d > 12 {
            prop_assert_eq!(parse_date_text(&format!("{d:02}/{m:02}/{y:04}")), want);
            prop_assert_eq!(parse_date_text(&format!("{m:02}/{d:02}/{y:04}")), want);
        }
    }

    #[test]
    fn generated_contacts_match(a in 900u32..1000, b in 1u32..100, c in 0u32..10_000, local in "[a-z]{1,10}") {
        let ssn = format!("{a}-{b:02}-{c:04}");
        prop_assert!(is_ssn(&ssn));
        prop_assert!(!is_phone(&ssn));
        let email = format!("{local}@example.org");
        prop_assert!(is_email(&email));
        let phone = format!("({a}) 555-01{:02}", c % 100);
        prop_assert!(is_phone(&phone));
    }
}
