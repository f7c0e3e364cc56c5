//! Errors of the privacy layer. Every message says which parameter was wrong
//! and what to pass instead, because the person reading it is usually a
//! privacy officer configuring a run, not the author of the code.

/// Everything that can go wrong when configuring, running or accounting a
/// differentially private release.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PrivacyError {
    /// A privacy parameter (ε, δ, σ, sampling rate, sensitivity, …) is out of
    /// its valid range or not finite. `hint` says what a valid value looks like.
    #[error("invalid privacy parameter {name} = {value}: {hint}")]
    InvalidParameter {
        name: &'static str,
        value: f64,
        hint: String,
    },
    /// The input data handed to a mechanism is malformed (length mismatch,
    /// non-finite values, empty candidate grid, …).
    #[error("invalid input to {mechanism}: {message}")]
    InvalidInput {
        mechanism: &'static str,
        message: String,
    },
    /// The spent budget (composed over the ledger) exceeds what the user allowed.
    #[error(
        "privacy budget exceeded: the planned releases cost ε = {spent_epsilon:.4} at δ = {spent_delta:e}, \
         but the budget is ε = {budget_epsilon} at δ = {budget_delta:e}; {hint}"
    )]
    BudgetExceeded {
        spent_epsilon: f64,
        spent_delta: f64,
        budget_epsilon: f64,
        budget_delta: f64,
        hint: String,
    },
    /// Noise calibration found no noise level reaching the requested ε.
    #[error("cannot calibrate noise: {0}")]
    Calibration(String),
    /// A ledger entry cannot be re-accounted from its parameters (e.g. a
    /// manifest edited by hand or written by an incompatible version).
    #[error("ledger entry {index} ('{mechanism}'): {message}")]
    LedgerEntry {
        index: usize,
        mechanism: String,
        message: String,
    },
    /// The operating system refused to provide entropy for the noise RNG.
    #[error("could not seed the DP noise generator from operating-system entropy: {0}")]
    Entropy(String),
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, PrivacyError>;

/// Checks that `value` is finite and strictly positive.
pub(crate) fn positive(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(PrivacyError::InvalidParameter {
            name,
            value,
            hint: "must be a finite number greater than 0".into(),
        })
    }
}

/// Checks that `value` is a probability in `[0, 1]`.
pub(crate) fn unit_interval(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(PrivacyError::InvalidParameter {
            name,
            value,
            hint: "must be between 0 and 1 (inclusive)".into(),
        })
    }
}

/// Checks that δ is in `(0, 1)`.
pub(crate) fn delta_value(value: f64) -> Result<f64> {
    if value.is_finite() && value > 0.0 && value < 1.0 {
        Ok(value)
    } else {
        Err(PrivacyError::InvalidParameter {
            name: "delta",
            value,
            hint:
                "must be strictly between 0 and 1; a usual choice is 1e-5 or 1/(10·n) for n records"
                    .into(),
        })
    }
}
