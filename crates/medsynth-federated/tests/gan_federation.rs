//! End-to-end: a federation of tiny CTGAN-style engines on the Cleveland
//! heart data, split label-skewed across sites, with a shared generator,
//! site-local critics and one poisoned site. Exercises the crate the way the
//! simulation command will: split → sites on threads → validate → FedAvg.

use std::time::Duration;

use medsynth_federated::{
    AggregationRules, RejectReason, RoundConfig, RoundDriver, Site, SiteMetrics, SiteUpdate,
    TensorSelection, split_dirichlet,
};
use medsynth_nn::{CondColumn, Gan, GanConfig, Matrix, NamedTensor, OutputSpan, SpanActivation};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/heart_cleveland.csv"
);

/// (age scaled to [-1, 1], sex as 0/1, `num` label) per row. Fails loudly if
/// the shared data is absent: this test must not silently skip.
fn load() -> Vec<(f32, usize, String)> {
    let text = std::fs::read_to_string(DATA).unwrap_or_else(|e| panic!("{DATA}: {e}"));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).expect(n);
    let (age, sex, num) = (col("age"), col("sex"), col("num"));
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let a: f32 = f[age].parse().expect("age");
            let s: usize = f[sex].parse::<f32>().expect("sex") as usize;
            ((a - 55.0) / 25.0, s, f[num].to_string())
        })
        .collect()
}

fn config() -> GanConfig {
    let outputs = vec![
        OutputSpan {
            start: 0,
            width: 1,
            activation: SpanActivation::Tanh,
        },
        OutputSpan {
            start: 1,
            width: 2,
            activation: SpanActivation::Softmax,
        },
    ];
    let cond = vec![CondColumn {
        output_start: 1,
        cond_start: 0,
        width: 2,
    }];
    GanConfig {
        pac: 1,
        noise_dim: 8,
        generator_hidden: vec![16],
        critic_hidden: vec![16],
        ..GanConfig::ctgan(3, 2, outputs, cond)
    }
}

struct GanSite {
    rows: Vec<(f32, usize)>,
    gan: Gan,
    rng: ChaCha8Rng,
    steps: usize,
}

const BATCH: usize = 10;

impl GanSite {
    fn batch(&mut self) -> (Matrix, Matrix, Vec<Option<usize>>) {
        use rand::Rng;
        let mut real = Vec::with_capacity(BATCH * 3);
        let mut cond = Vec::with_capacity(BATCH * 2);
        for _ in 0..BATCH {
            let (a, s) = self.rows[self.rng.random_range(0..self.rows.len())];
            real.extend_from_slice(&[a, f32::from(s == 0), f32::from(s == 1)]);
            cond.extend_from_slice(&[f32::from(s == 0), f32::from(s == 1)]);
        }
        let real = Matrix::from_vec(BATCH, 3, real).expect("real");
        let cond = Matrix::from_vec(BATCH, 2, cond).expect("cond");
        (real, cond, vec![Some(0); BATCH])
    }
}

impl Site for GanSite {
    fn train_round(
        &mut self,
        global: &[NamedTensor],
        _round: usize,
    ) -> medsynth_federated::Result<SiteUpdate> {
        let fail =
            |e: medsynth_nn::NnError| medsynth_federated::FederatedError::SiteFailed(e.to_string());
        // Generator tensors only: the local critic and optimiser state stay.
        self.gan.import_parameters(global).map_err(fail)?;
        let mut loss = 0.0;
        for _ in 0..self.steps {
            let (real, cond, selected) = self.batch();
            self.gan
                .critic_step(&real, &cond, &cond, &mut self.rng)
                .map_err(fail)?;
            loss = f64::from(
                self.gan
                    .generator_step(&cond, &selected, &mut self.rng)
                    .map_err(fail)?
                    .loss,
            );
        }
        Ok(SiteUpdate {
            site: 0,
            rows: self.rows.len() as u64,
            params: self.gan.export_parameters(false),
            metrics: SiteMetrics {
                loss: Some(loss),
                ledger: None,
            },
        })
    }
}

