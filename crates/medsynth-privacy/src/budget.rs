//! The user's privacy budget and its default split between preprocessing
//! (DP bounds, category counts, conditional-vector frequencies) and training.
//!
//! 10 % of ε for preprocessing is the default because those statistics are
//! few, low-dimensional and robust to noise, while DP-SGD spends ε over
//! thousands of steps and its utility degrades quickly as ε shrinks. δ is
//! split the same way. Because the ledger composes in RDP, the realised
//! total is at most the sum of the parts and usually below it.

use crate::error::{PrivacyError, Result, positive};
use crate::ledger::{Ledger, PrivacySpent};

/// Fraction of the budget given to preprocessing by default.
pub const DEFAULT_PREPROCESSING_FRACTION: f64 = 0.1;

/// The default δ for a dataset of `n_records` rows: min(1e-5, 1/(10·n)).
/// δ is the probability of a catastrophic failure; it must be well below
/// 1/n, otherwise "publish one random record" would satisfy the definition.
pub fn default_delta(n_records: usize) -> f64 {
    let n = n_records.max(1) as f64;
    (1e-5f64).min(1.0 / (10.0 * n))
}

/// A total (ε, δ) budget.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Budget {
    /// Total ε (privacy loss bound).
    pub epsilon: f64,
    /// Total δ (probability the ε bound may fail).
    pub delta: f64,
}

impl Budget {
    /// Validates a user budget for a dataset of `n_records` rows: ε finite and
    /// > 0; δ finite, > 0 and < 1/n.
    pub fn new(epsilon: f64, delta: f64, n_records: usize) -> Result<Self> {
        positive("epsilon", epsilon).map_err(|_| PrivacyError::InvalidParameter {
            name: "epsilon",
            value: epsilon,
            hint: "must be a finite number greater than 0 (typical values: 1 to 10; smaller is more private)"
                .into(),
        })?;
        let n = n_records.max(1) as f64;
        let suggestion = default_delta(n_records);
        if !(delta.is_finite() && delta > 0.0) {
            return Err(PrivacyError::InvalidParameter {
                name: "delta",
                value: delta,
                hint: format!("must be a finite number greater than 0; pass e.g. {suggestion:e}"),
            });
        }
        if delta >= 1.0 / n {
            return Err(PrivacyError::InvalidParameter {
                name: "delta",
                value: delta,
                hint: format!(
                    "must be below 1/n = {:e} for n = {n_records} records (otherwise releasing a \
                     random record would be allowed); pass {suggestion:e} = min(1e-5, 1/(10·n))",
                    1.0 / n
                ),
            });
        }
        Ok(Budget { epsilon, delta })
    }

    /// The default 10 % / 90 % plan.
    pub fn plan(&self) -> BudgetPlan {
        BudgetPlan::split(*self, DEFAULT_PREPROCESSING_FRACTION)
    }

    /// A plan giving `fraction` of ε and δ to preprocessing.
    pub fn plan_with_fraction(&self, fraction: f64) -> Result<BudgetPlan> {
        if !(fraction.is_finite() && fraction > 0.0 && fraction < 1.0) {
            return Err(PrivacyError::InvalidParameter {
                name: "preprocessing_fraction",
                value: fraction,
                hint: "must be strictly between 0 and 1 (default 0.1)".into(),
            });
        }
        Ok(BudgetPlan::split(*self, fraction))
    }

    /// Composes `ledger` at this budget's δ and refuses it if ε exceeds the
    /// budget. Returns the spent total otherwise.
    pub fn check(&self, ledger: &Ledger) -> Result<PrivacySpent> {
        let spent = ledger.total(self.delta)?;
        // Relative slack for the bisection in noise calibration.
        if spent.epsilon > self.epsilon * (1.0 + 1e-9) {
            return Err(PrivacyError::BudgetExceeded {
                spent_epsilon: spent.epsilon,
                spent_delta: spent.delta,
                budget_epsilon: self.epsilon,
                budget_delta: self.delta,
                hint:
                    "raise --epsilon, or reduce epochs / batch size, or declare column bounds and \
                       categories in the schema so that fewer statistics must be estimated under DP"
                        .into(),
            });
        }
        Ok(spent)
    }
}

