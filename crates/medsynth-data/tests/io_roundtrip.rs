//! Round trips: CSV → Parquet → Table keeps every value, every missing cell
//! and the physical type of the three reference data sets, and random
//! tables survive writing and reading in both formats.

use std::path::{Path, PathBuf};

use medsynth_data::io::{ReadOptions, TableWriter, read_table, write_table};
use medsynth_data::{Column, ColumnData, Table};
use proptest::prelude::*;

fn data(name: &str) -> PathBuf {
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/"
    ))
    .join(name);
    assert!(
        p.exists(),
        "reference data {} is missing (see shared/data/README.md)",
        p.display()
    );
    p
}

/// Cell-by-cell equality by value and missingness (dictionaries may be
/// ordered differently after a round trip).
fn assert_same(a: &Table, b: &Table, physical: bool) {
    assert_eq!(a.n_rows(), b.n_rows());
    assert_eq!(a.names().collect::<Vec<_>>(), b.names().collect::<Vec<_>>());
    for (ca, cb) in a.columns().iter().zip(b.columns()) {
        if physical {
            assert_eq!(ca.physical_type(), cb.physical_type(), "column {}", ca.name);
            assert_eq!(ca.valid, cb.valid, "missing mask of {}", ca.name);
            for i in 0..ca.len() {
                assert_eq!(ca.get(i), cb.get(i), "column {} row {}", ca.name, i + 1);
            }
        } else {
            for i in 0..ca.len() {
                assert_eq!(ca.label(i), cb.label(i), "column {} row {}", ca.name, i + 1);
            }
        }
    }
}

fn parquet_round_trip(name: &str) {
    let t = read_table(&data(name), &ReadOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pq = dir.path().join("t.parquet");
    write_table(&t, &pq).unwrap();
    let back = read_table(&pq, &ReadOptions::default()).unwrap();
    assert_same(&t, &back, true);
    let csv = dir.path().join("t.csv");
    write_table(&back, &csv).unwrap();
    let again = read_table(&csv, &ReadOptions::default()).unwrap();
    assert_same(&t, &again, true);
}

#[test]
fn heart_round_trip() {
    parquet_round_trip("heart_cleveland.csv");
}

#[test]
fn adult_round_trip() {
    parquet_round_trip("adult.csv");
}

#[test]
fn diabetes_round_trip_and_shape() {
    let t = read_table(&data("diabetes130.csv"), &ReadOptions::default()).unwrap();
    assert_eq!((t.n_rows(), t.n_cols()), (101_766, 50));
    assert_eq!(t.column("weight").unwrap().missing_count(), 98_569);
    assert_eq!(t.column("diag_3").unwrap().missing_count(), 1_423);
    // "None" is a category here, not a missing token.
    assert_eq!(t.column("max_glu_serum").unwrap().missing_count(), 0);
    parquet_round_trip("diabetes130.csv");
}

#[test]
fn streaming_writer_appends_batches() {
    let t = read_table(&data("heart_cleveland.csv"), &ReadOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for ext in ["csv", "parquet"] {
        let p = dir.path().join(format!("s.{ext}"));
        let mut w = TableWriter::create(&p, &t).unwrap();
        let idx: Vec<usize> = (0..t.n_rows()).collect();
        for chunk in idx.chunks(100) {
            w.write_batch(&t.take_rows(chunk)).unwrap();
        }
        assert_eq!(w.rows_written(), 303);
        assert!(!p.exists(), "file must appear only on finish");
        w.finish().unwrap();
        assert_same(&t, &read_table(&p, &ReadOptions::default()).unwrap(), true);
    }
}

fn column_strategy(name: String, n: usize) -> impl Strategy<Value = Column> {
    let valid = proptest::collection::vec(proptest::bool::weighted(0.85), n);
    let kind = 0..6u8;
    (kind, valid, proptest::collection::vec(any::<u64>(), n)).prop_map(
        move |(k, mut valid, raw)| {
            // At least one valid cell, so the column is not all-missing.
            valid[0] = true;
            let data = match k {
                0 => ColumnData::Float(
                    raw.iter()
                        .map(|r| (*r as i64 >> 11) as f64 / 1024.0 * 1.000_001)
                        .collect(),
                ),
                1 => ColumnData::Int(raw.iter().map(|r| (*r as i64) >> (r % 60)).collect()),
                2 => ColumnData::Bool(raw.iter().map(|r| r % 2 == 0).collect()),
                3 => ColumnData::DateTime {
                    secs: raw
                        .iter()
                        .map(|r| (*r % 4_000_000_000) as i64 - 2_000_000_000)
                        .collect(),
                    date_only: false,
                },
                4 => {
                    let dict: Vec<String> =
                        ["alpha", "beta, gamma", "quote \"q\"", "line\nbreak", "x;y"]
                            .iter()
                            .map(|s| s.to_string())
                            .collect();
                    ColumnData::Categorical {
                        codes: raw.iter().map(|r| (r % 5) as u32).collect(),
                        dict,
                    }
                }
                _ => ColumnData::DateTime {
                    secs: raw
                        .iter()
                        .map(|r| ((*r % 100_000) as i64 - 50_000) * 86_400)
                        .collect(),
                    date_only: true,
                },
            };
            let data = match data {
                ColumnData::Float(v) => ColumnData::Float(
                    v.into_iter()
                        .zip(&valid)
                        .map(|(x, ok)| if *ok { x } else { 0.0 })
                        .collect(),
                ),
                other => other,
            };
            valid.truncate(n);
            Column::new(name.clone(), data, valid)
        },
    )
}

fn table_strategy() -> impl Strategy<Value = Table> {
    (1usize..40, 1usize..6).prop_flat_map(|(n, k)| {
        let cols: Vec<_> = (0..k)
            .map(|j| column_strategy(format!("c{j}"), n))
            .collect();
        cols.prop_map(|cols| Table::new(cols).unwrap())
    })
}

fn round_trip(t: &Table, dir: &Path, ext: &str) -> Table {
    let p = dir.join(format!("t.{ext}"));
    write_table(t, &p).unwrap();
    read_table(&p, &ReadOptions::default()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn parquet_keeps_values_missing_and_types(t in table_strategy()) {
        let dir = tempfile::tempdir().unwrap();
        assert_same(&t, &round_trip(&t, dir.path(), "parquet"), true);
    }

    #[test]
    fn csv_keeps_every_label(t in table_strategy()) {
        let dir = tempfile::tempdir().unwrap();
        assert_same(&t, &round_trip(&t, dir.path(), "csv"), false);
    }
}
