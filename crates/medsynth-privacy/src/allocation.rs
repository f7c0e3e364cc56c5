//! Joint calibration of many releases to one (ε, δ) budget.
//!
//! A DP fit makes dozens of small releases (bounds, category counts,
//! histograms, a correlation matrix) followed, for the GAN, by DP-SGD.
//! Splitting ε evenly and adding the parts up wastes most of the budget:
//! Gaussian releases compose in RDP like zero-concentrated DP, where the
//! *squared* inverse noise multipliers add up. So the planner works in ρ
//! (zCDP) units: release `i` gets the share `wᵢ/Σw` of a total ρ, i.e. a
//! noise multiplier `√(cᵢ/(2wᵢρ))` for `cᵢ` Gaussian queries of sensitivity
//! 1, or `ε = √(2wᵢρ/cᵢ)` for pure-DP releases (exponential mechanism); ρ
//! is then the largest value whose RDP composition stays within the budget
//! (bisection with the same accountant the ledger uses, so the ledger's
//! total lands exactly on the budget).
//!
//! [`calibrate_dp_sgd_after`] solves the second half of the problem: the
//! smallest DP-SGD noise multiplier such that the ledger spent so far *plus*
//! the planned steps stays within the budget.

use crate::error::{PrivacyError, Result, delta_value, positive, unit_interval};
use crate::ledger::{Accounting, Ledger, LedgerEntry};

/// How a planned release is accounted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PlannedKind {
    /// `count` Gaussian queries of L2 sensitivity 1 (scale noise by the
    /// actual sensitivity), each with the same noise multiplier.
    Gaussian { count: u64 },
    /// `count` pure-ε releases (exponential mechanism), each with the same ε.
    PureDp { count: u64 },
}

/// One release to calibrate: its share of the budget and how it is accounted.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRelease {
    /// What it is (printed in the budget split).
    pub name: String,
    /// Relative weight (> 0): twice the weight, half the noise variance.
    pub weight: f64,
    pub kind: PlannedKind,
    /// δ spent additively by the release (a stability histogram's threshold).
    pub additional_delta: f64,
}

impl PlannedRelease {
    /// A release with no additive δ.
    pub fn new(name: impl Into<String>, weight: f64, kind: PlannedKind) -> Self {
        PlannedRelease {
            name: name.into(),
            weight,
            kind,
            additional_delta: 0.0,
        }
    }

    /// The ledger entry this release will produce with parameter `param`
    /// (noise multiplier or ε), stated at `delta`.
    pub fn entry(&self, param: f64, delta: f64) -> Result<LedgerEntry> {
        let accounting = match self.kind {
            PlannedKind::Gaussian { count } => Accounting::Gaussian {
                noise_multiplier: param,
                count: count.max(1),
            },
            PlannedKind::PureDp { count } => Accounting::PureDp {
                epsilon: param,
                count: count.max(1),
            },
        };
        LedgerEntry::new(
            self.name.clone(),
            accounting,
            delta,
            self.additional_delta,
            Default::default(),
        )
    }
}

/// The calibrated parameter of each planned release, in input order.
#[derive(Debug, Clone, PartialEq)]
pub struct Allocation {
    /// Total ρ (zCDP units) spent by the plan.
    pub rho: f64,
    /// Gaussian: noise multiplier per query; pure DP: ε per release.
    pub params: Vec<f64>,
    /// Each release's share of ρ (sums to 1).
    pub shares: Vec<f64>,
}

fn params_at(releases: &[PlannedRelease], total_weight: f64, rho: f64) -> Vec<f64> {
    releases
        .iter()
        .map(|r| {
            let rho_i = rho * r.weight / total_weight;
            match r.kind {
                PlannedKind::Gaussian { count } => (count.max(1) as f64 / (2.0 * rho_i)).sqrt(),
                PlannedKind::PureDp { count } => (2.0 * rho_i / count.max(1) as f64).sqrt(),
            }
        })
        .collect()
}

/// Calibrates `releases` jointly so that they are (`epsilon`, `delta`)-DP
/// together, composed exactly as the ledger composes them.
pub fn allocate(releases: &[PlannedRelease], epsilon: f64, delta: f64) -> Result<Allocation> {
    allocate_after(&Ledger::new(), releases, epsilon, delta)
}

