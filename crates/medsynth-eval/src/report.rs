//! The self-contained HTML report.
//!
//! One file, no script, no network access (no external fonts, styles or
//! images): it must open on a locked-down hospital laptop and survive being
//! e-mailed to a privacy officer. Charts are inline SVG ([`crate::charts`]),
//! styling is one `<style>` block with a print stylesheet (A4, no
//! navigation, sections kept whole where possible). The summary at the top
//! gives each section a verdict and its key numbers; the sections below hold
//! the detail for whoever wants to check.

use std::fmt::Write;

use medsynth_data::Schema;

use crate::charts::{self, escape};
use crate::error::EvalError;
use crate::fairness::FairnessReport;
use crate::fidelity::QualityReport;
use crate::metrics::{EvalInputs, Metrics};
use crate::prepare::{PreparedData, prepare};
use crate::privacy::{PrivacyReport, Risk};
use crate::utility::{Scores, UtilityReport};

/// The stylesheet shared by the evaluation and drift reports.
pub const STYLE: &str = r#"
:root { --ok:#2e7d32; --warn:#ef6c00; --bad:#c62828; --muted:#666; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 0 auto; max-width: 1180px; padding: 16px 24px; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin: 0.2em 0; } h2 { border-bottom: 2px solid #ddd; padding-bottom: 4px; margin-top: 1.6em; } h3 { margin-bottom: 0.3em; }
.meta { color: var(--muted); font-size: 0.9em; }
nav { position: sticky; top: 0; background: #fff; padding: 6px 0; border-bottom: 1px solid #eee; z-index: 1; }
nav a { margin-right: 14px; color: #1f4e8c; text-decoration: none; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(250px, 1fr)); gap: 12px; }
.card { border: 1px solid #ddd; border-left: 6px solid var(--muted); border-radius: 6px; padding: 10px 12px; }
.card.ok { border-left-color: var(--ok); } .card.warn { border-left-color: var(--warn); } .card.bad { border-left-color: var(--bad); }
.card .big { font-size: 1.5em; font-weight: 600; }
table { border-collapse: collapse; margin: 8px 0; font-size: 0.88em; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 3px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f5f5f5; }
td.flag { color: var(--bad); text-align: left; }
.verdict { background: #f7f9fc; border-left: 4px solid #1f4e8c; padding: 6px 10px; margin: 8px 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 10px; }
.grid3 { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 10px; }
.chart { max-width: 100%; height: auto; }
.note { color: var(--muted); font-size: 0.85em; }
@media print {
  nav { display: none; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  section, .card, table, svg { break-inside: avoid; }
  h2 { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
  @page { size: A4; margin: 14mm; }
}
"#;

fn f3(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:.3}"),
        _ => "–".to_string(),
    }
}

fn pct(v: f64) -> String {
    if v.is_finite() {
        format!("{:.1} %", v * 100.0)
    } else {
        "–".into()
    }
}

/// Opening of an HTML document with the shared style.
pub fn html_head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body>\n",
        escape(title)
    )
}

fn card(out: &mut String, title: &str, class: &str, big: &str, text: &str, anchor: &str) {
    let _ = write!(
        out,
        r##"<div class="card {class}"><h3><a href="#{anchor}">{}</a></h3><div class="big">{}</div><p>{}</p></div>"##,
        escape(title),
        escape(big),
        escape(text)
    );
}

/// Renders the evaluation report. `inputs` supplies the rows for the
/// per-column charts (the metrics hold only summaries).
pub fn render_report(metrics: &Metrics, inputs: &EvalInputs) -> Result<String, EvalError> {
    let mut o = html_head("medsynth evaluation report");
    let _ = write!(
        o,
        "<header><h1>Synthetic data evaluation</h1><p class=\"meta\">{} real training rows, {} real holdout rows, {} synthetic rows · medsynth {} · seed {} · computed in {:.1} s</p></header>",
        metrics.rows.train,
        metrics.rows.holdout,
        metrics.rows.synthetic,
        escape(&metrics.medsynth_version),
        metrics.seed,
        metrics.timings.total
    );
    o.push_str(r##"<nav><a href="#summary">Summary</a><a href="#fidelity">Fidelity</a><a href="#utility">Utility</a><a href="#privacy">Privacy</a><a href="#fairness">Fairness</a><a href="#pictures">Pictures</a></nav>"##);

    summary(&mut o, metrics);
    fidelity(&mut o, &metrics.fidelity);
    utility(&mut o, metrics.utility.as_ref(), &metrics.summary.utility);
    privacy(&mut o, &metrics.privacy);
    fairness(&mut o, metrics.fairness.as_ref(), &metrics.summary.fairness);
    pictures(&mut o, metrics, inputs)?;
    o.push_str("<footer><p class=\"note\">How to read this report: docs/report.md. Scores compare the synthetic rows with the real training rows; utility and privacy use the real holdout rows the generator never saw. None of the privacy tests proves that the data is anonymous: they detect some failures. Only a differential-privacy guarantee bounds what any attack can learn.</p></footer></body></html>\n");
    Ok(o)
}

fn summary(o: &mut String, m: &Metrics) {
    o.push_str("<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">");
    let q = m.fidelity.quality;
    let class = if q >= 0.85 {
        "ok"
    } else if q >= 0.7 {
        "warn"
    } else {
        "bad"
    };
    card(
        o,
        "Fidelity",
        class,
        &format!("quality {}", pct(q)),
        &m.summary.fidelity,
        "fidelity",
    );
    match &m.utility {
        Some(u) => {
            let s = u.tstr.logistic_regression.roc_auc;
            let r = u.trtr.logistic_regression.roc_auc;
            let class = match (s, r) {
                (Some(s), Some(r)) if r - s <= 0.02 => "ok",
                (Some(s), Some(r)) if r - s <= 0.05 => "warn",
                (Some(_), Some(_)) => "bad",
                _ => "",
            };
            card(
                o,
                "Utility",
                class,
                &format!("AUC {} vs {}", f3(s), f3(r)),
                &m.summary.utility,
                "utility",
            );
        }
        None => card(
            o,
            "Utility",
            "",
            "not measured",
            &m.summary.utility,
            "utility",
        ),
    }
    let p = &m.privacy;
    let class = if m.summary.privacy.starts_with("Warning") {
        "bad"
    } else {
        "ok"
    };
    card(
        o,
        "Privacy",
        class,
        &format!(
            "closer-to-train {:.3} · MIA AUC {:.3}",
            p.dcr.share_closer_to_train,
            p.mia.distance.auc.max(p.mia.density_ratio.auc)
        ),
        &m.summary.privacy,
        "privacy",
    );
    let class = match &m.fairness {
        Some(f) if f.attributes.iter().any(|a| a.flagged_groups > 0) => "warn",
        Some(_) => "ok",
        None => "",
    };
    let big = match &m.fairness {
        Some(f) => format!(
            "{} flagged group(s)",
            f.attributes.iter().map(|a| a.flagged_groups).sum::<usize>()
        ),
        None => "not measured".into(),
    };
    card(o, "Fairness", class, &big, &m.summary.fairness, "fairness");
    o.push_str("</div></section>");
}

fn fidelity(o: &mut String, f: &QualityReport) {
    let _ = write!(
        o,
        "<section id=\"fidelity\"><h2>Fidelity</h2><p class=\"verdict\">Overall quality <b>{}</b> = mean of column shapes <b>{}</b> and column pair trends <b>{}</b> (SDMetrics QualityReport definitions; 100 % = indistinguishable marginals and pairwise relations). Over all pairs, without SDMetrics' thresholds: {}. Mean range-normalised Wasserstein distance of numeric columns: {}.</p>",
        pct(f.quality),
        pct(f.column_shapes),
        pct(f.column_pair_trends),
        pct(f.quality_all_pairs),
        f3(Some(f.mean_wasserstein))
    );
    o.push_str("<h3>Column shapes</h3><table><tr><th>column</th><th>kind</th><th>metric</th><th>score</th><th>Wasserstein</th><th>missing real</th><th>missing synth</th><th>range coverage</th><th>category coverage</th><th>new categories</th></tr>");
    let mut shapes: Vec<_> = f.shapes.iter().collect();
    shapes.sort_by(|a, b| a.score.unwrap_or(1.0).total_cmp(&b.score.unwrap_or(1.0)));
    for s in shapes {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&s.column),
            s.kind.as_str(),
            match s.metric {
                crate::fidelity::ShapeMetric::KSComplement => "KS complement",
                crate::fidelity::ShapeMetric::TVComplement => "TV complement",
            },
            f3(s.score),
            f3(s.wasserstein),
            pct(s.missing_rate_real),
            pct(s.missing_rate_synthetic),
            s.range_coverage.map_or("–".into(), pct),
            s.category_coverage.map_or("–".into(), pct),
            s.new_categories.map_or("–".into(), |n| n.to_string())
        );
    }
    o.push_str("</table><p class=\"note\">Sorted worst first. Coverage: share of the real range (or of the real categories) the synthetic data reaches.</p>");
    let mut pairs: Vec<_> = f.pairs.iter().filter(|p| p.score.is_some()).collect();
    pairs.sort_by(|a, b| a.score.unwrap_or(1.0).total_cmp(&b.score.unwrap_or(1.0)));
    o.push_str("<h3>Weakest column pairs</h3><table><tr><th>pair</th><th>metric</th><th>score</th><th>real ρ</th><th>synthetic ρ</th><th>counts in score</th></tr>");
    for p in pairs.iter().take(15) {
        let _ = write!(
            o,
            "<tr><td>{} × {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&p.column_1),
            escape(&p.column_2),
            match p.metric {
                crate::fidelity::PairMetric::CorrelationSimilarity => "correlation",
                crate::fidelity::PairMetric::ContingencySimilarity => "contingency",
            },
            f3(p.score),
            f3(p.real_correlation),
            f3(p.synthetic_correlation),
            if p.meets_threshold { "yes" } else { "no" }
        );
    }
    let _ = write!(
        o,
        "</table><p class=\"note\">{} pairs in total; the 15 lowest-scoring are shown.</p></section>",
        f.pairs.len()
    );
}

fn scores_row(o: &mut String, label: &str, s: &Scores) {
    let _ = write!(
        o,
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        escape(label),
        escape(&s.model),
        f3(s.roc_auc),
        f3(s.accuracy),
        f3(s.macro_f1),
        f3(s.r2),
        f3(s.mae)
    );
}

fn class_report(o: &mut String, title: &str, s: &Scores) {
    let Some(r) = &s.report else { return };
    let _ = write!(
        o,
        "<div><h3>{}</h3><table><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>",
        escape(title)
    );
    for c in &r.classes {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{:.3}</td><td>{:.3}</td><td>{:.3}</td><td>{}</td></tr>",
            escape(&c.class),
            c.precision,
            c.recall,
            c.f1,
            c.support
        );
    }
    let _ = write!(
        o,
        "<tr><td>accuracy</td><td></td><td></td><td>{:.3}</td><td></td></tr><tr><td>macro avg</td><td>{:.3}</td><td>{:.3}</td><td>{:.3}</td><td></td></tr><tr><td>weighted avg</td><td>{:.3}</td><td>{:.3}</td><td>{:.3}</td><td></td></tr></table></div>",
        r.accuracy,
        r.macro_avg.precision,
        r.macro_avg.recall,
        r.macro_avg.f1,
        r.weighted_avg.precision,
        r.weighted_avg.recall,
        r.weighted_avg.f1
    );
}

fn utility(o: &mut String, u: Option<&UtilityReport>, verdict: &str) {
    let _ = write!(
        o,
        "<section id=\"utility\"><h2>Utility</h2><p class=\"verdict\">{}</p>",
        escape(verdict)
    );
    let Some(u) = u else {
        o.push_str("</section>");
        return;
    };
    let _ = write!(
        o,
        "<p>Target <b>{}</b> ({:?}). TSTR = trained on synthetic rows, TRTR = trained on real training rows; both tested on the real holdout ({} rows).</p>",
        escape(&u.target),
        u.task,
        u.n_holdout
    );
    o.push_str("<table><tr><th>trained on</th><th>model</th><th>ROC AUC</th><th>accuracy</th><th>macro F1</th><th>R²</th><th>MAE</th></tr>");
    scores_row(o, "synthetic (TSTR)", &u.tstr.logistic_regression);
    scores_row(o, "real (TRTR)", &u.trtr.logistic_regression);
    if let (Some(s), Some(r)) = (&u.tstr.random_forest, &u.trtr.random_forest) {
        scores_row(o, "synthetic (TSTR)", s);
        scores_row(o, "real (TRTR)", r);
    }
    let _ = write!(
        o,
        "</table><p>Agreement of column importances, real-trained vs synthetic-trained (Spearman, 1 = same ranking): logistic regression {}, random forest {}.</p><div class=\"grid3\">",
        f3(u.importance_agreement.logistic_regression),
        f3(u.importance_agreement.random_forest)
    );
    class_report(
        o,
        "Logistic regression, trained on synthetic",
        &u.tstr.logistic_regression,
    );
    class_report(
        o,
        "Logistic regression, trained on real",
        &u.trtr.logistic_regression,
    );
    if let (Some(s), Some(r)) = (&u.tstr.random_forest, &u.trtr.random_forest) {
        class_report(o, "Random forest, trained on synthetic", s);
        class_report(o, "Random forest, trained on real", r);
    }
    o.push_str("</div></section>");
}

fn risk_row(o: &mut String, name: &str, r: &Risk) {
    let _ = write!(
        o,
        "<tr><td>{}</td><td>{}</td><td>{}–{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td style=\"text-align:left\">{}</td></tr>",
        escape(name),
        pct(r.value),
        pct(r.ci[0]),
        pct(r.ci[1]),
        pct(r.attack_rate),
        pct(r.control_rate),
        pct(r.baseline_rate),
        r.n_attacks,
        escape(&r.verdict)
    );
}

fn privacy(o: &mut String, p: &PrivacyReport) {
    let d = &p.dcr;
    let _ = write!(
        o,
        "<section id=\"privacy\"><h2>Privacy</h2><p class=\"verdict\">{}</p>",
        escape(&d.verdict)
    );
    let _ = write!(
        o,
        "<h3>Distance to closest record</h3><table><tr><th>measure</th><th>value</th></tr>\
<tr><td>share of synthetic rows closer to train than to holdout (size-matched; 0.5 expected)</td><td>{:.3}</td></tr>\
<tr><td>same, against the whole train table (not size-matched)</td><td>{:.3}</td></tr>\
<tr><td>synthetic rows copying a train row exactly</td><td>{} ({})</td></tr>\
<tr><td>holdout rows equal to a train row (chance coincidences)</td><td>{}</td></tr>\
<tr><td>DCR synthetic → train: 5th percentile / median</td><td>{:.3} / {:.3}</td></tr>\
<tr><td>DCR holdout → train: 5th percentile / median</td><td>{:.3} / {:.3}</td></tr></table>\
<p class=\"note\">Gower distance over {} columns (|Δ|/range for numbers, 0/1 for categories), {} synthetic and {} holdout rows compared.</p>",
        d.share_closer_to_train,
        d.share_closer_to_full_train,
        d.exact_copies,
        pct(d.exact_copy_share),
        pct(d.holdout_exact_match_share),
        d.synth_to_train.p5,
        d.synth_to_train.median,
        d.holdout_to_train.p5,
        d.holdout_to_train.median,
        p.columns.len(),
        d.n_synthetic,
        d.n_holdout
    );
    let syn: Vec<f64> = d.synth_distances.iter().map(|&x| f64::from(x)).collect();
    let hold: Vec<f64> = d.holdout_distances.iter().map(|&x| f64::from(x)).collect();
    o.push_str("<div class=\"grid3\"><div>");
    // Reuse the overlay: "real" = holdout → train, "synthetic" = synthetic → train.
    o.push_str(&charts::histogram_overlay(
        "DCR to train: holdout (blue) vs synthetic (orange)",
        &hold,
        &syn,
        30,
    ));
    o.push_str("</div><div>");
    let curves: Vec<(String, Vec<(f64, f64)>)> = vec![
        (
            "distance".to_string(),
            p.mia.distance.roc.iter().map(|q| (q[0], q[1])).collect(),
        ),
        (
            "density ratio".to_string(),
            p.mia
                .density_ratio
                .roc
                .iter()
                .map(|q| (q[0], q[1]))
                .collect(),
        ),
    ];
    o.push_str(&charts::roc_curves("Membership-inference ROC", &curves));
    o.push_str("</div></div>");
    o.push_str("<h3>Membership inference</h3><table><tr><th>attack</th><th>AUC</th><th>95 % interval</th><th>TPR at FPR 1 %</th><th>TPR at FPR 10 %</th><th>members / non-members</th><th>verdict</th></tr>");
    for (name, a) in [
        ("distance to synthetic", &p.mia.distance),
        ("density ratio (DOMIAS)", &p.mia.density_ratio),
    ] {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{:.3}</td><td>{:.3}–{:.3}</td><td>{}</td><td>{}</td><td>{} / {}</td><td style=\"text-align:left\">{}</td></tr>",
            name,
            a.auc,
            a.auc_ci[0],
            a.auc_ci[1],
            pct(a.tpr_at_fpr_1pct),
            pct(a.tpr_at_fpr_10pct),
            a.n_members,
            a.n_non_members,
            escape(&a.verdict)
        );
    }
    o.push_str("</table><p class=\"note\">Members: training rows; non-members: half of the holdout; the other half is the density-ratio attack's reference population. AUC 0.5 = the attacker guesses.</p>");
    o.push_str("<h3>Singling out, linkability, inference (anonymeter method)</h3><table><tr><th>risk</th><th>value</th><th>95 % interval</th><th>attack rate</th><th>control rate</th><th>baseline</th><th>attacks</th><th>verdict</th></tr>");
    let a = &p.anonymeter;
    risk_row(o, "singling out", &a.singling_out);
    risk_row(o, "linkability", &a.linkability);
    for r in &a.inference {
        risk_row(o, &format!("inference of '{}'", r.column), &r.risk);
    }
    o.push_str("</table><p class=\"note\">Risk = (success on training rows − success on holdout rows) / (1 − success on holdout rows): what the synthetic data reveals about the people in it beyond what it reveals about the population.</p></section>");
}

fn fairness(o: &mut String, f: Option<&FairnessReport>, verdict: &str) {
    let _ = write!(
        o,
        "<section id=\"fairness\"><h2>Fairness</h2><p class=\"verdict\">{}</p>",
        escape(verdict)
    );
    if let Some(f) = f {
        for a in &f.attributes {
            let _ = write!(
                o,
                "<h3>{}</h3><p>{}</p><table><tr><th>group</th><th>real share</th><th>synthetic share</th><th>holdout rows</th><th>AUC real-trained</th><th>AUC synth-trained</th><th>TPR real / synth</th><th>FPR real / synth</th><th>flags</th></tr>",
                escape(&a.attribute),
                escape(&a.verdict)
            );
            for g in &a.groups {
                let flags = if g.too_small {
                    let mut v = vec!["too few holdout rows to judge".to_string()];
                    v.extend(g.flags.iter().cloned());
                    v.join("; ")
                } else {
                    g.flags.join("; ")
                };
                let _ = write!(
                    o,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} / {}</td><td>{} / {}</td><td class=\"flag\">{}</td></tr>",
                    escape(&g.group),
                    pct(g.real_share),
                    pct(g.synthetic_share),
                    g.holdout_rows,
                    f3(g.trtr.auc),
                    f3(g.tstr.auc),
                    f3(g.trtr.tpr),
                    f3(g.tstr.tpr),
                    f3(g.trtr.fpr),
                    f3(g.tstr.fpr),
                    escape(&flags)
                );
            }
            o.push_str("</table>");
        }
        o.push_str("<p class=\"note\">Logistic regression (the utility protocol's), threshold 0.5, scored on each holdout group. Flags: |share gap| &gt; 5 points, AUC drop &gt; 0.05, TPR/FPR shift &gt; 0.10.</p>");
    }
    o.push_str("</section>");
}

