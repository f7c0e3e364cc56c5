//! One aligned representation of several tables under one schema.
//!
//! Every metric compares tables (real train, real holdout, synthetic) column
//! by column, and each must agree on two questions: *which cells are the
//! same category* and *which cells are missing*. Answering them once here
//! keeps fidelity, utility, privacy and fairness consistent with each other:
//!
//! - **Numeric columns** (schema kinds `continuous`, `integer`, `datetime`)
//!   become `f64` per table, with `NaN` for a missing cell (datetimes as
//!   seconds since 1970). The range of the first (reference) table is kept
//!   because Gower distances and Wasserstein distances are normalised by it.
//! - **Discrete columns** (`categorical`, `boolean`) become `u32` codes into
//!   one level list shared by all tables: the reference table's levels
//!   first (in first-seen order), then levels only the later tables have
//!   (unseen synthetic or holdout values). Levels are compared as the text a
//!   CSV shows (`Column::label`), so an integer-coded category `4` in one
//!   table matches the string `"4"` in another. A missing cell gets its own
//!   code, [`CategoricalData::missing_code`], one past the last level, the
//!   way SDMetrics' contingency tables keep `NaN` as a group
//!   (`groupby(dropna=False)`); metrics that drop missing cells (TV
//!   complement) simply skip that code.
//! - `identifier` and `text` columns are left out: no metric compares them.
//!
//! The first table passed is the *reference* (normally the real train set).

use std::collections::HashMap;

use medsynth_data::{Column, ColumnData, Kind, Schema, Table, Value};

use crate::error::EvalError;

/// Several tables aligned column by column; see the module docs.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Names of the tables, in the order given (used in error messages).
    pub table_names: Vec<String>,
    /// Row count of each table.
    pub n_rows: Vec<usize>,
    /// The evaluable columns, in schema order.
    pub columns: Vec<PreparedColumn>,
}

/// One evaluable column across all tables.
#[derive(Debug, Clone)]
pub struct PreparedColumn {
    pub name: String,
    pub kind: Kind,
    pub data: PreparedData,
}

/// The values of one column in every table.
#[derive(Debug, Clone)]
pub enum PreparedData {
    Numeric(NumericData),
    Categorical(CategoricalData),
}

/// A numeric column: `values[t][row]`, `NaN` when missing.
#[derive(Debug, Clone)]
pub struct NumericData {
    pub values: Vec<Vec<f64>>,
    /// Smallest and largest valid value of the reference table
    /// (`NaN` when it has none).
    pub ref_min: f64,
    pub ref_max: f64,
}

/// A discrete column: `codes[t][row]` indexes `levels`, or equals
/// [`CategoricalData::missing_code`] for a missing cell.
#[derive(Debug, Clone)]
pub struct CategoricalData {
    pub codes: Vec<Vec<u32>>,
    /// Reference levels first, then levels first seen in later tables.
    pub levels: Vec<String>,
    /// How many of `levels` occur in the reference table.
    pub n_ref_levels: usize,
}

impl CategoricalData {
    /// The code of a missing cell: one past the last level, so that
    /// `counts[code]` arrays of length `levels.len() + 1` hold it.
    pub fn missing_code(&self) -> u32 {
        self.levels.len() as u32
    }

    /// Number of distinct codes including the missing one.
    pub fn n_codes(&self) -> usize {
        self.levels.len() + 1
    }

    /// Counts per code (last entry = missing) for table `t`.
    pub fn counts(&self, t: usize) -> Vec<u64> {
        let mut counts = vec![0u64; self.n_codes()];
        for &c in &self.codes[t] {
            counts[c as usize] += 1;
        }
        counts
    }
}

impl NumericData {
    /// Range of the reference table, or `None` when it is empty or constant.
    pub fn ref_range(&self) -> Option<f64> {
        let r = self.ref_max - self.ref_min;
        (r.is_finite() && r > 0.0).then_some(r)
    }
}

