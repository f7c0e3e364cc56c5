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
    /// Infer a schema.json, or check an edited one against the data.
    Schema(cmd::schema::SchemaArgs),
    /// Drop, pseudonymize, generalize or fake direct identifiers.
    Mask(cmd::mask::MaskArgs),
    /// Run the whole pipeline on built-in data, ending in a report.
    Demo(cmd::demo::DemoArgs),
    // [commands:model] (fit, sample, bench)
    /// Fit a synthesizer (ctgan, copula, marginals) and save it as a model directory.
    Fit(cmd::fit::FitArgs),
    /// Draw synthetic rows from a model directory.
    Sample(cmd::sample::SampleArgs),
    // [commands:eval] (split, evaluate, compare)
    /// Split a real table into train and holdout parts (stratified, seeded).
    Split(cmd::split::SplitArgs),
    /// Score synthetic rows: fidelity, utility, privacy attacks, fairness; writes metrics.json and report.html.
    Evaluate(cmd::evaluate::EvaluateArgs),
    /// Drift report between two real extracts (JSON + HTML).
    Compare(cmd::compare::CompareArgs),
    // [commands:federated]
    /// Train one generator across sites that share only parameters: simulate, or run one site's round for Flower.
    Federate(cmd::federate::FederateArgs),
    // [commands:audit]
    /// Empirical DP audit: fit many times with and without a canary row and bound ε from below.
    Audit(cmd::audit::AuditArgs),
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
    if matches!(cli.command, Command::Sample(_)) && std::env::var_os("MATMUL_NUM_THREADS").is_none()
    {
        // Sampling spreads row chunks over the cores itself; GEMM threads on
        // top of that only spin (diabetes130, 1M rows: 20.6 s → 17.7 s).
        // SAFETY: no other thread exists yet (argument parsing is
        // single-threaded), so nothing can read the environment concurrently.
        unsafe { std::env::set_var("MATMUL_NUM_THREADS", "1") };
    }
    if let Command::Fit(a) = &cli.command
        && std::env::var_os("MATMUL_NUM_THREADS").is_none()
        && is_small_text_table(&a.data)
    {
        // Small tables train with batches of 50 rows: GEMMs that small gain
        // nothing from a second thread and pay for the hand-off (heart, 303
        // rows: 8.4 s → 7.5 s single-threaded, identical model bytes).
        // SAFETY: as above, no other thread exists yet.
        unsafe { std::env::set_var("MATMUL_NUM_THREADS", "1") };
    }
    let ctx = Ctx::new(cli.global.seed, cli.global.quiet, cli.global.log_format);
    let result = match &cli.command {
        // [dispatch:data]
        Command::Simulate(a) => cmd::simulate::run(a, &ctx),
        Command::Inspect(a) => cmd::inspect::run(a, &ctx),
        Command::Schema(a) => cmd::schema::run(a, &ctx),
        Command::Mask(a) => cmd::mask::run(a, &ctx),
        Command::Demo(a) => cmd::demo::run(a, &ctx),
        // [dispatch:model]
        Command::Fit(a) => cmd::fit::run(a, &ctx),
        Command::Sample(a) => cmd::sample::run(a, &ctx),
        // [dispatch:eval]
        Command::Split(a) => cmd::split::run(a, &ctx),
        Command::Evaluate(a) => cmd::evaluate::run(a, &ctx),
        Command::Compare(a) => cmd::compare::run(a, &ctx),
        // [dispatch:federated]
        Command::Federate(a) => cmd::federate::run(a, &ctx),
        // [dispatch:audit]
        Command::Audit(a) => cmd::audit::run(a, &ctx),
    };
    exit::report(&ctx, result)
}

/// Whether `path` is a CSV/TSV file of at most a header and
/// `CtganConfig::SMALL_TABLE_ROWS` rows (where `for_rows` picks small batches).
/// Files over 1 MiB are not counted; errors count as "not small" (`fit`
/// reports them itself).
fn is_small_text_table(path: &std::path::Path) -> bool {
    let text = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("csv") || e.eq_ignore_ascii_case("tsv"));
    let small = std::fs::metadata(path).is_ok_and(|m| m.len() <= 1 << 20);
    text && small
        && std::fs::read(path).is_ok_and(|b| {
            b.iter().filter(|&&c| c == b'\n').count()
                <= medsynth_model::CtganConfig::SMALL_TABLE_ROWS + 1
        })
}
