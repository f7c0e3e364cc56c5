//! Checks that a schema fits the data before anything is fitted, so that a
//! typo in `schema.json` surfaces as a clear message naming the file, the
//! column and the first offending rows, not as a confusing failure deep in
//! training. What the user declared is honoured: any column may be
//! declared categorical or identifier; only impossible combinations
//! (continuous on text, values outside declared categories or public
//! bounds) are refused.

use std::collections::HashSet;
use std::path::Path;

use crate::error::{DataError, Location, Result};
use crate::schema::{ColumnSchema, DomainSource, Kind, MaskAction, Schema};
use crate::table::{Column, ColumnData, Table, Value};

/// How many offending rows an error lists.
const EXAMPLES: usize = 5;

/// Checks the schema on its own: unique, non-empty names; `min <= max`;
/// finite bounds; no repeated categories.
pub fn check_schema(schema: &Schema, schema_path: &Path) -> Result<()> {
    let mut seen = HashSet::new();
    for cs in &schema.columns {
        let loc = || Location::file(schema_path).with_column(cs.name.clone());
        if cs.name.trim().is_empty() {
            return Err(DataError::invalid(
                Location::file(schema_path),
                "a column has an empty name",
            ));
        }
        if !seen.insert(cs.name.as_str()) {
            return Err(DataError::invalid(
                loc(),
                "column appears more than once in the schema",
            ));
        }
        for (what, b) in [("min", cs.min), ("max", cs.max)] {
            if b.is_some_and(|x| !x.is_finite()) {
                return Err(DataError::invalid(
                    loc(),
                    format!("{what} must be a finite number"),
                ));
            }
        }
        if let (Some(lo), Some(hi)) = (cs.min, cs.max)
            && lo > hi
        {
            return Err(DataError::invalid(
                loc(),
                format!("min ({lo}) is greater than max ({hi})"),
            ));
        }
        if let Some(cats) = &cs.categories {
            let mut s = HashSet::new();
            if let Some(d) = cats.iter().find(|c| !s.insert(c.as_str())) {
                return Err(DataError::invalid(
                    loc(),
                    format!("category '{d}' is listed twice"),
                ));
            }
        }
        if !(0.0..=1.0).contains(&cs.missing_share) {
            return Err(DataError::invalid(
                loc(),
                "missing_share must be between 0 and 1",
            ));
        }
    }
    Ok(())
}

/// Checks that `schema` (read from `schema_path`) fits `table` (read from
/// `data_path`).
pub fn validate(
    schema: &Schema,
    table: &Table,
    schema_path: &Path,
    data_path: &Path,
) -> Result<()> {
    check_schema(schema, schema_path)?;
    // Masking removes `fake` and `drop` columns from the table but keeps
    // `fake` ones in the schema so that sampling can regenerate them: their
    // absence is expected, not an error.
    let absent: Vec<&str> = schema
        .columns
        .iter()
        .filter(|c| !matches!(c.action, Some(MaskAction::Fake | MaskAction::Drop)))
        .map(|c| c.name.as_str())
        .filter(|n| table.column(n).is_none())
        .collect();
    if !absent.is_empty() {
        return Err(DataError::invalid(
            Location::file(schema_path),
            format!(
                "column(s) {} are in the schema but not in {}",
                quote_list(&absent),
                data_path.display()
            ),
        ));
    }
    let extra: Vec<&str> = table
        .names()
        .filter(|n| schema.column(n).is_none())
        .collect();
    if !extra.is_empty() {
        return Err(DataError::invalid(
            Location::file(data_path),
            format!(
                "column(s) {} are in the data but not in {}; add them (e.g. with kind \"identifier\" and action \"drop\" to leave them out)",
                quote_list(&extra),
                schema_path.display()
            ),
        ));
    }
    for cs in &schema.columns {
        if let Some(col) = table.column(&cs.name) {
            check_column(cs, col, schema_path, data_path)?;
        }
    }
    Ok(())
}

fn quote_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Lists the first offending rows as "row 3 'abc', row 9 'x'".
fn offenders<'a>(col: &'a Column, bad: impl Fn(Value<'a>) -> bool) -> (usize, String) {
    let mut count = 0;
    let mut list = Vec::new();
    for i in 0..col.len() {
        let v = col.get(i);
        if !v.is_missing() && bad(v) {
            count += 1;
            if list.len() < EXAMPLES {
                list.push(format!(
                    "row {} '{}'",
                    i + 1,
                    col.label(i).unwrap_or_default()
                ));
            }
        }
    }
    (count, list.join(", "))
}

