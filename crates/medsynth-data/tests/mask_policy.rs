//! Masking: HMAC consistency across tables, no original value survives in
//! pseudonymized / faked / dropped columns, dates and postcodes generalized.

use medsynth_data::identify::detect_column;
use medsynth_data::mask::{BirthDateLevel, DateLevel, MaskOptions, mask_table};
use medsynth_data::simulate::cohort;
use medsynth_data::{
    Column, ColumnData, ColumnSchema, IdentifierType, Kind, MaskAction, PhysicalType, Schema, Table,
};

const SECRET: &[u8] = b"test-secret-0123456789abcdef";

/// A schema with the detector's suggestions, built without schema inference
/// so that this test only depends on identification and masking.
fn schema_for(t: &Table) -> Schema {
    let columns = t
        .columns()
        .iter()
        .map(|c| match detect_column(c) {
            Some(d) => {
                let kind = if d.id_type == IdentifierType::FreeText {
                    Kind::Text
                } else {
                    Kind::Identifier
                };
                let mut s = ColumnSchema::new(c.name.clone(), kind);
                s.identifier = Some(d.id_type);
                s.action = Some(d.action);
                s
            }
            None => ColumnSchema::new(
                c.name.clone(),
                match c.physical_type() {
                    PhysicalType::Float => Kind::Continuous,
                    PhysicalType::Int => Kind::Integer,
                    PhysicalType::DateTime => Kind::Datetime,
                    _ => Kind::Categorical,
                },
            ),
        })
        .collect();
    Schema { columns }
}

fn opts() -> MaskOptions {
    MaskOptions {
        secret: Some(SECRET.to_vec()),
        ..Default::default()
    }
}

fn labels(c: &Column) -> Vec<Option<String>> {
    (0..c.len()).map(|r| c.label(r)).collect()
}

#[test]
fn cohort_is_masked_by_the_suggested_policy() {
    let t = cohort(3_000, 1);
    let schema = schema_for(&t);
    let out = mask_table(&t, &schema, &opts()).expect("masking works");
    let names: Vec<&str> = out.table.names().collect();
    for gone in ["patient_name", "phone", "email", "clinical_note"] {
        assert!(!names.contains(&gone), "{gone} still in the table");
    }
    // Faked columns stay in the schema so sampling can regenerate them.
    for faked in ["patient_name", "phone", "email"] {
        let s = out
            .schema
            .column(faked)
            .expect("faked column kept in schema");
        assert_eq!(s.action, Some(MaskAction::Fake));
        assert_eq!(s.kind, Kind::Identifier);
    }
    // Dropped columns leave the schema too.
    assert!(out.schema.column("clinical_note").is_none());

    // No original value survives anywhere in the masked table.
    let mut originals = std::collections::HashSet::new();
    for name in ["patient_name", "mrn", "phone", "email", "clinical_note"] {
        originals.extend(labels(t.column(name).unwrap()).into_iter().flatten());
    }
    for c in out.table.columns() {
        for v in labels(c).into_iter().flatten() {
            assert!(
                !originals.contains(&v),
                "original value {v} survives in {}",
                c.name
            );
        }
    }

    // Pseudonymized MRNs: 64 hex chars, one per patient, still unique.
    let mrn = labels(out.table.column("mrn").unwrap());
    assert!(
        mrn.iter()
            .flatten()
            .all(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
    );
    let set: std::collections::HashSet<_> = mrn.iter().collect();
    assert_eq!(set.len(), mrn.len());

    // Date of birth -> year of birth, consistent with the original.
    let dob = out.table.column("date_of_birth").unwrap();
    assert!(matches!(dob.data, ColumnData::Int(_)));
    assert_eq!(
        out.schema.column("date_of_birth").unwrap().kind,
        Kind::Integer
    );
    let orig = t.column("date_of_birth").unwrap();
    for r in 0..t.n_rows() {
        assert_eq!(dob.label(r).unwrap(), orig.label(r).unwrap()[..4]);
    }
    // Visit date -> first of the month; postcode -> 3 characters.
    let visit = out.table.column("visit_date").unwrap();
    assert!((0..t.n_rows()).all(|r| visit.label(r).unwrap().ends_with("-01")));
    let pc = out.table.column("postcode").unwrap();
    assert!(labels(pc).into_iter().flatten().all(|v| v.len() == 3));
    assert_eq!(
        pc.missing_count(),
        t.column("postcode").unwrap().missing_count()
    );
    assert_eq!(
        out.schema.column("postcode").unwrap().kind,
        Kind::Categorical
    );
    // Clinical columns untouched.
    assert_eq!(out.table.column("cholesterol"), t.column("cholesterol"));
    // Every action is in the report.
    assert_eq!(out.report.len(), 8);
}

#[test]
fn pseudonyms_link_across_tables_and_runs() {
    let a = Table::new(vec![Column::from_strs(
        "mrn",
        &[Some("MRN0000001"), Some("MRN0000002"), None],
    )])
    .unwrap();
    let b = Table::new(vec![Column::new(
        "mrn",
        ColumnData::Text(vec!["x".into(), "MRN0000002".into(), "MRN0000001".into()]),
        vec![false, true, true],
    )])
    .unwrap();
    let mut cs = ColumnSchema::new("mrn", Kind::Identifier);
    cs.identifier = Some(IdentifierType::Mrn);
    cs.action = Some(MaskAction::Pseudonymize);
    let schema = Schema { columns: vec![cs] };
    let ma = mask_table(&a, &schema, &opts()).unwrap();
    let mb = mask_table(&b, &schema, &opts()).unwrap();
    let la = labels(ma.table.column("mrn").unwrap());
    let lb = labels(mb.table.column("mrn").unwrap());
    assert_eq!(la[0], lb[2]);
    assert_eq!(la[1], lb[1]);
    assert_ne!(la[0], la[1]);
    assert_eq!(la[2], None);
    assert_eq!(lb[0], None);
    // Same run twice: identical.
    assert_eq!(mask_table(&a, &schema, &opts()).unwrap(), ma);
    // Another secret: different pseudonyms.
    let other = MaskOptions {
        secret: Some(b"another-secret-0123456789".to_vec()),
        ..Default::default()
    };
    let mc = mask_table(&a, &schema, &other).unwrap();
    assert_ne!(labels(mc.table.column("mrn").unwrap())[0], la[0]);
}

#[test]
fn pseudonymize_without_secret_explains_how_to_pass_one() {
    let t = cohort(50, 2);
    let err = mask_table(&t, &schema_for(&t), &MaskOptions::default()).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("mrn") && msg.contains("secret"), "{msg}");
    assert!(err.is_user_error());
}

