//! Steps several subcommands share: reading a table with a progress bar,
//! and getting a schema (the user's file, validated, or an inferred one).

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result};
use medsynth_data::io::{self, ReadOptions};
use medsynth_data::{Kind, Schema, Table, infer, validate};

use crate::ctx::Ctx;

/// Files larger than this get a progress bar while they are read.
const PROGRESS_BAR_BYTES: u64 = 8 << 20;

/// Reads a CSV or Parquet table. When a schema is known, its categorical,
/// identifier and text columns are read as strings, so that a declared kind
/// always wins over what the cells look like.
pub fn read_table(ctx: &Ctx, path: &Path, schema: Option<&Schema>) -> Result<Table> {
    let mut opts = ReadOptions::default();
    if let Some(schema) = schema {
        opts.string_columns = schema
            .columns
            .iter()
            .filter(|c| matches!(c.kind, Kind::Categorical | Kind::Identifier | Kind::Text))
            .map(|c| c.name.clone())
            .collect();
    }
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let bar = (size > PROGRESS_BAR_BYTES).then(|| ctx.byte_progress(size, "reading"));
    if let Some(bar) = &bar {
        let bar = bar.clone();
        opts.progress = Some(Arc::new(move |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        }));
    }
    let table = io::read_table(path, &opts);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let table = table?;
    ctx.event(
        "read",
        serde_json::json!({"path": path, "rows": table.n_rows(), "columns": table.n_cols()}),
    );
    Ok(table)
}

/// Reads the table and its schema: the user's `schema.json` (or SDV metadata)
/// validated against the data, or, without one, an inferred schema whose
/// warnings are shown.
pub fn read_with_schema(
    ctx: &Ctx,
    data: &Path,
    schema_path: Option<&Path>,
) -> Result<(Table, Schema)> {
    match schema_path {
        Some(sp) => {
            let schema =
                Schema::load(sp).with_context(|| format!("reading schema {}", sp.display()))?;
            let table = read_table(ctx, data, Some(&schema))?;
            let mut schema = schema;
            schema.fill_from_data(&table);
            validate::validate(&schema, &table, sp, data)?;
            Ok((table, schema))
        }
        None => {
            let table = read_table(ctx, data, None)?;
            let report = infer::infer(&table, &infer::InferOptions::default());
            for w in &report.warnings {
                ctx.warn(w);
            }
            Ok((table, report.schema))
        }
    }
}

/// The snake_case name serde gives an enum value (`birth_date`,
/// `pseudonymize`), so that text output uses the schema.json spelling.
pub fn enum_name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
