//! `medsynth inspect`: a first look at a table: what each column is, how
//! much is missing, and which columns are direct identifiers.

use std::path::PathBuf;

use anyhow::Result;
use medsynth_data::infer::{self, InferOptions};
use medsynth_data::{ColumnSchema, Kind, Table};
use serde::Serialize;

use crate::cmd::common;
use crate::ctx::Ctx;

/// Show each column's kind, missing share, distinct count, an example value
/// (masked for identifiers) and the suggested action for identifiers.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  medsynth inspect patients.csv\n  medsynth inspect extract.parquet --json > columns.json"
)]
pub struct InspectArgs {
    /// The table to inspect (.csv, .tsv or .parquet).
    pub data: PathBuf,
    /// Print the table as JSON on stdout instead of a text table.
    #[arg(long)]
    pub json: bool,
}

/// One line of the inspection table.
#[derive(Debug, Serialize)]
pub struct ColumnSummary {
    pub column: String,
    pub kind: String,
    pub missing_pct: f64,
    pub distinct: usize,
    pub example: String,
    pub identifier: bool,
    pub identifier_type: Option<String>,
    pub suggested_action: Option<String>,
}

pub fn run(args: &InspectArgs, ctx: &Ctx) -> Result<()> {
    let table = common::read_table(ctx, &args.data, None)?;
    let report = infer::infer(&table, &InferOptions::default());
    let rows = summarise(&table, &report.schema.columns);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        println!(
            "{}: {} rows x {} columns\n",
            args.data.display(),
            table.n_rows(),
            table.n_cols()
        );
        print!("{}", render(&rows));
        let flagged = rows.iter().filter(|r| r.identifier).count();
        println!(
            "\n{flagged} column(s) flagged as direct identifiers. Write a schema with \
             `medsynth schema {} -o schema.json`, review the actions, then run `medsynth mask`.",
            args.data.display()
        );
    }
    for w in &report.warnings {
        ctx.warn(w);
    }
    Ok(())
}

/// Builds the summary lines from a table and its (inferred) column schemas.
pub fn summarise(table: &Table, schema: &[ColumnSchema]) -> Vec<ColumnSummary> {
    table
        .columns()
        .iter()
        .zip(schema)
        .map(|(col, cs)| {
            let identifier = matches!(cs.kind, Kind::Identifier | Kind::Text);
            let example = (0..col.len())
                .find_map(|i| col.label(i))
                .map(|v| {
                    if identifier {
                        mask_example(&v)
                    } else {
                        truncate(&v, 24)
                    }
                })
                .unwrap_or_else(|| "(all missing)".to_string());
            let n = col.len().max(1) as f64;
            ColumnSummary {
                column: col.name.clone(),
                kind: cs.kind.as_str().to_string(),
                missing_pct: 100.0 * col.missing_count() as f64 / n,
                distinct: infer::distinct_count(col),
                example,
                identifier,
                identifier_type: cs.identifier.map(|t| common::enum_name(&t)),
                suggested_action: cs.action.map(|a| common::enum_name(&a)),
            }
        })
        .collect()
}

/// Hides an identifier's value but keeps its shape: letters become `x`
/// (the first of each word kept), digits `#`.
pub fn mask_example(value: &str) -> String {
    let mut out = String::new();
    let mut word_start = true;
    for ch in value.chars().take(24) {
        if ch.is_alphabetic() {
            out.push(if word_start { ch } else { 'x' });
            word_start = false;
        } else {
            out.push(if ch.is_ascii_digit() { '#' } else { ch });
            word_start = !ch.is_alphanumeric();
        }
    }
    if value.chars().count() > 24 {
        out.push('…');
    }
    out
}

fn truncate(value: &str, max: usize) -> String {
    if value.chars().count() <= max {
        value.to_string()
    } else {
        let mut s: String = value.chars().take(max - 1).collect();
        s.push('…');
        s
    }
}

/// Renders the summary as an aligned text table.
fn render(rows: &[ColumnSummary]) -> String {
    let header = [
        "column",
        "kind",
        "missing",
        "distinct",
        "example",
        "identifier",
        "suggested action",
    ];
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            [
                r.column.clone(),
                r.kind.clone(),
                format!("{:.1}%", r.missing_pct),
                r.distinct.to_string(),
                r.example.clone(),
                match (&r.identifier, &r.identifier_type) {
                    (true, Some(t)) => format!("yes ({t})"),
                    (true, None) => "yes".to_string(),
                    _ => "-".to_string(),
                },
                r.suggested_action
                    .clone()
                    .unwrap_or_else(|| "-".to_string()),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, items: &[String]| {
        for (i, (item, w)) in items.iter().zip(widths).enumerate() {
            let pad = w - item.chars().count();
            out.push_str(item);
            if i + 1 < items.len() {
                out.push_str(&" ".repeat(pad + 2));
            }
        }
        out.push('\n');
    };
    line(&mut out, &header.map(str::to_string));
    line(&mut out, &widths.map(|w| "-".repeat(w)));
    for row in &cells {
        line(&mut out, row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_examples_keep_shape_but_not_content() {
        assert_eq!(mask_example("Jane Smith"), "Jxxx Sxxxx");
        assert_eq!(mask_example("MRN0012345"), "Mxx#######");
        assert_eq!(mask_example("jane.doe@example.org"), "jxxx.dxx@exxxxxx.oxx");
        assert!(!mask_example("555-0123").contains('5'));
    }
}
