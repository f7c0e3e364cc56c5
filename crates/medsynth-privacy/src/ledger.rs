//! The privacy ledger: one entry per release of information about the real
//! data, and the composition of all of them into the run's total (ε, δ).
//!
//! An entry carries, besides its own standalone (ε, δ), the parameters needed
//! to *recompute* its cost with an independent accountant (`params`, with an
//! `accounting` key saying which formula applies). The ledger is serialised
//! verbatim into `manifest.json` under `privacy.ledger`.
//!
//! Total cost: all entries with an RDP description are composed in RDP and
//! converted once at the run's δ (minus any additive δ, e.g. from histogram
//! thresholds); entries without one are added by basic composition. The
//! result is never worse than the simple sum of the entries' (ε, δ): if the
//! sum is smaller and its δ fits, the sum is reported instead.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::accountant::{RdpAccountant, rdp_laplace, rdp_poisson_subsampled_gaussian};
use crate::error::{PrivacyError, Result, delta_value, positive, unit_interval};

/// How an entry's cost is computed; stored in `params` so that the manifest is
/// self-describing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Accounting {
    /// `count` releases of a Gaussian mechanism with noise std = noise_multiplier × L2 sensitivity.
    Gaussian { noise_multiplier: f64, count: u64 },
    /// `count` releases of a Laplace mechanism with scale = noise_multiplier × L1 sensitivity.
    Laplace { noise_multiplier: f64, count: u64 },
    /// `steps` steps of DP-SGD: Poisson sampling at `sampling_rate`, Gaussian noise.
    PoissonSubsampledGaussian {
        noise_multiplier: f64,
        sampling_rate: f64,
        steps: u64,
    },
    /// `count` releases that are each `epsilon`-DP (exponential mechanism).
    PureDp { epsilon: f64, count: u64 },
}

impl Accounting {
    /// Checks the parameters (also used on manifests read back from disk).
    pub fn validate(&self) -> Result<()> {
        match *self {
            Accounting::Gaussian {
                noise_multiplier, ..
            }
            | Accounting::Laplace {
                noise_multiplier, ..
            } => positive("noise_multiplier", noise_multiplier).map(drop),
            Accounting::PoissonSubsampledGaussian {
                noise_multiplier,
                sampling_rate,
                ..
            } => {
                positive("noise_multiplier", noise_multiplier)?;
                unit_interval("sampling_rate", sampling_rate).map(drop)
            }
            Accounting::PureDp { epsilon, .. } => positive("epsilon", epsilon).map(drop),
        }
    }

    /// Adds this mechanism's RDP curve to `acc`.
    pub fn compose_into(&self, acc: &mut RdpAccountant) -> Result<()> {
        match *self {
            Accounting::Gaussian {
                noise_multiplier,
                count,
            } => acc.compose_gaussian(noise_multiplier, count),
            Accounting::Laplace {
                noise_multiplier,
                count,
            } => acc.compose_with(count, |a| rdp_laplace(noise_multiplier, a)),
            Accounting::PoissonSubsampledGaussian {
                noise_multiplier,
                sampling_rate,
                steps,
            } => acc.compose_with(steps, |a| {
                rdp_poisson_subsampled_gaussian(sampling_rate, noise_multiplier, a)
            }),
            Accounting::PureDp { epsilon, count } => acc.compose_pure_dp(epsilon, count),
        }
    }

    /// The pure-DP ε of this mechanism if it has one (Laplace, exponential).
    fn pure_epsilon(&self) -> Option<f64> {
        match *self {
            Accounting::Laplace {
                noise_multiplier,
                count,
            } => Some(count as f64 / noise_multiplier),
            Accounting::PureDp { epsilon, count } => Some(count as f64 * epsilon),
            _ => None,
        }
    }

