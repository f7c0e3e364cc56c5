//! The typed, column-oriented in-memory table every other crate works on.
//!
//! Columns keep their physical type (what the file held) separate from their
//! semantic kind (what the schema says they mean): an integer column such as
//! heart `cp` stays `Int` here even when the schema calls it categorical, so
//! that writing it back reproduces the file. Missing cells are kept in a
//! separate mask rather than as sentinel values, because a sentinel can
//! collide with a real value and silently bias a model.

use std::fmt;

/// Physical storage of one column. Missing cells hold an arbitrary
/// placeholder (0, `false`, code 0, empty string) and are flagged in
/// [`Column::valid`].
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    /// Real numbers (never NaN or infinite for valid cells).
    Float(Vec<f64>),
    /// Whole numbers.
    Int(Vec<i64>),
    /// true/false, yes/no style columns.
    Bool(Vec<bool>),
    /// Instants as seconds since 1970-01-01T00:00:00 UTC. `date_only` means
    /// the source held plain dates, so they are written back without a time.
    DateTime { secs: Vec<i64>, date_only: bool },
    /// Dictionary-encoded strings: cell `i` is `dict[codes[i]]`. The
    /// dictionary holds each distinct valid value once, in first-seen order.
    Categorical { codes: Vec<u32>, dict: Vec<String> },
    /// Free text kept as plain strings (few repeats, so a dictionary would
    /// not save memory).
    Text(Vec<String>),
}

/// The physical type of a column, without its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PhysicalType {
    Float,
    Int,
    Bool,
    DateTime,
    Categorical,
    Text,
}

impl fmt::Display for PhysicalType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            PhysicalType::Float => "float",
            PhysicalType::Int => "int",
            PhysicalType::Bool => "bool",
            PhysicalType::DateTime => "datetime",
            PhysicalType::Categorical => "categorical",
            PhysicalType::Text => "text",
        };
        f.write_str(s)
    }
}

/// One cell, borrowed from its column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Missing,
    Float(f64),
    Int(i64),
    Bool(bool),
    DateTime(i64),
    Str(&'a str),
}

impl Value<'_> {
    /// The cell as a number, when it has one (booleans as 0/1, instants as
    /// seconds). Strings and missing cells give `None`.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Float(v) => Some(v),
            Value::Int(v) => Some(v as f64),
            Value::Bool(v) => Some(if v { 1.0 } else { 0.0 }),
            Value::DateTime(v) => Some(v as f64),
            Value::Str(_) | Value::Missing => None,
        }
    }

    pub fn is_missing(&self) -> bool {
        matches!(self, Value::Missing)
    }
}

/// A named column with its missing mask.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub data: ColumnData,
    /// `valid[i]` is `true` when row `i` holds a value.
    pub valid: Vec<bool>,
}

impl Column {
    /// Builds a column; `valid` must have one entry per row.
    pub fn new(name: impl Into<String>, data: ColumnData, valid: Vec<bool>) -> Self {
        let c = Column {
            name: name.into(),
            data,
            valid,
        };
        debug_assert_eq!(c.data_len(), c.valid.len());
        c
    }

    /// A float column from optional values (`None` = missing).
    pub fn from_f64(name: impl Into<String>, values: &[Option<f64>]) -> Self {
        let valid = values.iter().map(Option::is_some).collect();
        let data = values.iter().map(|v| v.unwrap_or(0.0)).collect();
        Column::new(name, ColumnData::Float(data), valid)
    }

    /// An integer column from optional values.
    pub fn from_i64(name: impl Into<String>, values: &[Option<i64>]) -> Self {
        let valid = values.iter().map(Option::is_some).collect();
        let data = values.iter().map(|v| v.unwrap_or(0)).collect();
        Column::new(name, ColumnData::Int(data), valid)
    }

    /// A dictionary-encoded string column from optional values.
    pub fn from_strs<S: AsRef<str>>(name: impl Into<String>, values: &[Option<S>]) -> Self {
        let mut dict: Vec<String> = Vec::new();
        let mut index: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
        let mut codes = Vec::with_capacity(values.len());
        let mut valid = Vec::with_capacity(values.len());
        for v in values {
            match v {
                Some(s) => {
                    let s = s.as_ref();
                    let code = match index.get(s) {
                        Some(&c) => c,
                        None => {
                            let c = dict.len() as u32;
                            dict.push(s.to_string());
                            index.insert(s.to_string(), c);
                            c
                        }
                    };
                    codes.push(code);
                    valid.push(true);
                }
                None => {
                    codes.push(0);
                    valid.push(false);
                }
            }
        }
        Column::new(name, ColumnData::Categorical { codes, dict }, valid)
    }

    fn data_len(&self) -> usize {
        match &self.data {
            ColumnData::Float(v) => v.len(),
            ColumnData::Int(v) => v.len(),
            ColumnData::Bool(v) => v.len(),
            ColumnData::DateTime { secs, .. } => secs.len(),
            ColumnData::Categorical { codes, .. } => codes.len(),
            ColumnData::Text(v) => v.len(),
        }
    }

    pub fn len(&self) -> usize {
        self.valid.len()
    }

    pub fn is_empty(&self) -> bool {
        self.valid.is_empty()
    }

    pub fn physical_type(&self) -> PhysicalType {
        match &self.data {
            ColumnData::Float(_) => PhysicalType::Float,
            ColumnData::Int(_) => PhysicalType::Int,
            ColumnData::Bool(_) => PhysicalType::Bool,
            ColumnData::DateTime { .. } => PhysicalType::DateTime,
            ColumnData::Categorical { .. } => PhysicalType::Categorical,
            ColumnData::Text(_) => PhysicalType::Text,
        }
    }

