//! Inline SVG charts for the HTML report.
//!
//! Why SVG strings and no charting crate: the report must be one file that
//! opens offline in a hospital browser, prints cleanly and carries no script.
//! Five chart types cover the report (overlaid histograms, overlaid bars,
//! heatmaps, ROC curves, scatter), and plain SVG needs no dependency at all.
//! Every chart scales with its container (`viewBox`, `width="100%"`).
//! Colours: real data in blue, synthetic in orange (distinguishable with the
//! common colour-vision deficiencies), with a legend on every chart.

use std::fmt::Write;

/// Colour of real data in every chart.
pub const REAL_COLOUR: &str = "#1f77b4";
/// Colour of synthetic data in every chart.
pub const SYNTH_COLOUR: &str = "#ff7f0e";

const W: f64 = 360.0;
const H: f64 = 220.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 10.0;
const TOP: f64 = 26.0;
const BOTTOM: f64 = 40.0;

/// Escapes text for use inside SVG/HTML elements and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn open_svg(title: &str, width: f64, height: f64) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title><text x="{x}" y="16" text-anchor="middle" font-size="12" font-weight="bold">{t}</text>"#,
        t = escape(title),
        x = width / 2.0
    );
    s
}

fn legend(s: &mut String, x: f64, y: f64, entries: &[(&str, &str)]) {
    let mut x = x;
    for (label, colour) in entries {
        let _ = write!(
            s,
            r#"<rect x="{x}" y="{ry}" width="10" height="10" fill="{colour}" fill-opacity="0.7"/><text x="{tx}" y="{ty}" font-size="10">{l}</text>"#,
            ry = y - 9.0,
            tx = x + 13.0,
            ty = y,
            l = escape(label)
        );
        x += 20.0 + 6.0 * label.chars().count() as f64;
    }
}

fn axes(s: &mut String) {
    let _ = write!(
        s,
        r##"<line x1="{LEFT}" y1="{b}" x2="{r}" y2="{b}" stroke="#444"/><line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{b}" stroke="#444"/>"##,
        b = H - BOTTOM,
        r = W - RIGHT
    );
}

