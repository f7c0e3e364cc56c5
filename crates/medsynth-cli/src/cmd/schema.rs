//! `medsynth schema`: infer a table's schema into an editable `schema.json`,
//! or check an edited one against the data.

use std::path::PathBuf;

use anyhow::Result;
use medsynth_data::infer::{self, InferOptions};
use medsynth_data::{Role, Schema, validate};

use crate::cmd::common;
use crate::ctx::Ctx;
use crate::exit::usage;

/// Infer a schema (kind, bounds or categories, missing share, role and
/// identifier policy per column) and write it as `schema.json`.
///
/// Every field can be edited by hand: change a `kind`, mark bounds as public
/// domain knowledge (`"domain": "public"`), pick a masking `action`. Check the
/// edited file against the data with `--check`. SDV single-table metadata is
/// accepted wherever a schema is.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  medsynth schema heart.csv -o schema.json --target num --sensitive sex\n  medsynth schema heart.csv --check schema.json"
)]
pub struct SchemaArgs {
    /// The table (.csv, .tsv or .parquet).
    pub data: PathBuf,
    /// Where to write the inferred schema.
    #[arg(short, long, required_unless_present = "check")]
    pub output: Option<PathBuf>,
    /// Mark this column as the outcome (used for utility checks).
    #[arg(long)]
    pub target: Option<String>,
    /// Mark these columns as sensitive attributes for fairness checks.
    #[arg(long, value_delimiter = ',')]
    pub sensitive: Vec<String>,
    /// Validate an existing schema.json (or SDV metadata) against the data instead.
    #[arg(long, conflicts_with = "output")]
    pub check: Option<PathBuf>,
}

pub fn run(args: &SchemaArgs, ctx: &Ctx) -> Result<()> {
    if let Some(schema_path) = &args.check {
        let schema = Schema::load(schema_path)?;
        let table = common::read_table(ctx, &args.data, Some(&schema))?;
        validate::validate(&schema, &table, schema_path, &args.data)?;
        ctx.info(format!(
            "{} fits {} ({} columns, {} rows)",
            schema_path.display(),
            args.data.display(),
            schema.columns.len(),
            table.n_rows()
        ));
        return Ok(());
    }
    let table = common::read_table(ctx, &args.data, None)?;
    let report = infer::infer(&table, &InferOptions::default());
    let mut schema = report.schema;
    for w in &report.warnings {
        ctx.warn(w);
    }
    if let Some(target) = &args.target {
        set_role(&mut schema, target, Role::Target, "--target")?;
    }
    for s in &args.sensitive {
        set_role(&mut schema, s, Role::Sensitive, "--sensitive")?;
    }
    let Some(output) = &args.output else {
        usage!("give -o schema.json to write the schema, or --check FILE to validate one");
    };
    schema.save(output)?;
    for c in &schema.columns {
        ctx.event("column", serde_json::to_value(c)?);
    }
    ctx.info(format!(
        "{} columns: {}",
        schema.columns.len(),
        schema
            .columns
            .iter()
            .map(|c| format!("{} ({})", c.name, c.kind.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    ctx.wrote("schema", output);
    Ok(())
}

/// Sets a column's role, with a usage error naming the flag when the column
/// does not exist.
pub fn set_role(schema: &mut Schema, column: &str, role: Role, flag: &str) -> Result<()> {
    let names: Vec<String> = schema.columns.iter().map(|c| c.name.clone()).collect();
    match schema.column_mut(column) {
        Some(c) => {
            c.role = role;
            Ok(())
        }
        None => usage!(
            "{flag} {column}: no such column; the columns are: {}",
            names.join(", ")
        ),
    }
}