    /// The cell at `row` (panics if `row` is out of range, like slice indexing).
    pub fn get(&self, row: usize) -> Value<'_> {
        if !self.valid[row] {
            return Value::Missing;
        }
        match &self.data {
            ColumnData::Float(v) => Value::Float(v[row]),
            ColumnData::Int(v) => Value::Int(v[row]),
            ColumnData::Bool(v) => Value::Bool(v[row]),
            ColumnData::DateTime { secs, .. } => Value::DateTime(secs[row]),
            ColumnData::Categorical { codes, dict } => Value::Str(&dict[codes[row] as usize]),
            ColumnData::Text(v) => Value::Str(&v[row]),
        }
    }

    pub fn is_valid(&self, row: usize) -> bool {
        self.valid[row]
    }

    pub fn missing_count(&self) -> usize {
        self.valid.iter().filter(|v| !**v).count()
    }

    /// The cell as text the way a CSV writer prints it (`None` when missing).
    /// Categorical models use this as the category label, so that an integer
    /// column treated as categorical keeps labels such as `"4"`.
    pub fn label(&self, row: usize) -> Option<String> {
        match self.get(row) {
            Value::Missing => None,
            Value::Float(v) => Some(format_float(v)),
            Value::Int(v) => Some(v.to_string()),
            Value::Bool(v) => Some(v.to_string()),
            Value::DateTime(s) => Some(match &self.data {
                ColumnData::DateTime {
                    date_only: true, ..
                } => crate::datetime::format_date(s),
                _ => crate::datetime::format_datetime(s),
            }),
            Value::Str(s) => Some(s.to_string()),
        }
    }

    /// A new column holding the rows at `indices`, in that order.
    pub fn take(&self, indices: &[usize]) -> Column {
        let valid = indices.iter().map(|&i| self.valid[i]).collect();
        let data = match &self.data {
            ColumnData::Float(v) => ColumnData::Float(indices.iter().map(|&i| v[i]).collect()),
            ColumnData::Int(v) => ColumnData::Int(indices.iter().map(|&i| v[i]).collect()),
            ColumnData::Bool(v) => ColumnData::Bool(indices.iter().map(|&i| v[i]).collect()),
            ColumnData::DateTime { secs, date_only } => ColumnData::DateTime {
                secs: indices.iter().map(|&i| secs[i]).collect(),
                date_only: *date_only,
            },
            ColumnData::Categorical { codes, dict } => ColumnData::Categorical {
                codes: indices.iter().map(|&i| codes[i]).collect(),
                dict: dict.clone(),
            },
            ColumnData::Text(v) => {
                ColumnData::Text(indices.iter().map(|&i| v[i].clone()).collect())
            }
        };
        Column::new(self.name.clone(), data, valid)
    }
}

/// Prints a float the shortest way that reads back to the same value, and
/// whole numbers without a trailing `.0` (`2.0` -> `2`), as clinical CSVs do.
pub fn format_float(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// A table: equally long named columns. Column names are unique and non-empty
/// (readers enforce this and report the offending header).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    columns: Vec<Column>,
    n_rows: usize,
}

impl Table {
    /// Builds a table. Returns an error message when lengths differ or names
    /// repeat, so callers can attach file context.
    pub fn new(columns: Vec<Column>) -> Result<Self, String> {
        let n_rows = columns.first().map_or(0, Column::len);
        let mut seen = std::collections::HashSet::new();
        for c in &columns {
            if c.len() != n_rows {
                return Err(format!(
                    "column '{}' has {} rows, expected {}",
                    c.name,
                    c.len(),
                    n_rows
                ));
            }
            if c.name.is_empty() {
                return Err("a column has an empty name".to_string());
            }
            if !seen.insert(c.name.as_str()) {
                return Err(format!("column name '{}' appears more than once", c.name));
            }
        }
        Ok(Table { columns, n_rows })
    }

    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    pub fn n_cols(&self) -> usize {
        self.columns.len()
    }

    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    pub fn columns_mut(&mut self) -> &mut [Column] {
        &mut self.columns
    }

    pub fn into_columns(self) -> Vec<Column> {
        self.columns
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|c| c.name.as_str())
    }

    /// A new table holding the rows at `indices`, in that order.
    pub fn take_rows(&self, indices: &[usize]) -> Table {
        Table {
            columns: self.columns.iter().map(|c| c.take(indices)).collect(),
            n_rows: indices.len(),
        }
    }

    /// A new table without the named columns (unknown names are ignored).
    pub fn without_columns(&self, names: &[&str]) -> Table {
        Table {
            columns: self
                .columns
                .iter()
                .filter(|c| !names.contains(&c.name.as_str()))
                .cloned()
                .collect(),
            n_rows: self.n_rows,
        }
    }

    /// Replaces the column with the same name, or appends it.
    pub fn set_column(&mut self, column: Column) -> Result<(), String> {
        if column.len() != self.n_rows && !self.columns.is_empty() {
            return Err(format!(
                "column '{}' has {} rows, expected {}",
                column.name,
                column.len(),
                self.n_rows
            ));
        }
        if self.columns.is_empty() {
            self.n_rows = column.len();
        }
        match self.column_index(&column.name) {
            Some(i) => self.columns[i] = column,
            None => self.columns.push(column),
        }
        Ok(())
    }
}
