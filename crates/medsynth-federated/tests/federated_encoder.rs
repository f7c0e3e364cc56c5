//! The federated encoder on real data: heart split over three sites (IID and
//! by a non-IID Dirichlet label skew). Sites agree on the domain, summarise
//! their own rows, and the server's merged statistics equal the statistics of
//! the pooled table exactly; the shared encoder built from them equals the
//! one built from the pooled table. Then a short simulation runs end to end
//! and is reproducible for its seed.

use medsynth_data::infer::{InferOptions, infer};
use medsynth_data::io::{ReadOptions, read_table};
use medsynth_data::{Schema, Table};
use medsynth_federated::{
    Federation, SimOptions, SplitStrategy, Strategy, merge_domains, simulate, site_domain, split,
    summarize,
};
use medsynth_model::CtganConfig;
use medsynth_model::ctgan::local::shared_encoder;
use medsynth_model::spec::labels_of;
use medsynth_model::stats::prepare;

const HEART: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/heart_cleveland.csv"
);

fn heart() -> (Table, Schema) {
    let t = read_table(HEART.as_ref(), &ReadOptions::default())
        .unwrap_or_else(|e| panic!("{HEART}: {e}"));
    let schema = infer(&t, &InferOptions::default()).schema;
    (t, schema)
}

fn sites(t: &Table, strategy: &SplitStrategy, seed: u64) -> Vec<Table> {
    let labels: Vec<String> = labels_of(t.column("num").unwrap())
        .into_iter()
        .map(|l| l.unwrap_or_default())
        .collect();
    let s = split(strategy, t.n_rows(), Some(&labels), 3, seed).unwrap();
    s.sites().iter().map(|r| t.take_rows(r)).collect()
}

#[test]
fn merged_site_statistics_equal_the_pooled_statistics() {
    let (t, inferred) = heart();
    for strategy in [SplitStrategy::Iid, SplitStrategy::Dirichlet { alpha: 0.5 }] {
        let parts = sites(&t, &strategy, 3);
        // Domain phase from the sites only (the inferred bounds are ignored).
        let domains: Vec<_> = parts
            .iter()
            .map(|p| site_domain(p, &inferred).unwrap())
            .collect();
        let schema = merge_domains(&inferred, &domains).unwrap();
        for c in schema.modelled() {
            let i = inferred.column(&c.name).unwrap();
            assert_eq!((c.min, c.max), (i.min, i.max), "{}", c.name);
        }
        let summaries: Vec<_> = parts
            .iter()
            .map(|p| summarize(p, &schema).unwrap().0)
            .collect();
        assert_eq!(summaries.iter().map(|s| s.rows).sum::<usize>(), 303);
        let fed =
            Federation::from_summaries(&schema, &summaries, None, Strategy::Fedavg, 10, 1).unwrap();
        let pooled = prepare(&t, &schema).unwrap();
        assert_eq!(fed.stats, pooled.stats, "{strategy:?}");
        assert_eq!(fed.specs, pooled.specs);
        let cfg = CtganConfig::for_rows(303);
        assert_eq!(fed.encoder, shared_encoder(&pooled.stats, &cfg).columns);
        // The per-site counts really differ under the label skew: the merge
        // is not trivially one site's statistics.
        assert_ne!(summaries[0].stats, summaries[1].stats);
    }
}

#[test]
fn a_short_simulation_is_reproducible_and_every_site_is_accepted() {
    let (t, schema) = heart();
    let mut cfg = CtganConfig::for_rows(303);
    (cfg.generator_hidden, cfg.critic_hidden) = (vec![32], vec![32]);
    let opts = SimOptions {
        rounds: 2,
        local_steps: 3,
        strategy: Strategy::SharedGenerator,
        seed: 11,
        config: Some(cfg),
        ..SimOptions::default()
    };
    let run = || {
        let mut seen = Vec::new();
        let out = simulate(
            sites(&t, &SplitStrategy::Iid, 11),
            &schema,
            &opts,
            &mut |r| seen.push(r.round),
        )
        .unwrap();
        (out, seen)
    };
    let (a, seen) = run();
    assert_eq!(seen, vec![0, 1]);
    for r in &a.records {
        assert_eq!(r.accepted, vec![0, 1, 2], "{:?}", r.problems());
    }
    let info = a.model.manifest.federated.clone().unwrap();
    assert_eq!((info.sites, info.rounds, info.accepted_updates), (3, 2, 6));
    assert_eq!(info.strategy, "shared-generator");
    // Selection: every site scored every round's candidate, the manifest
    // names the round with the best combined score.
    for r in &a.records {
        assert_eq!(
            r.scores.iter().map(|s| s.site).collect::<Vec<_>>(),
            vec![0, 1, 2]
        );
        assert!(r.scores.iter().all(|s| s.score > 0.0 && s.score <= 1.0));
    }
    let combined: Vec<f64> = a
        .records
        .iter()
        .map(|r| r.selection_score.unwrap())
        .collect();
    let round = info.selected_round.expect("a selected round");
    assert_eq!(info.selection_score, Some(combined[round]));
    assert!(combined.iter().all(|&c| c <= combined[round]));
    let manifest = serde_json::to_string(&a.model.manifest).unwrap();
    assert!(
        manifest.contains(&format!("\"selected_round\":{round}")),
        "{manifest}"
    );
    let (b, _) = run();
    assert_eq!(
        b.model.manifest.federated.as_ref().unwrap().selected_round,
        Some(round)
    );
    let sample = |m: &medsynth_model::Model| {
        let mut rows = Vec::new();
        m.sample_batches(50, &[], 5, 50, &mut |tb| {
            rows.push(tb);
            Ok(())
        })
        .unwrap();
        rows
    };
    let (sa, sb) = (sample(&a.model), sample(&b.model));
    assert_eq!(sa[0].n_rows(), 50);
    assert_eq!(
        format!("{:?}", sa[0].columns()),
        format!("{:?}", sb[0].columns())
    );
    // Without selection: no scores asked for, the last candidate is kept.
    let plain = simulate(
        sites(&t, &SplitStrategy::Iid, 11),
        &schema,
        &SimOptions {
            select: false,
            ..opts.clone()
        },
        &mut |_| {},
    )
    .unwrap();
    assert!(plain.records.iter().all(|r| r.scores.is_empty()));
    let info = plain.model.manifest.federated.unwrap();
    assert_eq!((info.selected_round, info.selection_score), (None, None));
    assert!(
        !serde_json::to_string(&info)
            .unwrap()
            .contains("selected_round")
    );
}