/// Short label for an axis tick (3 significant digits, no trailing zeros).
pub fn tick(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let a = v.abs();
    let s = if a == 0.0 {
        "0".to_string()
    } else if !(1e-3..1e5).contains(&a) {
        format!("{v:.1e}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    };
    if s.contains('.') && !s.contains('e') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Overlaid histograms of a numeric column (shares per bin, so different
/// row counts compare fairly). Missing values (NaN) are left out; the bins
/// span both samples.
pub fn histogram_overlay(title: &str, real: &[f64], synthetic: &[f64], bins: usize) -> String {
    let finite = |v: &[f64]| {
        v.iter()
            .copied()
            .filter(|x| x.is_finite())
            .collect::<Vec<f64>>()
    };
    let (r, sy) = (finite(real), finite(synthetic));
    let lo = r.iter().chain(&sy).copied().fold(f64::INFINITY, f64::min);
    let hi = r
        .iter()
        .chain(&sy)
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let mut s = open_svg(title, W, H);
    if !lo.is_finite() || bins == 0 {
        s.push_str(
            r#"<text x="180" y="110" text-anchor="middle" font-size="11">no values</text></svg>"#,
        );
        return s;
    }
    let width = if hi > lo {
        (hi - lo) / bins as f64
    } else {
        1.0
    };
    let count = |v: &[f64]| {
        let mut c = vec![0.0; bins];
        for &x in v {
            let b = (((x - lo) / width) as usize).min(bins - 1);
            c[b] += 1.0;
        }
        let n = v.len().max(1) as f64;
        c.iter().map(|k| k / n).collect::<Vec<f64>>()
    };
    let (cr, cs) = (count(&r), count(&sy));
    let top = cr.iter().chain(&cs).copied().fold(0.0, f64::max).max(1e-9);
    axes(&mut s);
    let pw = (W - LEFT - RIGHT) / bins as f64;
    let ph = H - TOP - BOTTOM;
    for (series, colour) in [(&cr, REAL_COLOUR), (&cs, SYNTH_COLOUR)] {
        for (b, &v) in series.iter().enumerate() {
            let h = v / top * ph;
            let _ = write!(
                s,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{colour}" fill-opacity="0.5"/>"#,
                x = LEFT + b as f64 * pw,
                y = H - BOTTOM - h,
                w = pw.max(0.5)
            );
        }
    }
    let _ = write!(
        s,
        r#"<text x="{LEFT}" y="{y}" font-size="9">{lo}</text><text x="{xr}" y="{y}" font-size="9" text-anchor="end">{hi}</text><text x="{xl}" y="{yt}" font-size="9" text-anchor="end">{top}</text>"#,
        y = H - BOTTOM + 11.0,
        xr = W - RIGHT,
        lo = escape(&tick(lo)),
        hi = escape(&tick(hi)),
        xl = LEFT - 3.0,
        yt = TOP + 8.0,
        top = escape(&tick(top))
    );
    legend(
        &mut s,
        LEFT,
        H - 6.0,
        &[("real", REAL_COLOUR), ("synthetic", SYNTH_COLOUR)],
    );
    s.push_str("</svg>");
    s
}

/// Side-by-side bars of category shares (real vs synthetic). At most
/// `max_bars` categories are drawn (the most frequent in the real data);
/// the rest are summed into "other".
pub fn bar_overlay(
    title: &str,
    labels: &[String],
    real: &[f64],
    synthetic: &[f64],
    max_bars: usize,
) -> String {
    let n = labels.len().min(real.len()).min(synthetic.len());
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        real[b]
            .total_cmp(&real[a])
            .then(synthetic[b].total_cmp(&synthetic[a]))
    });
    let mut shown: Vec<(String, f64, f64)> = order
        .iter()
        .take(max_bars.max(1))
        .map(|&i| (labels[i].clone(), real[i], synthetic[i]))
        .collect();
    if n > max_bars.max(1) {
        let rest = &order[max_bars.max(1)..];
        shown.push((
            format!("other ({})", rest.len()),
            rest.iter().map(|&i| real[i]).sum(),
            rest.iter().map(|&i| synthetic[i]).sum(),
        ));
    }
    let mut s = open_svg(title, W, H);
    if shown.is_empty() {
        s.push_str(
            r#"<text x="180" y="110" text-anchor="middle" font-size="11">no values</text></svg>"#,
        );
        return s;
    }
    axes(&mut s);
    let top = shown
        .iter()
        .map(|x| x.1.max(x.2))
        .fold(0.0, f64::max)
        .max(1e-9);
    let slot = (W - LEFT - RIGHT) / shown.len() as f64;
    let ph = H - TOP - BOTTOM;
    for (k, (label, r, sy)) in shown.iter().enumerate() {
        let x0 = LEFT + k as f64 * slot;
        for (j, (v, colour)) in [(*r, REAL_COLOUR), (*sy, SYNTH_COLOUR)]
            .into_iter()
            .enumerate()
        {
            let h = v / top * ph;
            let _ = write!(
                s,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{colour}" fill-opacity="0.8"><title>{l}: {v:.3}</title></rect>"#,
                x = x0 + slot * 0.1 + j as f64 * slot * 0.4,
                y = H - BOTTOM - h,
                w = slot * 0.4,
                l = escape(label)
            );
        }
        let short: String = label.chars().take(((slot / 5.5) as usize).max(2)).collect();
        let _ = write!(
            s,
            r#"<text x="{x:.1}" y="{y}" font-size="8" text-anchor="middle">{t}</text>"#,
            x = x0 + slot / 2.0,
            y = H - BOTTOM + 10.0,
            t = escape(&short)
        );
    }
    let _ = write!(
        s,
        r#"<text x="{x}" y="{y}" font-size="9" text-anchor="end">{t}</text>"#,
        x = LEFT - 3.0,
        y = TOP + 8.0,
        t = escape(&tick(top))
    );
    legend(
        &mut s,
        LEFT,
        H - 6.0,
        &[("real", REAL_COLOUR), ("synthetic", SYNTH_COLOUR)],
    );
    s.push_str("</svg>");
    s
}

/// Colour of a value in [-1, 1] on a blue–white–red scale (NaN is grey).
fn diverging(v: f64) -> String {
    if !v.is_finite() {
        return "#cccccc".into();
    }
    let v = v.clamp(-1.0, 1.0);
    let (r, g, b) = if v >= 0.0 {
        (255.0, 255.0 * (1.0 - v), 255.0 * (1.0 - v))
    } else {
        (255.0 * (1.0 + v), 255.0 * (1.0 + v), 255.0)
    };
    format!("#{:02x}{:02x}{:02x}", r as u8, g as u8, b as u8)
}

/// A square heatmap of values in [-1, 1] (correlations or their
/// differences), labelled by column. Each cell carries its value as a tooltip.
pub fn heatmap(title: &str, labels: &[String], values: &[Vec<f64>]) -> String {
    let n = labels.len();
    let size = 300.0;
    let margin = 70.0;
    let cell = if n == 0 {
        0.0
    } else {
        (size - margin) / n as f64
    };
    let mut s = open_svg(title, size, size + 20.0);
    for (i, row) in values.iter().enumerate().take(n) {
        for (j, &v) in row.iter().enumerate().take(n) {
            let _ = write!(
                s,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{c:.1}" height="{c:.1}" fill="{f}"><title>{a} × {b}: {v}</title></rect>"#,
                x = margin + j as f64 * cell,
                y = 50.0 + i as f64 * cell,
                c = cell,
                f = diverging(v),
                a = escape(&labels[i]),
                b = escape(&labels[j]),
                v = escape(&tick(v))
            );
        }
    }
    if cell >= 5.0 {
        let fs = cell.min(9.0);
        for (i, l) in labels.iter().enumerate() {
            let short: String = l.chars().take(11).collect();
            let _ = write!(
                s,
                r#"<text x="{x}" y="{y:.1}" font-size="{fs:.1}" text-anchor="end">{t}</text>"#,
                x = margin - 2.0,
                y = 50.0 + i as f64 * cell + cell * 0.7,
                t = escape(&short)
            );
            let _ = write!(
                s,
                r#"<text transform="translate({x:.1},{y}) rotate(-60)" font-size="{fs:.1}">{t}</text>"#,
                x = margin + j_center(i, cell),
                y = 48.0,
                t = escape(&short)
            );
        }
    }
    s.push_str("</svg>");
    s
}

fn j_center(j: usize, cell: f64) -> f64 {
    j as f64 * cell + cell * 0.6
}

/// ROC curves of membership-inference attacks, with the diagonal of a
/// random guess for reference. Each curve is a list of (FPR, TPR) points.
pub fn roc_curves(title: &str, curves: &[(String, Vec<(f64, f64)>)]) -> String {
    let size = 260.0;
    let (l, t, p) = (40.0, 26.0, 200.0);
    let mut s = open_svg(title, size, size + 30.0);
    let _ = write!(
        s,
        r##"<rect x="{l}" y="{t}" width="{p}" height="{p}" fill="none" stroke="#444"/><line x1="{l}" y1="{b}" x2="{r}" y2="{t}" stroke="#999" stroke-dasharray="4 3"/><text x="{cx}" y="{xb}" font-size="9" text-anchor="middle">false positive rate</text><text transform="translate(12,{cy}) rotate(-90)" font-size="9" text-anchor="middle">true positive rate</text>"##,
        b = t + p,
        r = l + p,
        cx = l + p / 2.0,
        xb = t + p + 14.0,
        cy = t + p / 2.0
    );
    let colours = ["#d62728", "#2ca02c", "#9467bd", "#8c564b"];
    let mut entries = Vec::new();
    for (k, (name, pts)) in curves.iter().enumerate() {
        let colour = colours[k % colours.len()];
        let mut d = String::new();
        for (i, (fpr, tpr)) in pts.iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.1},{:.1}",
                if i == 0 { "M" } else { " L" },
                l + fpr.clamp(0.0, 1.0) * p,
                t + p - tpr.clamp(0.0, 1.0) * p
            );
        }
        let _ = write!(
            s,
            r#"<path d="{d}" fill="none" stroke="{colour}" stroke-width="1.5"/>"#
        );
        entries.push((name.as_str(), colour));
    }
    legend(&mut s, l, t + p + 28.0, &entries);
    s.push_str("</svg>");
    s
}

