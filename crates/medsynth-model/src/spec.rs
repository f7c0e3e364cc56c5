//! What the synthesizers need to know about each modelled column besides its
//! statistics: how to write values back (physical type, decimals, bounds).
//!
//! Models work on a plain internal form ([`RawColumn`]: numbers with NaN for
//! missing, or category indices with [`MISSING`]) so that every model shares
//! one extraction step (with the input checks and their error messages) and
//! one output step (rounding, clipping, re-typing).

use medsynth_data::{Column, ColumnData, ColumnSchema, Kind, Table, Value};
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};

/// Category index meaning "missing cell".
pub const MISSING: u32 = u32::MAX;

/// How a generated column is stored when written back, so that a file
/// round-trips with the types it came with (heart `cp` stays an integer
/// column even though it is modelled as categorical).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputType {
    Float,
    Int,
    Bool,
    DateTime {
        date_only: bool,
    },
    /// Text labels (dictionary-encoded).
    Categorical,
}

/// One modelled column: name, meaning and output rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnSpec {
    pub name: String,
    pub kind: Kind,
    pub output: OutputType,
    /// Decimal places for continuous output (from the schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimals: Option<u32>,
}

impl ColumnSpec {
    /// Discrete columns are modelled as labels, the others as numbers.
    pub fn is_discrete(&self) -> bool {
        self.kind.is_discrete()
    }

    /// Builds the spec of a modelled schema column from the table column.
    pub fn from_schema(col: &ColumnSchema, data: &Column) -> Result<Self> {
        let output = match &data.data {
            ColumnData::Float(_) => OutputType::Float,
            ColumnData::Int(_) => OutputType::Int,
            ColumnData::Bool(_) => OutputType::Bool,
            ColumnData::DateTime { date_only, .. } => OutputType::DateTime {
                date_only: *date_only,
            },
            ColumnData::Categorical { .. } | ColumnData::Text(_) => OutputType::Categorical,
        };
        if col.kind.is_numeric() && output == OutputType::Categorical {
            return Err(ModelError::input(format!(
                "column '{}' is declared {} in the schema but holds text; declare it categorical or fix the values",
                col.name,
                col.kind.as_str()
            )));
        }
        let output = match (col.kind, output) {
            // Integers measured as whole numbers stay whole even if the file held "63.0".
            (Kind::Integer, OutputType::Float) => OutputType::Int,
            (_, o) => o,
        };
        Ok(ColumnSpec {
            name: col.name.clone(),
            kind: col.kind,
            output,
            decimals: col.decimals,
        })
    }
}

/// A column in the models' internal form.
#[derive(Debug, Clone, PartialEq)]
pub enum RawColumn {
    /// Numbers; NaN = missing.
    Numeric(Vec<f64>),
    /// Category indices into the column's label list; [`MISSING`] = missing.
    Discrete(Vec<u32>),
}

