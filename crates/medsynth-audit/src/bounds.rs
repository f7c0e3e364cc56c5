//! From the outcome of a membership game to a statement about ε.
//!
//! An (ε, δ)-DP training procedure bounds every membership test: for any
//! decision rule, FPR + e^ε · FNR ≥ 1 − δ and FNR + e^ε · FPR ≥ 1 − δ
//! (Kairouz et al. 2015). Observing a test with low error rates therefore
//! proves that ε is at least ln((1 − δ − FNR) / FPR) (and the symmetric
//! term). The observed rates are only estimates, so — as in Jagielski et
//! al. 2020 and Nasr et al. 2021 — each rate is replaced by its one-sided
//! Clopper–Pearson *upper* bound: the result is a lower bound on ε that
//! holds with the stated confidence. The two rates are bounded separately,
//! each at level 1 − (1 − confidence)/2 (Bonferroni), so the pair holds
//! jointly with probability at least `confidence`.

use statrs::distribution::{Beta, ContinuousCDF};

use crate::error::AuditError;

/// One-sided Clopper–Pearson upper bound on a binomial rate: the largest p
/// such that seeing `k` or fewer successes out of `n` still has probability
/// at least `1 − level`. Exact (no normal approximation), because audits
/// run few trials and sit at the edge (k = 0) where approximations fail.
///
/// `k == n` gives 1; `n == 0` gives 1 (nothing observed, nothing known).
pub fn clopper_pearson_upper(k: u64, n: u64, level: f64) -> Result<f64, AuditError> {
    check_level(level)?;
    if k > n {
        return Err(AuditError::invalid(format!(
            "{k} errors out of {n} trials is impossible"
        )));
    }
    if n == 0 || k == n {
        return Ok(1.0);
    }
    if k == 0 {
        // Closed form of Beta(1, n): avoids the iterative inverse at the edge
        // that every strong audit hits.
        return Ok(1.0 - (1.0 - level).powf(1.0 / n as f64));
    }
    let beta = Beta::new(k as f64 + 1.0, (n - k) as f64)
        .map_err(|e| AuditError::invalid(format!("Clopper–Pearson bound: {e}")))?;
    Ok(beta.inverse_cdf(level).clamp(0.0, 1.0))
}

/// ε implied by a false-positive rate and a false-negative rate at δ:
/// max(0, ln((1 − δ − FNR)/FPR), ln((1 − δ − FPR)/FNR)). A term whose
/// numerator is not positive proves nothing and counts as 0.
pub fn epsilon_from_rates(fpr: f64, fnr: f64, delta: f64) -> f64 {
    let term = |num: f64, den: f64| {
        if num > 0.0 && den > 0.0 {
            (num / den).ln()
        } else {
            0.0
        }
    };
    term(1.0 - delta - fnr, fpr)
        .max(term(1.0 - delta - fpr, fnr))
        .max(0.0)
}

/// The lower bound on ε that holds with probability `confidence` given
/// `fp` false positives among `n_out` trials without the canary and `fn_`
/// false negatives among `n_in` trials with it.
pub fn epsilon_lower_bound(
    fp: u64,
    n_out: u64,
    fn_: u64,
    n_in: u64,
    delta: f64,
    confidence: f64,
) -> Result<f64, AuditError> {
    check_level(confidence)?;
    check_delta(delta)?;
    let level = 1.0 - (1.0 - confidence) / 2.0;
    let fpr_hi = clopper_pearson_upper(fp, n_out, level)?;
    let fnr_hi = clopper_pearson_upper(fn_, n_in, level)?;
    Ok(epsilon_from_rates(fpr_hi, fnr_hi, delta))
}

/// The ε the observed rates themselves imply (no confidence correction),
/// each rate floored at 1/(n + 1) so that zero errors give a finite value.
/// Useful to compare distinguishers and to calibrate a threshold; it is
/// *not* a guarantee (it overstates ε about half the time).
pub fn epsilon_point_estimate(
    fp: u64,
    n_out: u64,
    fn_: u64,
    n_in: u64,
    delta: f64,
) -> Result<f64, AuditError> {
    check_delta(delta)?;
    if fp > n_out || fn_ > n_in {
        return Err(AuditError::invalid(format!(
            "{fp} false positives of {n_out} or {fn_} false negatives of {n_in} is impossible"
        )));
    }
    let rate = |k: u64, n: u64| (k as f64 / n.max(1) as f64).max(1.0 / (n as f64 + 1.0));
    Ok(epsilon_from_rates(rate(fp, n_out), rate(fn_, n_in), delta))
}

fn check_level(level: f64) -> Result<(), AuditError> {
    if level.is_finite() && level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(AuditError::invalid(format!(
            "confidence must be strictly between 0 and 1 (got {level})"
        )))
    }
}

