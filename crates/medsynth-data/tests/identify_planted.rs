//! Identifier detection on the planted-identifier fixture (names in several
//! languages and styles, plus identifiers hidden behind `col7`..`col16`) and
//! on value-only tables built in code.

use medsynth_data::identify::detect_column;
use medsynth_data::io::{ReadOptions, read_table};
use medsynth_data::{Column, ColumnData, IdentifierType as T, MaskAction, Table};

fn fixture() -> Table {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/planted_identifiers.csv"
    );
    read_table(path.as_ref(), &ReadOptions::default()).expect("fixture must be readable")
}

#[test]
fn every_planted_identifier_is_flagged_with_its_type() {
    let t = fixture();
    let expected: &[(&str, &[T])] = &[
        ("Patient Name", &[T::Name]),
        ("e_mail", &[T::Email]),
        ("tel", &[T::Phone]),
        ("SSN", &[T::Ssn]),
        ("mrn", &[T::Mrn]),
        ("record_id", &[T::Mrn]),
        ("addr", &[T::Address]),
        ("zip", &[T::Postcode]),
        ("postcode", &[T::Postcode]),
        ("DOB", &[T::BirthDate]),
        ("birth_date", &[T::BirthDate]),
        ("notes", &[T::FreeText]),
        ("Nachname", &[T::Name]),
        ("Geburtsdatum", &[T::BirthDate]),
        ("Teléfono", &[T::Phone]),
        ("correo", &[T::Email]),
        ("adresse", &[T::Address]),
        ("PLZ", &[T::Postcode]),
        ("fecha_nacimiento", &[T::BirthDate]),
        ("Bemerkungen", &[T::FreeText]),
        ("PatientID", &[T::Mrn]),
        ("admission_date", &[T::ExactDate]),
        // Found by values only.
        ("col7", &[T::Email]),
        ("col8", &[T::Phone]),
        ("col9", &[T::Ssn]),
        ("col10", &[T::Name]),
        ("col11", &[T::Address]),
        ("col12", &[T::Postcode]),
        ("col13", &[T::BirthDate]),
        ("col14", &[T::Mrn]),
        ("col15", &[T::FreeText]),
        ("col16", &[T::RowKey]),
    ];
    let mut failures = Vec::new();
    for (name, types) in expected {
        let col = t
            .column(name)
            .unwrap_or_else(|| panic!("fixture lacks {name}"));
        match detect_column(col) {
            Some(d) if types.contains(&d.id_type) => assert!(!d.reason.is_empty()),
            other => failures.push(format!("{name}: expected {types:?}, got {other:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn clinical_columns_of_the_fixture_are_not_flagged() {
    let t = fixture();
    for name in [
        "age",
        "sex",
        "sbp",
        "diagnosis",
        "ward",
        "weight_kg",
        "smoker",
        "visits",
        "lab_code",
    ] {
        let col = t
            .column(name)
            .unwrap_or_else(|| panic!("fixture lacks {name}"));
        assert_eq!(detect_column(col), None, "{name} wrongly flagged");
    }
}

#[test]
fn suggested_actions_follow_the_policy() {
    let t = fixture();
    let action = |n: &str| detect_column(t.column(n).unwrap()).unwrap().action;
    assert_eq!(action("Patient Name"), MaskAction::Fake);
    assert_eq!(action("mrn"), MaskAction::Pseudonymize);
    assert_eq!(action("col16"), MaskAction::Drop);
    assert_eq!(action("zip"), MaskAction::Generalize);
    assert_eq!(action("DOB"), MaskAction::Generalize);
    assert_eq!(action("notes"), MaskAction::Drop);
}

fn text(name: &str, values: Vec<String>) -> Column {
    let n = values.len();
    Column::new(name, ColumnData::Text(values), vec![true; n])
}

#[test]
fn value_only_detection_under_neutral_names() {
    let n = 200;
    let emails: Vec<String> = (0..n).map(|i| format!("user{i}@example.org")).collect();
    assert_eq!(
        detect_column(&text("x1", emails)).map(|d| d.id_type),
        Some(T::Email)
    );
    let phones: Vec<String> = (0..n)
        .map(|i| format!("+1 212 555 01{:02}", i % 100))
        .collect();
    assert_eq!(
        detect_column(&text("x2", phones)).map(|d| d.id_type),
        Some(T::Phone)
    );
    let keys: Vec<Option<i64>> = (0..n as i64).map(|i| Some(7_000_000 + i * 13)).collect();
    assert_eq!(
        detect_column(&Column::from_i64("x3", &keys)).map(|d| d.id_type),
        Some(T::RowKey)
    );
    let days: Vec<i64> = (0..n as i64).map(|i| (i * 131) % 30_000 - 15_000).collect();
    let dob = Column::new(
        "x4",
        ColumnData::DateTime {
            secs: days.iter().map(|d| d * 86_400).collect(),
            date_only: true,
        },
        vec![true; n],
    );
    assert_eq!(detect_column(&dob).map(|d| d.id_type), Some(T::BirthDate));
    let visits = Column::new(
        "x5",
        ColumnData::DateTime {
            secs: (0..n as i64).map(|i| (19_000 + i * 3) * 86_400).collect(),
            date_only: true,
        },
        vec![true; n],
    );
    assert_eq!(
        detect_column(&visits).map(|d| d.id_type),
        Some(T::ExactDate)
    );
}

#[test]
fn numbers_only_columns_need_a_name_or_uniqueness() {
    // Large integers that repeat (adult `fnlwgt`-like) are not identifiers.
    let v: Vec<Option<i64>> = (0..500)
        .map(|i| Some(100_000 + (i * 7919) % 300 * 1000))
        .collect();
    assert_eq!(detect_column(&Column::from_i64("fnlwgt", &v)), None);
    // Unique measurements with decimals are not keys.
    let f: Vec<Option<f64>> = (0..500).map(|i| Some(50.0 + i as f64 * 0.37)).collect();
    assert_eq!(detect_column(&Column::from_f64("weight", &f)), None);
    // Month-level dates were already generalized.
    let months = Column::new(
        "visit_month",
        ColumnData::DateTime {
            secs: (0..24)
                .map(|m| {
                    medsynth_data::datetime::days_from_civil(2020 + m / 12, (m % 12) as u32 + 1, 1)
                        * 86_400
                })
                .collect(),
            date_only: true,
        },
        vec![true; 24],
    );
    assert_eq!(detect_column(&months), None);
}

#[test]
fn missing_cells_do_not_break_detection() {
    let c = Column::from_strs::<&str>("email", &[None, None, None]);
    assert_eq!(detect_column(&c).map(|d| d.id_type), Some(T::Email));
    let c = Column::from_strs::<&str>("col1", &[None, None]);
    assert_eq!(detect_column(&c), None);
    let c = Column::from_i64("zip", &[]);
    assert_eq!(detect_column(&c).map(|d| d.id_type), Some(T::Postcode));
}
