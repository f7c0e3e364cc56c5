//! Prediction scores with scikit-learn's definitions: ROC AUC (binary, and
//! one-vs-rest macro for several classes), the classification report
//! (precision, recall, F1 per class, accuracy, macro and weighted means;
//! 0 where a ratio is undefined, like `zero_division=0`), R², MAE and
//! Spearman's rank correlation.

use serde::{Deserialize, Serialize};

/// ROC AUC of scores for a 0/1 truth, via the Mann–Whitney rank sum with
/// tied scores sharing their mean rank (identical to the trapezoidal area
/// `roc_auc_score` computes). `None` when one class is absent.
pub fn roc_auc(truth: &[bool], score: &[f64]) -> Option<f64> {
    let n_pos = truth.iter().filter(|t| **t).count();
    let n_neg = truth.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return None;
    }
    let ranks = average_ranks(score);
    let sum_pos: f64 = ranks
        .iter()
        .zip(truth)
        .filter(|(_, t)| **t)
        .map(|(r, _)| r)
        .sum();
    let (p, n) = (n_pos as f64, n_neg as f64);
    Some((sum_pos - p * (p + 1.0) / 2.0) / (p * n))
}

/// 1-based ranks, ties averaged.
pub fn average_ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut ranks = vec![0.0; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        let r = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            ranks[k] = r;
        }
        i = j + 1;
    }
    ranks
}

/// Spearman's rank correlation (`None` when either side is constant or
/// shorter than 2).
pub fn spearman(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.len() != b.len() || a.len() < 2 {
        return None;
    }
    crate::fidelity::pairs::pearson(&average_ranks(a), &average_ranks(b))
}

/// Precision, recall and F1 of one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassScores {
    pub class: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Rows of this class in the test data.
    pub support: usize,
}

/// Macro or support-weighted means of the per-class scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AverageScores {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// scikit-learn's `classification_report`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationReport {
    pub classes: Vec<ClassScores>,
    pub accuracy: f64,
    pub macro_avg: AverageScores,
    pub weighted_avg: AverageScores,
}

