//! Utility and fidelity against the privacy budget ε: the chart a privacy
//! officer and a data scientist read together to choose ε before a release.
//!
//! A sweep fits one DP model per (ε, seed) on the same training rows and
//! scores each one like the evaluation report does. The points are measured
//! on real data, so **the sweep itself is not differentially private**: it
//! belongs inside the trusted environment, to pick ε; the released model is
//! a separate fit whose ledger is the only privacy claim. The page says so.
//!
//! The chart has a logarithmic ε axis (budgets are compared by ratio: ε = 1
//! vs 3 matters as much as 3 vs 10), one line per (model, metric) through the
//! mean over seeds with ±1 sd whiskers, and the peers' published figures as
//! hollow markers, so "where do we stand against AIM at ε = 1" is one glance.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::charts::{escape, tick};
use crate::report::html_head;

/// One fitted-and-scored DP model of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    /// Model family as the ledger names it (e.g. "copula", "ctgan").
    pub model: String,
    pub epsilon: f64,
    pub seed: u64,
    /// SDMetrics-style overall quality (mean of shapes and pair trends).
    pub quality: f64,
    pub pair_trends: f64,
    /// Train-on-synthetic, test-on-real logistic-regression ROC AUC.
    pub tstr_lr_auc: Option<f64>,
}

/// A published figure from another tool, drawn as a hollow marker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeerPoint {
    pub system: String,
    pub epsilon: f64,
    pub quality: Option<f64>,
    pub tstr_lr_auc: Option<f64>,
}

/// Mean and sample standard deviation (0 with one value) of the finite values.
fn mean_sd(values: &[f64]) -> Option<(f64, f64)> {
    let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let sd = if v.len() > 1 {
        (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    Some((mean, sd))
}

/// One row of the summary table: a model at one ε, over its seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepSummary {
    pub model: String,
    pub epsilon: f64,
    pub runs: usize,
    pub quality: Option<(f64, f64)>,
    pub pair_trends: Option<(f64, f64)>,
    pub tstr_lr_auc: Option<(f64, f64)>,
}

/// Groups the points by (model, ε), in increasing ε within each model.
pub fn summarise(points: &[SweepPoint]) -> Vec<SweepSummary> {
    let mut groups: BTreeMap<(String, u64), Vec<&SweepPoint>> = BTreeMap::new();
    for p in points.iter().filter(|p| p.epsilon.is_finite()) {
        // f64 ordering key: ε > 0, so the bit pattern orders like the value.
        groups
            .entry((p.model.clone(), p.epsilon.to_bits()))
            .or_default()
            .push(p);
    }
    groups
        .into_iter()
        .map(|((model, bits), ps)| SweepSummary {
            model,
            epsilon: f64::from_bits(bits),
            runs: ps.len(),
            quality: mean_sd(&ps.iter().map(|p| p.quality).collect::<Vec<_>>()),
            pair_trends: mean_sd(&ps.iter().map(|p| p.pair_trends).collect::<Vec<_>>()),
            tstr_lr_auc: mean_sd(&ps.iter().filter_map(|p| p.tstr_lr_auc).collect::<Vec<_>>()),
        })
        .collect()
}

/// A line of the chart: (ε, mean, sd) points.
pub struct Series<'a> {
    pub label: String,
    pub colour: &'a str,
    /// Dashed lines for the second metric of the same model.
    pub dashed: bool,
    pub points: Vec<(f64, f64, f64)>,
}

const COLOURS: [&str; 4] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd"];