#[test]
fn age_bands_use_the_reference_date() {
    let t = cohort(2_000, 4);
    let schema = schema_for(&t);
    let o = MaskOptions {
        birth_date: BirthDateLevel::AgeBand { width: 10 },
        exact_date: DateLevel::Year,
        ..opts()
    };
    let out = mask_table(&t, &schema, &o).unwrap();
    let bands = out.table.column("date_of_birth").unwrap();
    let cats = out
        .schema
        .column("date_of_birth")
        .unwrap()
        .categories
        .clone()
        .unwrap();
    assert!(cats.iter().all(|c| c.starts_with('[') && c.ends_with(')')));
    // Ages at the latest visit are at least the age at the patient's visit.
    let age = t.column("age").unwrap();
    for r in 0..t.n_rows() {
        let band = bands.label(r).unwrap();
        let lo: i64 = band[1..band.find('-').unwrap()].parse().unwrap();
        let a: i64 = age.label(r).unwrap().parse().unwrap();
        assert!(lo + 10 > a, "row {r}: band {band} age {a}");
    }
    // Exact dates -> year.
    let v = out.table.column("visit_date").unwrap();
    assert!(
        labels(v)
            .into_iter()
            .flatten()
            .all(|y| (2019..=2023).contains(&y.parse::<i32>().unwrap()))
    );
}

#[test]
fn age_band_without_any_reference_is_an_error() {
    let dob = Column::new(
        "dob",
        ColumnData::DateTime {
            secs: vec![0, 86_400 * 400],
            date_only: true,
        },
        vec![true, true],
    );
    let t = Table::new(vec![dob]).unwrap();
    let mut cs = ColumnSchema::new("dob", Kind::Identifier);
    cs.identifier = Some(IdentifierType::BirthDate);
    cs.action = Some(MaskAction::Generalize);
    let schema = Schema { columns: vec![cs] };
    let o = MaskOptions {
        birth_date: BirthDateLevel::AgeBand { width: 5 },
        ..Default::default()
    };
    assert!(
        mask_table(&t, &schema, &o)
            .unwrap_err()
            .to_string()
            .contains("reference date")
    );
    let o = MaskOptions {
        reference_date: Some(86_400 * 365 * 30),
        ..o
    };
    let out = mask_table(&t, &schema, &o).unwrap();
    assert_eq!(
        out.table.column("dob").unwrap().label(0).as_deref(),
        Some("[25-30)")
    );
}

#[test]
fn bad_date_text_names_row_and_column() {
    let t = Table::new(vec![Column::from_strs(
        "DOB",
        &[Some("1961-07-04"), None, Some("not a date")],
    )])
    .unwrap();
    let mut cs = ColumnSchema::new("DOB", Kind::Identifier);
    cs.identifier = Some(IdentifierType::BirthDate);
    cs.action = Some(MaskAction::Generalize);
    let msg = mask_table(&t, &Schema { columns: vec![cs] }, &MaskOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("row 3") && msg.contains("DOB") && msg.contains("not a date"),
        "{msg}"
    );
}

#[test]
fn keep_and_unknown_schema_columns() {
    let t = Table::new(vec![Column::from_strs("email", &[Some("a@example.org")])]).unwrap();
    let mut cs = ColumnSchema::new("email", Kind::Identifier);
    cs.identifier = Some(IdentifierType::Email);
    cs.action = Some(MaskAction::Keep);
    let out = mask_table(
        &t,
        &Schema {
            columns: vec![cs.clone()],
        },
        &MaskOptions::default(),
    )
    .unwrap();
    assert_eq!(out.table, t);
    assert_eq!(out.report[0].action, MaskAction::Keep);
    let mut missing = cs;
    missing.name = "nope".into();
    missing.action = Some(MaskAction::Generalize);
    assert!(
        mask_table(
            &t,
            &Schema {
                columns: vec![missing]
            },
            &MaskOptions::default()
        )
        .is_err()
    );
}