/// Report for true classes `truth` and predicted classes `pred` (indices
/// into `classes`); only classes occurring in either are listed, as
/// scikit-learn does.
pub fn classification_report(
    truth: &[usize],
    pred: &[usize],
    classes: &[String],
) -> ClassificationReport {
    let k = classes.len();
    let (mut tp, mut n_true, mut n_pred) = (vec![0usize; k], vec![0usize; k], vec![0usize; k]);
    for (&t, &p) in truth.iter().zip(pred) {
        n_true[t] += 1;
        n_pred[p] += 1;
        if t == p {
            tp[t] += 1;
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let per: Vec<ClassScores> = (0..k)
        .filter(|&c| n_true[c] > 0 || n_pred[c] > 0)
        .map(|c| {
            let precision = ratio(tp[c], n_pred[c]);
            let recall = ratio(tp[c], n_true[c]);
            let f1 = if precision + recall > 0.0 {
                2.0 * precision * recall / (precision + recall)
            } else {
                0.0
            };
            ClassScores {
                class: classes[c].clone(),
                precision,
                recall,
                f1,
                support: n_true[c],
            }
        })
        .collect();
    let m = per.len().max(1) as f64;
    let total: usize = per.iter().map(|c| c.support).sum();
    let wsum = |f: &dyn Fn(&ClassScores) -> f64| {
        if total == 0 {
            0.0
        } else {
            per.iter().map(|c| f(c) * c.support as f64).sum::<f64>() / total as f64
        }
    };
    ClassificationReport {
        accuracy: ratio(tp.iter().sum(), truth.len()),
        macro_avg: AverageScores {
            precision: per.iter().map(|c| c.precision).sum::<f64>() / m,
            recall: per.iter().map(|c| c.recall).sum::<f64>() / m,
            f1: per.iter().map(|c| c.f1).sum::<f64>() / m,
        },
        weighted_avg: AverageScores {
            precision: wsum(&|c| c.precision),
            recall: wsum(&|c| c.recall),
            f1: wsum(&|c| c.f1),
        },
        classes: per,
    }
}

/// ROC AUC from class probabilities: binary → AUC of the positive class
/// (index 1); several classes → mean one-vs-rest AUC over the classes
/// present in `truth` (`roc_auc_score(multi_class="ovr", average="macro")`).
pub fn auc_from_proba(truth: &[usize], proba: &[Vec<f64>], n_classes: usize) -> Option<f64> {
    if n_classes == 2 {
        let t: Vec<bool> = truth.iter().map(|&c| c == 1).collect();
        let s: Vec<f64> = proba.iter().map(|p| p[1]).collect();
        return roc_auc(&t, &s);
    }
    let mut aucs = Vec::new();
    for c in 0..n_classes {
        let t: Vec<bool> = truth.iter().map(|&x| x == c).collect();
        let s: Vec<f64> = proba.iter().map(|p| p[c]).collect();
        if let Some(a) = roc_auc(&t, &s) {
            aucs.push(a);
        }
    }
    (!aucs.is_empty()).then(|| aucs.iter().sum::<f64>() / aucs.len() as f64)
}

/// Coefficient of determination (`None` for a constant truth).
pub fn r2(truth: &[f64], pred: &[f64]) -> Option<f64> {
    let n = truth.len() as f64;
    let mean = truth.iter().sum::<f64>() / n;
    let ss_tot: f64 = truth.iter().map(|t| (t - mean).powi(2)).sum();
    let ss_res: f64 = truth.iter().zip(pred).map(|(t, p)| (t - p).powi(2)).sum();
    (ss_tot > 0.0).then(|| 1.0 - ss_res / ss_tot)
}

/// Mean absolute error.
pub fn mae(truth: &[f64], pred: &[f64]) -> f64 {
    truth
        .iter()
        .zip(pred)
        .map(|(t, p)| (t - p).abs())
        .sum::<f64>()
        / truth.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// AUC from its definition: share of (positive, negative) pairs ordered
    /// correctly, ties counting one half.
    fn auc_naive(t: &[bool], s: &[f64]) -> f64 {
        let (mut good, mut pairs) = (0.0, 0.0);
        for i in 0..t.len() {
            for j in 0..t.len() {
                if t[i] && !t[j] {
                    pairs += 1.0;
                    if s[i] > s[j] {
                        good += 1.0;
                    } else if s[i] == s[j] {
                        good += 0.5;
                    }
                }
            }
        }
        good / pairs
    }

    proptest! {
        #[test]
        fn auc_matches_pair_definition(v in prop::collection::vec((any::<bool>(), 0u8..6), 2..60)) {
            let t: Vec<bool> = v.iter().map(|x| x.0).collect();
            let s: Vec<f64> = v.iter().map(|x| f64::from(x.1)).collect();
            if let Some(a) = roc_auc(&t, &s) {
                prop_assert!((a - auc_naive(&t, &s)).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn report_matches_hand_computation() {
        let classes = vec!["a".to_string(), "b".to_string()];
        let r = classification_report(&[0, 0, 1, 1], &[0, 1, 1, 1], &classes);
        assert_eq!(r.accuracy, 0.75);
        assert!((r.classes[1].precision - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(r.classes[0].recall, 0.5);
        assert!((r.macro_avg.f1 - (2.0 / 3.0 + 0.8) / 2.0).abs() < 1e-12);
        assert!((spearman(&[1.0, 2.0, 3.0], &[10.0, 20.0, 30.0]).unwrap() - 1.0).abs() < 1e-12);
        assert!((spearman(&[1.0, 2.0, 3.0], &[3.0, 1.0, 2.0]).unwrap() + 0.5).abs() < 1e-12);
        assert_eq!(r2(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]), Some(1.0));
    }
}
