//! Inference on the three reference data sets comes out as their
//! documentation (`shared/data/README.md`) says.

use std::path::PathBuf;

use medsynth_data::io::{ReadOptions, read_table};
use medsynth_data::schema::{InferOptions, InferReport, infer};
use medsynth_data::{IdentifierType, Kind, MaskAction, Role};

fn infer_file(name: &str) -> InferReport {
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/"
    ))
    .join(name);
    assert!(p.exists(), "reference data {} is missing", p.display());
    let t = read_table(&p, &ReadOptions::default()).unwrap();
    infer(&t, &InferOptions::default())
}

fn kinds(r: &InferReport, names: &[&str], kind: Kind) {
    for n in names {
        let c = r
            .schema
            .column(n)
            .unwrap_or_else(|| panic!("no column {n}"));
        assert_eq!(c.kind, kind, "column {n}: {c:?}");
    }
}

#[test]
fn heart() {
    let r = infer_file("heart_cleveland.csv");
    kinds(
        &r,
        &[
            "sex", "cp", "fbs", "restecg", "exang", "slope", "ca", "thal", "num",
        ],
        Kind::Categorical,
    );
    kinds(&r, &["age", "trestbps", "chol", "thalach"], Kind::Integer);
    kinds(&r, &["oldpeak"], Kind::Continuous);
    let oldpeak = r.schema.column("oldpeak").unwrap();
    assert_eq!(
        (oldpeak.min, oldpeak.max, oldpeak.decimals),
        (Some(0.0), Some(6.2), Some(1))
    );
    let age = r.schema.column("age").unwrap();
    assert_eq!((age.min, age.max), (Some(29.0), Some(77.0)));
    let ca = r.schema.column("ca").unwrap();
    assert!((ca.missing_share - 4.0 / 303.0).abs() < 1e-12);
    assert_eq!(ca.categories.as_deref().unwrap(), ["0", "1", "2", "3"]);
    let thal = r.schema.column("thal").unwrap();
    assert!((thal.missing_share - 2.0 / 303.0).abs() < 1e-12);
    assert_eq!(thal.categories.as_deref().unwrap(), ["3", "6", "7"]);
    assert_eq!(
        r.schema
            .column("cp")
            .unwrap()
            .categories
            .as_deref()
            .unwrap(),
        ["1", "2", "3", "4"]
    );
    assert!(r.schema.columns.iter().all(|c| c.role == Role::Feature));
}

#[test]
fn adult() {
    let r = infer_file("adult.csv");
    kinds(
        &r,
        &[
            "age",
            "fnlwgt",
            "education-num",
            "capital-gain",
            "capital-loss",
            "hours-per-week",
        ],
        Kind::Integer,
    );
    kinds(
        &r,
        &[
            "workclass",
            "education",
            "marital-status",
            "occupation",
            "relationship",
            "race",
            "sex",
            "native-country",
            "income",
        ],
        Kind::Categorical,
    );
    assert_eq!(
        r.schema
            .column("native-country")
            .unwrap()
            .categories
            .as_ref()
            .unwrap()
            .len(),
        41
    );
    assert!(r.schema.column("fnlwgt").unwrap().identifier.is_none());
}

#[test]
fn diabetes() {
    let r = infer_file("diabetes130.csv");
    let enc = r.schema.column("encounter_id").unwrap();
    assert_eq!(
        (enc.kind, enc.role, enc.identifier, enc.action),
        (
            Kind::Identifier,
            Role::Identifier,
            Some(IdentifierType::RowKey),
            Some(MaskAction::Drop)
        )
    );
    kinds(&r, &["encounter_id", "patient_nbr"], Kind::Identifier);
    kinds(
        &r,
        &[
            "admission_type_id",
            "discharge_disposition_id",
            "admission_source_id",
        ],
        Kind::Categorical,
    );
    kinds(
        &r,
        &[
            "time_in_hospital",
            "num_lab_procedures",
            "num_procedures",
            "num_medications",
            "number_outpatient",
            "number_emergency",
            "number_inpatient",
            "number_diagnoses",
        ],
        Kind::Integer,
    );
    let drugs = [
        "metformin",
        "repaglinide",
        "nateglinide",
        "chlorpropamide",
        "glimepiride",
        "acetohexamide",
        "glipizide",
        "glyburide",
        "tolbutamide",
        "pioglitazone",
        "rosiglitazone",
        "acarbose",
        "miglitol",
        "troglitazone",
        "tolazamide",
        "examide",
        "citoglipton",
        "insulin",
        "glyburide-metformin",
        "glipizide-metformin",
        "glimepiride-pioglitazone",
        "metformin-rosiglitazone",
        "metformin-pioglitazone",
    ];
    kinds(&r, &drugs, Kind::Categorical);
    kinds(
        &r,
        &[
            "race",
            "gender",
            "age",
            "weight",
            "payer_code",
            "medical_specialty",
            "max_glu_serum",
            "A1Cresult",
            "change",
            "diabetesMed",
            "readmitted",
        ],
        Kind::Categorical,
    );
    kinds(&r, &["diag_1", "diag_2", "diag_3"], Kind::Categorical);
    assert_eq!(
        r.schema
            .column("diag_1")
            .unwrap()
            .categories
            .as_ref()
            .unwrap()
            .len(),
        716
    );
    assert_eq!(
        r.schema
            .column("discharge_disposition_id")
            .unwrap()
            .categories
            .as_ref()
            .unwrap()
            .len(),
        26
    );
    let age = r.schema.column("age").unwrap().categories.clone().unwrap();
    assert_eq!(age.first().map(String::as_str), Some("[0-10)"));
    assert_eq!(age.last().map(String::as_str), Some("[90-100)"));
    for constant in ["examide", "citoglipton"] {
        assert!(
            r.warnings
                .iter()
                .any(|w| w.contains(&format!("'{constant}'")) && w.contains("constant")),
            "{:?}",
            r.warnings
        );
    }
    assert!(
        r.warnings.iter().any(|w| w.contains("'weight'")),
        "{:?}",
        r.warnings
    );
}
