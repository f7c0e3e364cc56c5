//! The canary: the one record whose membership the audit tries to detect.
//!
//! A DP bound must hold for the worst record, and an audit is only as strong
//! as its canary, so the canary is built to be as easy to detect as the
//! table allows: an outlier in every column at once. Models reveal outliers
//! first — a typical record is drowned by its neighbours, an outlier is
//! not — and the commonest leak found by audits in practice is not in the
//! learning algorithm at all but around it: a non-DP encoder reads each
//! column's bounds from the data, so a record beyond the observed range
//! stretches the range of the synthetic values, and anyone who sees a value
//! outside the real range knows that some record lies there.
//!
//! * numeric columns: `max + 25 % of the observed range` when the bounds are
//!   read from the data, or the **declared maximum** when the schema
//!   declares a public domain (a DP fit with public bounds clips to them, so
//!   a canary outside them would be clipped away and only test the clipping);
//! * categorical columns: the least frequent category seen in the table.
//!
//! Identifier and text columns are not modelled, so the canary leaves them
//! missing.

use medsynth_data::{Column, ColumnData, DomainSource, Kind, Schema, Table, Value};
use serde::{Deserialize, Serialize};

use crate::error::AuditError;

/// How far beyond the observed maximum a numeric canary value lies, as a
/// share of the observed range: far enough that no model without the canary
/// produces it by chance, close enough to stay a plausible patient.
pub const BEYOND_RANGE_SHARE: f64 = 0.25;

/// One cell of the canary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CanaryValue {
    /// A numeric value (datetimes as seconds since 1970).
    Number(f64),
    /// A category label, as the CSV spells it.
    Label(String),
}

/// One column's value in the canary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CanaryCell {
    pub column: String,
    pub value: CanaryValue,
    /// True when the value lies beyond the observed range (bounds read from
    /// the data), false when it sits on a declared public bound or is a
    /// category.
    pub beyond_observed: bool,
}

/// The canary record: one cell per modelled column, in schema order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Canary {
    pub cells: Vec<CanaryCell>,
}

impl Canary {
    /// The cell of a column.
    pub fn cell(&self, column: &str) -> Option<&CanaryCell> {
        self.cells.iter().find(|c| c.column == column)
    }
}

/// Builds the worst-case canary for `table` described by `schema` (see the
/// module documentation for the rules).
pub fn craft_canary(table: &Table, schema: &Schema) -> Result<Canary, AuditError> {
    let mut cells = Vec::new();
    for cs in schema.modelled() {
        let col = table.column(&cs.name).ok_or_else(|| {
            AuditError::invalid(format!(
                "the schema names column '{}' but the table has no such column",
                cs.name
            ))
        })?;
        if cs.kind.is_numeric() {
            let declared = (cs.domain == DomainSource::Public)
                .then_some(cs.max)
                .flatten()
                .filter(|m| m.is_finite());
            let (value, beyond) = match declared {
                Some(max) => (max, false),
                None => {
                    let (lo, hi) = observed_range(col).ok_or_else(|| {
                        AuditError::invalid(format!(
                            "column '{}' has no values and no declared public maximum: no canary can be placed",
                            cs.name
                        ))
                    })?;
                    let span = if hi > lo { hi - lo } else { hi.abs().max(1.0) };
                    let raw = hi + BEYOND_RANGE_SHARE * span;
                    let whole = cs.kind != Kind::Continuous
                        || matches!(col.data, ColumnData::Int(_) | ColumnData::DateTime { .. });
                    let v = if whole {
                        raw.ceil()
                    } else if let Some(d) = cs.decimals {
                        let scale = 10f64.powi(d.min(12) as i32);
                        (raw * scale).ceil() / scale
                    } else {
                        raw
                    };
                    (v, true)
                }
            };
            cells.push(CanaryCell {
                column: cs.name.clone(),
                value: CanaryValue::Number(value),
                beyond_observed: beyond,
            });
        } else {
            let label = least_frequent_label(col).ok_or_else(|| {
                AuditError::invalid(format!(
                    "column '{}' has no values: no canary category can be chosen",
                    cs.name
                ))
            })?;
            cells.push(CanaryCell {
                column: cs.name.clone(),
                value: CanaryValue::Label(label),
                beyond_observed: false,
            });
        }
    }
    if cells.is_empty() {
        return Err(AuditError::invalid(
            "the schema has no modelled columns: nothing to audit",
        ));
    }
    Ok(Canary { cells })
}

