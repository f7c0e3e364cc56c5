//! Membership-inference attacks: can an attacker who holds the synthetic data
//! tell the records it was trained on (members) from similar records it never
//! saw (non-members)?
//!
//! Design. The real holdout provides the non-members, so the attacks measure
//! what the synthetic data leaks beyond what the population already tells.
//! The holdout is split in two halves: one half are the non-members, the
//! other half is the *reference* sample the density-ratio attack uses to
//! model "the population"; keeping them disjoint stops the reference from
//! recognising its own rows. Members are a random train subset of the same
//! size as the non-members, so the AUC is not skewed by class sizes. Both
//! sides are capped at `max_rows` (default 2,000) because the attacks scan
//! the whole synthetic table for every candidate; with 2,000 + 2,000
//! candidates the standard error of the AUC is about 0.0065, which the
//! report shows as a 95 % interval (Hanley & McNeil).
//!
//! - `distance`: score = −(Gower distance to the closest synthetic record).
//!   A model that memorises its training rows puts synthetic rows on top of
//!   members.
//! - `density_ratio` (DOMIAS, van Breugel et al. 2023): score = density of
//!   the synthetic data at the record / density of the reference sample at
//!   the record. Overfitting shows as synthetic density peaks at members
//!   that the population density does not explain. Densities are 1-nearest-
//!   neighbour estimates in the Gower space, `p(x) ∝ 1 / (n · r(x)^d)`; only
//!   the ranking matters for the AUC, so the score is
//!   `ln(r_ref + ε) − ln(r_syn + ε)` (ε = 10⁻³ avoids infinities on exact
//!   copies while keeping them at the top).
//!
//! AUC 0.5 means the attacker does no better than a coin; the report never
//! turns a low AUC into a "safe" verdict, because other attacks may work.

use serde::Serialize;

/// One attack's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct AttackResult {
    /// Area under the ROC curve (0.5 = chance, 1 = every member found).
    pub auc: f64,
    /// 95 % interval of the AUC (Hanley & McNeil 1982).
    pub auc_ci: [f64; 2],
    /// Share of members caught when only 1 % of non-members are accused.
    pub tpr_at_fpr_1pct: f64,
    /// Share of members caught when 10 % of non-members are accused.
    pub tpr_at_fpr_10pct: f64,
    pub n_members: usize,
    pub n_non_members: usize,
    /// The ROC curve as (FPR, TPR) points, thinned to at most 201 points.
    pub roc: Vec<[f64; 2]>,
    /// Plain-language reading of the numbers.
    pub verdict: String,
}

/// AUC of scores where larger means "more likely a member" (Mann-Whitney
/// with ties counted as one half). `None` when a side is empty.
pub fn auc(members: &[f64], non_members: &[f64]) -> Option<f64> {
    let (m, n) = (members.len(), non_members.len());
    if m == 0 || n == 0 {
        return None;
    }
    let mut all: Vec<(f64, bool)> = members
        .iter()
        .map(|&s| (s, true))
        .chain(non_members.iter().map(|&s| (s, false)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j + 1 < all.len() && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += avg_rank * all[i..=j].iter().filter(|x| x.1).count() as f64;
        i = j + 1;
    }
    Some((rank_sum - (m * (m + 1)) as f64 / 2.0) / (m as f64 * n as f64))
}

/// The ROC curve (FPR, TPR) from the strictest threshold to the loosest;
/// tied scores move both rates at once.
pub fn roc_curve(members: &[f64], non_members: &[f64]) -> Vec<[f64; 2]> {
    let (m, n) = (members.len() as f64, non_members.len() as f64);
    let mut all: Vec<(f64, bool)> = members
        .iter()
        .map(|&s| (s, true))
        .chain(non_members.iter().map(|&s| (s, false)))
        .collect();
    all.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut pts = vec![[0.0, 0.0]];
    let (mut tp, mut fp) = (0.0, 0.0);
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j < all.len() && all[j].0 == all[i].0 {
            if all[j].1 {
                tp += 1.0;
            } else {
                fp += 1.0;
            }
            j += 1;
        }
        pts.push([
            if n > 0.0 { fp / n } else { 0.0 },
            if m > 0.0 { tp / m } else { 0.0 },
        ]);
        i = j;
    }
    pts
}

/// The highest TPR reachable with FPR ≤ `max_fpr` (no interpolation between
/// thresholds: an attacker must pick an actual threshold).
pub fn tpr_at_fpr(roc: &[[f64; 2]], max_fpr: f64) -> f64 {
    roc.iter()
        .filter(|p| p[0] <= max_fpr + 1e-12)
        .map(|p| p[1])
        .fold(0.0, f64::max)
}

/// Hanley & McNeil (1982) 95 % interval of an AUC.
pub fn auc_interval(auc: f64, m: usize, n: usize) -> [f64; 2] {
    let (m, n) = (m as f64, n as f64);
    if m == 0.0 || n == 0.0 {
        return [0.0, 1.0];
    }
    let q1 = auc / (2.0 - auc);
    let q2 = 2.0 * auc * auc / (1.0 + auc);
    let var =
        (auc * (1.0 - auc) + (m - 1.0) * (q1 - auc * auc) + (n - 1.0) * (q2 - auc * auc)) / (m * n);
    let se = var.max(0.0).sqrt();
    [(auc - 1.96 * se).max(0.0), (auc + 1.96 * se).min(1.0)]
}