impl RawColumn {
    pub fn len(&self) -> usize {
        match self {
            RawColumn::Numeric(v) => v.len(),
            RawColumn::Discrete(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The numbers of a numeric column (NaN for missing cells). Booleans read
/// as 0/1 and instants as seconds.
pub fn numeric_values(column: &Column) -> Result<Vec<f64>> {
    let mut out = Vec::with_capacity(column.len());
    for row in 0..column.len() {
        let v = column.get(row);
        match v {
            Value::Missing => out.push(f64::NAN),
            Value::Str(s) if s.trim().parse::<f64>().is_ok_and(f64::is_finite) => {
                out.push(s.trim().parse::<f64>().unwrap_or(f64::NAN))
            }
            Value::Str(s) => {
                return Err(ModelError::input(format!(
                    "row {}, column '{}': '{s}' is not a number",
                    row + 1,
                    column.name
                )));
            }
            other => out.push(other.as_f64().unwrap_or(f64::NAN)),
        }
    }
    Ok(out)
}

/// The label of every cell as the CSV writer prints it (`None` = missing).
pub fn labels_of(column: &Column) -> Vec<Option<String>> {
    (0..column.len()).map(|r| column.label(r)).collect()
}

/// Category indices of `column` against `labels`; an unknown label is an error
/// naming row and column.
pub fn discrete_indices(column: &Column, labels: &[String]) -> Result<Vec<u32>> {
    let index: std::collections::HashMap<&str, u32> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i as u32))
        .collect();
    let mut out = Vec::with_capacity(column.len());
    // Dictionary columns: map each code once instead of formatting every cell.
    if let ColumnData::Categorical { codes, dict } = &column.data {
        let map: Vec<Option<u32>> = dict
            .iter()
            .map(|d| index.get(d.as_str()).copied())
            .collect();
        for (row, &c) in codes.iter().enumerate() {
            if !column.valid[row] {
                out.push(MISSING);
                continue;
            }
            match map.get(c as usize).copied().flatten() {
                Some(i) => out.push(i),
                None => return Err(unknown_label(column, row, &dict[c as usize], labels)),
            }
        }
        return Ok(out);
    }
    for row in 0..column.len() {
        match column.label(row) {
            None => out.push(MISSING),
            Some(l) => match index.get(l.as_str()) {
                Some(&i) => out.push(i),
                None => return Err(unknown_label(column, row, &l, labels)),
            },
        }
    }
    Ok(out)
}

fn unknown_label(column: &Column, row: usize, label: &str, labels: &[String]) -> ModelError {
    ModelError::input(format!(
        "row {}, column '{}': value '{label}' is not one of the schema's categories ({})",
        row + 1,
        column.name,
        preview(labels)
    ))
}

/// A short comma-separated preview of a label list for error messages.
pub fn preview(labels: &[String]) -> String {
    const MAX: usize = 20;
    let mut s = labels
        .iter()
        .take(MAX)
        .map(|l| format!("'{l}'"))
        .collect::<Vec<_>>()
        .join(", ");
    if labels.len() > MAX {
        s.push_str(&format!(", ... ({} in all)", labels.len()));
    }
    s
}

/// Rounds, clips and re-types generated values into a table column.
///
/// `bounds` clip numeric values (the schema's or the data's range), so a
/// model never emits an age of −3 or a date after the extract was taken.
pub fn build_column(
    spec: &ColumnSpec,
    raw: RawColumn,
    labels: &[String],
    bounds: Option<(f64, f64)>,
) -> Column {
    match raw {
        RawColumn::Numeric(values) => numeric_column(spec, values, bounds),
        RawColumn::Discrete(idx) => discrete_column(spec, &idx, labels),
    }
}

fn numeric_column(spec: &ColumnSpec, values: Vec<f64>, bounds: Option<(f64, f64)>) -> Column {
    let valid: Vec<bool> = values.iter().map(|v| v.is_finite()).collect();
    let scale = spec.decimals.map(|d| 10f64.powi(d.min(15) as i32));
    let fix = |v: f64| -> f64 {
        if !v.is_finite() {
            return 0.0;
        }
        let mut v = v;
        if let Some((lo, hi)) = bounds {
            v = v.clamp(lo, hi);
        }
        if let Some(s) = scale {
            v = (v * s).round() / s;
        }
        v
    };
    let data = match spec.output {
        OutputType::Float | OutputType::Categorical => {
            ColumnData::Float(values.into_iter().map(fix).collect())
        }
        OutputType::Int => {
            ColumnData::Int(values.into_iter().map(|v| fix(v).round() as i64).collect())
        }
        OutputType::Bool => ColumnData::Bool(values.into_iter().map(|v| fix(v) >= 0.5).collect()),
        OutputType::DateTime { date_only } => ColumnData::DateTime {
            secs: values
                .into_iter()
                .map(|v| {
                    let s = fix(v).round() as i64;
                    if date_only {
                        s.div_euclid(86_400) * 86_400
                    } else {
                        s
                    }
                })
                .collect(),
            date_only,
        },
    };
    Column::new(spec.name.clone(), data, valid)
}

fn discrete_column(spec: &ColumnSpec, idx: &[u32], labels: &[String]) -> Column {
    let valid: Vec<bool> = idx.iter().map(|&i| (i as usize) < labels.len()).collect();
    let code = |i: u32| {
        if (i as usize) < labels.len() {
            i as usize
        } else {
            0
        }
    };
    // Labels were produced by `Column::label`, so they parse back into their type.
    let data = match spec.output {
        OutputType::Int => {
            let parsed: Option<Vec<i64>> = labels.iter().map(|l| l.parse::<i64>().ok()).collect();
            parsed.map(|p| {
                ColumnData::Int(
                    idx.iter()
                        .map(|&i| p.get(code(i)).copied().unwrap_or(0))
                        .collect(),
                )
            })
        }
        OutputType::Float => {
            let parsed: Option<Vec<f64>> = labels.iter().map(|l| l.parse::<f64>().ok()).collect();
            parsed.map(|p| {
                ColumnData::Float(
                    idx.iter()
                        .map(|&i| p.get(code(i)).copied().unwrap_or(0.0))
                        .collect(),
                )
            })
        }
        OutputType::Bool => {
            let parsed: Option<Vec<bool>> = labels.iter().map(|l| l.parse::<bool>().ok()).collect();
            parsed.map(|p| {
                ColumnData::Bool(
                    idx.iter()
                        .map(|&i| p.get(code(i)).copied().unwrap_or(false))
                        .collect(),
                )
            })
        }
        OutputType::DateTime { date_only } => {
            let parsed: Option<Vec<i64>> = labels
                .iter()
                .map(|l| medsynth_data::datetime::parse_datetime(l).map(|(s, _)| s))
                .collect();
            parsed.map(|p| ColumnData::DateTime {
                secs: idx
                    .iter()
                    .map(|&i| p.get(code(i)).copied().unwrap_or(0))
                    .collect(),
                date_only,
            })
        }
        OutputType::Categorical => None,
    };
    let data = data.unwrap_or_else(|| ColumnData::Categorical {
        codes: idx.iter().map(|&i| code(i) as u32).collect(),
        dict: if labels.is_empty() {
            vec![String::new()]
        } else {
            labels.to_vec()
        },
    });
    Column::new(spec.name.clone(), data, valid)
}

/// Assembles generated columns into a table (names are unique by construction).
pub fn assemble(columns: Vec<Column>) -> Result<Table> {
    Table::new(columns).map_err(|e| ModelError::input(format!("cannot assemble the sample: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: Kind, output: OutputType, decimals: Option<u32>) -> ColumnSpec {
        ColumnSpec {
            name: "x".into(),
            kind,
            output,
            decimals,
        }
    }

    #[test]
    fn numeric_output_is_clipped_rounded_and_typed() {
        let s = spec(Kind::Continuous, OutputType::Float, Some(1));
        let c = build_column(
            &s,
            RawColumn::Numeric(vec![1.26, -5.0, f64::NAN]),
            &[],
            Some((0.0, 2.0)),
        );
        assert_eq!(c.data, ColumnData::Float(vec![1.3, 0.0, 0.0]));
        assert_eq!(c.valid, vec![true, true, false]);
        let s = spec(Kind::Integer, OutputType::Int, None);
        let c = build_column(
            &s,
            RawColumn::Numeric(vec![2.6, 99.0]),
            &[],
            Some((0.0, 10.0)),
        );
        assert_eq!(c.data, ColumnData::Int(vec![3, 10]));
    }

    #[test]
    fn integer_coded_categories_come_back_as_integers() {
        let s = spec(Kind::Categorical, OutputType::Int, None);
        let labels = vec!["1".to_string(), "4".to_string()];
        let c = build_column(&s, RawColumn::Discrete(vec![1, 0, MISSING]), &labels, None);
        let ColumnData::Int(v) = &c.data else {
            panic!("int column")
        };
        assert_eq!(&v[..2], &[4, 1]);
        assert_eq!(c.valid, vec![true, true, false]);
    }

    #[test]
    fn unknown_labels_name_row_and_column() {
        let col = Column::from_strs("sex", &[Some("m"), Some("x")]);
        let err = discrete_indices(&col, &["m".to_string(), "f".to_string()])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("row 2") && err.contains("'sex'") && err.contains("'x'"),
            "{err}"
        );
    }

    #[test]
    fn text_in_a_numeric_column_is_an_error() {
        let col = Column::from_strs("age", &[Some("12"), Some("old")]);
        let err = numeric_values(&col).unwrap_err().to_string();
        assert!(err.contains("row 2") && err.contains("'age'"), "{err}");
    }
}