/// Column names with the real and the synthetic correlation matrices.
type CorrelationMatrices = (Vec<String>, Vec<Vec<f64>>, Vec<Vec<f64>>);

fn correlation_matrices(f: &QualityReport, schema: &Schema) -> Option<CorrelationMatrices> {
    let names: Vec<String> = schema
        .columns
        .iter()
        .filter(|c| c.kind.is_numeric())
        .map(|c| c.name.clone())
        .filter(|n| {
            f.pairs
                .iter()
                .any(|p| (&p.column_1 == n || &p.column_2 == n) && p.real_correlation.is_some())
        })
        .collect();
    if names.len() < 2 {
        return None;
    }
    let k = names.len();
    let mut real = vec![vec![f64::NAN; k]; k];
    let mut syn = vec![vec![f64::NAN; k]; k];
    for i in 0..k {
        real[i][i] = 1.0;
        syn[i][i] = 1.0;
    }
    for p in &f.pairs {
        let (Some(i), Some(j)) = (
            names.iter().position(|n| *n == p.column_1),
            names.iter().position(|n| *n == p.column_2),
        ) else {
            continue;
        };
        let (r, s) = (
            p.real_correlation.unwrap_or(f64::NAN),
            p.synthetic_correlation.unwrap_or(f64::NAN),
        );
        real[i][j] = r;
        real[j][i] = r;
        syn[i][j] = s;
        syn[j][i] = s;
    }
    Some((names, real, syn))
}