fn check_delta(delta: f64) -> Result<(), AuditError> {
    if delta.is_finite() && (0.0..1.0).contains(&delta) {
        Ok(())
    } else {
        Err(AuditError::invalid(format!(
            "delta must be in [0, 1) (got {delta})"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn zero_errors_give_the_closed_form() {
        for n in [1u64, 5, 20, 100] {
            let alpha: f64 = 0.05;
            let u = 1.0 - (alpha / 2.0).powf(1.0 / n as f64);
            let want = ((1.0 - 1e-5 - u) / u).ln().max(0.0);
            let got = epsilon_lower_bound(0, n, 0, n, 1e-5, 0.95).unwrap();
            assert!((got - want).abs() < 1e-12, "n={n}: {got} vs {want}");
        }
        // 20 per side, no errors: about 1.60 (a figure quoted in the docs).
        let b = epsilon_lower_bound(0, 20, 0, 20, 0.0, 0.95).unwrap();
        assert!((b - 1.5968).abs() < 1e-3, "{b}");
    }

    #[test]
    fn the_beta_inverse_matches_the_closed_form_and_known_values() {
        // k = 1 of n = 10 at 97.5 %: the textbook value 0.4450.
        let u = clopper_pearson_upper(1, 10, 0.975).unwrap();
        assert!((u - 0.4450).abs() < 1e-3, "{u}");
        // The bound holds its level: P(X ≤ k | p = u) = 1 − level.
        let (k, n, level) = (7u64, 40u64, 0.975);
        let u = clopper_pearson_upper(k, n, level).unwrap();
        let mut cdf = 0.0;
        let mut c = 1.0f64;
        for i in 0..=k {
            if i > 0 {
                c *= (n - i + 1) as f64 / i as f64;
            }
            cdf += c * u.powi(i as i32) * (1.0 - u).powi((n - i) as i32);
        }
        assert!((cdf - (1.0 - level)).abs() < 1e-6, "{cdf}");
        assert_eq!(clopper_pearson_upper(5, 5, 0.9).unwrap(), 1.0);
        assert_eq!(clopper_pearson_upper(0, 0, 0.9).unwrap(), 1.0);
        assert!(clopper_pearson_upper(6, 5, 0.9).is_err());
    }

    #[test]
    fn the_bound_falls_as_errors_rise_and_is_never_negative() {
        let n = 30;
        let mut last = f64::INFINITY;
        for k in 0..=n {
            let b = epsilon_lower_bound(k, n, k, n, 1e-5, 0.95).unwrap();
            assert!(b >= 0.0 && b <= last + 1e-12, "k={k}: {b} after {last}");
            last = b;
            let p = epsilon_point_estimate(k, n, k, n, 1e-5).unwrap();
            assert!(p >= b, "the point estimate is never below the bound");
        }
        // Half the trials wrong: no evidence at all.
        assert_eq!(epsilon_lower_bound(15, 30, 15, 30, 0.0, 0.95).unwrap(), 0.0);
        // One-sided errors still prove something via the other term.
        assert!(epsilon_lower_bound(0, 30, 30, 30, 0.0, 0.95).unwrap() == 0.0);
        assert!(epsilon_lower_bound(0, 30, 10, 30, 0.0, 0.95).unwrap() > 0.5);
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(epsilon_lower_bound(0, 10, 0, 10, 0.0, 1.0).is_err());
        assert!(epsilon_lower_bound(0, 10, 0, 10, 0.0, 0.0).is_err());
        assert!(epsilon_lower_bound(0, 10, 0, 10, 1.0, 0.9).is_err());
        assert!(epsilon_point_estimate(11, 10, 0, 10, 0.0).is_err());
    }

    /// One audit of ε-DP randomized response: the canary bit is reported
    /// truthfully with probability e^ε/(1 + e^ε), which makes the optimal
    /// test hit FPR = FNR = 1/(1 + e^ε) exactly, i.e. the tightest case.
    fn randomized_response_game(eps: f64, n: u64, rng: &mut ChaCha8Rng) -> (u64, u64) {
        let truth = eps.exp() / (1.0 + eps.exp());
        let fp = (0..n).filter(|_| !rng.random_bool(truth)).count() as u64;
        let fn_ = (0..n).filter(|_| !rng.random_bool(truth)).count() as u64;
        (fp, fn_)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(12))]

        /// The bound is a valid lower bound: on a mechanism whose ε is known
        /// exactly, it exceeds ε no more often than 1 − confidence (plus
        /// sampling slack over 400 simulated audits).
        #[test]
        fn bound_exceeds_true_epsilon_rarely(
            eps in 0.1f64..3.0,
            n in 10u64..200,
            confidence in 0.8f64..0.99,
            seed in any::<u64>(),
        ) {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let games = 400;
            let mut over = 0;
            for _ in 0..games {
                let (fp, fn_) = randomized_response_game(eps, n, &mut rng);
                if epsilon_lower_bound(fp, n, fn_, n, 0.0, confidence).unwrap() > eps {
                    over += 1;
                }
            }
            let rate = over as f64 / games as f64;
            let allowed = 1.0 - confidence;
            // 4 binomial standard deviations of slack.
            let slack = 4.0 * (allowed * (1.0 - allowed) / games as f64).sqrt() + 0.005;
            prop_assert!(rate <= allowed + slack, "ε={eps} n={n}: {rate} > {allowed} + {slack}");
        }

        #[test]
        fn bound_is_never_negative_nor_above_the_point_estimate(
            n_out in 1u64..100, n_in in 1u64..100, a in 0.0f64..1.0, b in 0.0f64..1.0,
            delta in 0.0f64..0.1, confidence in 0.5f64..0.999,
        ) {
            let fp = (a * n_out as f64) as u64;
            let fn_ = (b * n_in as f64) as u64;
            let lb = epsilon_lower_bound(fp, n_out, fn_, n_in, delta, confidence).unwrap();
            let pe = epsilon_point_estimate(fp, n_out, fn_, n_in, delta).unwrap();
            prop_assert!(lb >= 0.0 && lb.is_finite());
            prop_assert!(pe >= lb - 1e-12, "{pe} < {lb}");
        }
    }
}
