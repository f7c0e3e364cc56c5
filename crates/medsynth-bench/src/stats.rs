//! Small helpers of the harness: mean ± sd, peak memory, the peers' rows,
//! and the TSTR logistic-regression AUC.

use medsynth_data::{Schema, Table};
use medsynth_eval::TargetSpec;

/// Mean and sample standard deviation of finite values.
pub struct Summary {
    pub mean: f64,
    pub sd: f64,
    pub n: usize,
}

impl Summary {
    pub fn of(values: &[f64]) -> Summary {
        let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        let n = v.len();
        let mean = if n > 0 {
            v.iter().sum::<f64>() / n as f64
        } else {
            f64::NAN
        };
        let sd = if n > 1 {
            (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        Summary { mean, sd, n }
    }

    pub fn fmt(&self, decimals: usize) -> String {
        match self.n {
            0 => "–".into(),
            1 => format!("{:.*}", decimals, self.mean),
            _ => format!("{:.*}±{:.*}", decimals, self.mean, decimals, self.sd),
        }
    }
}

/// Peak resident memory of this process (VmHWM), MiB.
pub fn peak_rss_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// The peers' figures from `shared/benchmarks/peers.md`, for side-by-side reading.
pub fn peer_rows(dataset: &str) -> Vec<&'static str> {
    match dataset {
        "heart" => vec![
            "| TRTR (real train) | – | – | – | – | – | – | 0.945 | – |",
            "| SDV CTGAN defaults | 56.8±8.1 | 6.2 | 1307 | 0.763±0.038 | 0.825 | 0.702 | 0.522±0.175 | 0.517 |",
            "| SDV CTGAN tuned (~3,000 steps) | 109.7±18.7 | 4.3 | 955 | 0.853±0.014 | 0.889 | 0.818 | 0.902±0.042 | 0.535 |",
            "| SDV TVAE | 12.7±3.1 | 1.9 | 1304 | 0.789±0.016 | 0.844 | 0.734 | 0.858±0.020 | 0.698 |",
            "| SDV GaussianCopula | 2.7±1.0 | 5.8 | 1121 | 0.859±0.006 | 0.930 | 0.789 | 0.801±0.044 | 0.547 |",
        ],
        "adult" => vec![
            "| TRTR (real train) | – | – | – | – | – | – | 0.906 | – |",
            "| SDV CTGAN, 30 epochs | 213 | 2.9 | 2041 | 0.818 | 0.877 | 0.759 | 0.831 | 0.502 |",
            "| SDV GaussianCopula | 12.7 | 4.6 | 1972 | 0.807 | 0.860 | 0.755 | 0.833 | 0.499 |",
        ],
        _ => Vec::new(),
    }
}

/// TSTR logistic-regression ROC AUC (train on synthetic, score on the real
/// holdout), via `medsynth-eval`; `None` when it cannot be computed (e.g.
/// the synthetic target has one class), with the reason on stderr.
pub fn tstr_lr_auc(
    synth: &Table,
    holdout: &Table,
    schema: &Schema,
    target: &TargetSpec,
) -> Option<f64> {
    match medsynth_eval::utility::tstr_logistic_auc(synth, holdout, schema, target) {
        Ok(a) => Some(a),
        Err(e) => {
            eprintln!("TSTR: {e}");
            None
        }
    }
}

/// The DP peers' published figures (`shared/benchmarks/peers.md`), for the
/// utility-vs-ε chart.
pub fn dp_peers(dataset: &str) -> Vec<medsynth_eval::sweep::PeerPoint> {
    let p = |system: &str, epsilon: f64, quality: f64, auc: f64| medsynth_eval::sweep::PeerPoint {
        system: system.into(),
        epsilon,
        quality: Some(quality),
        tstr_lr_auc: Some(auc),
    };
    match dataset {
        "heart" => vec![
            p("AIM", 1.0, 0.686, 0.697),
            p("AIM", 3.0, 0.772, 0.837),
            p("MST", 1.0, 0.708, 0.570),
            p("DP-CTGAN", 1.0, 0.598, 0.683),
        ],
        _ => Vec::new(),
    }
}