    fn write_params(&self, p: &mut Map<String, Value>) {
        let (kind, pairs): (&str, Vec<(&str, Value)>) = match *self {
            Accounting::Gaussian {
                noise_multiplier,
                count,
            } => (
                "gaussian",
                vec![
                    ("noise_multiplier", noise_multiplier.into()),
                    ("count", count.into()),
                ],
            ),
            Accounting::Laplace {
                noise_multiplier,
                count,
            } => (
                "laplace",
                vec![
                    ("noise_multiplier", noise_multiplier.into()),
                    ("count", count.into()),
                ],
            ),
            Accounting::PoissonSubsampledGaussian {
                noise_multiplier,
                sampling_rate,
                steps,
            } => (
                "poisson_subsampled_gaussian",
                vec![
                    ("noise_multiplier", noise_multiplier.into()),
                    ("sampling_rate", sampling_rate.into()),
                    ("steps", steps.into()),
                ],
            ),
            Accounting::PureDp { epsilon, count } => (
                "pure_dp",
                vec![("pure_epsilon", epsilon.into()), ("count", count.into())],
            ),
        };
        p.insert("accounting".into(), kind.into());
        for (k, v) in pairs {
            p.insert(k.into(), v);
        }
    }

    fn read_params(p: &Map<String, Value>) -> std::result::Result<Option<Accounting>, String> {
        let kind = match p.get("accounting") {
            None => return Ok(None),
            Some(Value::String(s)) => s.as_str(),
            Some(other) => return Err(format!("'accounting' must be a string, found {other}")),
        };
        let num = |k: &str| -> std::result::Result<f64, String> {
            p.get(k)
                .and_then(Value::as_f64)
                .ok_or_else(|| format!("accounting '{kind}' needs a numeric parameter '{k}'"))
        };
        let int = |k: &str| -> std::result::Result<u64, String> {
            p.get(k).and_then(Value::as_u64).ok_or_else(|| {
                format!("accounting '{kind}' needs a non-negative integer parameter '{k}'")
            })
        };
        let acc = match kind {
            "gaussian" => Accounting::Gaussian {
                noise_multiplier: num("noise_multiplier")?,
                count: int("count")?,
            },
            "laplace" => Accounting::Laplace {
                noise_multiplier: num("noise_multiplier")?,
                count: int("count")?,
            },
            "poisson_subsampled_gaussian" => Accounting::PoissonSubsampledGaussian {
                noise_multiplier: num("noise_multiplier")?,
                sampling_rate: num("sampling_rate")?,
                steps: int("steps")?,
            },
            "pure_dp" => Accounting::PureDp {
                epsilon: num("pure_epsilon")?,
                count: int("count")?,
            },
            "approximate_dp" => return Ok(None),
            other => {
                return Err(format!(
                    "unknown accounting '{other}' (expected gaussian, laplace, \
                     poisson_subsampled_gaussian, pure_dp or approximate_dp)"
                ));
            }
        };
        acc.validate().map_err(|e| e.to_string())?;
        Ok(Some(acc))
    }
}

/// Parameter key for δ that is spent *additively* on top of the RDP curve
/// (e.g. the probability that a stability-based histogram reveals a category
/// held by a single record).
pub const ADDITIONAL_DELTA_KEY: &str = "additional_delta";

/// One release of information about the real data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// Human-readable name, e.g. `"dp_sgd"`, `"noisy_histogram"`.
    pub mechanism: String,
    /// Standalone ε of this release (at `delta`).
    pub epsilon: f64,
    /// Standalone δ of this release.
    pub delta: f64,
    /// Parameters sufficient to recompute the cost, plus descriptive ones
    /// (column name, clipping bounds, …).
    pub params: Map<String, Value>,
}

impl LedgerEntry {
    /// An entry accounted by `accounting`. Its standalone ε is stated at
    /// `report_delta` (ignored for pure-DP mechanisms, whose δ is 0), plus
    /// `additional_delta`. `extra` holds descriptive parameters.
    pub fn new(
        mechanism: impl Into<String>,
        accounting: Accounting,
        report_delta: f64,
        additional_delta: f64,
        extra: Map<String, Value>,
    ) -> Result<Self> {
        accounting.validate()?;
        if !(additional_delta.is_finite() && (0.0..1.0).contains(&additional_delta)) {
            return Err(PrivacyError::InvalidParameter {
                name: ADDITIONAL_DELTA_KEY,
                value: additional_delta,
                hint: "must be in [0, 1)".into(),
            });
        }
        let mut acc = RdpAccountant::new();
        accounting.compose_into(&mut acc)?;
        let (epsilon, delta) = match accounting.pure_epsilon() {
            Some(pure) => {
                let via_rdp = acc.epsilon(delta_value(report_delta)?)?.epsilon;
                if via_rdp < pure {
                    (via_rdp, report_delta)
                } else {
                    (pure, 0.0)
                }
            }
            None => (
                acc.epsilon(delta_value(report_delta)?)?.epsilon,
                report_delta,
            ),
        };
        let mut params = extra;
        accounting.write_params(&mut params);
        if additional_delta > 0.0 {
            params.insert(ADDITIONAL_DELTA_KEY.into(), additional_delta.into());
        }
        Ok(LedgerEntry {
            mechanism: mechanism.into(),
            epsilon,
            delta: delta + additional_delta,
            params,
        })
    }

