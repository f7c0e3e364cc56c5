//! Errors of the engine. The engine sits behind the trainer, so most errors are
//! configuration or shape mismatches; each message names the offending field
//! and the sizes involved so that the trainer can surface it unchanged.

use thiserror::Error;

/// Everything that can go wrong when building or driving a [`crate::GanEngine`].
#[derive(Debug, Error, Clone, PartialEq)]
pub enum NnError {
    /// A [`crate::GanConfig`] field is out of its valid range.
    #[error("invalid GAN configuration: {field}: {reason}")]
    InvalidConfig { field: &'static str, reason: String },
    /// A batch passed to a step does not have the shape the network was built for.
    #[error("shape mismatch for {what}: expected {expected}, got {got}")]
    Shape {
        what: &'static str,
        expected: String,
        got: String,
    },
    /// An input holds NaN/∞, or a step produced a non-finite loss (the update
    /// is then skipped, so the parameters stay usable).
    #[error("non-finite value: {0}")]
    NonFinite(String),
    /// A checkpoint does not fit the network (missing tensor, wrong shape, unknown name).
    #[error("checkpoint mismatch: {0}")]
    Checkpoint(String),
}

impl NnError {
    pub(crate) fn config(field: &'static str, reason: impl Into<String>) -> Self {
        NnError::InvalidConfig {
            field,
            reason: reason.into(),
        }
    }

    pub(crate) fn shape(what: &'static str, expected: impl ToString, got: impl ToString) -> Self {
        NnError::Shape {
            what,
            expected: expected.to_string(),
            got: got.to_string(),
        }
    }
}
