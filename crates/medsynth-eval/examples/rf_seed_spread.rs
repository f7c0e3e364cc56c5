//! Seed-to-seed spread of our random forest's ROC AUC on the fixture tables
//! (heart, adult; TRTR and TSTR per synthetic variant), the yardstick for
//! the tolerance of `tests/utility_reference.rs`. Prints mean and sample
//! standard deviation over five seeds next to scikit-learn's from the
//! fixture.
//!
//! `cargo run --release -p medsynth-eval -p medsynth-cli --example rf_seed_spread`

#[path = "../tests/common/reference_inputs.rs"]
mod reference_inputs;

use medsynth_eval::utility::{UtilityOptions, utility_report_with};

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let m = v.iter().sum::<f64>() / v.len() as f64;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1).max(1) as f64;
    (m, var.sqrt())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fixture: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/reference_eval.json"
    ))?)?;
    for d in reference_inputs::datasets() {
        let inputs = reference_inputs::build(&d);
        let ds = &fixture["datasets"][d.name];
        let mut trtr = Vec::new();
        for (name, synth) in &inputs.synthetic {
            let mut tstr = Vec::new();
            for seed in 0..5u64 {
                let r = utility_report_with(
                    &inputs.train,
                    &inputs.holdout,
                    synth,
                    &inputs.schema,
                    &d.target,
                    seed,
                    &UtilityOptions::default(),
                )?;
                let auc = |m: &medsynth_eval::utility::ModelScores| {
                    m.random_forest
                        .as_ref()
                        .and_then(|s| s.roc_auc)
                        .unwrap_or(f64::NAN)
                };
                tstr.push(auc(&r.tstr));
                if *name == "bootstrap" {
                    trtr.push(auc(&r.trtr));
                }
            }
            let (m, s) = mean_sd(&tstr);
            let v = &ds["synthetic"][*name]["tstr_rf_auc"];
            println!(
                "{} {name:<9} TSTR RF AUC ours {m:.4} ± {s:.4}   scikit-learn {:.4} ± {:.4}",
                d.name,
                v["mean"].as_f64().unwrap_or(f64::NAN),
                v["sd"].as_f64().unwrap_or(f64::NAN)
            );
        }
        let (m, s) = mean_sd(&trtr);
        let v = &ds["trtr_rf_auc"];
        println!(
            "{} TRTR      RF AUC ours {m:.4} ± {s:.4}   scikit-learn {:.4} ± {:.4}",
            d.name,
            v["mean"].as_f64().unwrap_or(f64::NAN),
            v["sd"].as_f64().unwrap_or(f64::NAN)
        );
    }
    Ok(())
}