    /// An entry known only by its (ε, δ) guarantee; composed by basic
    /// composition.
    pub fn approximate(
        mechanism: impl Into<String>,
        epsilon: f64,
        delta: f64,
        extra: Map<String, Value>,
    ) -> Result<Self> {
        if !(epsilon.is_finite() && epsilon >= 0.0) {
            return Err(PrivacyError::InvalidParameter {
                name: "epsilon",
                value: epsilon,
                hint: "must be finite and ≥ 0".into(),
            });
        }
        if !(delta.is_finite() && (0.0..1.0).contains(&delta)) {
            return Err(PrivacyError::InvalidParameter {
                name: "delta",
                value: delta,
                hint: "must be in [0, 1)".into(),
            });
        }
        let mut params = extra;
        params.insert("accounting".into(), "approximate_dp".into());
        Ok(LedgerEntry {
            mechanism: mechanism.into(),
            epsilon,
            delta,
            params,
        })
    }

    /// The RDP description of this entry, if any.
    pub fn accounting(&self) -> std::result::Result<Option<Accounting>, String> {
        Accounting::read_params(&self.params)
    }

    fn additional_delta(&self) -> f64 {
        self.params
            .get(ADDITIONAL_DELTA_KEY)
            .and_then(Value::as_f64)
            .unwrap_or(0.0)
    }
}

/// How the total was composed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Composition {
    /// RDP composition converted once at the run's δ.
    Rdp,
    /// Simple sum of the entries' (ε, δ) (it happened to be smaller).
    Basic,
}

/// The total privacy cost of a ledger.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PrivacySpent {
    /// Total ε of the run.
    pub epsilon: f64,
    /// The run's δ at which ε is stated.
    pub delta: f64,
    /// Which composition gave the (smaller) total.
    pub composition: Composition,
}

/// Everything released about the real data during a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Ledger {
    /// Releases in the order they happened.
    pub entries: Vec<LedgerEntry>,
}

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Self {
        Ledger::default()
    }

    /// Records a release.
    pub fn push(&mut self, entry: LedgerEntry) {
        self.entries.push(entry);
    }

    /// The simple sum of the entries' (ε, δ): an upper bound that is always
    /// valid, and what a reader without an RDP accountant can check.
    pub fn basic_total(&self) -> (f64, f64) {
        self.entries
            .iter()
            .fold((0.0, 0.0), |(e, d), x| (e + x.epsilon, d + x.delta))
    }

    /// The total (ε, δ) at the run's `delta` (see module docs for the rule).
    pub fn total(&self, delta: f64) -> Result<PrivacySpent> {
        delta_value(delta)?;
        let mut acc = RdpAccountant::new();
        let mut any_rdp = false;
        let (mut loose_eps, mut loose_delta, mut additive_delta) = (0.0, 0.0, 0.0);
        for (index, entry) in self.entries.iter().enumerate() {
            let parsed = entry
                .accounting()
                .map_err(|message| PrivacyError::LedgerEntry {
                    index,
                    mechanism: entry.mechanism.clone(),
                    message,
                })?;
            match parsed {
                Some(a) => {
                    a.compose_into(&mut acc)?;
                    any_rdp = true;
                    additive_delta += entry.additional_delta();
                }
                None => {
                    loose_eps += entry.epsilon;
                    loose_delta += entry.delta;
                }
            }
        }
        let mut tight = loose_eps;
        if any_rdp {
            let rdp_delta = delta - additive_delta - loose_delta;
            if rdp_delta <= 0.0 {
                return Err(PrivacyError::InvalidParameter {
                    name: "delta",
                    value: delta,
                    hint: format!(
                        "the ledger already spends δ = {:e} additively (thresholds and (ε, δ) entries), \
                         leaving nothing for the RDP conversion; pass a larger δ",
                        additive_delta + loose_delta
                    ),
                });
            }
            tight += acc.epsilon(rdp_delta)?.epsilon;
        }
        let (sum_eps, sum_delta) = self.basic_total();
        // Relative slack of 1e-12 absorbs rounding when a budget's δ was split
        // into parts (0.1·δ + 0.9·δ need not equal δ in floating point).
        if sum_delta <= delta * (1.0 + 1e-12) && sum_eps <= tight {
            return Ok(PrivacySpent {
                epsilon: sum_eps,
                delta,
                composition: Composition::Basic,
            });
        }
        Ok(PrivacySpent {
            epsilon: tight,
            delta,
            composition: Composition::Rdp,
        })
    }
}

