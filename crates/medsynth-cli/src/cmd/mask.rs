//! `medsynth mask`: apply the identifier policy of a schema to a table.

use std::path::PathBuf;

use anyhow::{Context, Result};
use medsynth_data::io;
use medsynth_data::mask::{self, MaskOptions};

use crate::cmd::common;
use crate::ctx::Ctx;
use crate::exit::usage;

/// Drop, pseudonymize, generalize or fake the direct identifiers of a table,
/// following each column's `action` in the schema (inferred when no schema
/// is given, with the suggested actions shown by `medsynth inspect`).
///
/// Pseudonyms are HMAC-SHA256 with your secret, so the same value gets the
/// same pseudonym in every file masked with that secret. Pass the secret in a
/// file or the MEDSYNTH_SECRET environment variable, never on the command
/// line (other users can read command lines).
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  medsynth mask patients.csv --schema schema.json -o masked.csv --schema-out masked.schema.json\n  MEDSYNTH_SECRET=$(cat key.txt) medsynth mask extract.parquet -o masked.parquet"
)]
pub struct MaskArgs {
    /// The table to mask.
    pub data: PathBuf,
    /// The schema with one `action` per identifier column (inferred if absent).
    #[arg(long)]
    pub schema: Option<PathBuf>,
    /// The masked table (.csv or .parquet).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Where to write the schema of the masked table (default: next to the output, `<output>.schema.json`).
    #[arg(long)]
    pub schema_out: Option<PathBuf>,
    /// File holding the pseudonymization secret (at least 16 bytes).
    #[arg(long)]
    pub secret_file: Option<PathBuf>,
    /// Characters of a postcode that survive generalization.
    #[arg(long, default_value_t = 3)]
    pub postcode_prefix: usize,
}

pub fn run(args: &MaskArgs, ctx: &Ctx) -> Result<()> {
    let (table, schema) = common::read_with_schema(ctx, &args.data, args.schema.as_deref())?;
    let secret = match &args.secret_file {
        Some(p) => Some(
            std::fs::read(p)
                .map(trim_newline)
                .map_err(|e| medsynth_data::DataError::io(p, e))
                .context("reading the secret file")?,
        ),
        None => std::env::var("MEDSYNTH_SECRET")
            .ok()
            .map(String::into_bytes),
    };
    if args.output == args.data {
        usage!(
            "-o {} would overwrite the input; choose another output file",
            args.output.display()
        );
    }
    let opts = MaskOptions {
        secret,
        postcode_prefix: args.postcode_prefix,
        ..MaskOptions::default()
    };
    let outcome = mask::mask_table(&table, &schema, &opts)
        .with_context(|| format!("masking {}", args.data.display()))?;
    let schema_out = args.schema_out.clone().unwrap_or_else(|| {
        let mut p = args.output.clone().into_os_string();
        p.push(".schema.json");
        PathBuf::from(p)
    });
    io::write_table(&outcome.table, &args.output)?;
    outcome.schema.save(&schema_out)?;
    for line in &outcome.report {
        ctx.info(format!(
            "  {:<20} {:<13} {}",
            line.column,
            common::enum_name(&line.action),
            line.detail
        ));
        ctx.event("masked", serde_json::to_value(line)?);
    }
    if outcome.report.is_empty() {
        ctx.info("no identifier columns to mask");
    }
    ctx.wrote("masked table", &args.output);
    ctx.wrote("masked schema", &schema_out);
    Ok(())
}

/// Secrets in files usually end with a newline that is not part of the key.
fn trim_newline(mut bytes: Vec<u8>) -> Vec<u8> {
    while matches!(bytes.last(), Some(b'\n' | b'\r')) {
        bytes.pop();
    }
    bytes
}
