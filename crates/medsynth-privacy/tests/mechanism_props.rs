//! Properties of the DP-SGD helpers and post-processed mechanisms that must
//! hold for any input.

use medsynth_privacy::dpsgd::clip_and_sum;
use medsynth_privacy::mechanisms::{HistogramDomain, Noise, noisy_histogram};
use medsynth_privacy::{Accounting, Ledger, LedgerEntry, PoissonSampler, SeededNoise};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Sensitivity bound: the clipped sum has norm ≤ C·examples, and every
    /// row's contribution is at most C.
    #[test]
    fn clipped_sum_norm_is_bounded(rows in proptest::collection::vec(proptest::collection::vec(-1e3f32..1e3, 4), 1..20), c in 0.01f32..10.0) {
        let flat: Vec<f32> = rows.iter().flatten().copied().collect();
        let mut sum = [0f32; 4];
        let stats = clip_and_sum(&flat, 4, c, &mut sum).unwrap();
        prop_assert_eq!(stats.examples, rows.len());
        let norm = sum.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>().sqrt();
        prop_assert!(norm <= f64::from(c) * rows.len() as f64 * (1.0 + 1e-5));
        // Removing one row changes the sum by at most C.
        let mut without = [0f32; 4];
        clip_and_sum(&flat[4..], 4, c, &mut without).unwrap_or_default();
        if rows.len() > 1 {
            let diff = sum.iter().zip(&without).map(|(a, b)| f64::from(a - b).powi(2)).sum::<f64>().sqrt();
            prop_assert!(diff <= f64::from(c) * (1.0 + 1e-4), "diff {}", diff);
        }
    }

    #[test]
    fn histogram_output_is_nonnegative_integers(counts in proptest::collection::vec(0u64..10_000, 1..30), m in 0.1f64..50.0, seed in any::<u64>()) {
        let cats: Vec<(String, u64)> = counts.iter().enumerate().map(|(i, c)| (format!("c{i}"), *c)).collect();
        let mut src = SeededNoise::insecure_from_seed(seed);
        for domain in [HistogramDomain::Public, HistogramDomain::DataDerived { threshold_delta: 1e-6 }] {
            let r = noisy_histogram("x", &cats, domain, Noise::Laplace { noise_multiplier: m }, &mut src).unwrap();
            prop_assert!(r.value.other >= 0.0 && r.value.other.fract() == 0.0);
            for (_, v) in &r.value.counts {
                prop_assert!(*v >= 0.0 && v.fract() == 0.0);
            }
            // released + merged names never exceed the input, no duplicates
            prop_assert!(r.value.counts.len() + r.value.merged.len() <= cats.len());
        }
    }

    #[test]
    fn sampler_indices_are_valid(n in 1usize..5000, q in 0.0001f64..1.0, seed in any::<u64>()) {
        let mut s = PoissonSampler::insecure_seeded(n, q, seed).unwrap();
        let b = s.sample();
        prop_assert!(b.windows(2).all(|w| w[0] < w[1]));
        prop_assert!(b.iter().all(|&i| i < n));
    }

    #[test]
    fn ledger_total_is_at_most_simple_sum(ms in proptest::collection::vec(0.5f64..20.0, 1..6), steps in 1u64..500) {
        let mut l = Ledger::new();
        for m in &ms {
            l.push(LedgerEntry::new("g", Accounting::Gaussian { noise_multiplier: *m, count: 1 }, 1e-6, 0.0, Default::default()).unwrap());
        }
        l.push(LedgerEntry::new("sgd", Accounting::PoissonSubsampledGaussian { noise_multiplier: 1.0, sampling_rate: 0.01, steps }, 1e-6, 0.0, Default::default()).unwrap());
        let (sum_eps, sum_delta) = l.basic_total();
        let t = l.total(sum_delta).unwrap();
        prop_assert!(t.epsilon <= sum_eps * (1.0 + 1e-12));
    }
}

#[test]
fn additive_delta_is_reserved_before_rdp_conversion() {
    let mut src = SeededNoise::insecure_from_seed(1);
    let cats = vec![("a".to_string(), 100u64)];
    let r = noisy_histogram(
        "x",
        &cats,
        HistogramDomain::DataDerived {
            threshold_delta: 1e-5,
        },
        Noise::Laplace {
            noise_multiplier: 1.0,
        },
        &mut src,
    )
    .unwrap();
    let mut l = Ledger::new();
    l.push(r.entry);
    // The threshold alone spends δ = 1e-5: a run δ of 1e-5 leaves nothing.
    assert!(l.total(1e-5).is_err());
    let t = l.total(2e-5).unwrap();
    assert!(t.epsilon > 0.0 && t.epsilon <= 2.0 + 1e-12);
}
