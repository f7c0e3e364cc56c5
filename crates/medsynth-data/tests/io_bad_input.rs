//! Every kind of bad input gives a `DataError::Invalid` (or `Io` for a
//! missing file) whose message names the file, row and column.

use std::path::{Path, PathBuf};

use medsynth_data::io::{ReadOptions, read_table};
use medsynth_data::schema::{InferOptions, infer};
use medsynth_data::{DataError, Kind, PhysicalType, Schema, validate};

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn read_err(bytes: &[u8]) -> (DataError, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "bad.csv", bytes);
    let e = read_table(&p, &ReadOptions::default()).unwrap_err();
    let s = e.to_string();
    assert!(s.contains("bad.csv"), "error does not name the file: {s}");
    (e, s)
}

fn location(e: &DataError) -> (Option<usize>, Option<String>) {
    match e {
        DataError::Invalid { location, .. } => (location.row, location.column.clone()),
        DataError::Io { .. } => panic!("expected Invalid, got {e}"),
    }
}

#[test]
fn missing_file_is_io_not_found() {
    let e = read_table(Path::new("/nonexistent/heart.csv"), &ReadOptions::default()).unwrap_err();
    assert!(
        matches!(&e, DataError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    );
    assert!(e.is_user_error());
    assert!(e.to_string().contains("heart.csv"));
}

#[test]
fn empty_file_and_header_only() {
    let (_, s) = read_err(b"");
    assert!(s.contains("empty"), "{s}");
    let (_, s) = read_err(b"age,sex\n");
    assert!(s.contains("no data rows"), "{s}");
}

#[test]
fn ragged_row_names_row_and_counts() {
    let (e, s) = read_err(b"a,b,c\n1,2,3\n4,5\n");
    assert_eq!(location(&e).0, Some(2));
    assert!(
        s.contains("expected 3 fields") && s.contains("found 2"),
        "{s}"
    );
}

#[test]
fn duplicate_and_empty_column_names() {
    let (_, s) = read_err(b"age,sex,age\n1,2,3\n");
    assert!(s.contains("duplicate") && s.contains("'age'"), "{s}");
    let (_, s) = read_err(b"age,,sex\n1,2,3\n");
    assert!(
        s.contains("header field 2") && s.contains("empty column name"),
        "{s}"
    );
}

#[test]
fn invalid_utf8_names_row_column_and_offset() {
    let (e, s) = read_err(b"name,age\nJos\xe9,40\n");
    assert_eq!(location(&e), (Some(1), Some("name".to_string())));
    assert!(s.contains("UTF-8") && s.contains("byte 3"), "{s}");
}

#[test]
fn all_missing_and_constant_columns_read_and_warn() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("x,empty,konst\n");
    for i in 0..60 {
        csv.push_str(&format!("{i},,No\n"));
    }
    let p = write(dir.path(), "t.csv", csv.as_bytes());
    let t = read_table(&p, &ReadOptions::default()).unwrap();
    assert_eq!(t.column("empty").unwrap().missing_count(), 60);
    let r = infer(&t, &InferOptions::default());
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("'empty'") && w.contains("missing")),
        "{:?}",
        r.warnings
    );
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("'konst'") && w.contains("constant")),
        "{:?}",
        r.warnings
    );
}

#[test]
fn infinity_in_numeric_column() {
    let (e, s) = read_err(b"chol,x\n200,a\n-inf,b\n");
    assert_eq!(location(&e), (Some(2), Some("chol".to_string())));
    assert!(s.contains("not a finite number"), "{s}");
}

#[test]
fn nan_is_missing_by_default_but_an_error_when_not_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "t.csv", b"v\n1.5\nNaN\n2\n");
    let t = read_table(&p, &ReadOptions::default()).unwrap();
    assert_eq!(t.column("v").unwrap().missing_count(), 1);
    let opts = ReadOptions {
        missing_tokens: vec![],
        ..Default::default()
    };
    let e = read_table(&p, &opts).unwrap_err().to_string();
    assert!(e.contains("row 2") && e.contains("'NaN'"), "{e}");
}

