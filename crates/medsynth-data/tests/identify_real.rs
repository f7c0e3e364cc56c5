//! No clinical column of the three real UCI files is flagged; diabetes130's
//! `encounter_id` and `patient_nbr` are. The files live outside the repo
//! (`../shared/data`); the test fails, never skips, when they are absent.

use medsynth_data::IdentifierType as T;
use medsynth_data::identify::detect_column;
use medsynth_data::io::{ReadOptions, read_table};

fn read(file: &str) -> medsynth_data::Table {
    let path = format!("{}/../../../shared/data/{file}", env!("CARGO_MANIFEST_DIR"));
    read_table(path.as_ref(), &ReadOptions::default()).unwrap_or_else(|e| {
        panic!("{path} must exist for this test (see shared/data/README.md): {e}")
    })
}

fn flagged(t: &medsynth_data::Table) -> Vec<(String, T)> {
    t.columns()
        .iter()
        .filter_map(|c| detect_column(c).map(|d| (c.name.clone(), d.id_type)))
        .collect()
}

#[test]
fn heart_cleveland_has_no_identifiers() {
    let t = read("heart_cleveland.csv");
    assert_eq!(t.n_cols(), 14);
    assert_eq!(flagged(&t), vec![]);
}

#[test]
fn adult_has_no_identifiers() {
    let t = read("adult.csv");
    assert_eq!(t.n_cols(), 15);
    assert_eq!(flagged(&t), vec![]);
}

#[test]
fn diabetes130_flags_only_its_two_keys() {
    let t = read("diabetes130.csv");
    assert_eq!(t.n_cols(), 50);
    let f = flagged(&t);
    assert_eq!(
        f,
        vec![
            ("encounter_id".to_string(), T::RowKey),
            ("patient_nbr".to_string(), T::Mrn)
        ],
        "flags: {f:?}"
    );
}
