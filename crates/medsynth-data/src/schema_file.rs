//! Loading and saving `schema.json`.
//!
//! Our own format is `{"columns": [{"name": ..., "kind": ..., ...}]}` in
//! table order. `load` also accepts SDV metadata (single-table
//! `{"columns": {name: {"sdtype": ...}}}` or the multi-table form with one
//! table) so that teams coming from SDV can reuse what they have; SDV
//! metadata has no bounds or categories, so [`Schema::load_with_data`]
//! fills those from the data. Unknown fields are errors, not silently
//! ignored: a misspelt `"domian": "public"` must not quietly cost privacy
//! budget.

use std::path::Path;

use serde_json::Value as Json;

use crate::error::{DataError, Location, Result};
use crate::infer::{InferOptions, infer_column};
use crate::io::write_atomically;
use crate::schema::{ColumnSchema, Kind, Schema};
use crate::table::Table;

/// Fields a column of our format may have.
pub const COLUMN_FIELDS: &[&str] = &[
    "name",
    "kind",
    "role",
    "min",
    "max",
    "categories",
    "domain",
    "missing_share",
    "decimals",
    "identifier",
    "action",
];

impl Schema {
    /// Reads a schema file (ours or SDV metadata). Bounds and categories
    /// absent from the file stay `None`; see [`Schema::load_with_data`].
    pub fn load(path: &Path) -> Result<Schema> {
        let json = read_json(path)?;
        let schema = if crate::sdv::is_sdv_metadata(&json) {
            crate::sdv::parse_sdv_metadata(&json, path)?
        } else {
            parse_native(&json, path)?
        };
        crate::validate::check_schema(&schema, path)?;
        Ok(schema)
    }

    /// Reads a schema file and completes it from `table`: columns without
    /// bounds or categories get those read off the data (marked `domain:
    /// data`); everything the file states is kept as stated.
    pub fn load_with_data(path: &Path, table: &Table) -> Result<Schema> {
        let mut schema = Schema::load(path)?;
        schema.fill_from_data(table);
        Ok(schema)
    }

    /// Fills missing bounds, categories, decimals and missing shares from
    /// the data (see [`Schema::load_with_data`]). Columns absent from the
    /// table are left alone (validation reports them).
    pub fn fill_from_data(&mut self, table: &Table) {
        let opts = InferOptions::default();
        for cs in &mut self.columns {
            let Some(col) = table.column(&cs.name) else {
                continue;
            };
            let inferred = infer_column(col, &opts, &mut Vec::new());
            cs.missing_share = inferred.missing_share;
            if cs.kind.is_numeric() {
                let num = numeric_bounds(col);
                if cs.min.is_none() {
                    cs.min = num.map(|b| b.0);
                }
                if cs.max.is_none() {
                    cs.max = num.map(|b| b.1);
                }
                if cs.decimals.is_none() && cs.kind == Kind::Continuous {
                    cs.decimals = inferred.decimals;
                }
            }
            if cs.kind.is_discrete() && cs.categories.is_none() {
                cs.categories = Some(crate::infer::categories_of(col));
            }
        }
    }

    /// Writes the schema as pretty JSON, atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        write_atomically(path, |w| {
            serde_json::to_writer_pretty(&mut *w, self).map_err(std::io::Error::other)?;
            w.write_all(b"\n")
        })
    }
}

fn numeric_bounds(col: &crate::table::Column) -> Option<(f64, f64)> {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for i in 0..col.len() {
        if let Some(x) = col.get(i).as_f64() {
            lo = lo.min(x);
            hi = hi.max(x);
        }
    }
    (lo <= hi).then_some((lo, hi))
}

pub(crate) fn read_json(path: &Path) -> Result<Json> {
    let text = std::fs::read_to_string(path).map_err(|e| DataError::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| {
        DataError::invalid(
            Location::file(path),
            format!(
                "not valid JSON (line {}, column {}): {e}",
                e.line(),
                e.column()
            ),
        )
    })
}

