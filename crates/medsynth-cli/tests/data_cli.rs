//! The data commands (`simulate`, `inspect`, `schema`, `mask`, `demo`) run as
//! a user runs them: the real binary, real files, exit codes and messages.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn medsynth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_medsynth"))
        .args(args)
        .env_remove("MEDSYNTH_SECRET")
        .output()
        .expect("the medsynth binary runs")
}

fn shared(name: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(name);
    assert!(
        p.exists(),
        "missing shared data file {} (../shared must sit beside the repo)",
        p.display()
    );
    p
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs `schema FILE -o OUT` on a file with the given bytes and checks that
/// it fails with exit code 2, a message containing every `needle`, and no
/// output file.
fn assert_bad_input(name: &str, bytes: &[u8], needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join(name);
    std::fs::write(&input, bytes).unwrap();
    let out = dir.path().join("schema.json");
    let o = medsynth(&[
        "schema",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{name}: expected exit 2, stderr: {err}"
    );
    assert!(
        err.contains(name),
        "{name}: the message names the file: {err}"
    );
    for n in needles {
        assert!(err.contains(n), "{name}: message lacks {n:?}: {err}");
    }
    assert!(!err.contains("panicked"), "{name}: panic: {err}");
    assert!(
        !out.exists(),
        "{name}: a schema was written despite the error"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "{name}: stray files left behind: {leftovers:?}"
    );
}

#[test]
fn missing_file_is_exit_2_naming_the_file() {
    let o = medsynth(&["inspect", "/nonexistent/dir/patients.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("patients.csv"), "{}", stderr(&o));
}

#[test]
fn empty_and_header_only_files() {
    assert_bad_input("empty.csv", b"", &[]);
    assert_bad_input("header_only.csv", b"age,sex\n", &[]);
}

#[test]
fn ragged_rows_name_the_row() {
    assert_bad_input("ragged.csv", b"a,b,c\n1,2,3\n4,5\n", &["row 2"]);
}

#[test]
fn duplicate_and_empty_column_names() {
    assert_bad_input("dup.csv", b"age,age\n1,2\n", &["age"]);
    assert_bad_input("empty_name.csv", b"age,,sex\n1,2,3\n", &["column"]);
}

#[test]
fn invalid_utf8_names_row_and_column() {
    assert_bad_input(
        "latin1.csv",
        b"name,age\nok,1\nJos\xe9,2\n",
        &["row 2", "name"],
    );
}

#[test]
fn infinity_in_a_numeric_column_names_row_and_column() {
    assert_bad_input(
        "inf.csv",
        b"chol,age\n200,50\ninf,60\n210,70\n",
        &["row 2", "chol"],
    );
}

#[test]
fn mixed_types_say_which_rows() {
    let mut csv = String::from("age,sex\n");
    for i in 0..60 {
        csv.push_str(&format!("{},{}\n", 30 + i % 40, i % 2));
    }
    csv.push_str("abc,1\n");
    assert_bad_input("mixed.csv", csv.as_bytes(), &["age", "row 61", "abc"]);
}

#[test]
fn a_ten_megabyte_cell_is_refused() {
    let mut csv = b"note,age\n\"".to_vec();
    csv.extend(std::iter::repeat_n(b'x', 10 << 20));
    csv.extend_from_slice(b"\",1\n");
    assert_bad_input("huge_cell.csv", &csv, &["note", "row 1"]);
}

#[test]
fn all_missing_and_constant_columns_are_warnings_not_errors() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("odd.csv");
    let mut csv = String::from("age,empty,const\n");
    for i in 0..40 {
        csv.push_str(&format!("{},,same\n", 20 + i));
    }
    std::fs::write(&input, csv).unwrap();
    let o = medsynth(&["inspect", input.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("empty") && err.contains("const"),
        "warnings name both columns: {err}"
    );
}

#[test]
fn a_categorical_with_50000_distinct_values_is_not_modelled_as_categorical() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("many.csv");
    let mut csv = String::from("code,age\n");
    for i in 0..50_000 {
        csv.push_str(&format!("K{i:06}x,{}\n", 20 + i % 60));
    }
    std::fs::write(&input, csv).unwrap();
    let out = dir.path().join("schema.json");
    let o = medsynth(&[
        "schema",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let schema: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let kind = schema["columns"][0]["kind"].as_str().unwrap();
    assert!(kind == "identifier" || kind == "text", "got {kind}");
}

#[test]
fn a_schema_that_does_not_fit_the_data_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("schema.json");
    std::fs::write(
        &schema,
        r#"{"columns": [{"name": "age", "kind": "integer"}, {"name": "sex", "kind": "categorical", "categories": ["0"], "domain": "public"},
            {"name": "nonexistent", "kind": "continuous"}]}"#,
    )
    .unwrap();
    let heart = shared("heart_cleveland.csv");
    let o = medsynth(&[
        "schema",
        heart.to_str().unwrap(),
        "--check",
        schema.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("schema.json"), "{}", stderr(&o));
}

#[test]
fn heart_kinds_match_the_data_readme() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("schema.json");
    let heart = shared("heart_cleveland.csv");
    let o = medsynth(&[
        "--quiet",
        "schema",
        heart.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--target",
        "num",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let schema: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let kind = |name: &str| {
        schema["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .map(|c| c["kind"].as_str().unwrap().to_string())
            .unwrap()
    };
    for c in [
        "sex", "cp", "fbs", "restecg", "exang", "slope", "ca", "thal", "num",
    ] {
        assert_eq!(kind(c), "categorical", "{c}");
    }
    for c in ["age", "trestbps", "chol", "thalach"] {
        assert_eq!(kind(c), "integer", "{c}");
    }
    assert_eq!(kind("oldpeak"), "continuous");
}

#[test]
fn unknown_target_column_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("schema.json");
    let heart = shared("heart_cleveland.csv");
    let o = medsynth(&[
        "schema",
        heart.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--target",
        "outcome",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("outcome"));
    assert!(!out.exists());
}

#[test]
fn simulate_then_mask_removes_every_identifier_value() {
    let dir = tempfile::tempdir().unwrap();
    let cohort = dir.path().join("cohort.csv");
    let masked = dir.path().join("masked.csv");
    let secret = dir.path().join("key.txt");
    std::fs::write(&secret, "a-long-enough-test-secret-0123456789\n").unwrap();
    let o = medsynth(&[
        "--seed",
        "3",
        "simulate",
        "--rows",
        "300",
        "-o",
        cohort.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Without a secret, pseudonymization refuses and writes nothing.
    let o = medsynth(&[
        "mask",
        cohort.to_str().unwrap(),
        "-o",
        masked.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!masked.exists());
    let o = medsynth(&[
        "mask",
        cohort.to_str().unwrap(),
        "-o",
        masked.to_str().unwrap(),
        "--secret-file",
        secret.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let original = std::fs::read_to_string(&cohort).unwrap();
    let masked_text = std::fs::read_to_string(&masked).unwrap();
    let header: Vec<&str> = original.lines().next().unwrap().split(',').collect();
    let first: Vec<&str> = original.lines().nth(1).unwrap().split(',').collect();
    for col in ["patient_name", "mrn", "email", "phone", "date_of_birth"] {
        let i = header.iter().position(|h| *h == col).unwrap();
        let value = first[i];
        if !value.is_empty() {
            assert!(
                !masked_text.contains(value),
                "{col} value {value} survived masking"
            );
        }
    }
}

#[test]
fn simulate_is_deterministic_given_the_seed() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.csv");
    let b = dir.path().join("b.csv");
    for p in [&a, &b] {
        let o = medsynth(&[
            "--seed",
            "11",
            "simulate",
            "--rows",
            "500",
            "-o",
            p.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0));
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}

#[test]
fn json_log_format_emits_one_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c.csv");
    let o = medsynth(&[
        "--log-format",
        "json",
        "simulate",
        "--rows",
        "10",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    for line in stderr(&o).lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("every stderr line is JSON");
        assert!(v["event"].is_string());
    }
}

#[test]
fn sdv_metadata_is_accepted_as_a_schema() {
    let dir = tempfile::tempdir().unwrap();
    let meta = dir.path().join("metadata.json");
    let mut columns = serde_json::Map::new();
    for c in ["age", "trestbps", "chol", "thalach", "oldpeak"] {
        columns.insert(c.into(), serde_json::json!({"sdtype": "numerical"}));
    }
    for c in [
        "sex", "cp", "fbs", "restecg", "exang", "slope", "ca", "thal", "num",
    ] {
        columns.insert(c.into(), serde_json::json!({"sdtype": "categorical"}));
    }
    let doc = serde_json::json!({"METADATA_SPEC_VERSION": "SINGLE_TABLE_V1", "columns": columns});
    std::fs::write(&meta, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let heart = shared("heart_cleveland.csv");
    let o = medsynth(&[
        "schema",
        heart.to_str().unwrap(),
        "--check",
        meta.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // A misspelt sdtype is a clear error naming the file and the column.
    columns_with_typo(&meta, &doc);
    let o = medsynth(&[
        "schema",
        heart.to_str().unwrap(),
        "--check",
        meta.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("metadata.json") && stderr(&o).contains("chol"),
        "{}",
        stderr(&o)
    );
}

fn columns_with_typo(path: &Path, doc: &serde_json::Value) {
    let mut doc = doc.clone();
    doc["columns"]["chol"] = serde_json::json!({"sdtype": "numericall"});
    std::fs::write(path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
}
