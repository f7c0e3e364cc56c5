//! Times one CTGAN training step (critic step with gradient penalty +
//! generator step) at CTGAN's default architecture: generator 256-256, critic
//! 256-256, batch 500, pac 10, noise 128, data_dim 140 (10 numeric columns of
//! tanh + 10 modes, three discrete columns of 10/12/8 categories), cond_dim 30.
//!
//! Run: `cargo run --release -p medsynth-nn --example bench_step -- [threads] [steps] [gp_lambda] [mode]`
//! (`threads` = GanConfig::threads, 0 = all cores; `mode` = `pac10` (default),
//! `pac1`, or `dp`: pac 1 with the DP-SGD critic step, clip 1, no noise —
//! the noise is the privacy crate's and costs one normal draw per parameter). Prints the median and
//! quartiles over `steps` (default 200) after 10 warm-up steps, then the time
//! to generate 100,000 rows.

use std::time::Instant;

use medsynth_nn::{CondColumn, Gan, GanConfig, Matrix, OutputSpan, SpanActivation};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let threads: usize = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(0);
    let steps: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(200);
    let gp_lambda: f32 = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(10.0);
    let mode = args.get(4).map_or("pac10", String::as_str);
    let pac = match mode {
        "pac10" => 10,
        "pac1" | "dp" => 1,
        other => return Err(format!("mode must be pac10, pac1 or dp, got {other}").into()),
    };

    let mut outputs = Vec::new();
    let mut start = 0;
    for _ in 0..10 {
        outputs.push(OutputSpan {
            start,
            width: 1,
            activation: SpanActivation::Tanh,
        });
        outputs.push(OutputSpan {
            start: start + 1,
            width: 10,
            activation: SpanActivation::Softmax,
        });
        start += 11;
    }
    let mut cond_columns = Vec::new();
    let mut cond_start = 0;
    for w in [10, 12, 8] {
        outputs.push(OutputSpan {
            start,
            width: w,
            activation: SpanActivation::Softmax,
        });
        cond_columns.push(CondColumn {
            output_start: start,
            cond_start,
            width: w,
        });
        start += w;
        cond_start += w;
    }
    let (data_dim, cond_dim, batch) = (start, cond_start, 500);
    let config = GanConfig {
        threads,
        gp_lambda,
        pac,
        ..GanConfig::ctgan(data_dim, cond_dim, outputs, cond_columns.clone())
    };
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut gan = Gan::new(config, &mut rng)?;

    let mut real = Matrix::zeros(batch, data_dim);
    for v in &mut real.data {
        *v = rng.random::<f32>();
    }
    let mut cond = Matrix::zeros(batch, cond_dim);
    let mut selected = Vec::with_capacity(batch);
    for i in 0..batch {
        let c = i % cond_columns.len();
        let col = cond_columns[c];
        cond.row_mut(i)[col.cond_start + rng.random_range(0..col.width)] = 1.0;
        selected.push(Some(c));
    }

    let mut times = Vec::with_capacity(steps);
    for i in 0..steps + 10 {
        let t = Instant::now();
        if mode == "dp" {
            gan.critic_step_dp(&real, &cond, &cond, 1.0, &mut |_| {}, &mut rng)?;
        } else {
            gan.critic_step(&real, &cond, &cond, &mut rng)?;
        }
        gan.generator_step(&cond, &selected, &mut rng)?;
        if i >= 10 {
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    times.sort_by(f64::total_cmp);
    let q = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
    println!(
        "medsynth-nn step ({mode}: critic+GP λ={gp_lambda} + generator), data_dim {data_dim}, cond_dim {cond_dim}, batch {batch}, threads {threads}, MATMUL_NUM_THREADS={}: median {:.2} ms (p25 {:.2}, p75 {:.2}) over {steps} steps",
        std::env::var("MATMUL_NUM_THREADS").unwrap_or_else(|_| "unset".into()),
        q(0.5),
        q(0.25),
        q(0.75)
    );
    // Sampling throughput: 100,000 rows (the peers' "sample 100k" figure).
    let n = 100_000;
    let mut cond_big = Matrix::zeros(n, cond_dim);
    for i in 0..n {
        let col = cond_columns[i % cond_columns.len()];
        cond_big.row_mut(i)[col.cond_start + i % col.width] = 1.0;
    }
    let t = Instant::now();
    let out = gan.generate(&cond_big, &mut rng)?;
    println!(
        "generate {} rows × {}: {:.3} s",
        out.rows,
        out.cols,
        t.elapsed().as_secs_f64()
    );
    Ok(())
}
