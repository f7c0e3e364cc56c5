//! Times validation + FedAvg at CTGAN's default size (generator and critic
//! 256-256, adult-like widths) for K sites, and the Dirichlet split of a
//! 1,000,000-row label column.
//! Run: `cargo run --release -p medsynth-federated --example fedavg_bench`

use std::time::Instant;

use medsynth_federated::{AggregationRules, SiteMetrics, SiteUpdate, fedavg, split_dirichlet};
use medsynth_nn::{CondColumn, Gan, GanConfig, OutputSpan, SpanActivation};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // ~adult after encoding: 150 output columns, 100 cond columns.
    let outputs = vec![
        OutputSpan {
            start: 0,
            width: 50,
            activation: SpanActivation::Tanh,
        },
        OutputSpan {
            start: 50,
            width: 100,
            activation: SpanActivation::Softmax,
        },
    ];
    let cond = vec![CondColumn {
        output_start: 50,
        cond_start: 0,
        width: 100,
    }];
    let gan = Gan::new(
        GanConfig::ctgan(150, 100, outputs, cond),
        &mut ChaCha8Rng::seed_from_u64(0),
    )?;
    let global: Vec<_> = gan
        .export_parameters(true)
        .into_iter()
        .filter(|t| !t.name.starts_with("adam"))
        .collect();
    let n: usize = global.iter().map(|t| t.data.len()).sum();
    for k in [3usize, 10] {
        let updates: Vec<SiteUpdate> = (0..k)
            .map(|site| SiteUpdate {
                site,
                rows: 1000 + site as u64,
                params: global
                    .iter()
                    .map(|t| medsynth_nn::NamedTensor {
                        data: t.data.iter().map(|v| v + 0.001 * site as f32).collect(),
                        ..t.clone()
                    })
                    .collect(),
                metrics: SiteMetrics::default(),
            })
            .collect();
        let rules = AggregationRules {
            max_update_norm: Some(100.0),
            ..AggregationRules::default()
        };
        let reps = 20;
        let start = Instant::now();
        for _ in 0..reps {
            std::hint::black_box(fedavg(&global, &updates, &rules)?);
        }
        let ms = start.elapsed().as_secs_f64() * 1e3 / reps as f64;
        println!("fedavg: {n} parameters x {k} sites: {ms:.2} ms per round");
    }
    let labels: Vec<String> = (0..1_000_000).map(|i| format!("c{}", i % 7)).collect();
    let start = Instant::now();
    let split = split_dirichlet(&labels, 10, 0.5, 1)?;
    println!(
        "split_dirichlet: 1,000,000 rows, 7 classes, 10 sites, alpha 0.5: {:.1} ms (sizes {:?})",
        start.elapsed().as_secs_f64() * 1e3,
        split.sizes()
    );
    Ok(())
}