/// How a total budget is divided between the two phases of a run.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BudgetPlan {
    /// The user's whole budget.
    pub total: Budget,
    /// Share of ε and δ given to preprocessing.
    pub preprocessing_fraction: f64,
    /// Budget for DP bounds, category counts and conditional-vector frequencies.
    pub preprocessing: Budget,
    /// Budget for DP-SGD.
    pub training: Budget,
}

impl BudgetPlan {
    fn split(total: Budget, fraction: f64) -> Self {
        BudgetPlan {
            total,
            preprocessing_fraction: fraction,
            preprocessing: Budget {
                epsilon: total.epsilon * fraction,
                delta: total.delta * fraction,
            },
            // Remainders rather than products, so the parts add up to the total.
            training: Budget {
                epsilon: total.epsilon - total.epsilon * fraction,
                delta: total.delta - total.delta * fraction,
            },
        }
    }

    /// Splits the preprocessing budget evenly over `releases` statistics
    /// (e.g. one per column); basic composition, so always safe.
    pub fn per_preprocessing_release(&self, releases: usize) -> Result<Budget> {
        if releases == 0 {
            return Err(PrivacyError::InvalidInput {
                mechanism: "budget plan",
                message: "cannot split the preprocessing budget over 0 releases".into(),
            });
        }
        let k = releases as f64;
        Ok(Budget {
            epsilon: self.preprocessing.epsilon / k,
            delta: self.preprocessing.delta / k,
        })
    }

    /// The plan as text for the CLI.
    pub fn describe(&self) -> String {
        let pct = self.preprocessing_fraction * 100.0;
        format!(
            "Privacy budget: ε = {:.4}, δ = {:.3e}\n  \
             preprocessing ({pct:.0} %): ε = {:.4}, δ = {:.3e}  (column bounds, category counts, \
             conditional-vector frequencies)\n  \
             training ({:.0} %):      ε = {:.4}, δ = {:.3e}  (DP-SGD: clipping + Gaussian noise)\n  \
             Totals are composed with an RDP accountant and never exceed ε = {:.4}.",
            self.total.epsilon,
            self.total.delta,
            self.preprocessing.epsilon,
            self.preprocessing.delta,
            100.0 - pct,
            self.training.epsilon,
            self.training.delta,
            self.total.epsilon,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_delta_rule() {
        assert_eq!(default_delta(303), 1e-5);
        assert!((default_delta(1_000_000) - 1e-7).abs() < 1e-20);
    }

    #[test]
    fn validation_messages_say_what_to_pass() {
        let e = Budget::new(1.0, 0.01, 303).unwrap_err().to_string();
        assert!(e.contains("1/n") && e.contains("1e-5"), "{e}");
        assert!(Budget::new(0.0, 1e-6, 303).is_err());
        assert!(Budget::new(f64::INFINITY, 1e-6, 303).is_err());
        assert!(Budget::new(1.0, 0.0, 303).is_err());
        assert!(Budget::new(1.0, f64::NAN, 303).is_err());
        assert!(Budget::new(1.0, 1e-6, 303).is_ok());
    }

    #[test]
    fn plan_splits_and_describes() {
        let p = Budget::new(3.0, 1e-5, 1000).unwrap().plan();
        assert!((p.preprocessing.epsilon - 0.3).abs() < 1e-12);
        assert!((p.training.epsilon - 2.7).abs() < 1e-12);
        let text = p.describe();
        assert!(text.contains("10 %") && text.contains("90 %"), "{text}");
        assert!(
            Budget::new(3.0, 1e-5, 1000)
                .unwrap()
                .plan_with_fraction(1.0)
                .is_err()
        );
    }
}
