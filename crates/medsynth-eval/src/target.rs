//! How the target column is read as a label.
//!
//! Clinical outcomes are rarely stored the way a classifier wants them:
//! heart disease `num` holds a severity 0-4 while the question is "any
//! disease" (`num > 0`); adult `income` holds `<=50K`/`>50K`. A
//! [`TargetSpec`] names the column and, for a binary question, the labels
//! counted as the positive class, so the same file serves both readings.

use std::collections::HashMap;

use medsynth_data::{Kind, PhysicalType, Schema, Table};

use crate::error::EvalError;

/// Which column is the outcome and how to read it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TargetSpec {
    /// Name of the target column.
    pub column: String,
    /// Labels (as a CSV shows them) counted as the positive class; every
    /// other label is negative. Empty means "use the column as it is":
    /// multi-class for a discrete column, regression for a numeric one.
    #[serde(default)]
    pub positive: Vec<String>,
}

impl TargetSpec {
    /// A binary target: `positive` labels against all others.
    pub fn binary<S: Into<String>>(column: &str, positive: impl IntoIterator<Item = S>) -> Self {
        TargetSpec {
            column: column.to_string(),
            positive: positive.into_iter().map(Into::into).collect(),
        }
    }

    /// The column as it is (multi-class or numeric).
    pub fn raw(column: &str) -> Self {
        TargetSpec {
            column: column.to_string(),
            positive: Vec::new(),
        }
    }

    /// The column the schema marks with `role: target`, read as it is.
    pub fn from_schema(schema: &Schema) -> Option<Self> {
        schema.target().map(|c| TargetSpec::raw(&c.name))
    }
}

/// The target of several tables, decoded once.
#[derive(Debug, Clone, PartialEq)]
pub enum TargetValues {
    /// Class labels: `y[t][row]` indexes `classes`, `None` when missing.
    /// For a binary spec `classes` is `["negative", "positive"]`.
    Classes {
        classes: Vec<String>,
        y: Vec<Vec<Option<u32>>>,
    },
    /// A numeric outcome: `y[t][row]`, `NaN` when missing.
    Numeric { y: Vec<Vec<f64>> },
}

impl TargetValues {
    /// True for a two-class target.
    pub fn is_binary(&self) -> bool {
        matches!(self, TargetValues::Classes { classes, .. } if classes.len() == 2)
    }
}

/// Reads the target of every table (the first is the reference, usually the
/// real train set).
///
/// Errors (all user errors): the column is absent from a table; positive
/// labels are given but none occurs in the reference table (a typo such as
/// `>50k` for `>50K` would otherwise make every row negative); a numeric
/// column holds non-numbers.
pub fn read_target(
    tables: &[(&str, &Table)],
    schema: &Schema,
    spec: &TargetSpec,
) -> Result<TargetValues, EvalError> {
    let name = spec.column.as_str();
    let mut cols = Vec::with_capacity(tables.len());
    for (tname, t) in tables {
        match t.column(name) {
            Some(c) => cols.push(c),
            None => {
                return Err(EvalError::target(
                    name,
                    format!("column is absent from the {tname} table"),
                ));
            }
        }
    }
    let first = cols
        .first()
        .ok_or_else(|| EvalError::Invalid("no table given".into()))?;
    let kind = schema.column(name).map(|c| c.kind);
    if matches!(kind, Some(Kind::Identifier | Kind::Text | Kind::Datetime)) {
        return Err(EvalError::target(
            name,
            "an identifier, text or date column cannot be a target",
        ));
    }
    if !spec.positive.is_empty() {
        let mut y = Vec::with_capacity(cols.len());
        for c in &cols {
            y.push(
                (0..c.len())
                    .map(|r| c.label(r).map(|l| u32::from(spec.positive.contains(&l))))
                    .collect::<Vec<_>>(),
            );
        }
        if !y[0].contains(&Some(1)) {
            let mut seen: Vec<String> = (0..first.len()).filter_map(|r| first.label(r)).collect();
            seen.sort();
            seen.dedup();
            seen.truncate(10);
            return Err(EvalError::target(
                name,
                format!(
                    "none of the positive labels {:?} occurs in the {} table (values seen: {})",
                    spec.positive,
                    tables[0].0,
                    seen.join(", ")
                ),
            ));
        }
        return Ok(TargetValues::Classes {
            classes: vec!["negative".into(), "positive".into()],
            y,
        });
    }
    let numeric = match kind {
        Some(k) => k.is_numeric(),
        None => matches!(first.physical_type(), PhysicalType::Float),
    };
    if numeric {
        let mut y = Vec::with_capacity(cols.len());
        for ((tname, _), c) in tables.iter().zip(&cols) {
            let mut v = Vec::with_capacity(c.len());
            for r in 0..c.len() {
                let cell = c.get(r);
                let x = match cell.as_f64() {
                    Some(x) => x,
                    None if cell.is_missing() => f64::NAN,
                    None => {
                        let l = c.label(r).unwrap_or_default();
                        l.trim().parse::<f64>().map_err(|_| EvalError::BadCell {
                            table: tname.to_string(),
                            row: r + 1,
                            column: name.to_string(),
                            message: format!("'{l}' is not a number"),
                        })?
                    }
                };
                v.push(x);
            }
            y.push(v);
        }
        return Ok(TargetValues::Numeric { y });
    }
    let mut classes: Vec<String> = Vec::new();
    let mut index: HashMap<String, u32> = HashMap::new();
    let mut y = Vec::with_capacity(cols.len());
    for c in &cols {
        let mut v = Vec::with_capacity(c.len());
        for r in 0..c.len() {
            v.push(c.label(r).map(|l| {
                *index.entry(l.clone()).or_insert_with(|| {
                    classes.push(l);
                    (classes.len() - 1) as u32
                })
            }));
        }
        y.push(v);
    }
    Ok(TargetValues::Classes { classes, y })
}

