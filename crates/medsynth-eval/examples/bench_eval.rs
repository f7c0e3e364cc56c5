//! Times fidelity (`quality_report`) and utility (`utility_report`: LR +
//! 200-tree forest, TSTR and TRTR) on adult and diabetes130, with the
//! "noisy" synthetic stand-in of the reference fixture as synthetic data.
//!
//! `cargo run -p medsynth-eval --release --example bench_eval`
//!
//! diabetes130 is split by row here (a timing run, not a privacy audit);
//! `encounter_id`/`patient_nbr` are identifiers, the `*_id` codes
//! categorical, the target `readmitted == "<30"`.

#[path = "../tests/common/reference_inputs.rs"]
mod reference_inputs;

use std::time::Instant;

use medsynth_data::{ColumnData, ColumnSchema, Kind, Schema, io};
use medsynth_eval::split::split_by_target;
use medsynth_eval::{TargetSpec, quality_report, utility_report};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let only = std::env::args().nth(1);
    for d in reference_inputs::datasets() {
        if only.as_deref().is_some_and(|o| o != d.name) {
            continue;
        }
        let inputs = reference_inputs::build(&d);
        let synth = &inputs.synthetic[2].1;
        run(
            d.name,
            &inputs.train,
            &inputs.holdout,
            synth,
            &inputs.schema,
            &d.target,
        )?;
    }
    if only.as_deref().is_none_or(|o| o == "diabetes130") {
        let path = reference_inputs::data_path("diabetes130.csv");
        let t0 = Instant::now();
        let table = io::read_table(&path, &io::ReadOptions::default())?;
        println!(
            "diabetes130: read {} rows in {:.2}s",
            table.n_rows(),
            t0.elapsed().as_secs_f64()
        );
        let schema = Schema {
            columns: table
                .columns()
                .iter()
                .map(|c| {
                    let kind = match (c.name.as_str(), &c.data) {
                        ("encounter_id" | "patient_nbr", _) => Kind::Identifier,
                        (n, _) if n.ends_with("_id") => Kind::Categorical,
                        (_, ColumnData::Int(_)) => Kind::Integer,
                        (_, ColumnData::Float(_)) => Kind::Continuous,
                        _ => Kind::Categorical,
                    };
                    ColumnSchema::new(c.name.clone(), kind)
                })
                .collect(),
        };
        let target = TargetSpec::binary("readmitted", ["<30"]);
        let (train, holdout) = split_by_target(&table, 0.3, &target, &schema, 0)?;
        let synth = reference_inputs::noisy(&train, &schema, 3);
        run("diabetes130", &train, &holdout, &synth, &schema, &target)?;
    }
    Ok(())
}

fn run(
    name: &str,
    train: &medsynth_data::Table,
    holdout: &medsynth_data::Table,
    synth: &medsynth_data::Table,
    schema: &Schema,
    target: &TargetSpec,
) -> Result<(), Box<dyn std::error::Error>> {
    let t0 = Instant::now();
    let q = quality_report(train, synth, schema)?;
    let tq = t0.elapsed().as_secs_f64();
    let t_lr = Instant::now();
    let lr_only = medsynth_eval::utility::UtilityOptions {
        skip_forest: true,
        ..Default::default()
    };
    medsynth_eval::utility::utility_report_with(
        train, holdout, synth, schema, target, 0, &lr_only,
    )?;
    println!(
        "{name}: utility without the forest (LR TSTR + TRTR) {:.2}s",
        t_lr.elapsed().as_secs_f64()
    );
    let t1 = Instant::now();
    let u = utility_report(train, holdout, synth, schema, target, 0)?;
    let tu = t1.elapsed().as_secs_f64();
    let auc = |s: &medsynth_eval::utility::Scores| s.roc_auc.unwrap_or(f64::NAN);
    println!(
        "{name}: {} train / {} holdout rows, {} pairs\n  fidelity {tq:.2}s: quality {:.4} shapes {:.4} pairs {:.4} (all pairs {:.4})\n  utility {tu:.2}s: TRTR LR {:.4} RF {:.4} | TSTR LR {:.4} RF {:.4} | importance agreement LR {:?} RF {:?}",
        train.n_rows(),
        holdout.n_rows(),
        q.pairs.len(),
        q.quality,
        q.column_shapes,
        q.column_pair_trends,
        q.column_pair_trends_all_pairs,
        auc(&u.trtr.logistic_regression),
        u.trtr.random_forest.as_ref().map_or(f64::NAN, auc),
        auc(&u.tstr.logistic_regression),
        u.tstr.random_forest.as_ref().map_or(f64::NAN, auc),
        u.importance_agreement.logistic_regression,
        u.importance_agreement.random_forest,
    );
    Ok(())
}