fn pictures(o: &mut String, m: &Metrics, inputs: &EvalInputs) -> Result<(), EvalError> {
    o.push_str("<section id=\"pictures\"><h2>Pictures</h2>");
    if !m.tsne.real.is_empty() {
        let _ = write!(
            o,
            "<h3>t-SNE map</h3><div style=\"max-width:560px\">{}</div><p class=\"note\">{} real training rows and {} synthetic rows (random subsets) placed so that similar records sit together (standardised numbers, one-hot categories). Orange areas without blue are records unlike any real patient; blue areas without orange are patients the generator does not produce. Distances between clusters carry no meaning.</p>",
            charts::scatter(
                "Real (blue) and synthetic (orange) rows",
                &m.tsne.real,
                &m.tsne.synthetic
            ),
            m.tsne.real.len(),
            m.tsne.synthetic.len()
        );
    }
    if let Some((names, real, syn)) = correlation_matrices(&m.fidelity, inputs.schema) {
        let diff: Vec<Vec<f64>> = real
            .iter()
            .zip(&syn)
            .map(|(a, b)| a.iter().zip(b).map(|(x, y)| y - x).collect())
            .collect();
        let _ = write!(
            o,
            "<h3>Correlations of numeric columns</h3><div class=\"grid3\"><div>{}</div><div>{}</div><div>{}</div></div><p class=\"note\">Pearson correlation, red positive, blue negative; the difference is synthetic − real (white = same).</p>",
            charts::heatmap("Real", &names, &real),
            charts::heatmap("Synthetic", &names, &syn),
            charts::heatmap("Difference", &names, &diff)
        );
    }
    let p = prepare(
        &[("train", inputs.train), ("synthetic", inputs.synthetic)],
        inputs.schema,
    )?;
    o.push_str("<h3>Columns, real vs synthetic</h3><div class=\"grid\">");
    for col in &p.columns {
        let svg = match &col.data {
            PreparedData::Numeric(d) => {
                charts::histogram_overlay(&col.name, &d.values[0], &d.values[1], 30)
            }
            PreparedData::Categorical(d) => {
                let (cr, cs) = (d.counts(0), d.counts(1));
                let (nr, ns) = (
                    cr.iter().sum::<u64>().max(1) as f64,
                    cs.iter().sum::<u64>().max(1) as f64,
                );
                let mut labels = d.levels.clone();
                labels.push("(missing)".into());
                let r: Vec<f64> = cr.iter().map(|&c| c as f64 / nr).collect();
                let s: Vec<f64> = cs.iter().map(|&c| c as f64 / ns).collect();
                charts::bar_overlay(&col.name, &labels, &r, &s, 12)
            }
        };
        let _ = write!(o, "<div>{svg}</div>");
    }
    o.push_str("</div><p class=\"note\">Shares of rows per bin (numbers, 30 bins spanning both tables; the axis ends show the smallest and largest value) or per category (the 12 most frequent in the real data; the rest pooled as \"other\").</p></section>");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_is_self_contained() {
        let h = html_head("a <b>");
        assert!(h.starts_with("<!DOCTYPE html>"));
        assert!(h.contains("a &lt;b&gt;"));
        assert!(!h.contains("http://") && !h.contains("https://") && !h.contains("<script"));
        assert!(h.contains("@media print"));
    }

    #[test]
    fn numbers_format_safely() {
        assert_eq!(f3(None), "–");
        assert_eq!(f3(Some(f64::NAN)), "–");
        assert_eq!(f3(Some(0.12345)), "0.123");
        assert_eq!(pct(0.5), "50.0 %");
    }
}