/// Smallest and largest numeric value of a column (`None` when it has none).
pub fn observed_range(col: &Column) -> Option<(f64, f64)> {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for i in 0..col.len() {
        if let Some(x) = col.get(i).as_f64().filter(|x| x.is_finite()) {
            lo = lo.min(x);
            hi = hi.max(x);
        }
    }
    (lo <= hi).then_some((lo, hi))
}

/// The label seen least often (ties: the one that sorts last, so the choice
/// is deterministic).
fn least_frequent_label(col: &Column) -> Option<String> {
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for i in 0..col.len() {
        if let Some(l) = col.label(i) {
            *counts.entry(l).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .min_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(l, _)| l)
}

/// `table` with the canary appended as its last row. Columns the canary
/// does not name (identifiers, text) get a missing cell.
pub fn with_canary(table: &Table, canary: &Canary) -> Result<Table, AuditError> {
    let mut columns = Vec::with_capacity(table.n_cols());
    for col in table.columns() {
        let mut c = col.clone();
        match canary.cell(&col.name) {
            Some(cell) => push_value(&mut c, &cell.value)?,
            None => push_missing(&mut c),
        }
        columns.push(c);
    }
    Table::new(columns).map_err(AuditError::invalid)
}

fn push_missing(c: &mut Column) {
    match &mut c.data {
        ColumnData::Float(v) => v.push(0.0),
        ColumnData::Int(v) => v.push(0),
        ColumnData::Bool(v) => v.push(false),
        ColumnData::DateTime { secs, .. } => secs.push(0),
        ColumnData::Categorical { codes, .. } => codes.push(0),
        ColumnData::Text(v) => v.push(String::new()),
    }
    c.valid.push(false);
}

fn push_value(c: &mut Column, value: &CanaryValue) -> Result<(), AuditError> {
    let name = c.name.clone();
    let bad = |what: &str| {
        AuditError::invalid(format!(
            "column '{name}': the canary value {what} does not fit the column's type"
        ))
    };
    let number = |value: &CanaryValue| -> Result<f64, AuditError> {
        match value {
            CanaryValue::Number(x) => Ok(*x),
            CanaryValue::Label(l) => l.trim().parse::<f64>().map_err(|_| bad(&format!("'{l}'"))),
        }
    };
    match &mut c.data {
        ColumnData::Float(v) => v.push(number(value)?),
        ColumnData::Int(v) => v.push(number(value)?.round() as i64),
        ColumnData::DateTime { secs, .. } => secs.push(number(value)?.round() as i64),
        ColumnData::Bool(v) => {
            let b = match value {
                CanaryValue::Number(x) => *x != 0.0,
                CanaryValue::Label(l) => match l.to_ascii_lowercase().as_str() {
                    "true" | "1" | "yes" => true,
                    "false" | "0" | "no" => false,
                    _ => return Err(bad(&format!("'{l}'"))),
                },
            };
            v.push(b);
        }
        ColumnData::Categorical { codes, dict } => {
            let label = match value {
                CanaryValue::Label(l) => l.clone(),
                CanaryValue::Number(x) => medsynth_data::table::format_float(*x),
            };
            let code = match dict.iter().position(|d| *d == label) {
                Some(i) => i,
                None => {
                    dict.push(label);
                    dict.len() - 1
                }
            };
            codes.push(code as u32);
        }
        ColumnData::Text(v) => v.push(match value {
            CanaryValue::Label(l) => l.clone(),
            CanaryValue::Number(x) => medsynth_data::table::format_float(*x),
        }),
    }
    c.valid.push(true);
    Ok(())
}

/// The canary's value of `column` as a number, if numeric.
pub(crate) fn number_of(value: &CanaryValue) -> Option<f64> {
    match value {
        CanaryValue::Number(x) => Some(*x),
        CanaryValue::Label(_) => None,
    }
}

/// A cell of a synthetic or real table as text, for comparing with a label.
pub(crate) fn label_at(col: &Column, row: usize) -> Option<String> {
    match col.get(row) {
        Value::Missing => None,
        _ => col.label(row),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use medsynth_data::ColumnSchema;

    fn table() -> (Table, Schema) {
        let age: Vec<Option<i64>> = vec![Some(40), Some(50), Some(60), None];
        let op: Vec<Option<f64>> = vec![Some(0.0), Some(1.2), Some(4.0), Some(2.0)];
        let cp: Vec<Option<&str>> = vec![Some("a"), Some("b"), Some("a"), Some("a")];
        let id: Vec<Option<&str>> = vec![Some("x1"), Some("x2"), Some("x3"), Some("x4")];
        let t = Table::new(vec![
            Column::from_i64("age", &age),
            Column::from_f64("oldpeak", &op),
            Column::from_strs("cp", &cp),
            Column::from_strs("id", &id),
        ])
        .unwrap();
        let mut oldpeak = ColumnSchema::new("oldpeak", Kind::Continuous);
        oldpeak.decimals = Some(1);
        let s = Schema {
            columns: vec![
                ColumnSchema::new("age", Kind::Integer),
                oldpeak,
                ColumnSchema::new("cp", Kind::Categorical),
                ColumnSchema::new("id", Kind::Identifier),
            ],
        };
        (t, s)
    }

    #[test]
    fn the_canary_lies_beyond_the_observed_range_and_takes_the_rarest_category() {
        let (t, s) = table();
        let c = craft_canary(&t, &s).unwrap();
        assert_eq!(c.cells.len(), 3, "identifiers are not part of the canary");
        // age 40..60: 60 + 0.25 · 20 = 65.
        assert_eq!(c.cell("age").unwrap().value, CanaryValue::Number(65.0));
        // oldpeak 0..4: 4 + 1 = 5.0 (rounded up to one decimal).
        assert_eq!(c.cell("oldpeak").unwrap().value, CanaryValue::Number(5.0));
        assert!(c.cell("age").unwrap().beyond_observed);
        assert_eq!(
            c.cell("cp").unwrap().value,
            CanaryValue::Label("b".to_string())
        );
    }

    #[test]
    fn a_declared_public_maximum_is_used_as_is() {
        let (t, mut s) = table();
        s.columns[0].domain = DomainSource::Public;
        s.columns[0].min = Some(18.0);
        s.columns[0].max = Some(100.0);
        let c = craft_canary(&t, &s).unwrap();
        let cell = c.cell("age").unwrap();
        assert_eq!(cell.value, CanaryValue::Number(100.0));
        assert!(!cell.beyond_observed);
    }

    #[test]
    fn appending_keeps_types_and_leaves_unmodelled_columns_missing() {
        let (t, s) = table();
        let c = craft_canary(&t, &s).unwrap();
        let t2 = with_canary(&t, &c).unwrap();
        assert_eq!(t2.n_rows(), 5);
        assert_eq!(t2.column("age").unwrap().get(4), Value::Int(65));
        assert_eq!(t2.column("oldpeak").unwrap().get(4), Value::Float(5.0));
        assert_eq!(t2.column("cp").unwrap().get(4), Value::Str("b"));
        assert!(t2.column("id").unwrap().get(4).is_missing());
        // The original table is untouched.
        assert_eq!(t.n_rows(), 4);
    }

    #[test]
    fn an_all_missing_numeric_column_without_a_domain_is_refused() {
        let t = Table::new(vec![
            Column::from_f64("x", &[None, None]),
            Column::from_strs("g", &[Some("a"), Some("b")]),
        ])
        .unwrap();
        let s = Schema {
            columns: vec![
                ColumnSchema::new("x", Kind::Continuous),
                ColumnSchema::new("g", Kind::Categorical),
            ],
        };
        let err = craft_canary(&t, &s).unwrap_err();
        assert!(
            err.is_user_error() && err.to_string().contains("'x'"),
            "{err}"
        );
    }
}