/// Scores → full attack result with a verdict.
pub fn attack_result(name: &str, members: &[f64], non_members: &[f64]) -> AttackResult {
    let auc_value = auc(members, non_members).unwrap_or(0.5);
    let roc = roc_curve(members, non_members);
    let tpr1 = tpr_at_fpr(&roc, 0.01);
    let tpr10 = tpr_at_fpr(&roc, 0.10);
    let ci = auc_interval(auc_value, members.len(), non_members.len());
    let verdict = verdict(name, auc_value, ci, tpr1);
    AttackResult {
        auc: auc_value,
        auc_ci: ci,
        tpr_at_fpr_1pct: tpr1,
        tpr_at_fpr_10pct: tpr10,
        n_members: members.len(),
        n_non_members: non_members.len(),
        roc: thin(&roc, 201),
        verdict,
    }
}

fn verdict(name: &str, auc: f64, ci: [f64; 2], tpr1: f64) -> String {
    if ci[0] > 0.6 || tpr1 > 0.1 {
        format!(
            "The {name} attack separates training records from unseen ones (AUC {auc:.3}, {:.0} % of members caught at 1 % false alarms): the synthetic data leaks membership. Do not share it; retrain with differential privacy or stronger regularisation.",
            tpr1 * 100.0
        )
    } else if ci[0] > 0.5 {
        format!(
            "The {name} attack does slightly better than chance (AUC {auc:.3}, interval {:.3}–{:.3}): a weak membership signal. Review before sharing; this is not a privacy guarantee either way.",
            ci[0], ci[1]
        )
    } else {
        format!(
            "No sign of membership leakage by the {name} attack (AUC {auc:.3}, interval {:.3}–{:.3}; 0.5 = chance). This is not a privacy guarantee: other attacks may succeed.",
            ci[0], ci[1]
        )
    }
}

/// At most `max` points of a curve, always keeping its ends.
fn thin(points: &[[f64; 2]], max: usize) -> Vec<[f64; 2]> {
    if points.len() <= max || max < 2 {
        return points.to_vec();
    }
    let step = (points.len() - 1) as f64 / (max - 1) as f64;
    (0..max)
        .map(|i| points[((i as f64 * step).round() as usize).min(points.len() - 1)])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn auc_known_cases() {
        assert_eq!(auc(&[3.0, 4.0], &[1.0, 2.0]), Some(1.0));
        assert_eq!(auc(&[1.0, 2.0], &[3.0, 4.0]), Some(0.0));
        assert_eq!(auc(&[1.0, 1.0], &[1.0, 1.0]), Some(0.5));
        // One of four pairs inverted: 3 / 4.
        assert_eq!(auc(&[2.0, 4.0], &[1.0, 3.0]), Some(0.75));
        assert_eq!(auc(&[], &[1.0]), None);
    }

    #[test]
    fn tpr_at_fpr_picks_real_thresholds() {
        // Members 10, 9, 1; non-members 8, 0.
        let roc = roc_curve(&[10.0, 9.0, 1.0], &[8.0, 0.0]);
        assert_eq!(roc.first(), Some(&[0.0, 0.0]));
        assert_eq!(roc.last(), Some(&[1.0, 1.0]));
        assert!((tpr_at_fpr(&roc, 0.0) - 2.0 / 3.0).abs() < 1e-12);
        assert!((tpr_at_fpr(&roc, 0.5) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn interval_narrows_with_size() {
        let a = auc_interval(0.6, 50, 50);
        let b = auc_interval(0.6, 2000, 2000);
        assert!(a[1] - a[0] > b[1] - b[0]);
        assert!(b[0] < 0.6 && b[1] > 0.6);
        assert!((b[1] - b[0]) < 0.04);
    }

    #[test]
    fn verdict_never_says_safe() {
        for (m, n) in [
            (vec![1.0, 2.0], vec![1.5, 2.5]),
            (vec![5.0; 30], vec![0.0; 30]),
        ] {
            let r = attack_result("distance", &m, &n);
            assert!(
                !r.verdict.to_lowercase().contains("safe to"),
                "{}",
                r.verdict
            );
        }
        let leak = attack_result("distance", &[5.0; 30], &[0.0; 30]);
        assert!(
            leak.verdict.contains("leaks membership"),
            "{}",
            leak.verdict
        );
    }

    proptest! {
        /// AUC equals the share of (member, non-member) pairs ranked right,
        /// ties counting one half, and the ROC ends at (1, 1).
        #[test]
        fn auc_matches_pair_count(m in proptest::collection::vec(0u8..6, 1..25), n in proptest::collection::vec(0u8..6, 1..25)) {
            let mf: Vec<f64> = m.iter().map(|&x| f64::from(x)).collect();
            let nf: Vec<f64> = n.iter().map(|&x| f64::from(x)).collect();
            let mut pairs = 0.0;
            for a in &mf { for b in &nf { pairs += if a > b { 1.0 } else if a == b { 0.5 } else { 0.0 }; } }
            let expected = pairs / (mf.len() * nf.len()) as f64;
            let got = auc(&mf, &nf).unwrap();
            prop_assert!((got - expected).abs() < 1e-12);
            let roc = roc_curve(&mf, &nf);
            prop_assert_eq!(roc.last().copied(), Some([1.0, 1.0]));
            // Trapezoid area under the ROC equals the AUC.
            let area: f64 = roc.windows(2).map(|w| (w[1][0] - w[0][0]) * (w[1][1] + w[0][1]) / 2.0).sum();
            prop_assert!((area - got).abs() < 1e-9);
        }
    }
}
