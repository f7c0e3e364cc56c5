//! The performance acceptance run: read a CSV, infer its schema, write it
//! as Parquet and read that back, printing the time of each step.
//!
//! ```text
//! cargo run --release -p medsynth-data --example roundtrip -- ../shared/data/diabetes130.csv
//! /usr/bin/time -v target/release/examples/roundtrip ../shared/data/diabetes130.csv
//! ```

use std::path::PathBuf;
use std::time::Instant;

use medsynth_data::io::{ReadOptions, read_table, write_table};
use medsynth_data::schema::{InferOptions, infer};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let input = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .ok_or("usage: roundtrip <table.csv> [out.parquet]")?;
    let out = std::env::args_os()
        .nth(2)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("medsynth-roundtrip.parquet"));

    let t0 = Instant::now();
    let table = read_table(&input, &ReadOptions::default())?;
    let t_read = t0.elapsed();

    let t1 = Instant::now();
    let report = infer(&table, &InferOptions::default());
    let t_infer = t1.elapsed();

    let t2 = Instant::now();
    write_table(&table, &out)?;
    let t_write = t2.elapsed();

    let t3 = Instant::now();
    let back = read_table(&out, &ReadOptions::default())?;
    let t_back = t3.elapsed();

    if back != table && back.n_rows() != table.n_rows() {
        return Err("round trip changed the row count".into());
    }
    println!(
        "rows {} cols {} warnings {}",
        table.n_rows(),
        table.n_cols(),
        report.warnings.len()
    );
    println!("read csv      {:>8.3} s", t_read.as_secs_f64());
    println!("infer         {:>8.3} s", t_infer.as_secs_f64());
    println!(
        "write parquet {:>8.3} s ({} bytes)",
        t_write.as_secs_f64(),
        std::fs::metadata(&out)?.len()
    );
    println!("read parquet  {:>8.3} s", t_back.as_secs_f64());
    println!("total         {:>8.3} s", t0.elapsed().as_secs_f64());
    Ok(())
}