/// Score (y, in [0, 1] clipped to the data's range) against ε on a log axis.
/// `peers` are (label, ε, value) drawn as hollow diamonds.
pub fn epsilon_chart(title: &str, series: &[Series<'_>], peers: &[(String, f64, f64)]) -> String {
    let (w, h) = (520.0, 300.0);
    let (l, r, t, b) = (44.0, 150.0, 26.0, 40.0);
    let (pw, ph) = (w - l - r, h - t - b);
    let xs = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .chain(peers.iter().map(|p| p.1))
        .filter(|e| e.is_finite() && *e > 0.0);
    let (mut x_lo, mut x_hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for x in xs {
        x_lo = x_lo.min(x);
        x_hi = x_hi.max(x);
    }
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title><text x="{x}" y="16" text-anchor="middle" font-size="12" font-weight="bold">{t}</text>"#,
        t = escape(title),
        x = (l + pw / 2.0)
    );
    if !x_lo.is_finite() {
        s.push_str(
            r#"<text x="200" y="150" text-anchor="middle" font-size="11">no points</text></svg>"#,
        );
        return s;
    }
    // Pad the ε range by a quarter decade on each side so end points show.
    let (lx_lo, lx_hi) = (x_lo.log10() - 0.25, x_hi.log10() + 0.25);
    let ys = series
        .iter()
        .flat_map(|s| s.points.iter().flat_map(|p| [p.1 - p.2, p.1 + p.2]))
        .chain(peers.iter().map(|p| p.2))
        .filter(|v| v.is_finite());
    let (mut y_lo, mut y_hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for y in ys {
        y_lo = y_lo.min(y);
        y_hi = y_hi.max(y);
    }
    let y_lo = ((y_lo - 0.02) * 20.0).floor() / 20.0;
    let y_hi = ((y_hi + 0.02) * 20.0).ceil() / 20.0;
    let (y_lo, y_hi) = (y_lo.max(0.0), y_hi.min(1.0).max(y_lo.max(0.0) + 0.05));
    let px = |e: f64| l + (e.log10() - lx_lo) / (lx_hi - lx_lo) * pw;
    let py = |v: f64| t + ph - (v.clamp(y_lo, y_hi) - y_lo) / (y_hi - y_lo) * ph;
    let _ = write!(
        s,
        r##"<rect x="{l}" y="{t}" width="{pw}" height="{ph}" fill="none" stroke="#444"/><text x="{cx}" y="{xb}" font-size="9" text-anchor="middle">privacy budget ε (log scale)</text>"##,
        cx = l + pw / 2.0,
        xb = h - 6.0
    );
    // Y grid every 0.05 (or 0.1 when the range is wide).
    let step = if y_hi - y_lo > 0.4 { 0.1 } else { 0.05 };
    let mut v = y_lo;
    while v <= y_hi + 1e-9 {
        let y = py(v);
        let _ = write!(
            s,
            r##"<line x1="{l}" y1="{y:.1}" x2="{x2}" y2="{y:.1}" stroke="#eee"/><text x="{tx}" y="{ty:.1}" font-size="9" text-anchor="end">{lab}</text>"##,
            x2 = l + pw,
            tx = l - 3.0,
            ty = y + 3.0,
            lab = tick(v)
        );
        v += step;
    }
    // X ticks at the ε values that occur (budgets are few and chosen).
    let mut ticks: Vec<f64> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .chain(peers.iter().map(|p| p.1))
        .filter(|e| e.is_finite() && *e > 0.0)
        .collect();
    ticks.sort_by(f64::total_cmp);
    ticks.dedup();
    for e in ticks {
        let _ = write!(
            s,
            r##"<line x1="{x:.1}" y1="{yb}" x2="{x:.1}" y2="{yb2}" stroke="#444"/><text x="{x:.1}" y="{ty}" font-size="9" text-anchor="middle">{lab}</text>"##,
            x = px(e),
            yb = t + ph,
            yb2 = t + ph + 4.0,
            ty = t + ph + 14.0,
            lab = tick(e)
        );
    }
    let mut legend_y = t + 10.0;
    let lx = l + pw + 10.0;
    for se in series {
        let dash = if se.dashed {
            r#" stroke-dasharray="5 3""#
        } else {
            ""
        };
        let mut d = String::new();
        for (i, (e, m, _)) in se.points.iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.1},{:.1}",
                if i == 0 { "M" } else { " L" },
                px(*e),
                py(*m)
            );
        }
        let _ = write!(
            s,
            r#"<path d="{d}" fill="none" stroke="{c}" stroke-width="1.6"{dash}/>"#,
            c = se.colour
        );
        for (e, m, sd) in &se.points {
            let (x, y) = (px(*e), py(*m));
            let _ = write!(
                s,
                r#"<line x1="{x:.1}" y1="{a:.1}" x2="{x:.1}" y2="{b:.1}" stroke="{c}"/><circle cx="{x:.1}" cy="{y:.1}" r="3" fill="{c}"><title>{lab} at ε = {e}: {m:.3} ± {sd:.3}</title></circle>"#,
                a = py(m - sd),
                b = py(m + sd),
                c = se.colour,
                lab = escape(&se.label),
                e = tick(*e)
            );
        }
        let _ = write!(
            s,
            r#"<line x1="{lx}" y1="{y}" x2="{x2}" y2="{y}" stroke="{c}" stroke-width="1.6"{dash}/><text x="{tx}" y="{ty}" font-size="9">{lab}</text>"#,
            y = legend_y,
            x2 = lx + 16.0,
            c = se.colour,
            tx = lx + 20.0,
            ty = legend_y + 3.0,
            lab = escape(&se.label)
        );
        legend_y += 14.0;
    }
    for (label, e, v) in peers.iter().filter(|p| p.1 > 0.0 && p.2.is_finite()) {
        let (x, y) = (px(*e), py(*v));
        let _ = write!(
            s,
            r##"<path d="M{x:.1},{a:.1} L{rx:.1},{y:.1} L{x:.1},{bb:.1} L{lx2:.1},{y:.1} Z" fill="none" stroke="#555"><title>{lab} at ε = {et}: {v:.3}</title></path><text x="{tx:.1}" y="{ty:.1}" font-size="8" fill="#555">{lab}</text>"##,
            a = y - 4.0,
            bb = y + 4.0,
            rx = x + 4.0,
            lx2 = x - 4.0,
            tx = x + 6.0,
            ty = y + 3.0,
            lab = escape(label),
            et = tick(*e)
        );
    }
    s.push_str("</svg>");
    s
}

