//! The train/holdout split of the evaluation protocol.
//!
//! The synthesizer must see only the train part; the holdout is what
//! "unseen real patients" look like, for TSTR utility and for membership
//! and distance-to-closest-record privacy checks. Stratifying on the target
//! keeps the class balance equal in both parts, which matters for small
//! cohorts (heart: 139 vs 164 cases) where a plain shuffle can move several
//! percent of the positives.
//!
//! Sizes follow scikit-learn's `train_test_split(test_size=share,
//! stratify=y)`: the holdout has `ceil(share·n)` rows, and per class the
//! train part gets the "approximate mode" of the multivariate
//! hypergeometric draw (floored proportional shares, remaining rows given to
//! the classes with the largest remainders, ties broken by the seeded
//! generator). The rows drawn differ from scikit-learn's (another random
//! generator) but sizes and class counts agree.

use std::collections::HashMap;

use medsynth_data::Table;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::error::EvalError;
use crate::target::{TargetSpec, TargetValues, read_target};

/// Splits `table` into (train, holdout), holding out `holdout_share` of the
/// rows (0 < share < 1), stratified on the labels of column `stratify` when
/// given (a missing cell is a stratum of its own). Deterministic given
/// `seed`; rows keep their original order within each part.
pub fn split(
    table: &Table,
    holdout_share: f64,
    stratify: Option<&str>,
    seed: u64,
) -> Result<(Table, Table), EvalError> {
    let strata = match stratify {
        None => None,
        Some(name) => {
            let col = table.column(name).ok_or_else(|| {
                EvalError::Invalid(format!("stratify column '{name}' is not in the table"))
            })?;
            let mut index: HashMap<Option<String>, u32> = HashMap::new();
            let codes: Vec<u32> = (0..col.len())
                .map(|r| {
                    let n = index.len() as u32;
                    *index.entry(col.label(r)).or_insert(n)
                })
                .collect();
            Some(codes)
        }
    };
    let (train, holdout) = split_indices(table.n_rows(), holdout_share, strata.as_deref(), seed)?;
    Ok((table.take_rows(&train), table.take_rows(&holdout)))
}

/// Like [`split`], stratified on the target as `target` reads it (heart:
/// `num > 0` rather than the five raw severities), which is the protocol
/// of `shared/benchmarks/peers.md`. Rows with a missing target form their
/// own stratum.
pub fn split_by_target(
    table: &Table,
    holdout_share: f64,
    target: &TargetSpec,
    schema: &medsynth_data::Schema,
    seed: u64,
) -> Result<(Table, Table), EvalError> {
    let strata: Vec<u32> = match read_target(&[("input", table)], schema, target)? {
        TargetValues::Classes { classes, y } => {
            let missing = classes.len() as u32;
            y[0].iter().map(|c| c.unwrap_or(missing)).collect()
        }
        TargetValues::Numeric { .. } => {
            return Err(EvalError::target(
                &target.column,
                "cannot stratify on a numeric target",
            ));
        }
    };
    let (train, holdout) = split_indices(table.n_rows(), holdout_share, Some(&strata), seed)?;
    Ok((table.take_rows(&train), table.take_rows(&holdout)))
}

/// Row indices (train, holdout), each sorted, for `n` rows with optional
/// stratum codes. See the module docs for the sizes.
pub fn split_indices(
    n: usize,
    holdout_share: f64,
    strata: Option<&[u32]>,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>), EvalError> {
    if holdout_share.is_nan() || holdout_share <= 0.0 || holdout_share >= 1.0 {
        return Err(EvalError::Invalid(format!(
            "the holdout share must be between 0 and 1 (exclusive), got {holdout_share}"
        )));
    }
    let n_test = (holdout_share * n as f64).ceil() as usize;
    let n_train = n.saturating_sub(n_test);
    if n_test == 0 || n_train == 0 {
        return Err(EvalError::Invalid(format!(
            "cannot split {n} rows with holdout share {holdout_share}: one part would be empty"
        )));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut train = Vec::with_capacity(n_train);
    let mut holdout = Vec::with_capacity(n_test);
    match strata {
        None => {
            let mut idx: Vec<usize> = (0..n).collect();
            idx.shuffle(&mut rng);
            holdout.extend_from_slice(&idx[..n_test]);
            train.extend_from_slice(&idx[n_test..]);
        }
        Some(codes) => {
            if codes.len() != n {
                return Err(EvalError::Internal(
                    "strata length differs from row count".into(),
                ));
            }
            let n_classes = codes.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
            let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_classes];
            for (i, &c) in codes.iter().enumerate() {
                members[c as usize].push(i);
            }
            members.retain(|m| !m.is_empty());
            if let Some(small) = members.iter().find(|m| m.len() < 2) {
                return Err(EvalError::Invalid(format!(
                    "cannot stratify: a class has only {} row (row {}); every class needs at least 2",
                    small.len(),
                    small[0] + 1
                )));
            }
            if n_train < members.len() || n_test < members.len() {
                return Err(EvalError::Invalid(format!(
                    "cannot stratify {} classes into {n_train} train and {n_test} holdout rows",
                    members.len()
                )));
            }
            let counts: Vec<usize> = members.iter().map(Vec::len).collect();
            let train_counts = approximate_mode(&counts, n_train, &mut rng);
            for (m, &k) in members.iter_mut().zip(&train_counts) {
                m.shuffle(&mut rng);
                train.extend_from_slice(&m[..k]);
                holdout.extend_from_slice(&m[k..]);
            }
        }
    }
    train.sort_unstable();
    holdout.sort_unstable();
    Ok((train, holdout))
}

