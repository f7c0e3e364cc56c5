//! Fairness and bias per sensitive attribute (sex, race, ...).
//!
//! Synthetic data can look fine on average while erasing a minority: a
//! generator that under-samples a small group, or blurs its outcome
//! pattern, produces models that work worse for exactly that group. Two
//! checks per attribute:
//!
//! 1. **Representation**: each group's share of the real train rows against
//!    its share of the synthetic rows.
//! 2. **Per-group utility**: the protocol's logistic regression trained on
//!    synthetic rows (TSTR) and on real train rows (TRTR), both scored on
//!    the real holdout group by group: ROC AUC, and TPR/FPR at the 0.5
//!    threshold. A drop of more than 0.05 AUC for a group, or a TPR/FPR
//!    shift of more than 0.10, is flagged. Groups with fewer than 30
//!    holdout rows (or without both outcomes) are reported as too small to
//!    judge rather than given noisy numbers a reader could over-interpret.
//!
//! Only binary targets get per-group utility (TPR and FPR need a positive
//! class); other targets get the representation check alone.

use std::collections::HashMap;

use medsynth_data::{Schema, Table};
use serde::Serialize;

use crate::error::EvalError;
use crate::prepare::{Prepared, prepare_columns};
use crate::privacy::mia::auc;
use crate::target::{TargetSpec, TargetValues, read_target, require_two_classes};
use crate::utility::design::Encoder;
use crate::utility::logistic::{Loss, fit};

/// Groups with fewer holdout rows than this are not judged.
pub const MIN_GROUP_ROWS: usize = 30;
/// AUC drop (TRTR − TSTR) above which a group is flagged.
pub const AUC_GAP: f64 = 0.05;
/// TPR or FPR shift above which a group is flagged.
pub const RATE_GAP: f64 = 0.10;
/// Groups shown per attribute; smaller ones are pooled into "other".
const MAX_GROUPS: usize = 20;

/// Scores of one model on one holdout group.
#[derive(Debug, Clone, Serialize, Default)]
pub struct GroupScores {
    pub auc: Option<f64>,
    pub tpr: Option<f64>,
    pub fpr: Option<f64>,
}

/// One group of one sensitive attribute.
#[derive(Debug, Clone, Serialize)]
pub struct GroupFairness {
    pub group: String,
    /// Share of real train rows in the group.
    pub real_share: f64,
    /// Share of synthetic rows in the group.
    pub synthetic_share: f64,
    pub holdout_rows: usize,
    /// Trained on real train rows.
    pub trtr: GroupScores,
    /// Trained on synthetic rows.
    pub tstr: GroupScores,
    /// TSTR AUC − TRTR AUC (negative = worse on synthetic).
    pub auc_gap: Option<f64>,
    /// True when the group has too few holdout rows (or one outcome only).
    pub too_small: bool,
    /// Why the group is flagged (empty = nothing to report).
    pub flags: Vec<String>,
}

/// All groups of one attribute.
#[derive(Debug, Clone, Serialize)]
pub struct AttributeFairness {
    pub attribute: String,
    pub groups: Vec<GroupFairness>,
    /// Largest |real share − synthetic share| over groups.
    pub max_representation_gap: f64,
    /// Largest AUC drop over judged groups (TRTR − TSTR), if any.
    pub max_auc_drop: Option<f64>,
    pub flagged_groups: usize,
    pub verdict: String,
}

/// The fairness section.
#[derive(Debug, Clone, Serialize)]
pub struct FairnessReport {
    pub target: String,
    pub attributes: Vec<AttributeFairness>,
}

fn group_labels(t: &Table, attr: &str) -> Vec<String> {
    match t.column(attr) {
        Some(c) => (0..c.len())
            .map(|r| c.label(r).unwrap_or_else(|| "(missing)".to_string()))
            .collect(),
        None => Vec::new(),
    }
}

fn shares(labels: &[String]) -> HashMap<&str, f64> {
    let mut m: HashMap<&str, f64> = HashMap::new();
    for l in labels {
        *m.entry(l.as_str()).or_default() += 1.0;
    }
    let n = labels.len().max(1) as f64;
    m.values_mut().for_each(|v| *v /= n);
    m
}

fn scores(truth: &[bool], p: &[f64]) -> GroupScores {
    let pos: Vec<f64> = truth
        .iter()
        .zip(p)
        .filter(|(t, _)| **t)
        .map(|(_, &s)| s)
        .collect();
    let neg: Vec<f64> = truth
        .iter()
        .zip(p)
        .filter(|(t, _)| !**t)
        .map(|(_, &s)| s)
        .collect();
    let rate = |v: &[f64]| {
        (!v.is_empty()).then(|| v.iter().filter(|&&s| s >= 0.5).count() as f64 / v.len() as f64)
    };
    GroupScores {
        auc: auc(&pos, &neg),
        tpr: rate(&pos),
        fpr: rate(&neg),
    }
}