/// The inferred heart schema with every modelled column's domain declared
/// public, as a data custodian would before a DP federation.
fn public(schema: &Schema) -> Schema {
    let mut s = schema.clone();
    for c in &mut s.columns {
        if c.kind.is_modelled() {
            c.domain = medsynth_data::DomainSource::Public;
        }
    }
    s
}

#[test]
fn per_site_dp_keeps_every_site_within_its_own_budget_and_releases_no_loss() {
    let (t, inferred) = heart();
    let mut cfg = CtganConfig::for_rows(303);
    (cfg.generator_hidden, cfg.critic_hidden) = (vec![32], vec![32]);
    (cfg.pac, cfg.critic_steps) = (1, 1);
    let mut privacy = medsynth_federated::SitePrivacy::new(2.0);
    privacy.insecure_noise_seed = Some(3);
    let opts = SimOptions {
        rounds: 3,
        local_steps: 4,
        strategy: Strategy::Fedavg,
        seed: 5,
        config: Some(cfg),
        privacy: Some(privacy),
        ..SimOptions::default()
    };
    // Without a declared domain the sites would reveal their own bounds.
    let err = simulate(
        sites(&t, &SplitStrategy::Iid, 5),
        &inferred,
        &opts,
        &mut |_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("declared public"), "{err}");

    let out = simulate(
        sites(&t, &SplitStrategy::Iid, 5),
        &public(&inferred),
        &opts,
        &mut |_| {},
    )
    .unwrap();
    for r in &out.records {
        assert_eq!(r.accepted, vec![0, 1, 2], "{:?}", r.problems());
        for s in &r.sites {
            let m = s.metrics.as_ref().unwrap();
            assert!(
                m.loss.is_none(),
                "a loss computed on real rows was released"
            );
            assert!(m.ledger.is_some());
        }
        assert!(
            r.scores.is_empty() && r.selection_score.is_none(),
            "a selection score computed on real rows was released under DP"
        );
    }
    let info = out.model.manifest.federated.clone().unwrap();
    assert_eq!(info.selected_round, None, "no selection under DP");
    assert_eq!(info.site_privacy.len(), 3);
    for p in &info.site_privacy {
        assert_eq!(p.steps, 12, "3 rounds × 4 local steps");
        assert!(
            p.epsilon <= 2.0 * (1.0 + 1e-9) && p.epsilon > 1.9,
            "site {} spent ε = {} of 2 (the plan is calibrated to the whole run)",
            p.site,
            p.epsilon
        );
        // Statistics (one histogram per modelled column) + DP-SGD.
        assert_eq!(p.ledger.len(), inferred.modelled().count() + 1);
        assert_eq!(p.ledger.last().unwrap().mechanism, "dp_sgd");
        let m = p.ledger[0].params["noise_multiplier"].as_f64().unwrap();
        // The released count pools 14 noisy column totals of ≥ 3 cells each:
        // its sd is below m (a single noisy count's).
        assert!(
            (p.rows_released - 101.0).abs() < 4.0 * m,
            "{} (m = {m})",
            p.rows_released
        );
    }
    let section = out.model.manifest.privacy.clone().unwrap();
    assert!(section.insecure_noise);
    let worst = info
        .site_privacy
        .iter()
        .map(|p| p.epsilon)
        .fold(0.0, f64::max);
    assert_eq!(section.epsilon, worst);
    // The manifest's statistics are the noisy merged ones, not the exact sums.
    let pooled = prepare(&t, &public(&inferred)).unwrap();
    assert_ne!(out.model.manifest.statistics, pooled.stats);
}