/// Checks that table `t` has at least two classes among its labelled rows,
/// naming the table otherwise: a classifier cannot learn, and ROC AUC is
/// undefined, with one class.
pub(crate) fn require_two_classes(
    values: &TargetValues,
    t: usize,
    table: &str,
    column: &str,
) -> Result<(), EvalError> {
    match values {
        TargetValues::Classes { classes, y } => {
            let mut seen = vec![false; classes.len()];
            for c in y[t].iter().flatten() {
                seen[*c as usize] = true;
            }
            let present: Vec<&str> = seen
                .iter()
                .zip(classes)
                .filter(|(s, _)| **s)
                .map(|(_, c)| c.as_str())
                .collect();
            if present.len() < 2 {
                return Err(EvalError::target(
                    column,
                    format!(
                        "the {table} table has {} class(es) ({}); at least two are needed",
                        present.len(),
                        present.join(", ")
                    ),
                ));
            }
            Ok(())
        }
        TargetValues::Numeric { y } => {
            let n = y[t].iter().filter(|v| !v.is_nan()).count();
            if n < 2 {
                return Err(EvalError::target(
                    column,
                    format!("the {table} table has fewer than two labelled rows"),
                ));
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use medsynth_data::{Column, ColumnSchema};

    fn heart(nums: &[Option<i64>]) -> Table {
        Table::new(vec![Column::from_i64("num", nums)]).unwrap()
    }

    #[test]
    fn binary_reads_positive_labels() {
        let schema = Schema {
            columns: vec![ColumnSchema::new("num", Kind::Categorical)],
        };
        let t = heart(&[Some(0), Some(3), None, Some(1)]);
        let v = read_target(
            &[("train", &t)],
            &schema,
            &TargetSpec::binary("num", ["1", "2", "3", "4"]),
        )
        .unwrap();
        let TargetValues::Classes { y, .. } = &v else {
            panic!("classes")
        };
        assert_eq!(y[0], [Some(0), Some(1), None, Some(1)]);
        assert!(v.is_binary());
    }

    #[test]
    fn errors_for_typo_absent_and_single_class() {
        let schema = Schema {
            columns: vec![ColumnSchema::new("num", Kind::Categorical)],
        };
        let t = heart(&[Some(0), Some(0)]);
        let e =
            read_target(&[("train", &t)], &schema, &TargetSpec::binary("num", ["5"])).unwrap_err();
        assert!(e.to_string().contains("none of the positive labels"), "{e}");
        let other = Table::new(vec![Column::from_i64("x", &[Some(1)])]).unwrap();
        let e = read_target(
            &[("train", &t), ("synthetic", &other)],
            &schema,
            &TargetSpec::raw("num"),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "target 'num': column is absent from the synthetic table"
        );
        let v = read_target(&[("train", &t)], &schema, &TargetSpec::raw("num")).unwrap();
        let e = require_two_classes(&v, 0, "train", "num").unwrap_err();
        assert!(
            e.is_user_error() && e.to_string().contains("1 class(es) (0)"),
            "{e}"
        );
    }

    #[test]
    fn numeric_kind_gives_regression() {
        let schema = Schema {
            columns: vec![ColumnSchema::new("num", Kind::Integer)],
        };
        let t = heart(&[Some(0), None]);
        let v = read_target(&[("train", &t)], &schema, &TargetSpec::raw("num")).unwrap();
        let TargetValues::Numeric { y } = v else {
            panic!("numeric")
        };
        assert_eq!(y[0][0], 0.0);
        assert!(y[0][1].is_nan());
    }
}
