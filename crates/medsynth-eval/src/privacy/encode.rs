//! The Gower space every privacy attack measures distances in.
//!
//! Gower's distance between two records is the mean over columns of
//! `|x − y| / range` for numeric columns and a 0/1 mismatch for categorical
//! ones. We precompute, once per table, a compact f32 matrix of numeric
//! values already divided by the train range and a u32 matrix of category
//! codes shared across tables, so that the quadratic nearest-neighbour loops
//! do nothing but subtractions and integer compares.
//!
//! Missing cells: a missing category is a level of its own (as in the
//! fidelity metrics); a missing number is stored as a far-away sentinel and
//! each numeric term is capped at 1, so "both missing" costs 0 and "one
//! missing" costs 1 — the usual Gower convention — with no branch in the
//! inner loop. The cap also keeps synthetic values outside the train range
//! from dominating a distance (the term can never exceed a full category
//! mismatch).

use std::collections::HashMap;

use medsynth_data::{Column, Schema, Table, Value};

use crate::error::EvalError;

/// Value stored for a missing number: farther than 1 from any scaled value.
pub(crate) const MISSING: f32 = -1.0e6;

/// How the columns of a schema map to the Gower space: which are numeric
/// (with the train range) and the shared category levels of the others.
#[derive(Debug, Clone)]
pub struct GowerSpace {
    /// Numeric columns: name, train minimum, 1 / train range.
    pub numeric: Vec<(String, f64, f64)>,
    /// Categorical columns: name and level → code (train levels first).
    pub categorical: Vec<(String, HashMap<String, u32>)>,
}

/// One table in the Gower space: `n` rows of `numeric` (row-major, already
/// scaled) and `categorical` codes (row-major).
#[derive(Debug, Clone, Default)]
pub struct Encoded {
    pub n: usize,
    pub pn: usize,
    pub pc: usize,
    pub num: Vec<f32>,
    pub cat: Vec<u32>,
}

impl Encoded {
    /// The rows at `idx`, in that order.
    pub fn take(&self, idx: &[usize]) -> Encoded {
        let mut num = Vec::with_capacity(idx.len() * self.pn);
        let mut cat = Vec::with_capacity(idx.len() * self.pc);
        for &i in idx {
            num.extend_from_slice(&self.num[i * self.pn..(i + 1) * self.pn]);
            cat.extend_from_slice(&self.cat[i * self.pc..(i + 1) * self.pc]);
        }
        Encoded {
            n: idx.len(),
            pn: self.pn,
            pc: self.pc,
            num,
            cat,
        }
    }

    /// Number of columns (the Gower denominator).
    pub fn width(&self) -> usize {
        self.pn + self.pc
    }

    pub(crate) fn num_row(&self, i: usize) -> &[f32] {
        &self.num[i * self.pn..(i + 1) * self.pn]
    }

    pub(crate) fn cat_row(&self, i: usize) -> &[u32] {
        &self.cat[i * self.pc..(i + 1) * self.pc]
    }
}

/// The columns the attacks use: every modelled column of the schema
/// (identifiers and free text are never compared — they are masked, not
/// synthesised).
pub fn attack_columns(schema: &Schema) -> Vec<(String, bool)> {
    schema
        .modelled()
        .map(|c| (c.name.clone(), c.kind.is_numeric()))
        .collect()
}

impl GowerSpace {
    /// Builds the space from the train table: ranges of numeric columns,
    /// category levels seen in train. Checks that every named table has
    /// every column.
    pub fn fit(
        train: &Table,
        schema: &Schema,
        tables: &[(&str, &Table)],
    ) -> Result<GowerSpace, EvalError> {
        let cols = attack_columns(schema);
        if cols.is_empty() {
            return Err(EvalError::Invalid(
                "the schema has no modelled columns to compare (all identifiers or text)".into(),
            ));
        }
        for (name, table) in std::iter::once(&("train", train)).chain(tables.iter()) {
            let missing: Vec<String> = cols
                .iter()
                .filter(|(c, _)| table.column(c).is_none())
                .map(|(c, _)| c.clone())
                .collect();
            if !missing.is_empty() {
                return Err(EvalError::MissingColumns {
                    table: (*name).to_string(),
                    columns: missing,
                });
            }
        }
        let mut space = GowerSpace {
            numeric: Vec::new(),
            categorical: Vec::new(),
        };
        for (name, numeric) in cols {
            let Some(col) = train.column(&name) else {
                continue;
            };
            if numeric {
                let values = numbers(col, "train")?;
                let (lo, hi) = values
                    .iter()
                    .flatten()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                        (a.min(v), b.max(v))
                    });
                let range = hi - lo;
                let inv = if range.is_finite() && range > 0.0 {
                    1.0 / range
                } else {
                    1.0
                };
                space
                    .numeric
                    .push((name, if lo.is_finite() { lo } else { 0.0 }, inv));
            } else {
                let mut levels = HashMap::new();
                for r in 0..col.len() {
                    if let Some(l) = col.label(r) {
                        let next = levels.len() as u32;
                        levels.entry(l).or_insert(next);
                    }
                }
                space.categorical.push((name, levels));
            }
        }
        Ok(space)
    }

    /// Encodes a table; category levels never seen before get new codes
    /// (they match nothing in train, which is what an unseen value means).
    pub fn encode(&mut self, table: &Table, table_name: &str) -> Result<Encoded, EvalError> {
        let n = table.n_rows();
        let (pn, pc) = (self.numeric.len(), self.categorical.len());
        let mut num = vec![0.0f32; n * pn];
        let mut cat = vec![0u32; n * pc];
        for (j, (name, lo, inv)) in self.numeric.iter().enumerate() {
            let col = column(table, name, table_name)?;
            for (r, v) in numbers(col, table_name)?.into_iter().enumerate() {
                num[r * pn + j] = match v {
                    Some(v) => ((v - lo) * inv) as f32,
                    None => MISSING,
                };
            }
        }
        for (j, (name, levels)) in self.categorical.iter_mut().enumerate() {
            let col = column(table, name, table_name)?;
            for r in 0..n {
                // A missing category is a level of its own: code u32::MAX.
                cat[r * pc + j] = match col.label(r) {
                    Some(l) => match levels.get(&l) {
                        Some(&c) => c,
                        None => {
                            let c = levels.len() as u32;
                            levels.insert(l, c);
                            c
                        }
                    },
                    None => u32::MAX,
                };
            }
        }
        Ok(Encoded {
            n,
            pn,
            pc,
            num,
            cat,
        })
    }

    /// Names of the columns in Gower order: numeric first, then categorical.
    pub fn column_names(&self) -> Vec<String> {
        self.numeric
            .iter()
            .map(|c| c.0.clone())
            .chain(self.categorical.iter().map(|c| c.0.clone()))
            .collect()
    }
}