fn check_column(
    cs: &ColumnSchema,
    col: &Column,
    schema_path: &Path,
    data_path: &Path,
) -> Result<()> {
    let loc = || Location::file(data_path).with_column(cs.name.clone());
    let fail = |count: usize, list: String, what: String| {
        Err(DataError::invalid(
            loc(),
            format!(
                "{count} cell(s) {what} (declared in {}): {list}",
                schema_path.display()
            ),
        ))
    };
    let text_stored = matches!(
        col.data,
        ColumnData::Categorical { .. } | ColumnData::Text(_)
    );
    match cs.kind {
        Kind::Continuous | Kind::Integer if text_stored => {
            let (n, list) = offenders(
                col,
                |v| matches!(v, Value::Str(s) if s.trim().parse::<f64>().is_err()),
            );
            let (n, list) = if n == 0 {
                offenders(col, |_| true)
            } else {
                (n, list)
            };
            return fail(
                n,
                list,
                format!("hold text, which kind '{}' cannot model", cs.kind.as_str()),
            );
        }
        Kind::Continuous | Kind::Integer if matches!(col.data, ColumnData::DateTime { .. }) => {
            return Err(DataError::invalid(
                loc(),
                format!(
                    "the column holds dates; declare kind 'datetime' instead of '{}' in {}",
                    cs.kind.as_str(),
                    schema_path.display()
                ),
            ));
        }
        Kind::Integer => {
            let (n, list) = offenders(col, |v| matches!(v, Value::Float(x) if x.fract() != 0.0));
            if n > 0 {
                return fail(
                    n,
                    list,
                    "are not whole numbers, but the kind is 'integer' (use 'continuous')".into(),
                );
            }
        }
        Kind::Datetime if !matches!(col.data, ColumnData::DateTime { .. }) => {
            let (n, list) = offenders(col, |_| true);
            return fail(
                n.min(col.len()),
                list,
                "are not dates (YYYY-MM-DD[ HH:MM[:SS]]), but the kind is 'datetime'".into(),
            );
        }
        Kind::Boolean => {
            let labels = crate::infer::categories_of(col);
            if labels.len() > 2 {
                return Err(DataError::invalid(
                    loc(),
                    format!(
                        "kind 'boolean' needs at most two values, found {} ({}...); declare it categorical in {}",
                        labels.len(),
                        labels
                            .iter()
                            .take(5)
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", "),
                        schema_path.display()
                    ),
                ));
            }
        }
        _ => {}
    }
    if matches!(cs.kind, Kind::Categorical | Kind::Boolean)
        && let Some(cats) = &cs.categories
    {
        let set: HashSet<&str> = cats.iter().map(String::as_str).collect();
        let mut count = 0;
        let mut list = Vec::new();
        for i in 0..col.len() {
            if let Some(l) = col.label(i)
                && !set.contains(l.as_str())
            {
                count += 1;
                if list.len() < EXAMPLES {
                    list.push(format!("row {} '{l}'", i + 1));
                }
            }
        }
        if count > 0 {
            return fail(
                count,
                list.join(", "),
                "hold values outside the declared categories".into(),
            );
        }
    }
    if cs.kind.is_numeric() && cs.domain == DomainSource::Public {
        let lo = cs.min.unwrap_or(f64::NEG_INFINITY);
        let hi = cs.max.unwrap_or(f64::INFINITY);
        let (n, list) = offenders(col, |v| v.as_f64().is_some_and(|x| x < lo || x > hi));
        if n > 0 {
            return fail(
                n,
                list,
                format!("lie outside the declared public range [{lo}, {hi}]"),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> Table {
        Table::new(vec![
            Column::from_i64("age", &[Some(30), Some(130), None]),
            Column::from_strs("sex", &[Some("F"), Some("M"), Some("X")]),
        ])
        .unwrap()
    }

    fn s(cols: Vec<ColumnSchema>) -> Schema {
        Schema { columns: cols }
    }

    fn run(schema: &Schema) -> String {
        validate(
            schema,
            &t(),
            Path::new("schema.json"),
            Path::new("data.csv"),
        )
        .unwrap_err()
        .to_string()
    }

    #[test]
    fn names_absent_and_extra_columns() {
        let e = run(&s(vec![
            ColumnSchema::new("age", Kind::Integer),
            ColumnSchema::new("bmi", Kind::Continuous),
        ]));
        assert!(e.contains("'bmi'") && e.contains("not in data.csv"), "{e}");
        let e = run(&s(vec![ColumnSchema::new("age", Kind::Integer)]));
        assert!(
            e.contains("'sex'") && e.contains("not in schema.json"),
            "{e}"
        );
    }

    #[test]
    fn kind_impossible_for_text() {
        let e = run(&s(vec![
            ColumnSchema::new("age", Kind::Integer),
            ColumnSchema::new("sex", Kind::Continuous),
        ]));
        assert!(
            e.contains("column 'sex'") && e.contains("row 1 'F'") && e.contains("continuous"),
            "{e}"
        );
    }

    #[test]
    fn categories_and_public_bounds() {
        let mut sex = ColumnSchema::new("sex", Kind::Categorical);
        sex.categories = Some(vec!["F".into(), "M".into()]);
        let e = run(&s(vec![
            ColumnSchema::new("age", Kind::Integer),
            sex.clone(),
        ]));
        assert!(
            e.contains("row 3 'X'") && e.contains("outside the declared categories"),
            "{e}"
        );

        let mut age = ColumnSchema::new("age", Kind::Integer);
        age.min = Some(0.0);
        age.max = Some(120.0);
        sex.categories = None;
        // Data-derived bounds are not enforced; public ones are.
        assert!(
            validate(
                &s(vec![age.clone(), sex.clone()]),
                &t(),
                Path::new("s"),
                Path::new("d")
            )
            .is_ok()
        );
        age.domain = DomainSource::Public;
        let e = run(&s(vec![age, sex]));
        assert!(e.contains("row 2 '130'") && e.contains("[0, 120]"), "{e}");
    }

    #[test]
    fn schema_self_checks() {
        let mut age = ColumnSchema::new("age", Kind::Integer);
        age.min = Some(5.0);
        age.max = Some(1.0);
        let e = check_schema(&s(vec![age]), Path::new("schema.json"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("min (5) is greater than max (1)") && e.contains("'age'"),
            "{e}"
        );
        let e = check_schema(
            &s(vec![
                ColumnSchema::new("a", Kind::Integer),
                ColumnSchema::new("a", Kind::Text),
            ]),
            Path::new("schema.json"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("'a'") && e.contains("more than once"), "{e}");
    }

    #[test]
    fn overrides_are_honoured() {
        let mut age = ColumnSchema::new("age", Kind::Categorical);
        age.categories = Some(vec!["30".into(), "130".into()]);
        let sex = ColumnSchema::new("sex", Kind::Identifier);
        assert!(validate(&s(vec![age, sex]), &t(), Path::new("s"), Path::new("d")).is_ok());
    }
}