fn parse_native(json: &Json, path: &Path) -> Result<Schema> {
    let loc = || Location::file(path);
    let obj = json.as_object().ok_or_else(|| {
        DataError::invalid(loc(), "expected a JSON object with a \"columns\" list")
    })?;
    if let Some(k) = obj.keys().find(|k| k.as_str() != "columns") {
        return Err(DataError::invalid(
            loc(),
            format!("unknown top-level field '{k}' (expected only \"columns\")"),
        ));
    }
    let cols = obj.get("columns").and_then(Json::as_array).ok_or_else(|| {
        DataError::invalid(
            loc(),
            "expected \"columns\": [ {\"name\": ..., \"kind\": ...}, ... ]",
        )
    })?;
    let mut columns = Vec::with_capacity(cols.len());
    for (i, c) in cols.iter().enumerate() {
        let name = c.get("name").and_then(Json::as_str).map(str::to_string);
        let label = name.clone().unwrap_or_else(|| format!("#{}", i + 1));
        let cloc = || Location::file(path).with_column(label.clone());
        let fields = c.as_object().ok_or_else(|| {
            DataError::invalid(cloc(), "each entry of \"columns\" must be an object")
        })?;
        if name.is_none() {
            return Err(DataError::invalid(
                cloc(),
                "column entry has no \"name\" string",
            ));
        }
        if let Some(k) = fields.keys().find(|k| !COLUMN_FIELDS.contains(&k.as_str())) {
            return Err(DataError::invalid(
                cloc(),
                format!(
                    "unknown field '{k}'; the fields are {}",
                    COLUMN_FIELDS.join(", ")
                ),
            ));
        }
        let cs: ColumnSchema = serde_json::from_value(c.clone())
            .map_err(|e| DataError::invalid(cloc(), e.to_string()))?;
        columns.push(cs);
    }
    Ok(Schema { columns })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::DomainSource;
    use crate::table::Column;

    #[test]
    fn save_load_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("schema.json");
        let mut age = ColumnSchema::new("age", Kind::Integer);
        age.min = Some(0.0);
        age.max = Some(120.0);
        age.domain = DomainSource::Public;
        let s = Schema {
            columns: vec![age, ColumnSchema::new("sex", Kind::Categorical)],
        };
        s.save(&p).unwrap();
        assert_eq!(Schema::load(&p).unwrap(), s);
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains("\"kind\": \"integer\""), "{text}");
    }

    #[test]
    fn unknown_field_and_wrong_kind_name_the_column() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("schema.json");
        std::fs::write(
            &p,
            r#"{"columns":[{"name":"age","kind":"integer","domian":"public"}]}"#,
        )
        .unwrap();
        let e = Schema::load(&p).unwrap_err().to_string();
        assert!(
            e.contains("schema.json") && e.contains("'age'") && e.contains("domian"),
            "{e}"
        );
        std::fs::write(&p, r#"{"columns":[{"name":"age","kind":"numeric"}]}"#).unwrap();
        let e = Schema::load(&p).unwrap_err().to_string();
        assert!(
            e.contains("'age'") && e.contains("numeric") && e.contains("continuous"),
            "{e}"
        );
    }

    #[test]
    fn load_with_data_fills_only_what_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("schema.json");
        std::fs::write(
            &p,
            r#"{"columns":[{"name":"age","kind":"integer","min":0,"domain":"public"},{"name":"cp","kind":"categorical"}]}"#,
        )
        .unwrap();
        let t = Table::new(vec![
            Column::from_i64("age", &[Some(30), Some(70)]),
            Column::from_i64("cp", &[Some(4), Some(1)]),
        ])
        .unwrap();
        let s = Schema::load_with_data(&p, &t).unwrap();
        let age = s.column("age").unwrap();
        assert_eq!(
            (age.min, age.max, age.domain),
            (Some(0.0), Some(70.0), DomainSource::Public)
        );
        assert_eq!(
            s.column("cp").unwrap().categories.as_deref(),
            Some(&["1".to_string(), "4".to_string()][..])
        );
    }
}