fn column<'a>(table: &'a Table, name: &str, table_name: &str) -> Result<&'a Column, EvalError> {
    table.column(name).ok_or_else(|| EvalError::MissingColumns {
        table: table_name.to_string(),
        columns: vec![name.to_string()],
    })
}

/// The cells of a numeric-kind column as numbers. A column stored as text
/// (e.g. a synthetic file that wrote "63.0" as a string) is parsed; a cell
/// that is not a number is an error naming table, row and column.
pub(crate) fn numbers(col: &Column, table_name: &str) -> Result<Vec<Option<f64>>, EvalError> {
    let mut out = Vec::with_capacity(col.len());
    for r in 0..col.len() {
        let v = match col.get(r) {
            Value::Missing => None,
            Value::Str(s) => match s.trim().parse::<f64>() {
                Ok(v) if v.is_finite() => Some(v),
                _ => {
                    return Err(EvalError::BadCell {
                        table: table_name.to_string(),
                        row: r + 1,
                        column: col.name.clone(),
                        message: format!(
                            "'{s}' is not a number, but the schema says the column is numeric"
                        ),
                    });
                }
            },
            other => other.as_f64(),
        };
        out.push(v);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use medsynth_data::{ColumnSchema, Kind};

    fn table() -> Table {
        Table::new(vec![
            Column::from_f64("x", &[Some(0.0), Some(10.0), None]),
            Column::from_strs("c", &[Some("a"), None, Some("b")]),
        ])
        .unwrap()
    }

    fn schema() -> Schema {
        Schema {
            columns: vec![
                ColumnSchema::new("x", Kind::Continuous),
                ColumnSchema::new("c", Kind::Categorical),
            ],
        }
    }

    #[test]
    fn scales_by_train_range_and_codes_levels() {
        let t = table();
        let mut s = GowerSpace::fit(&t, &schema(), &[]).unwrap();
        let e = s.encode(&t, "train").unwrap();
        assert_eq!(e.num, vec![0.0, 1.0, MISSING]);
        assert_eq!(e.cat, vec![0, u32::MAX, 1]);
        let other = Table::new(vec![
            Column::from_f64("x", &[Some(5.0)]),
            Column::from_strs("c", &[Some("zzz")]),
        ])
        .unwrap();
        let e2 = s.encode(&other, "synthetic").unwrap();
        assert_eq!(e2.num, vec![0.5]);
        assert_eq!(e2.cat, vec![2], "unseen level gets a new code");
    }

    #[test]
    fn missing_column_is_named() {
        let t = table();
        let short = Table::new(vec![Column::from_f64("x", &[Some(1.0)])]).unwrap();
        let err = GowerSpace::fit(&t, &schema(), &[("synthetic", &short)]).unwrap_err();
        assert_eq!(err.to_string(), "the synthetic table lacks column(s) 'c'");
    }

    #[test]
    fn text_in_numeric_column_names_row() {
        let t = table();
        let mut s = GowerSpace::fit(&t, &schema(), &[]).unwrap();
        let bad = Table::new(vec![
            Column::from_strs("x", &[Some("1.5"), Some("abc")]),
            Column::from_strs("c", &[Some("a"), Some("a")]),
        ])
        .unwrap();
        let err = s.encode(&bad, "synthetic").unwrap_err().to_string();
        assert!(
            err.contains("row 2") && err.contains("'x'") && err.contains("abc"),
            "{err}"
        );
    }
}
