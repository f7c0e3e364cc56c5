//! Drift between two real extracts (`medsynth compare a.csv b.csv`).
//!
//! The fidelity metrics answer "does table B look like table A?" whatever B
//! is; applied to two real extracts (last year vs this year, site 1 vs site
//! 2) they become a drift report. On top of the quality scores it lists,
//! per column, the categories that appeared or vanished — the usual sign of
//! a recoding (a new ICD version, a renamed ward) rather than a real shift —
//! and flags columns whose shape score falls below 0.9, whose missing rate
//! moves by more than 5 points, or whose categories changed.

use std::fmt::Write;

use medsynth_data::{Schema, Table};
use serde::Serialize;

use crate::charts::{self, escape};
use crate::error::EvalError;
use crate::fidelity::{QualityReport, quality_report};
use crate::prepare::{PreparedData, prepare};
use crate::report::html_head;

/// Shape score below which a column is flagged.
pub const SHAPE_FLAG: f64 = 0.9;
/// Missing-rate change (absolute) above which a column is flagged.
pub const MISSING_FLAG: f64 = 0.05;

/// One column's drift.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnDrift {
    pub column: String,
    pub kind: String,
    /// KS complement (numbers) or TV complement (categories), 1 = same.
    pub score: Option<f64>,
    /// Wasserstein distance divided by A's range (numbers).
    pub wasserstein: Option<f64>,
    /// Missing share in B − missing share in A.
    pub missing_rate_diff: f64,
    /// Categories present in B but not in A.
    pub new_categories: Vec<String>,
    /// Categories present in A but not in B.
    pub vanished_categories: Vec<String>,
    pub flagged: bool,
    pub reasons: Vec<String>,
}

/// The drift report written as `drift.json`.
#[derive(Debug, Clone, Serialize)]
pub struct DriftReport {
    pub rows_a: usize,
    pub rows_b: usize,
    /// Overall score (SDMetrics quality of B against A).
    pub overall: f64,
    pub column_shapes: f64,
    pub column_pair_trends: f64,
    pub columns: Vec<ColumnDrift>,
    pub flagged_columns: Vec<String>,
    pub verdict: String,
    /// The full fidelity report (per-pair trends included).
    pub quality: QualityReport,
}

/// Compares extract `b` with extract `a` under `schema` (usually inferred
/// from `a`). Columns must match; a column missing from `b` is an error
/// naming it.
pub fn compare(a: &Table, b: &Table, schema: &Schema) -> Result<DriftReport, EvalError> {
    for (name, t) in [("first", a), ("second", b)] {
        if t.n_rows() == 0 {
            return Err(EvalError::Invalid(format!("the {name} table has no rows")));
        }
    }
    let extra: Vec<String> = b
        .names()
        .filter(|n| a.column(n).is_none())
        .map(str::to_string)
        .collect();
    if !extra.is_empty() {
        return Err(EvalError::MissingColumns {
            table: "first".into(),
            columns: extra,
        });
    }
    let quality = quality_report(a, b, schema)?;
    let p = prepare(&[("first", a), ("second", b)], schema)?;
    let mut columns = Vec::new();
    for col in &p.columns {
        let shape = quality.shapes.iter().find(|s| s.column == col.name);
        let (mut new_c, mut gone) = (Vec::new(), Vec::new());
        if let PreparedData::Categorical(d) = &col.data {
            let (ca, cb) = (d.counts(0), d.counts(1));
            for (i, level) in d.levels.iter().enumerate() {
                if ca[i] == 0 && cb[i] > 0 {
                    new_c.push(level.clone());
                }
                if ca[i] > 0 && cb[i] == 0 {
                    gone.push(level.clone());
                }
            }
        }
        let score = shape.and_then(|s| s.score);
        let missing_rate_diff =
            shape.map_or(0.0, |s| s.missing_rate_synthetic - s.missing_rate_real);
        let mut reasons = Vec::new();
        if let Some(s) = score.filter(|s| *s < SHAPE_FLAG) {
            reasons.push(format!("distribution changed (score {s:.3})"));
        }
        if missing_rate_diff.abs() > MISSING_FLAG {
            reasons.push(format!(
                "missing rate moved by {:+.1} points",
                missing_rate_diff * 100.0
            ));
        }
        if !new_c.is_empty() {
            reasons.push(format!(
                "{} new categor{}",
                new_c.len(),
                if new_c.len() == 1 { "y" } else { "ies" }
            ));
        }
        if !gone.is_empty() {
            reasons.push(format!(
                "{} vanished categor{}",
                gone.len(),
                if gone.len() == 1 { "y" } else { "ies" }
            ));
        }
        columns.push(ColumnDrift {
            column: col.name.clone(),
            kind: col.kind.as_str().to_string(),
            score,
            wasserstein: shape.and_then(|s| s.wasserstein),
            missing_rate_diff,
            new_categories: new_c,
            vanished_categories: gone,
            flagged: !reasons.is_empty(),
            reasons,
        });
    }
    let flagged_columns: Vec<String> = columns
        .iter()
        .filter(|c| c.flagged)
        .map(|c| c.column.clone())
        .collect();
    let verdict = if flagged_columns.is_empty() {
        format!(
            "The two extracts agree closely (overall {:.1} %); no column is flagged.",
            quality.quality * 100.0
        )
    } else {
        format!(
            "Overall agreement {:.1} %; {} column(s) flagged: {}. Check for recoding or a change in the population before pooling the extracts or reusing a model trained on the first.",
            quality.quality * 100.0,
            flagged_columns.len(),
            flagged_columns.join(", ")
        )
    };
    Ok(DriftReport {
        rows_a: a.n_rows(),
        rows_b: b.n_rows(),
        overall: quality.quality,
        column_shapes: quality.column_shapes,
        column_pair_trends: quality.column_pair_trends,
        columns,
        flagged_columns,
        verdict,
        quality,
    })
}