/// The most likely per-class counts when drawing `draws` of `counts` rows
/// without replacement: floored proportional shares, then one more for the
/// classes with the largest remainders (random among equal remainders), as
/// scikit-learn's `_approximate_mode` does.
fn approximate_mode(counts: &[usize], draws: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let total: usize = counts.iter().sum();
    let cont: Vec<f64> = counts
        .iter()
        .map(|&c| c as f64 * draws as f64 / total as f64)
        .collect();
    let mut out: Vec<usize> = cont.iter().map(|c| c.floor() as usize).collect();
    let mut need = draws.saturating_sub(out.iter().sum());
    let rem: Vec<f64> = cont.iter().zip(&out).map(|(c, &f)| c - f as f64).collect();
    let mut values = rem.clone();
    values.sort_by(|a, b| b.total_cmp(a));
    values.dedup();
    for v in values {
        if need == 0 {
            break;
        }
        let mut inds: Vec<usize> = (0..rem.len()).filter(|&i| rem[i] == v).collect();
        inds.shuffle(rng);
        for &i in inds.iter().take(need) {
            out[i] += 1;
        }
        need -= need.min(inds.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn heart_like_sizes_match_sklearn() {
        // 303 rows, 139 positives: sklearn gives 212 train / 91 holdout,
        // 97 positives in train.
        let strata: Vec<u32> = (0..303).map(|i| u32::from(i < 139)).collect();
        let (tr, ho) = split_indices(303, 0.3, Some(&strata), 0).unwrap();
        assert_eq!((tr.len(), ho.len()), (212, 91));
        assert_eq!(tr.iter().filter(|&&i| i < 139).count(), 97);
    }

    #[test]
    fn rejects_bad_share_and_singleton_class() {
        assert!(split_indices(10, 1.0, None, 0).is_err());
        assert!(split_indices(10, 0.0, None, 0).is_err());
        let strata = [0, 0, 0, 1];
        let e = split_indices(4, 0.5, Some(&strata), 0).unwrap_err();
        assert!(e.to_string().contains("row 4"), "{e}");
    }

    proptest! {
        #[test]
        fn partition_is_exact_and_deterministic(n in 4usize..300, share in 0.05f64..0.95, k in 1u32..4, seed in 0u64..5) {
            let strata: Vec<u32> = (0..n).map(|i| (i as u32 * 7 + 3) % k).collect();
            let res = split_indices(n, share, Some(&strata), seed);
            if let Ok((tr, ho)) = res {
                prop_assert_eq!(ho.len(), (share * n as f64).ceil() as usize);
                let mut all: Vec<usize> = tr.iter().chain(&ho).copied().collect();
                all.sort_unstable();
                prop_assert_eq!(all, (0..n).collect::<Vec<_>>());
                prop_assert_eq!(split_indices(n, share, Some(&strata), seed).unwrap(), (tr.clone(), ho.clone()));
                // Each class is within one row of its proportional share.
                for c in 0..k {
                    let nc = strata.iter().filter(|&&s| s == c).count() as f64;
                    let tc = tr.iter().filter(|&&i| strata[i] == c).count() as f64;
                    prop_assert!((tc - nc * tr.len() as f64 / n as f64).abs() <= 1.0 + 1e-9);
                }
            }
        }
    }
}
