//! Sanity checks of the privacy attacks on real data: a memorised copy of
//! the training rows must be caught, and real rows the generator never saw
//! must look like chance. These are the acceptance tests of the attacks'
//! design (see `src/privacy/mia.rs`).

use medsynth_data::infer::{InferOptions, infer};
use medsynth_data::io::{ReadOptions, read_table};
use medsynth_data::{Schema, Table};
use medsynth_eval::privacy::{PrivacyOptions, privacy_report};
use rand::SeedableRng;
use rand::seq::SliceRandom;

fn load(name: &str) -> (Table, Schema) {
    let path = format!("{}/../../../shared/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let table = read_table(path.as_ref(), &ReadOptions::default())
        .unwrap_or_else(|e| panic!("the real data file {path} is required for this test: {e}"));
    let schema = infer(&table, &InferOptions::default()).schema;
    (table, schema)
}

/// Three disjoint random row sets of the given sizes.
fn disjoint(t: &Table, sizes: [usize; 3], seed: u64) -> [Table; 3] {
    let mut idx: Vec<usize> = (0..t.n_rows()).collect();
    idx.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(seed));
    let (a, rest) = idx.split_at(sizes[0]);
    let (b, rest) = rest.split_at(sizes[1]);
    let c = &rest[..sizes[2]];
    [t.take_rows(a), t.take_rows(b), t.take_rows(c)]
}

#[test]
fn memorised_copy_is_caught() {
    let (adult, schema) = load("adult.csv");
    let [train, holdout, _] = disjoint(&adult, [3000, 1500, 0], 7);
    let synthetic = train.clone();
    let r = privacy_report(
        &train,
        &holdout,
        &synthetic,
        &schema,
        &PrivacyOptions::default(),
    )
    .unwrap();
    assert!(
        r.mia.distance.auc >= 0.9,
        "distance MIA AUC {}",
        r.mia.distance.auc
    );
    assert!(
        r.mia.density_ratio.auc >= 0.9,
        "density-ratio MIA AUC {}",
        r.mia.density_ratio.auc
    );
    assert!(
        r.mia.distance.tpr_at_fpr_1pct > 0.5,
        "{}",
        r.mia.distance.tpr_at_fpr_1pct
    );
    // Size-matched share: rows in the holdout-sized train subset are always
    // closer (distance 0); the others are a coin flip. Its maximum for a
    // copy is therefore m/n + (1 − m/n)/2.
    let m = holdout.n_rows() as f64 / train.n_rows() as f64;
    let max = m + (1.0 - m) / 2.0;
    assert!(
        r.dcr.share_closer_to_train >= max - 0.05,
        "{} vs max {max}",
        r.dcr.share_closer_to_train
    );
    assert!(r.dcr.share_closer_to_full_train > 0.99);
    assert_eq!(r.dcr.exact_copies, train.n_rows());
    assert_eq!(r.dcr.synth_to_train.median, 0.0);
    assert!(r.dcr.verdict.contains("memorisation"), "{}", r.dcr.verdict);
    assert!(
        r.mia.distance.verdict.contains("leaks membership"),
        "{}",
        r.mia.distance.verdict
    );
}

#[test]
fn unseen_real_rows_look_like_chance() {
    let (adult, schema) = load("adult.csv");
    for seed in [1u64, 2] {
        let [train, holdout, synthetic] = disjoint(&adult, [2000, 2000, 2000], seed);
        let opts = PrivacyOptions {
            seed,
            ..PrivacyOptions::default()
        };
        let r = privacy_report(&train, &holdout, &synthetic, &schema, &opts).unwrap();
        for (name, auc) in [
            ("distance", r.mia.distance.auc),
            ("density ratio", r.mia.density_ratio.auc),
        ] {
            assert!((auc - 0.5).abs() <= 0.05, "seed {seed}: {name} AUC {auc}");
        }
        assert!(
            (r.dcr.share_closer_to_train - 0.5).abs() <= 0.05,
            "seed {seed}: share {}",
            r.dcr.share_closer_to_train
        );
        assert!(
            r.anonymeter.linkability.value < 0.1,
            "{:?}",
            r.anonymeter.linkability
        );
        // Unseen rows carry no information about train, so every assessable
        // column's inference risk must be statistically indistinguishable
        // from zero: the lower end of its confidence interval stays at or
        // below ~0. Near-constant columns are reported as not assessable.
        let mut assessed = 0;
        for inf in &r.anonymeter.inference {
            if medsynth_eval::privacy::anonymeter::is_assessable(&inf.risk) {
                assessed += 1;
                assert!(
                    inf.risk.ci[0] <= 0.05,
                    "seed {seed}: {} {:?}",
                    inf.column,
                    inf.risk
                );
            } else {
                assert!(
                    inf.risk.verdict.starts_with("Not assessable"),
                    "{:?}",
                    inf.risk
                );
            }
        }
        assert!(assessed >= 3, "most adult columns can be assessed");
        assert!(
            !r.mia.distance.verdict.contains("leaks"),
            "{}",
            r.mia.distance.verdict
        );
    }
}

#[test]
fn heart_memorised_copy_small_table() {
    let (heart, schema) = load("heart_cleveland.csv");
    let [train, holdout, _] = disjoint(&heart, [212, 91, 0], 0);
    let r = privacy_report(
        &train,
        &holdout,
        &train,
        &schema,
        &PrivacyOptions::default(),
    )
    .unwrap();
    assert!(r.mia.distance.auc >= 0.9, "{}", r.mia.distance.auc);
    assert_eq!(r.dcr.exact_copies, 212);
    // Real holdout rows are not copies of train rows.
    assert!(r.dcr.holdout_exact_match_share < 0.02);
}