#[test]
fn fifty_thousand_distinct_categories_are_not_categorical() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("code,grp\n");
    for i in 0..50_000 {
        csv.push_str(&format!("K{i:06},{}\n", ["a", "b"][i % 2]));
    }
    let p = write(dir.path(), "t.csv", csv.as_bytes());
    let t = read_table(&p, &ReadOptions::default()).unwrap();
    assert_eq!(
        t.column("code").unwrap().physical_type(),
        PhysicalType::Categorical
    );
    let r = infer(&t, &InferOptions::default());
    let code = r.schema.column("code").unwrap();
    assert!(
        matches!(code.kind, Kind::Identifier | Kind::Text),
        "{code:?}"
    );
    assert!(!code.kind.is_modelled());
    assert_eq!(r.schema.column("grp").unwrap().kind, Kind::Categorical);
}

#[test]
fn ten_megabyte_cell_mentions_limit_and_quote() {
    let mut bytes = b"a,b\n1,\"".to_vec();
    bytes.extend(std::iter::repeat_n(b'x', 10 << 20));
    bytes.extend_from_slice(b"\n2,3\n");
    let (e, s) = read_err(&bytes);
    assert_eq!(location(&e), (Some(1), Some("b".to_string())));
    assert!(
        s.contains("limit of 1048576 bytes") && s.contains("unbalanced quote"),
        "{s}"
    );
}

#[test]
fn mixed_types_name_rows_and_the_override_works() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("age,sex\n");
    for i in 0..100 {
        let age = match i {
            11 => "abc".to_string(),
            56 => "unknown".to_string(),
            _ => (30 + i % 40).to_string(),
        };
        csv.push_str(&format!("{age},{}\n", i % 2));
    }
    let p = write(dir.path(), "heart.csv", csv.as_bytes());
    let e = read_table(&p, &ReadOptions::default()).unwrap_err();
    let s = e.to_string();
    assert_eq!(location(&e).1.as_deref(), Some("age"));
    assert!(
        s.contains("heart.csv") && s.contains("row 12 'abc'") && s.contains("row 57 'unknown'"),
        "{s}"
    );
    let opts = ReadOptions {
        string_columns: vec!["age".into()],
        ..Default::default()
    };
    let t = read_table(&p, &opts).unwrap();
    assert_eq!(
        t.column("age").unwrap().physical_type(),
        PhysicalType::Categorical
    );
}

#[test]
fn schema_that_does_not_fit_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "d.csv", b"age,sex\n40,F\n50,M\n");
    let schema_path = write(
        dir.path(),
        "schema.json",
        br#"{"columns":[{"name":"age","kind":"integer"},{"name":"sex","kind":"continuous"}]}"#,
    );
    let t = read_table(&data, &ReadOptions::default()).unwrap();
    let schema = Schema::load(&schema_path).unwrap();
    let e = validate::validate(&schema, &t, &schema_path, &data).unwrap_err();
    assert_eq!(location(&e).1.as_deref(), Some("sex"));
    let s = e.to_string();
    assert!(s.contains("row 1 'F'") && s.contains("schema.json"), "{s}");
}

#[test]
fn semicolon_tab_bom_quotes_and_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "eu.csv",
        "\u{feff}name;score;note\n\"Doe; J\";1.5;NA\nRoe;NULL;\"said \"\"hi\"\"\"\n".as_bytes(),
    );
    let t = read_table(&p, &ReadOptions::default()).unwrap();
    assert_eq!(t.names().collect::<Vec<_>>(), ["name", "score", "note"]);
    assert_eq!(
        t.column("name").unwrap().label(0).as_deref(),
        Some("Doe; J")
    );
    assert_eq!(t.column("score").unwrap().missing_count(), 1);
    assert_eq!(
        t.column("note").unwrap().label(1).as_deref(),
        Some("said \"hi\"")
    );
    let p = write(dir.path(), "t.tsv", b"a\tb\n1\t?\n");
    let t = read_table(&p, &ReadOptions::default()).unwrap();
    assert_eq!(t.column("b").unwrap().missing_count(), 1);
    // An explicit delimiter wins over sniffing.
    let p = write(dir.path(), "x.txt", b"a;b\n1;2\n");
    let t = read_table(
        &p,
        &ReadOptions {
            delimiter: Some(b','),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(t.n_cols(), 1);
}