fn f3(v: Option<(f64, f64)>) -> String {
    match v {
        Some((m, sd)) => format!("{m:.3} ± {sd:.3}"),
        None => "–".into(),
    }
}

/// The sweep as one self-contained HTML page: quality and TSTR AUC against ε
/// per model, beside the peers, with the summary table and the caveat that
/// the sweep is measured on real data.
pub fn render_sweep(title: &str, points: &[SweepPoint], peers: &[PeerPoint]) -> String {
    let rows = summarise(points);
    let mut models: Vec<String> = rows.iter().map(|r| r.model.clone()).collect();
    models.dedup();
    let series_of = |pick: &dyn Fn(&SweepSummary) -> Option<(f64, f64)>| -> Vec<Series<'static>> {
        models
            .iter()
            .enumerate()
            .map(|(k, m)| Series {
                label: format!("medsynth {m}"),
                colour: COLOURS[k % COLOURS.len()],
                dashed: false,
                points: rows
                    .iter()
                    .filter(|r| &r.model == m)
                    .filter_map(|r| pick(r).map(|(mean, sd)| (r.epsilon, mean, sd)))
                    .collect(),
            })
            .collect()
    };
    let quality = series_of(&|r| r.quality);
    let auc = series_of(&|r| r.tstr_lr_auc);
    let peer_q: Vec<(String, f64, f64)> = peers
        .iter()
        .filter_map(|p| p.quality.map(|q| (p.system.clone(), p.epsilon, q)))
        .collect();
    let peer_a: Vec<(String, f64, f64)> = peers
        .iter()
        .filter_map(|p| p.tstr_lr_auc.map(|a| (p.system.clone(), p.epsilon, a)))
        .collect();
    let mut o = html_head(title);
    let _ = write!(
        o,
        "<header><h1>{}</h1><p class=\"meta\">{} fitted models · mean ± sd over seeds</p></header>",
        escape(title),
        points.len()
    );
    o.push_str("<p class=\"verdict\">Each point is a differentially private model fitted on the same training rows at that budget and scored on real data (fidelity against the training rows, TSTR AUC on the real holdout). <b>These scores are computed from real data and are not themselves private</b>: use the sweep inside the trusted environment to choose ε; the model you release is a separate fit whose privacy ledger is the guarantee. Hollow diamonds are other tools' published figures on the same protocol.</p>");
    let _ = write!(
        o,
        "<div class=\"grid\">{}{}</div>",
        epsilon_chart("Overall quality vs ε", &quality, &peer_q),
        epsilon_chart("TSTR logistic-regression AUC vs ε", &auc, &peer_a)
    );
    o.push_str("<table><tr><th>model</th><th>ε</th><th>runs</th><th>quality</th><th>pair trends</th><th>TSTR LR AUC</th></tr>");
    for r in &rows {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&r.model),
            tick(r.epsilon),
            r.runs,
            f3(r.quality),
            f3(r.pair_trends),
            f3(r.tstr_lr_auc)
        );
    }
    for p in peers {
        let _ = write!(
            o,
            "<tr><td>{} (published)</td><td>{}</td><td>–</td><td>{}</td><td>–</td><td>{}</td></tr>",
            escape(&p.system),
            tick(p.epsilon),
            p.quality.map(|v| format!("{v:.3}")).unwrap_or("–".into()),
            p.tstr_lr_auc
                .map(|v| format!("{v:.3}"))
                .unwrap_or("–".into())
        );
    }
    o.push_str("</table></body></html>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(model: &str, epsilon: f64, seed: u64, q: f64, auc: Option<f64>) -> SweepPoint {
        SweepPoint {
            model: model.into(),
            epsilon,
            seed,
            quality: q,
            pair_trends: q - 0.1,
            tstr_lr_auc: auc,
        }
    }

    #[test]
    fn summary_groups_by_model_and_epsilon_in_order() {
        let pts = [
            point("copula", 3.0, 0, 0.8, Some(0.85)),
            point("copula", 1.0, 0, 0.7, Some(0.75)),
            point("copula", 1.0, 1, 0.9, None),
            point("ctgan", 1.0, 0, 0.6, Some(0.55)),
        ];
        let s = summarise(&pts);
        assert_eq!(s.len(), 3);
        assert_eq!(
            (s[0].model.as_str(), s[0].epsilon, s[0].runs),
            ("copula", 1.0, 2)
        );
        let (m, sd) = s[0].quality.expect("quality");
        assert!((m - 0.8).abs() < 1e-12);
        assert!(
            (sd - (0.02f64).sqrt()).abs() < 1e-12,
            "sample sd of 0.7, 0.9"
        );
        // The AUC mean skips the run without one.
        assert_eq!(s[0].tstr_lr_auc, Some((0.75, 0.0)));
        assert_eq!(s[1].epsilon, 3.0);
        assert_eq!(s[2].model, "ctgan");
    }

    #[test]
    fn chart_places_larger_epsilon_to_the_right_and_higher_scores_higher() {
        let series = [Series {
            label: "a".into(),
            colour: "#000",
            dashed: false,
            points: vec![(0.5, 0.6, 0.0), (10.0, 0.9, 0.0)],
        }];
        let svg = epsilon_chart("t", &series, &[("AIM".into(), 1.0, 0.7)]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        let path = svg
            .split("<path d=\"M")
            .nth(1)
            .and_then(|p| p.split('"').next())
            .expect("a line");
        let pts: Vec<(f64, f64)> = path
            .split(" L")
            .map(|xy| {
                let (x, y) = xy.split_once(',').expect("x,y");
                (x.parse().expect("x"), y.parse().expect("y"))
            })
            .collect();
        assert_eq!(pts.len(), 2);
        assert!(pts[1].0 > pts[0].0, "ε 10 right of ε 0.5: {pts:?}");
        assert!(
            pts[1].1 < pts[0].1,
            "0.9 drawn above 0.6 (SVG y grows down)"
        );
        assert!(svg.contains("AIM"));
    }

    #[test]
    fn page_carries_the_caveat_and_every_row() {
        let pts = [
            point("copula", 1.0, 0, 0.76, Some(0.81)),
            point("copula", 3.0, 0, 0.82, Some(0.87)),
        ];
        let peers = [PeerPoint {
            system: "SmartNoise AIM".into(),
            epsilon: 1.0,
            quality: Some(0.686),
            tstr_lr_auc: Some(0.697),
        }];
        let html = render_sweep("heart <sweep>", &pts, &peers);
        assert!(html.contains("heart &lt;sweep&gt;"));
        assert!(html.contains("not themselves private"));
        assert_eq!(html.matches("<svg").count(), 2);
        assert!(html.contains("0.760 ± 0.000") && html.contains("0.870 ± 0.000"));
        assert!(html.contains("SmartNoise AIM (published)"));
        let empty = render_sweep("none", &[], &[]);
        assert!(empty.contains("no points"));
    }
}