impl Prepared {
    /// The column with this name, if it is evaluable.
    pub fn column(&self, name: &str) -> Option<&PreparedColumn> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Indices of every column but `exclude` (the features of a model that
    /// predicts `exclude`).
    pub fn feature_columns(&self, exclude: &str) -> Vec<usize> {
        (0..self.columns.len())
            .filter(|&i| self.columns[i].name != exclude)
            .collect()
    }

    /// Position of the named column in [`Prepared::columns`].
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}

/// Whether a schema kind takes part in evaluation and how.
pub fn is_evaluable(kind: Kind) -> bool {
    kind.is_numeric() || kind.is_discrete()
}

/// Aligns `tables` (name, table) under `schema`; the first is the reference.
///
/// Fails with [`EvalError::MissingColumns`] naming every evaluable schema
/// column a table lacks, and with [`EvalError::BadCell`] when a numeric
/// column holds text that is not a number.
pub fn prepare(tables: &[(&str, &Table)], schema: &Schema) -> Result<Prepared, EvalError> {
    prepare_columns(tables, schema, &[])
}

/// Like [`prepare`], leaving out the named columns (e.g. the target when
/// building features).
pub fn prepare_columns(
    tables: &[(&str, &Table)],
    schema: &Schema,
    exclude: &[&str],
) -> Result<Prepared, EvalError> {
    if tables.is_empty() {
        return Err(EvalError::Invalid("no table to evaluate".into()));
    }
    let wanted: Vec<_> = schema
        .columns
        .iter()
        .filter(|c| is_evaluable(c.kind) && !exclude.contains(&c.name.as_str()))
        .collect();
    for (name, table) in tables {
        let missing: Vec<String> = wanted
            .iter()
            .filter(|c| table.column(&c.name).is_none())
            .map(|c| c.name.clone())
            .collect();
        if !missing.is_empty() {
            return Err(EvalError::MissingColumns {
                table: name.to_string(),
                columns: missing,
            });
        }
    }
    let mut columns = Vec::with_capacity(wanted.len());
    for cs in wanted {
        let cols: Vec<(&str, &Column)> = tables
            .iter()
            .filter_map(|(n, t)| t.column(&cs.name).map(|c| (*n, c)))
            .collect();
        let data = if cs.kind.is_numeric() {
            PreparedData::Numeric(numeric(&cols, cs.kind)?)
        } else {
            PreparedData::Categorical(categorical(&cols))
        };
        columns.push(PreparedColumn {
            name: cs.name.clone(),
            kind: cs.kind,
            data,
        });
    }
    Ok(Prepared {
        table_names: tables.iter().map(|(n, _)| n.to_string()).collect(),
        n_rows: tables.iter().map(|(_, t)| t.n_rows()).collect(),
        columns,
    })
}

fn numeric(cols: &[(&str, &Column)], kind: Kind) -> Result<NumericData, EvalError> {
    let mut values = Vec::with_capacity(cols.len());
    for (table, col) in cols {
        values.push(numeric_values(table, col, kind)?);
    }
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for &v in values.first().map(Vec::as_slice).unwrap_or(&[]) {
        if !v.is_nan() {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    if lo > hi {
        lo = f64::NAN;
        hi = f64::NAN;
    }
    Ok(NumericData {
        values,
        ref_min: lo,
        ref_max: hi,
    })
}

fn numeric_values(table: &str, col: &Column, kind: Kind) -> Result<Vec<f64>, EvalError> {
    let n = col.len();
    let mut out = Vec::with_capacity(n);
    match &col.data {
        ColumnData::Categorical { .. } | ColumnData::Text(_) => {
            for row in 0..n {
                let v = match col.get(row) {
                    Value::Str(s) => parse_number(s, kind).ok_or_else(|| EvalError::BadCell {
                        table: table.to_string(),
                        row: row + 1,
                        column: col.name.clone(),
                        message: format!(
                            "'{s}' is not a number (the schema says {})",
                            kind.as_str()
                        ),
                    })?,
                    _ => f64::NAN,
                };
                out.push(v);
            }
        }
        _ => {
            for row in 0..n {
                out.push(col.get(row).as_f64().unwrap_or(f64::NAN));
            }
        }
    }
    Ok(out)
}

fn parse_number(s: &str, kind: Kind) -> Option<f64> {
    let t = s.trim();
    if kind == Kind::Datetime
        && let Some((secs, _)) = medsynth_data::datetime::parse_datetime(t)
    {
        return Some(secs as f64);
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Maps labels to shared codes. Each physical type has its own cache key so
/// that a 100,000-row column costs one hash look-up per cell, not one
/// string allocation.
fn categorical(cols: &[(&str, &Column)]) -> CategoricalData {
    let mut levels: Vec<String> = Vec::new();
    let mut index: HashMap<String, u32> = HashMap::new();
    let mut codes_all = Vec::with_capacity(cols.len());
    let mut n_ref_levels = 0;
    for (t, (_, col)) in cols.iter().enumerate() {
        let mut intern = |label: String| -> u32 {
            if let Some(&c) = index.get(&label) {
                return c;
            }
            let c = levels.len() as u32;
            index.insert(label.clone(), c);
            levels.push(label);
            c
        };
        let n = col.len();
        // Codes are provisional here: MISSING is fixed up below once the
        // final number of levels is known.
        let mut codes = Vec::with_capacity(n);
        match &col.data {
            ColumnData::Categorical { codes: raw, dict } => {
                let map: Vec<u32> = dict.iter().map(|s| intern(s.clone())).collect();
                for (&ok, &c) in col.valid.iter().zip(raw) {
                    codes.push(if ok {
                        map.get(c as usize).copied().unwrap_or(MISSING)
                    } else {
                        MISSING
                    });
                }
            }
            ColumnData::Int(v) => {
                let mut cache: HashMap<i64, u32> = HashMap::new();
                for (&ok, &x) in col.valid.iter().zip(v) {
                    codes.push(if ok {
                        *cache.entry(x).or_insert_with(|| intern(x.to_string()))
                    } else {
                        MISSING
                    });
                }
            }
            ColumnData::Float(v) => {
                let mut cache: HashMap<u64, u32> = HashMap::new();
                for (&ok, &x) in col.valid.iter().zip(v) {
                    codes.push(if ok {
                        *cache
                            .entry(x.to_bits())
                            .or_insert_with(|| intern(medsynth_data::table::format_float(x)))
                    } else {
                        MISSING
                    });
                }
            }
            _ => {
                let mut cache: HashMap<String, u32> = HashMap::new();
                for row in 0..n {
                    codes.push(match col.label(row) {
                        Some(l) => match cache.get(&l) {
                            Some(&c) => c,
                            None => {
                                let c = intern(l.clone());
                                cache.insert(l, c);
                                c
                            }
                        },
                        None => MISSING,
                    });
                }
            }
        }
        if t == 0 {
            n_ref_levels = levels.len();
        }
        codes_all.push(codes);
    }
    let missing = levels.len() as u32;
    for codes in &mut codes_all {
        for c in codes.iter_mut() {
            if *c == MISSING {
                *c = missing;
            }
        }
    }
    CategoricalData {
        codes: codes_all,
        levels,
        n_ref_levels,
    }
}

const MISSING: u32 = u32::MAX;

#[cfg(test)]
mod tests {
    use super::*;
    use medsynth_data::ColumnSchema;

    fn schema() -> Schema {
        Schema {
            columns: vec![
                ColumnSchema::new("age", Kind::Integer),
                ColumnSchema::new("cp", Kind::Categorical),
                ColumnSchema::new("id", Kind::Identifier),
            ],
        }
    }

    #[test]
    fn aligns_levels_across_physical_types() {
        let real = Table::new(vec![
            Column::from_i64("age", &[Some(40), None, Some(60)]),
            Column::from_i64("cp", &[Some(4), Some(1), None]),
            Column::from_strs("id", &[Some("a"), Some("b"), Some("c")]),
        ])
        .unwrap();
        let synth = Table::new(vec![
            Column::from_strs("age", &[Some("41.5"), Some("70"), None::<&str>]),
            Column::from_strs("cp", &[Some("1"), Some("9"), Some("4")]),
        ])
        .unwrap();
        let p = prepare(&[("real", &real), ("synthetic", &synth)], &schema()).unwrap();
        assert_eq!(p.columns.len(), 2, "identifier column is left out");
        let PreparedData::Numeric(age) = &p.columns[0].data else {
            panic!("numeric")
        };
        assert!(age.values[0][1].is_nan());
        assert_eq!(age.values[1][0], 41.5);
        assert_eq!((age.ref_min, age.ref_max), (40.0, 60.0));
        let PreparedData::Categorical(cp) = &p.columns[1].data else {
            panic!("categorical")
        };
        assert_eq!(cp.levels, ["4", "1", "9"]);
        assert_eq!(cp.n_ref_levels, 2);
        assert_eq!(cp.codes[0], [0, 1, 3]);
        assert_eq!(cp.codes[1], [1, 2, 0]);
        assert_eq!(cp.counts(0), [1, 1, 0, 1]);
    }

    proptest::proptest! {
        /// Codes decode back to each cell's label in every table, and the
        /// reference table's levels come first.
        #[test]
        fn codes_round_trip(a in proptest::collection::vec(proptest::option::of(0i64..6), 1..30),
                            b in proptest::collection::vec(proptest::option::of(0u8..9), 1..30)) {
            let s = Schema { columns: vec![ColumnSchema::new("c", Kind::Categorical)] };
            let ta = Table::new(vec![Column::from_i64("c", &a)]).unwrap();
            let bs: Vec<Option<String>> = b.iter().map(|v| v.map(|x| x.to_string())).collect();
            let tb = Table::new(vec![Column::from_strs("c", &bs)]).unwrap();
            let p = prepare(&[("a", &ta), ("b", &tb)], &s).unwrap();
            let PreparedData::Categorical(c) = &p.columns[0].data else { panic!("categorical") };
            let decode = |code: u32| (code != c.missing_code()).then(|| c.levels[code as usize].clone());
            for (t, col) in [&ta, &tb].iter().enumerate() {
                for r in 0..col.n_rows() {
                    proptest::prop_assert_eq!(decode(c.codes[t][r]), col.columns()[0].label(r));
                }
            }
            proptest::prop_assert!(c.codes[0].iter().all(|&k| k == c.missing_code() || (k as usize) < c.n_ref_levels));
        }
    }

    #[test]
    fn missing_column_and_bad_number_are_user_errors() {
        let real = Table::new(vec![
            Column::from_i64("age", &[Some(40)]),
            Column::from_i64("cp", &[Some(4)]),
        ])
        .unwrap();
        let lacks = Table::new(vec![Column::from_i64("age", &[Some(40)])]).unwrap();
        let e = prepare(&[("real", &real), ("synthetic", &lacks)], &schema()).unwrap_err();
        assert!(e.to_string().contains("synthetic") && e.to_string().contains("'cp'"));
        let bad = Table::new(vec![
            Column::from_strs("age", &[Some("old")]),
            Column::from_i64("cp", &[Some(4)]),
        ])
        .unwrap();
        let e = prepare(&[("real", &real), ("synthetic", &bad)], &schema()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "synthetic table, row 1, column 'age': 'old' is not a number (the schema says integer)"
        );
        assert!(e.is_user_error());
    }
}