/// The `privacy` section of `manifest.json`: total ε at the run's δ and the
/// ledger, so that a reader can both trust the headline number and recompute
/// it from the entries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrivacyManifest {
    /// Total ε composed over the ledger.
    pub epsilon: f64,
    /// The run's δ.
    pub delta: f64,
    /// How the total was composed.
    pub composition: Composition,
    /// Every release, in order.
    pub ledger: Vec<LedgerEntry>,
}

impl Ledger {
    /// Composes the ledger at `delta` and packages it for `manifest.json`.
    pub fn manifest(&self, delta: f64) -> Result<PrivacyManifest> {
        let spent = self.total(delta)?;
        Ok(PrivacyManifest {
            epsilon: spent.epsilon,
            delta: spent.delta,
            composition: spent.composition,
            ledger: self.entries.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dpsgd(steps: u64) -> LedgerEntry {
        LedgerEntry::new(
            "dp_sgd",
            Accounting::PoissonSubsampledGaussian {
                noise_multiplier: 1.0,
                sampling_rate: 0.01,
                steps,
            },
            1e-5,
            0.0,
            Map::new(),
        )
        .unwrap()
    }

    #[test]
    fn dp_sgd_entry_carries_recomputable_params() {
        let e = dpsgd(1000);
        assert_eq!(e.params["noise_multiplier"], 1.0);
        assert_eq!(e.params["sampling_rate"], 0.01);
        assert_eq!(e.params["steps"], 1000);
        assert_eq!(e.delta, 1e-5);
        assert!(e.epsilon > 0.0);
    }

    #[test]
    fn rdp_total_beats_simple_sum_for_many_entries() {
        let mut l = Ledger::new();
        for _ in 0..10 {
            l.push(dpsgd(100));
        }
        let t = l.total(1e-5).unwrap();
        let (sum, _) = l.basic_total();
        assert_eq!(t.composition, Composition::Rdp);
        assert!(t.epsilon < sum);
        // Ten entries of 100 steps equal one entry of 1000 steps.
        let single = dpsgd(1000).epsilon;
        assert!((t.epsilon - single).abs() < 1e-9);
    }

    #[test]
    fn total_never_exceeds_simple_sum() {
        let mut l = Ledger::new();
        l.push(
            LedgerEntry::new(
                "count",
                Accounting::Laplace {
                    noise_multiplier: 10.0,
                    count: 1,
                },
                1e-6,
                0.0,
                Map::new(),
            )
            .unwrap(),
        );
        let t = l.total(1e-5).unwrap();
        assert!(t.epsilon <= 0.1 + 1e-12);
    }

    #[test]
    fn manifest_section_has_total_and_entries() {
        let mut l = Ledger::new();
        l.push(dpsgd(100));
        let m = l.manifest(1e-5).unwrap();
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(v["delta"], 1e-5);
        assert_eq!(v["composition"], "basic");
        assert_eq!(v["ledger"][0]["params"]["steps"], 100);
        assert!((m.epsilon - l.entries[0].epsilon).abs() < 1e-12);
    }

    #[test]
    fn malformed_params_are_reported_with_index() {
        let mut l = Ledger::new();
        l.push(dpsgd(10));
        let mut bad = dpsgd(10);
        bad.params.remove("steps");
        l.push(bad);
        let err = l.total(1e-5).unwrap_err().to_string();
        assert!(err.contains("entry 1") && err.contains("steps"), "{err}");
    }
}