/// The drift report as a self-contained HTML page (same style as the
/// evaluation report; blue = first extract, orange = second).
pub fn render_drift(
    report: &DriftReport,
    a: &Table,
    b: &Table,
    schema: &Schema,
    names: (&str, &str),
) -> Result<String, EvalError> {
    let mut o = html_head("medsynth drift report");
    let _ = write!(
        o,
        "<header><h1>Drift between two extracts</h1><p class=\"meta\">first: {} ({} rows) · second: {} ({} rows)</p></header><section id=\"summary\"><h2>Summary</h2><p class=\"verdict\">{}</p><p>Overall {:.1} % = mean of column shapes {:.1} % and column pair trends {:.1} % (100 % = same distributions).</p></section>",
        escape(names.0),
        report.rows_a,
        escape(names.1),
        report.rows_b,
        escape(&report.verdict),
        report.overall * 100.0,
        report.column_shapes * 100.0,
        report.column_pair_trends * 100.0
    );
    o.push_str("<section id=\"columns\"><h2>Columns</h2><table><tr><th>column</th><th>kind</th><th>score</th><th>Wasserstein</th><th>Δ missing</th><th>new categories</th><th>vanished categories</th><th>flags</th></tr>");
    let list = |v: &[String]| {
        let mut s: Vec<String> = v.iter().take(8).map(|x| escape(x)).collect();
        if v.len() > 8 {
            s.push(format!("… ({} more)", v.len() - 8));
        }
        s.join(", ")
    };
    for c in &report.columns {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:+.1} pt</td><td style=\"text-align:left\">{}</td><td style=\"text-align:left\">{}</td><td class=\"flag\">{}</td></tr>",
            escape(&c.column),
            c.kind,
            c.score.map_or("–".into(), |s| format!("{s:.3}")),
            c.wasserstein.map_or("–".into(), |s| format!("{s:.3}")),
            c.missing_rate_diff * 100.0,
            list(&c.new_categories),
            list(&c.vanished_categories),
            escape(&c.reasons.join("; "))
        );
    }
    o.push_str(
        "</table></section><section id=\"pictures\"><h2>Flagged columns</h2><div class=\"grid\">",
    );
    let p = prepare(&[("first", a), ("second", b)], schema)?;
    for col in p
        .columns
        .iter()
        .filter(|c| report.flagged_columns.contains(&c.name))
    {
        let svg = match &col.data {
            PreparedData::Numeric(d) => {
                charts::histogram_overlay(&col.name, &d.values[0], &d.values[1], 30)
            }
            PreparedData::Categorical(d) => {
                let (ca, cb) = (d.counts(0), d.counts(1));
                let (na, nb) = (
                    ca.iter().sum::<u64>().max(1) as f64,
                    cb.iter().sum::<u64>().max(1) as f64,
                );
                let mut labels = d.levels.clone();
                labels.push("(missing)".into());
                let ra: Vec<f64> = ca.iter().map(|&c| c as f64 / na).collect();
                let rb: Vec<f64> = cb.iter().map(|&c| c as f64 / nb).collect();
                charts::bar_overlay(&col.name, &labels, &ra, &rb, 12)
            }
        };
        let _ = write!(o, "<div>{svg}</div>");
    }
    o.push_str("</div><p class=\"note\">Blue: first extract, orange: second (the legend says real/synthetic because the charts are shared with the evaluation report).</p></section></body></html>\n");
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use medsynth_data::{Column, ColumnSchema, Kind};

    fn t(vals: &[f64], cats: &[&str]) -> Table {
        Table::new(vec![
            Column::from_f64("x", &vals.iter().map(|&v| Some(v)).collect::<Vec<_>>()),
            Column::from_strs("c", &cats.iter().map(|&v| Some(v)).collect::<Vec<_>>()),
        ])
        .unwrap()
    }

    fn schema() -> Schema {
        Schema {
            columns: vec![
                ColumnSchema::new("x", Kind::Continuous),
                ColumnSchema::new("c", Kind::Categorical),
            ],
        }
    }

    #[test]
    fn identical_extracts_are_not_flagged() {
        let a = t(&[1.0, 2.0, 3.0, 4.0], &["a", "b", "a", "b"]);
        let r = compare(&a, &a, &schema()).unwrap();
        assert!(r.flagged_columns.is_empty(), "{:?}", r.columns);
        assert!((r.column_shapes - 1.0).abs() < 1e-9);
    }

    #[test]
    fn recoding_and_shift_are_flagged() {
        let a = t(&[1.0, 2.0, 3.0, 4.0], &["a", "b", "a", "b"]);
        let b = t(&[11.0, 12.0, 13.0, 14.0], &["a", "B", "a", "B"]);
        let r = compare(&a, &b, &schema()).unwrap();
        let c = r.columns.iter().find(|c| c.column == "c").unwrap();
        assert_eq!(c.new_categories, vec!["B".to_string()]);
        assert_eq!(c.vanished_categories, vec!["b".to_string()]);
        assert!(r.flagged_columns.contains(&"x".to_string()));
        let html = render_drift(&r, &a, &b, &schema(), ("a.csv", "b.csv")).unwrap();
        assert!(html.contains("vanished") && html.contains("<svg"));
    }
}
