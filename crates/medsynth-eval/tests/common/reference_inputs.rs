//! The tables behind `fixtures/reference_eval.json`, generated
//! deterministically from the real data in `shared/data`: the split of the
//! benchmark protocol and three synthetic stand-ins with known properties.
//! Shared (via `#[path]`) by `examples/make_eval_inputs.rs`, which writes
//! them for `scripts/reference_eval.py`, and by the integration tests, which
//! rebuild them in-process. Changing anything here means regenerating the
//! fixture (commands in the script header).

#![allow(dead_code)]

use medsynth_data::{Column, ColumnData, ColumnSchema, Kind, Role, Schema, Table, io};
use medsynth_eval::TargetSpec;
use medsynth_eval::split::split_by_target;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// One benchmark dataset and how the protocol reads it.
pub struct Dataset {
    pub name: &'static str,
    pub file: &'static str,
    pub categorical: &'static [&'static str],
    pub target: TargetSpec,
}

pub fn datasets() -> Vec<Dataset> {
    vec![
        Dataset {
            name: "heart",
            file: "heart_cleveland.csv",
            categorical: &[
                "sex", "cp", "fbs", "restecg", "exang", "slope", "ca", "thal", "num",
            ],
            target: TargetSpec::binary("num", ["1", "2", "3", "4"]),
        },
        Dataset {
            name: "adult",
            file: "adult.csv",
            categorical: &[
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
            target: TargetSpec::binary("income", [">50K"]),
        },
    ]
}

pub const VARIANTS: [&str; 3] = ["bootstrap", "shuffle", "noisy"];

/// Path of a file in `shared/data` (tests fail, not skip, when absent).
pub fn data_path(file: &str) -> std::path::PathBuf {
    std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")).join(file)
}

/// The schema of peers.md: listed columns categorical, the rest numeric.
pub fn schema_for(table: &Table, d: &Dataset) -> Schema {
    Schema {
        columns: table
            .columns()
            .iter()
            .map(|c| {
                let kind = if d.categorical.contains(&c.name.as_str()) {
                    Kind::Categorical
                } else if matches!(c.data, ColumnData::Float(_)) {
                    Kind::Continuous
                } else {
                    Kind::Integer
                };
                let mut cs = ColumnSchema::new(c.name.clone(), kind);
                if c.name == d.target.column {
                    cs.role = Role::Target;
                }
                cs
            })
            .collect(),
    }
}

/// Everything one dataset contributes to the fixture.
pub struct Inputs {
    pub schema: Schema,
    pub train: Table,
    pub holdout: Table,
    pub synthetic: Vec<(&'static str, Table)>,
}

pub fn build(d: &Dataset) -> Inputs {
    let path = data_path(d.file);
    let table = io::read_table(&path, &io::ReadOptions::default())
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let schema = schema_for(&table, d);
    let (train, holdout) = split_by_target(&table, 0.3, &d.target, &schema, 0).expect("split");
    let synthetic = vec![
        ("bootstrap", bootstrap(&train, 1)),
        ("shuffle", column_shuffle(&train, 2)),
        ("noisy", noisy(&train, &schema, 3)),
    ];
    Inputs {
        schema,
        train,
        holdout,
        synthetic,
    }
}

/// Rows drawn with replacement: same distribution, some rows repeated.
pub fn bootstrap(t: &Table, seed: u64) -> Table {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = t.n_rows();
    let idx: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
    t.take_rows(&idx)
}

/// Each column permuted independently: perfect shapes, no relations.
pub fn column_shuffle(t: &Table, seed: u64) -> Table {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = t.n_rows();
    let cols = t
        .columns()
        .iter()
        .map(|c| {
            let mut idx: Vec<usize> = (0..n).collect();
            rand::seq::SliceRandom::shuffle(idx.as_mut_slice(), &mut rng);
            c.take(&idx)
        })
        .collect();
    Table::new(cols).expect("same lengths")
}

/// "Model-like" output: Gaussian noise of 10 % of the std on numeric cells
/// (rounded like the column), 20 % of categorical cells redrawn from the
/// column's marginal (a random row's value, missing included).
pub fn noisy(t: &Table, schema: &Schema, seed: u64) -> Table {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = t.n_rows();
    let mut cols = Vec::new();
    for c in t.columns() {
        let kind = schema.column(&c.name).map_or(Kind::Categorical, |s| s.kind);
        if kind.is_numeric() {
            let vals: Vec<f64> = (0..n).filter_map(|r| c.get(r).as_f64()).collect();
            let mean = vals.iter().sum::<f64>() / vals.len().max(1) as f64;
            let sd = (vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>()
                / vals.len().max(1) as f64)
                .sqrt();
            let noise = Normal::new(0.0, 0.1 * sd.max(1e-12)).expect("positive sd");
            let col = match &c.data {
                ColumnData::Int(v) => {
                    let out: Vec<Option<i64>> = (0..n)
                        .map(|r| {
                            c.valid[r]
                                .then(|| (v[r] as f64 + noise.sample(&mut rng)).round() as i64)
                        })
                        .collect();
                    Column::from_i64(c.name.clone(), &out)
                }
                ColumnData::Float(v) => {
                    let dec = decimals(v);
                    let scale = 10f64.powi(dec as i32);
                    let out: Vec<Option<f64>> = (0..n)
                        .map(|r| {
                            c.valid[r]
                                .then(|| ((v[r] + noise.sample(&mut rng)) * scale).round() / scale)
                        })
                        .collect();
                    Column::from_f64(c.name.clone(), &out)
                }
                _ => c.clone(),
            };
            cols.push(col);
        } else {
            let mut idx: Vec<usize> = (0..n).collect();
            for i in idx.iter_mut() {
                if rng.random::<f64>() < 0.2 {
                    *i = rng.random_range(0..n);
                }
            }
            cols.push(c.take(&idx));
        }
    }
    Table::new(cols).expect("same lengths")
}

fn decimals(v: &[f64]) -> u32 {
    (0..=6u32)
        .find(|&d| {
            let s = 10f64.powi(d as i32);
            v.iter().all(|x| ((x * s).round() - x * s).abs() < 1e-6)
        })
        .unwrap_or(6)
}
