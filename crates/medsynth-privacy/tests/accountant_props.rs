//! Properties of the accountant that must hold everywhere, not just on the
//! reference grid.

use medsynth_privacy::accountant::{calibrate_noise_multiplier, dp_sgd_epsilon, max_steps};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn epsilon_monotone_in_steps(q in 0.001f64..1.0, s in 0.6f64..8.0, steps in 1u64..2000, extra in 1u64..2000) {
        let a = dp_sgd_epsilon(q, s, steps, 1e-5).unwrap();
        let b = dp_sgd_epsilon(q, s, steps + extra, 1e-5).unwrap();
        prop_assert!(b >= a * (1.0 - 1e-12), "{a} then {b}");
    }

    #[test]
    fn epsilon_monotone_in_sampling_rate(q in 0.001f64..0.9, dq in 0.001f64..0.1, s in 0.6f64..8.0, steps in 1u64..1000) {
        let q2 = (q + dq).min(1.0);
        let a = dp_sgd_epsilon(q, s, steps, 1e-5).unwrap();
        let b = dp_sgd_epsilon(q2, s, steps, 1e-5).unwrap();
        // True RDP is monotone in q. The computed bound follows dp_accounting,
        // which drops fractional orders whose series does not converge; when
        // ε ≫ 50 (useless for privacy) a small order can converge at the
        // larger q only, and ε dips by 1–5 % — dp_accounting 0.6 shows the same
        // dips (e.g. q 0.867 → 0.877, σ 1.21, 329 steps: 153.24 → 151.70).
        // So the property is asserted, strictly, where ε < 50.
        if a < 50.0 {
            prop_assert!(b >= a * (1.0 - 1e-9), "q {q}: {a}, q {q2}: {b}");
        }
    }

    #[test]
    fn epsilon_decreasing_in_sigma(q in 0.001f64..1.0, s in 0.6f64..8.0, ds in 0.01f64..2.0, steps in 1u64..1000) {
        let a = dp_sgd_epsilon(q, s, steps, 1e-5).unwrap();
        let b = dp_sgd_epsilon(q, s + ds, steps, 1e-5).unwrap();
        prop_assert!(b <= a * (1.0 + 1e-9), "σ {s}: {a}, σ {}: {b}", s + ds);
    }

    #[test]
    fn calibration_round_trips(eps in 0.2f64..20.0, q in 0.001f64..1.0, steps in 1u64..3000) {
        let s = calibrate_noise_multiplier(eps, 1e-5, steps, q).unwrap();
        let got = dp_sgd_epsilon(q, s, steps, 1e-5).unwrap();
        prop_assert!(got <= eps, "σ={s} gives {got} > {eps}");
        // 1 % less noise must overshoot the target (σ is essentially minimal),
        // unless σ sits at the search floor.
        if s > 0.051 {
            let over = dp_sgd_epsilon(q, s * 0.99, steps, 1e-5).unwrap();
            prop_assert!(over > eps, "σ={s} is not minimal: 0.99σ gives {over} ≤ {eps}");
        }
    }

    #[test]
    fn max_steps_is_tight(eps in 0.5f64..10.0, q in 0.001f64..0.2, s in 0.8f64..4.0) {
        let n = max_steps(eps, 1e-5, s, q).unwrap();
        if n > 0 && n < 1_000_000_000 {
            prop_assert!(dp_sgd_epsilon(q, s, n, 1e-5).unwrap() <= eps);
            prop_assert!(dp_sgd_epsilon(q, s, n + 1, 1e-5).unwrap() > eps);
        }
    }
}
