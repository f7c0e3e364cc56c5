//! Errors of the audit. As everywhere in medsynth, a caller must be able to
//! tell "my flags or data are wrong" (exit 2) from "medsynth failed" (exit 1).

/// Everything that can go wrong while auditing.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// A parameter is out of range (too few trials, a confidence outside
    /// (0, 1), a non-positive ε) or the table cannot carry a canary.
    #[error("{0}")]
    InvalidInput(String),
    /// Fitting or sampling one of the audit's models failed.
    #[error("trial {trial}: {source}")]
    Model {
        trial: usize,
        #[source]
        source: medsynth_model::ModelError,
    },
}

impl AuditError {
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        AuditError::InvalidInput(message.into())
    }

    /// True when the user can fix the cause.
    pub fn is_user_error(&self) -> bool {
        match self {
            AuditError::InvalidInput(_) => true,
            AuditError::Model { source, .. } => source.is_user_error(),
        }
    }
}