/// Positive-class probabilities on the holdout from a logistic regression
/// trained on table `f` (0 = train, 2 = synthetic) of the prepared triple.
fn holdout_proba(
    p: &Prepared,
    cols: &[usize],
    y: &[Vec<Option<u32>>],
    f: usize,
    holdout_rows: &[usize],
) -> Vec<f64> {
    let fit_rows: Vec<usize> = (0..y[f].len()).filter(|&r| y[f][r].is_some()).collect();
    let enc = Encoder::fit(p, f, &fit_rows, cols);
    let xf = enc.encode(p, f, &fit_rows);
    let xe = enc.encode(p, 1, holdout_rows);
    let yf: Vec<f64> = fit_rows
        .iter()
        .map(|&r| f64::from(y[f][r].unwrap_or(0)))
        .collect();
    let model = fit(&xf, &yf, Loss::Binary, 1.0, 1.0);
    model
        .predict_proba(&xe)
        .into_iter()
        .map(|v| v.get(1).copied().unwrap_or(0.0))
        .collect()
}

/// Representation and per-group utility for each sensitive attribute.
///
/// Errors: a sensitive attribute absent from a table (named), and the
/// target errors of [`read_target`] (absent, a single class).
pub fn fairness_report(
    train: &Table,
    holdout: &Table,
    synthetic: &Table,
    schema: &Schema,
    target: &TargetSpec,
    sensitive: &[String],
) -> Result<FairnessReport, EvalError> {
    let tables = [
        ("train", train),
        ("holdout", holdout),
        ("synthetic", synthetic),
    ];
    check_sensitive(&tables, sensitive)?;
    let values = read_target(&tables, schema, target)?;
    for (t, (name, _)) in tables.iter().enumerate() {
        require_two_classes(&values, t, name, &target.column)?;
    }
    let p = match &values {
        TargetValues::Classes { classes, .. } if classes.len() == 2 => {
            Some(prepare_columns(&tables, schema, &[target.column.as_str()])?)
        }
        _ => None,
    };
    fairness_from_values(p.as_ref(), &tables, &values, target, sensitive)
}

/// [`fairness_report`] on tables already prepared as (train, holdout,
/// synthetic), e.g. by a full evaluation that prepares them once for every
/// metric; the target column, if prepared, is left out of the features.
pub fn fairness_from_prepared(
    p: &Prepared,
    tables: &[(&str, &Table); 3],
    schema: &Schema,
    target: &TargetSpec,
    sensitive: &[String],
) -> Result<FairnessReport, EvalError> {
    check_sensitive(tables, sensitive)?;
    let values = read_target(tables, schema, target)?;
    for (t, (name, _)) in tables.iter().enumerate() {
        require_two_classes(&values, t, name, &target.column)?;
    }
    fairness_from_values(Some(p), tables, &values, target, sensitive)
}

fn check_sensitive(tables: &[(&str, &Table); 3], sensitive: &[String]) -> Result<(), EvalError> {
    for (name, t) in tables {
        let missing: Vec<String> = sensitive
            .iter()
            .filter(|a| t.column(a).is_none())
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Err(EvalError::MissingColumns {
                table: format!("{name} (sensitive attribute)"),
                columns: missing,
            });
        }
    }
    Ok(())
}