/// Like [`allocate`], but the releases come on top of `spent`: the total of
/// `spent` plus the plan is (`epsilon`, `delta`)-DP.
pub fn allocate_after(
    spent: &Ledger,
    releases: &[PlannedRelease],
    epsilon: f64,
    delta: f64,
) -> Result<Allocation> {
    positive("epsilon", epsilon)?;
    delta_value(delta)?;
    if releases.is_empty() {
        return Err(PrivacyError::InvalidInput {
            mechanism: "budget allocation",
            message: "nothing to allocate: the plan has no releases".into(),
        });
    }
    for r in releases {
        if !(r.weight.is_finite() && r.weight > 0.0) {
            return Err(PrivacyError::InvalidParameter {
                name: "weight",
                value: r.weight,
                hint: format!("release '{}' needs a finite weight > 0", r.name),
            });
        }
    }
    let total: f64 = releases.iter().map(|r| r.weight).sum();
    let eps_at = |rho: f64| -> Result<f64> {
        let mut l = spent.clone();
        for (r, p) in releases.iter().zip(params_at(releases, total, rho)) {
            l.push(r.entry(p, delta)?);
        }
        Ok(l.total(delta)?.epsilon)
    };
    // ρ ∈ [1e-9, 1e3] covers ε from ~1e-3 to hundreds.
    let (mut lo, mut hi) = (1e-9f64.ln(), 1e3f64.ln());
    if eps_at(lo.exp())? > epsilon {
        return Err(PrivacyError::Calibration(format!(
            "ε = {epsilon} is too small for {} releases at δ = {delta:e}; raise ε or declare \
             bounds and categories in the schema",
            releases.len()
        )));
    }
    if eps_at(hi.exp())? <= epsilon {
        lo = hi;
    }
    // Invariant: eps(lo) ≤ ε < eps(hi).
    while hi - lo > 1e-5 {
        let mid = 0.5 * (lo + hi);
        if eps_at(mid.exp())? <= epsilon {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let rho = lo.exp();
    Ok(Allocation {
        rho,
        params: params_at(releases, total, rho),
        shares: releases.iter().map(|r| r.weight / total).collect(),
    })
}

/// The smallest DP-SGD noise multiplier such that `spent` (composed in RDP)
/// plus `steps` Poisson-subsampled Gaussian steps at rate `q` stay within
/// (`epsilon`, `delta`). The total is composed exactly as the ledger does
/// (additive δ of histogram thresholds included).
pub fn calibrate_dp_sgd_after(
    spent: &Ledger,
    epsilon: f64,
    delta: f64,
    steps: u64,
    q: f64,
) -> Result<f64> {
    positive("epsilon", epsilon)?;
    delta_value(delta)?;
    unit_interval("sampling_rate", q)?;
    if steps == 0 || q == 0.0 {
        return Err(PrivacyError::Calibration(
            "DP-SGD needs at least one step and a positive sampling rate".into(),
        ));
    }
    let total_with = |sigma: f64| -> Result<f64> {
        let mut l = spent.clone();
        l.push(crate::DpSgdPlan::new(sigma, q, steps, 1.0)?.ledger_entry(delta)?);
        Ok(l.total(delta)?.epsilon)
    };
    const SIGMA_MAX: f64 = 1e3;
    if total_with(SIGMA_MAX)? > epsilon {
        return Err(PrivacyError::Calibration(format!(
            "after preprocessing, even noise multiplier {SIGMA_MAX} exceeds ε = {epsilon} for \
             {steps} steps at sampling rate {q}; raise ε or lower the number of steps"
        )));
    }
    let (mut lo, mut hi) = (0.3f64.ln(), SIGMA_MAX.ln());
    if total_with(lo.exp())? <= epsilon {
        return Ok(lo.exp());
    }
    while hi - lo > 1e-5 {
        let mid = 0.5 * (lo + hi);
        if total_with(mid.exp())? > epsilon {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(hi.exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(name: &str, weight: f64, count: u64) -> PlannedRelease {
        PlannedRelease::new(name, weight, PlannedKind::Gaussian { count })
    }

    #[test]
    fn allocation_spends_the_budget_exactly_and_respects_weights() {
        let rel = vec![
            g("a", 1.0, 1),
            g("b", 4.0, 1),
            PlannedRelease::new("q", 1.0, PlannedKind::PureDp { count: 2 }),
        ];
        let a = allocate(&rel, 1.0, 1e-5).unwrap();
        // Weight 4 → half the noise multiplier of weight 1.
        assert!((a.params[0] / a.params[1] - 2.0).abs() < 1e-9);
        let mut ledger = Ledger::new();
        for (r, &p) in rel.iter().zip(&a.params) {
            ledger.push(r.entry(p, 1e-5).unwrap());
        }
        let spent = ledger.total(1e-5).unwrap().epsilon;
        assert!(spent <= 1.0 + 1e-9 && spent > 0.99, "{spent}");
        assert!((a.shares.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn dp_sgd_after_preprocessing_fills_the_rest() {
        let mut spent = Ledger::new();
        spent.push(
            LedgerEntry::new(
                "pre",
                Accounting::Gaussian {
                    noise_multiplier: 10.0,
                    count: 5,
                },
                1e-5,
                0.0,
                Default::default(),
            )
            .unwrap(),
        );
        let sigma = calibrate_dp_sgd_after(&spent, 2.0, 1e-5, 500, 0.05).unwrap();
        let mut l = spent.clone();
        l.push(
            crate::DpSgdPlan::new(sigma, 0.05, 500, 1.0)
                .unwrap()
                .ledger_entry(1e-5)
                .unwrap(),
        );
        let e = l.total(1e-5).unwrap().epsilon;
        assert!(e <= 2.0 + 1e-9 && e > 1.98, "{e}");
        // Without preprocessing, less noise is needed.
        let alone = calibrate_dp_sgd_after(&Ledger::new(), 2.0, 1e-5, 500, 0.05).unwrap();
        assert!(alone < sigma);
    }

    #[test]
    fn allocation_after_a_spent_ledger_and_with_additive_delta_stays_in_budget() {
        let mut spent = Ledger::new();
        spent.push(g("count", 1.0, 1).entry(50.0, 1e-5).unwrap());
        let mut h = g("histogram", 1.0, 2);
        h.additional_delta = 1e-6;
        let rel = vec![h.clone(), g("b", 2.0, 1)];
        let a = allocate_after(&spent, &rel, 0.5, 1e-5).unwrap();
        let mut l = spent.clone();
        for (r, &p) in rel.iter().zip(&a.params) {
            l.push(r.entry(p, 1e-5).unwrap());
        }
        let e = l.total(1e-5).unwrap().epsilon;
        assert!(e <= 0.5 + 1e-9 && e > 0.49, "{e}");
    }

    #[test]
    fn bad_plans_are_errors() {
        assert!(allocate(&[], 1.0, 1e-5).is_err());
        assert!(allocate(&[g("a", 0.0, 1)], 1.0, 1e-5).is_err());
        assert!(allocate(&[g("a", 1.0, 1)], -1.0, 1e-5).is_err());
        assert!(calibrate_dp_sgd_after(&Ledger::new(), 1.0, 1e-5, 0, 0.1).is_err());
    }
}