/// A site whose training diverged (or that tries to poison the model).
struct Poisoned;
impl Site for Poisoned {
    fn train_round(
        &mut self,
        global: &[NamedTensor],
        _: usize,
    ) -> medsynth_federated::Result<SiteUpdate> {
        let mut params = global.to_vec();
        params[0].data[0] = f32::NAN;
        Ok(SiteUpdate {
            site: 0,
            rows: 1_000_000,
            params,
            metrics: SiteMetrics::default(),
        })
    }
}

fn run(seed: u64, rounds: usize) -> (Vec<NamedTensor>, Vec<NamedTensor>) {
    let data = load();
    assert_eq!(data.len(), 303, "heart_cleveland.csv should have 303 rows");
    let labels: Vec<String> = data.iter().map(|r| r.2.clone()).collect();
    let split = split_dirichlet(&labels, 3, 0.5, seed).expect("split");
    let mut init_rng = ChaCha8Rng::seed_from_u64(seed);
    let initial = Gan::new(config(), &mut init_rng)
        .expect("gan")
        .export_parameters(false);
    let mut sites: Vec<Box<dyn Site>> = split
        .sites()
        .iter()
        .enumerate()
        .map(|(i, rows)| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed * 100 + i as u64);
            let gan = Gan::new(config(), &mut rng).expect("gan");
            Box::new(GanSite {
                rows: rows.iter().map(|&r| (data[r].0, data[r].1)).collect(),
                gan,
                rng,
                steps: 5,
            }) as Box<dyn Site>
        })
        .collect();
    sites.push(Box::new(Poisoned));
    let cfg = RoundConfig {
        timeout: Duration::from_secs(120),
        max_concurrent: 2,
    };
    let mut driver = RoundDriver::new(sites, cfg).expect("driver");
    let rules = AggregationRules {
        max_update_norm: Some(1e3),
        selection: TensorSelection::shared_generator(),
    };
    let mut global = initial.clone();
    for round in 0..rounds {
        let (next, rec) = driver.run_round(&global, round, &rules).expect("round");
        assert_eq!(
            rec.accepted,
            vec![0, 1, 2],
            "round {round}: {:?}",
            rec.problems()
        );
        assert_eq!(rec.rejected.len(), 1);
        assert_eq!(rec.rejected[0].site, 3);
        assert!(matches!(
            rec.rejected[0].reason,
            RejectReason::NonFinite { index: 0, .. }
        ));
        assert_eq!(rec.rows, 303, "accepted sites hold every row exactly once");
        assert!(rec.mean_loss.is_some_and(f64::is_finite));
        global = next;
    }
    (initial, global)
}

#[test]
fn federated_gan_rounds_reject_the_poisoned_site_and_are_deterministic() {
    let (initial, a) = run(7, 3);
    assert_eq!(a.len(), initial.len());
    assert!(a.iter().all(|t| t.name.starts_with("generator.")));
    assert!(a.iter().flat_map(|t| &t.data).all(|v| v.is_finite()));
    assert_ne!(
        a, initial,
        "three rounds of training should move the generator"
    );
    // Same seeds → bit-identical global model, whatever the thread timing.
    let (_, b) = run(7, 3);
    assert_eq!(a, b);
    // The aggregated generator loads back into an engine and samples.
    let mut gan = Gan::new(config(), &mut ChaCha8Rng::seed_from_u64(1)).expect("gan");
    gan.import_parameters(&a).expect("import");
    let cond = Matrix::from_vec(4, 2, vec![1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0]).expect("cond");
    let out = gan
        .generate(&cond, &mut ChaCha8Rng::seed_from_u64(2))
        .expect("generate");
    assert!(out.data.iter().all(|v| v.is_finite()));
}
