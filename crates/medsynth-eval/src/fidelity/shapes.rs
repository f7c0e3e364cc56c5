//! Single-column comparisons: SDMetrics' `KSComplement` and `TVComplement`
//! plus diagnostics SDMetrics' report does not average (Wasserstein,
//! missing-rate difference, range and category coverage).

/// `1 − D` of the two-sample Kolmogorov–Smirnov test, as SDMetrics'
/// `KSComplement`: missing values (`NaN`) are dropped first; `None` when
/// either side has no value left. `D` is the largest gap between the two
/// empirical CDFs evaluated at every observed value (ties handled as
/// `scipy.stats.ks_2samp` does).
pub fn ks_complement(real: &[f64], synthetic: &[f64]) -> Option<f64> {
    let a = sorted_valid(real);
    let b = sorted_valid(synthetic);
    ks_statistic_sorted(&a, &b).map(|d| 1.0 - d)
}

/// The KS statistic of two sorted, NaN-free samples.
pub fn ks_statistic_sorted(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j) = (0, 0);
    let mut d: f64 = 0.0;
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / na - j as f64 / nb).abs());
    }
    Some(d)
}

/// The values without `NaN`, sorted ascending.
pub fn sorted_valid(v: &[f64]) -> Vec<f64> {
    let mut out: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
    out.sort_unstable_by(f64::total_cmp);
    out
}

/// `1 − TVD` of the category frequencies, as SDMetrics' `TVComplement`:
/// missing cells are dropped, frequencies are shares of the non-missing
/// cells, and the distance is half the sum of absolute differences over all
/// levels seen in either table. `counts_*` are per code with the missing
/// code last (see `CategoricalData::counts`); `None` when either side has
/// no non-missing cell.
pub fn tv_complement(counts_real: &[u64], counts_synth: &[u64]) -> Option<f64> {
    let k = counts_real.len().saturating_sub(1);
    let nr: u64 = counts_real[..k].iter().sum();
    let ns: u64 = counts_synth[..k].iter().sum();
    if nr == 0 || ns == 0 {
        return None;
    }
    let tv: f64 = (0..k)
        .map(|i| (counts_real[i] as f64 / nr as f64 - counts_synth[i] as f64 / ns as f64).abs())
        .sum();
    Some(1.0 - 0.5 * tv)
}

/// First Wasserstein distance between the two empirical distributions
/// (missing dropped), i.e. the area between their CDFs, divided by the real
/// range so that 0.05 means "5 % of the real range" whatever the unit.
/// `None` when a side is empty or the real range is zero.
pub fn wasserstein_normalised(
    real_sorted: &[f64],
    synth_sorted: &[f64],
    real_range: Option<f64>,
) -> Option<f64> {
    let range = real_range?;
    if real_sorted.is_empty() || synth_sorted.is_empty() {
        return None;
    }
    let (na, nb) = (real_sorted.len() as f64, synth_sorted.len() as f64);
    let (mut i, mut j) = (0usize, 0usize);
    let mut prev = real_sorted[0].min(synth_sorted[0]);
    let mut area = 0.0;
    while i < real_sorted.len() || j < synth_sorted.len() {
        let x = match (real_sorted.get(i), synth_sorted.get(j)) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) => a,
            (None, Some(&b)) => b,
            (None, None) => break,
        };
        area += (i as f64 / na - j as f64 / nb).abs() * (x - prev);
        prev = x;
        while i < real_sorted.len() && real_sorted[i] <= x {
            i += 1;
        }
        while j < synth_sorted.len() && synth_sorted[j] <= x {
            j += 1;
        }
    }
    Some(area / range)
}

/// Share of the real range `[min, max]` the synthetic values span, as
/// SDMetrics' `RangeCoverage`: 1 when the synthetic data reaches both real
/// extremes, lower when it stops short on either side (never below 0).
pub fn range_coverage(real_sorted: &[f64], synth_sorted: &[f64]) -> Option<f64> {
    let (&rmin, &rmax) = (real_sorted.first()?, real_sorted.last()?);
    let (&smin, &smax) = (synth_sorted.first()?, synth_sorted.last()?);
    let r = rmax - rmin;
    if r <= 0.0 {
        return None;
    }
    let lo = ((smin - rmin) / r).max(0.0);
    let hi = ((rmax - smax) / r).max(0.0);
    Some((1.0 - (lo + hi)).max(0.0))
}

/// Share of the real (non-missing) categories that occur in the synthetic
/// data, as SDMetrics' `CategoryCoverage`.
pub fn category_coverage(counts_real: &[u64], counts_synth: &[u64]) -> Option<f64> {
    let k = counts_real.len().saturating_sub(1);
    let real_levels = (0..k).filter(|&i| counts_real[i] > 0).count();
    if real_levels == 0 {
        return None;
    }
    let covered = (0..k)
        .filter(|&i| counts_real[i] > 0 && counts_synth[i] > 0)
        .count();
    Some(covered as f64 / real_levels as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The KS statistic straight from its definition: max over every
    /// observed value of |F_a(x) − F_b(x)|.
    fn ks_naive(a: &[f64], b: &[f64]) -> f64 {
        let cdf = |s: &[f64], x: f64| s.iter().filter(|&&v| v <= x).count() as f64 / s.len() as f64;
        a.iter()
            .chain(b)
            .map(|&x| (cdf(a, x) - cdf(b, x)).abs())
            .fold(0.0, f64::max)
    }

    #[test]
    fn ks_known_values() {
        assert_eq!(ks_complement(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]), Some(1.0));
        assert_eq!(ks_complement(&[1.0, 2.0], &[3.0, 4.0]), Some(0.0));
        // NaN dropped: identical after dropping.
        assert_eq!(ks_complement(&[1.0, f64::NAN, 2.0], &[2.0, 1.0]), Some(1.0));
        assert_eq!(ks_complement(&[f64::NAN], &[1.0]), None);
    }

    #[test]
    fn tv_drops_missing_and_handles_new_levels() {
        // levels a, b, c(new in synthetic), missing
        let real = [2, 2, 0, 5];
        let synth = [1, 2, 1, 0];
        // real shares .5 .5 0, synth .25 .5 .25 -> TVD .25
        assert!((tv_complement(&real, &synth).unwrap() - 0.75).abs() < 1e-12);
        assert_eq!(category_coverage(&real, &synth), Some(1.0));
    }

    #[test]
    fn wasserstein_of_shift_is_shift_over_range() {
        let a: Vec<f64> = (0..=10).map(f64::from).collect();
        let b: Vec<f64> = a.iter().map(|x| x + 1.0).collect();
        let w = wasserstein_normalised(&a, &b, Some(10.0)).unwrap();
        assert!((w - 0.1).abs() < 1e-12, "{w}");
        assert!((range_coverage(&a, &b).unwrap() - 0.9).abs() < 1e-12);
    }

    proptest! {
        #[test]
        fn ks_matches_definition(a in prop::collection::vec(0u8..20, 1..40), b in prop::collection::vec(0u8..20, 1..40)) {
            let a: Vec<f64> = a.into_iter().map(f64::from).collect();
            let b: Vec<f64> = b.into_iter().map(f64::from).collect();
            let fast = ks_statistic_sorted(&sorted_valid(&a), &sorted_valid(&b)).unwrap();
            prop_assert!((fast - ks_naive(&a, &b)).abs() < 1e-12);
        }
    }
}