/// A scatter plot of the t-SNE map: real points in blue, synthetic in orange.
pub fn scatter(title: &str, real: &[[f32; 2]], synthetic: &[[f32; 2]]) -> String {
    let size = 420.0;
    let (l, t, p) = (10.0, 24.0, 380.0);
    let all = real.iter().chain(synthetic);
    let (mut x0, mut x1, mut y0, mut y1) = (
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::INFINITY,
        f32::NEG_INFINITY,
    );
    for q in all {
        x0 = x0.min(q[0]);
        x1 = x1.max(q[0]);
        y0 = y0.min(q[1]);
        y1 = y1.max(q[1]);
    }
    let sx = if x1 > x0 { f64::from(x1 - x0) } else { 1.0 };
    let sy = if y1 > y0 { f64::from(y1 - y0) } else { 1.0 };
    let mut s = open_svg(title, size, size + 16.0);
    let _ = write!(
        s,
        r##"<rect x="{l}" y="{t}" width="{p}" height="{p}" fill="none" stroke="#bbb"/>"##
    );
    for (pts, colour) in [(real, REAL_COLOUR), (synthetic, SYNTH_COLOUR)] {
        let _ = write!(s, r#"<g fill="{colour}" fill-opacity="0.45">"#);
        for q in pts {
            let _ = write!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="1.6"/>"#,
                l + f64::from(q[0] - x0) / sx * p,
                t + p - f64::from(q[1] - y0) / sy * p
            );
        }
        s.push_str("</g>");
    }
    legend(
        &mut s,
        l,
        t + p + 14.0,
        &[("real", REAL_COLOUR), ("synthetic", SYNTH_COLOUR)],
    );
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn well_formed(svg: &str) {
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{svg}");
        assert_eq!(svg.matches("<svg").count(), svg.matches("</svg>").count());
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
    }

    #[test]
    fn escape_handles_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn histogram_has_one_bar_per_bin_and_series() {
        let svg = histogram_overlay("age <b>", &[1.0, 2.0, 3.0, f64::NAN], &[2.0, 2.5], 10);
        well_formed(&svg);
        assert_eq!(
            svg.matches("<rect").count(),
            20 + 2,
            "20 bars + 2 legend boxes"
        );
        assert!(svg.contains("age &lt;b&gt;"));
        let empty = histogram_overlay("x", &[f64::NAN], &[], 10);
        well_formed(&empty);
        assert!(empty.contains("no values"));
    }

    #[test]
    fn bars_group_rare_categories() {
        let labels: Vec<String> = (0..30).map(|i| format!("c{i}")).collect();
        let shares = vec![1.0 / 30.0; 30];
        let svg = bar_overlay("cat", &labels, &shares, &shares, 12);
        well_formed(&svg);
        assert!(svg.contains("other (18)"));
    }

    #[test]
    fn heatmap_colours_extremes() {
        let labels = vec!["a".to_string(), "b".to_string()];
        let svg = heatmap("corr", &labels, &[vec![1.0, -1.0], vec![-1.0, f64::NAN]]);
        well_formed(&svg);
        assert!(svg.contains("#ff0000") && svg.contains("#0000ff") && svg.contains("#cccccc"));
    }

    #[test]
    fn roc_and_scatter_are_well_formed() {
        let roc = roc_curves(
            "ROC",
            &[("distance".into(), vec![(0.0, 0.0), (0.5, 0.8), (1.0, 1.0)])],
        );
        well_formed(&roc);
        assert!(roc.contains("M40.0,226.0"));
        let sc = scatter("map", &[[0.0, 0.0], [1.0, 1.0]], &[[0.5, 0.5]]);
        well_formed(&sc);
        assert_eq!(sc.matches("<circle").count(), 3);
    }

    #[test]
    fn ticks_are_short() {
        assert_eq!(tick(0.5), "0.5");
        assert_eq!(tick(12.0), "12");
        assert_eq!(tick(1234.0), "1234");
        assert_eq!(tick(1e-6), "1.0e-6");
    }
}
