//! `medsynth`: turns a table of patient records into synthetic records that
//! are useful for research and safe to share.
//!
//! This binary only translates flags into calls of the library crates
//! (`medsynth-data`, `medsynth-model`, `medsynth-eval`, ...) and prints what
//! they did; all real work lives in those libraries.

mod cmd;
mod ctx;
mod exit;

use clap::{Parser, Subcommand};
use ctx::{Ctx, LogFormat};

/// Synthetic patient records that are useful for research and safe to share.
#[derive(Parser, Debug)]
#[command(
    name = "medsynth",
    version,
    about,
    long_about = "Synthetic patient records that are useful for research and safe to share.\n\n\
Typical flow: inspect a table, write and edit its schema, mask direct identifiers, \
fit a generative model, sample synthetic rows, evaluate them against held-out real rows.\n\
Run `medsynth demo` to see the whole pipeline on built-in data.",
    after_help = "Exit codes: 0 ok, 2 bad input or usage, 1 internal error."
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Flags every subcommand understands.
#[derive(clap::Args, Debug, Clone)]
struct GlobalArgs {
    /// Seed for every random choice except differential-privacy noise (which always comes from the OS).
    #[arg(long, global = true, default_value_t = 0)]
    seed: u64,
    /// Print nothing but errors.
    #[arg(long, short, global = true)]
    quiet: bool,
    /// `text` for people, `json` for scripts: one JSON object per line on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

#[derive(Subcommand, Debug)]
enum Command {
    // [commands:data] (the foundation: simulate, inspect, schema, mask, demo)
    /// Make the built-in rule-based cardiology cohort.
    Simulate(cmd::simulate::SimulateArgs),
    /// Show each column's kind, missing share and identifier flag.
    Inspect(cmd::inspect::InspectArgs),
    // [commands:model] (fit, sample, bench)
    // [commands:eval] (split, evaluate, compare)
}

fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version with exit 0 and usage errors with exit 2.
            let _ = e.print();
            return std::process::ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let ctx = Ctx::new(cli.global.seed, cli.global.quiet, cli.global.log_format);
    let result = match &cli.command {
        // [dispatch:data]
        Command::Simulate(a) => cmd::simulate::run(a, &ctx),
        Command::Inspect(a) => cmd::inspect::run(a, &ctx),
        // [dispatch:model]
        // [dispatch:eval]
    };
    exit::report(&ctx, result)
}