fn fairness_from_values(
    p: Option<&Prepared>,
    tables: &[(&str, &Table); 3],
    values: &TargetValues,
    target: &TargetSpec,
    sensitive: &[String],
) -> Result<FairnessReport, EvalError> {
    let [(_, train), (_, holdout), (_, synthetic)] = *tables;
    // Holdout predictions of both models, when the target is binary.
    let predictions = match (values, p) {
        (TargetValues::Classes { classes, y }, Some(p)) if classes.len() == 2 => {
            let cols = p.feature_columns(&target.column);
            if cols.is_empty() {
                None
            } else {
                let rows: Vec<usize> = (0..y[1].len()).filter(|&r| y[1][r].is_some()).collect();
                let truth: Vec<bool> = rows.iter().map(|&r| y[1][r] == Some(1)).collect();
                let (trtr, tstr) = std::thread::scope(|s| {
                    let a = s.spawn(|| holdout_proba(p, &cols, y, 0, &rows));
                    let b = holdout_proba(p, &cols, y, 2, &rows);
                    (a.join(), b)
                });
                let trtr = trtr
                    .map_err(|_| EvalError::Internal("a fairness model thread panicked".into()))?;
                Some((rows, truth, trtr, tstr))
            }
        }
        _ => None,
    };

    let mut attributes = Vec::new();
    for attr in sensitive {
        let (lt, lh, ls) = (
            group_labels(train, attr),
            group_labels(holdout, attr),
            group_labels(synthetic, attr),
        );
        let (st, ss) = (shares(&lt), shares(&ls));
        // Groups by real frequency; the tail is pooled.
        let mut names: Vec<&str> = st.keys().copied().collect();
        for k in ss.keys() {
            if !st.contains_key(k) {
                names.push(k);
            }
        }
        names.sort_by(|a, b| {
            st.get(b)
                .unwrap_or(&0.0)
                .total_cmp(st.get(a).unwrap_or(&0.0))
                .then_with(|| a.cmp(b))
        });
        let keep: Vec<String> = names
            .iter()
            .take(MAX_GROUPS)
            .map(|s| s.to_string())
            .collect();
        let pooled = names.len() > MAX_GROUPS;
        let group_of = |l: &str| -> String {
            if keep.iter().any(|k| k == l) {
                l.to_string()
            } else {
                "other".to_string()
            }
        };
        let mut groups_list = keep.clone();
        if pooled {
            groups_list.push("other".to_string());
        }
        let mut groups = Vec::new();
        for g in &groups_list {
            let share = |m: &HashMap<&str, f64>| -> f64 {
                m.iter()
                    .filter(|(k, _)| group_of(k) == *g)
                    .map(|(_, v)| v)
                    .sum()
            };
            let (real_share, synthetic_share) = (share(&st), share(&ss));
            let mut flags = Vec::new();
            if (real_share - synthetic_share).abs() > 0.05 {
                flags.push(format!(
                    "represented by {:.1} % of synthetic rows vs {:.1} % of real rows",
                    synthetic_share * 100.0,
                    real_share * 100.0
                ));
            } else if real_share > 0.0 && synthetic_share == 0.0 {
                flags.push("absent from the synthetic data".to_string());
            }
            let holdout_rows = lh.iter().filter(|l| group_of(l) == *g).count();
            let (mut trtr, mut tstr, mut too_small, mut auc_gap) = (
                GroupScores::default(),
                GroupScores::default(),
                holdout_rows < MIN_GROUP_ROWS,
                None,
            );
            if let Some((rows, truth, p_real, p_syn)) = &predictions {
                let idx: Vec<usize> = (0..rows.len())
                    .filter(|&i| group_of(&lh[rows[i]]) == *g)
                    .collect();
                let t: Vec<bool> = idx.iter().map(|&i| truth[i]).collect();
                let pick = |v: &[f64]| idx.iter().map(|&i| v[i]).collect::<Vec<f64>>();
                trtr = scores(&t, &pick(p_real));
                tstr = scores(&t, &pick(p_syn));
                too_small |= trtr.auc.is_none();
                if !too_small {
                    auc_gap = tstr.auc.zip(trtr.auc).map(|(a, b)| a - b);
                    if let Some(gap) = auc_gap.filter(|g| *g < -AUC_GAP) {
                        flags.push(format!(
                            "AUC {:.3} lower when trained on synthetic data",
                            -gap
                        ));
                    }
                    for (what, a, b) in [("TPR", tstr.tpr, trtr.tpr), ("FPR", tstr.fpr, trtr.fpr)] {
                        if let (Some(a), Some(b)) = (a, b)
                            && (a - b).abs() > RATE_GAP
                        {
                            flags.push(format!(
                                "{what} {a:.2} on synthetic-trained vs {b:.2} on real-trained model"
                            ));
                        }
                    }
                }
            }
            groups.push(GroupFairness {
                group: g.clone(),
                real_share,
                synthetic_share,
                holdout_rows,
                trtr,
                tstr,
                auc_gap,
                too_small,
                flags,
            });
        }
        let max_representation_gap = groups
            .iter()
            .map(|g| (g.real_share - g.synthetic_share).abs())
            .fold(0.0, f64::max);
        let max_auc_drop = groups
            .iter()
            .filter_map(|g| g.auc_gap)
            .map(|g| -g)
            .reduce(f64::max);
        let flagged_groups = groups.iter().filter(|g| !g.flags.is_empty()).count();
        let small: Vec<&str> = groups
            .iter()
            .filter(|g| g.too_small)
            .map(|g| g.group.as_str())
            .collect();
        let mut verdict = if flagged_groups == 0 {
            format!(
                "No group of '{attr}' is under-represented or served markedly worse by the synthetic-trained model."
            )
        } else {
            format!(
                "{flagged_groups} group(s) of '{attr}' are flagged (see the table): check them before using the synthetic data for group-level analyses."
            )
        };
        if !small.is_empty() {
            verdict.push_str(&format!(
                " Too few holdout rows (< {MIN_GROUP_ROWS}) to judge: {}.",
                small.join(", ")
            ));
        }
        attributes.push(AttributeFairness {
            attribute: attr.clone(),
            groups,
            max_representation_gap,
            max_auc_drop,
            flagged_groups,
            verdict,
        });
    }
    Ok(FairnessReport {
        target: target.column.clone(),
        attributes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use medsynth_data::{Column, ColumnSchema, Kind};
    use rand::{Rng, SeedableRng};

    /// y depends on x; group "b" is rare and, in the synthetic table, has
    /// its outcome flipped.
    /// Group `a`'s outcome follows `x`, group `b`'s follows `z`, so a
    /// linear model without group interactions can still be right in one
    /// group and wrong in the other. `flip_b` reverses `b`'s relation: the
    /// mistake a bad generator makes for one subgroup.
    fn table(n: usize, seed: u64, flip_b: bool, b_share: f64) -> Table {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let (mut x, mut z, mut g, mut y) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..n {
            let xv: f64 = rng.random_range(-2.0..2.0);
            let zv: f64 = rng.random_range(-2.0..2.0);
            let grp = if rng.random::<f64>() < b_share {
                "b"
            } else {
                "a"
            };
            let noise: f64 = rng.random_range(-0.5..0.5);
            let mut pos = if grp == "a" {
                xv + noise > 0.0
            } else {
                zv + noise > 0.0
            };
            if flip_b && grp == "b" {
                pos = !pos;
            }
            x.push(Some(xv));
            z.push(Some(zv));
            g.push(Some(grp));
            y.push(Some(if pos { "1" } else { "0" }));
        }
        Table::new(vec![
            Column::from_f64("x", &x),
            Column::from_f64("z", &z),
            Column::from_strs("g", &g),
            Column::from_strs("y", &y),
        ])
        .unwrap()
    }

    fn schema() -> Schema {
        Schema {
            columns: vec![
                ColumnSchema::new("x", Kind::Continuous),
                ColumnSchema::new("z", Kind::Continuous),
                ColumnSchema::new("g", Kind::Categorical),
                ColumnSchema::new("y", Kind::Categorical),
            ],
        }
    }

    #[test]
    fn flags_the_group_a_generator_got_wrong() {
        let train = table(2000, 1, false, 0.3);
        let holdout = table(1000, 2, false, 0.3);
        let synth = table(2000, 3, true, 0.3);
        let r = fairness_report(
            &train,
            &holdout,
            &synth,
            &schema(),
            &TargetSpec::binary("y", ["1"]),
            &["g".into()],
        )
        .unwrap();
        let attr = &r.attributes[0];
        let b = attr.groups.iter().find(|g| g.group == "b").unwrap();
        let a = attr.groups.iter().find(|g| g.group == "a").unwrap();
        assert!(b.auc_gap.unwrap() < -0.2, "{:?}", b.auc_gap);
        assert!(!b.flags.is_empty());
        assert!(a.trtr.auc.unwrap() > 0.8);
        assert!(attr.flagged_groups >= 1);
    }

    #[test]
    fn under_representation_and_small_groups() {
        let train = table(2000, 1, false, 0.3);
        let holdout = table(60, 2, false, 0.3);
        let synth = table(2000, 3, false, 0.05);
        let r = fairness_report(
            &train,
            &holdout,
            &synth,
            &schema(),
            &TargetSpec::binary("y", ["1"]),
            &["g".into()],
        )
        .unwrap();
        let b = r.attributes[0]
            .groups
            .iter()
            .find(|g| g.group == "b")
            .unwrap();
        assert!(
            b.flags.iter().any(|f| f.contains("represented")),
            "{:?}",
            b.flags
        );
        assert!(b.too_small, "holdout group of ~18 rows");
        assert!(r.attributes[0].verdict.contains("Too few"));
    }

    #[test]
    fn absent_attribute_is_a_user_error() {
        let t = table(100, 1, false, 0.3);
        let err = fairness_report(
            &t,
            &t,
            &t,
            &schema(),
            &TargetSpec::binary("y", ["1"]),
            &["race".into()],
        )
        .unwrap_err();
        assert!(err.is_user_error());
        assert!(err.to_string().contains("'race'"), "{err}");
    }
}
