//! Errors of the federated groundwork. A *site's* misbehaviour (wrong shapes,
//! NaN, a huge update, a crash, a timeout) is not an error here: it is recorded
//! as a rejection or a site status and the round goes on. Errors are reserved
//! for mistakes of the caller (bad split parameters, a malformed global model).

use thiserror::Error;

/// Everything that can go wrong in this crate.
#[derive(Debug, Error)]
pub enum FederatedError {
    /// Federated training with a single site is ordinary training.
    #[error("a federated split needs at least 2 sites, got {sites}")]
    TooFewSites { sites: usize },

    /// Every site needs at least one row.
    #[error("cannot split {rows} rows into {sites} sites: each site needs at least one row")]
    TooManySites { sites: usize, rows: usize },

    /// A split would leave a site without rows.
    #[error("site {site} would receive no rows: {hint}")]
    EmptySite { site: usize, hint: String },

    /// The per-row labels do not match the number of rows.
    #[error("got {labels} labels for {rows} rows")]
    LabelCount { labels: usize, rows: usize },

    /// A split that groups by label was given no labels.
    #[error("this split needs one label per row: name the column to split by")]
    MissingLabels,

    /// A numeric parameter is out of its domain.
    #[error("{name} must be {expected}, got {value}")]
    InvalidParameter {
        name: &'static str,
        value: f64,
        expected: &'static str,
    },

    /// The server's own parameters are malformed (a bug upstream, not a site's fault).
    #[error("global parameters are malformed: tensor `{name}`: {detail}")]
    InvalidGlobal { name: String, detail: String },

    /// Two parameter lists that must line up do not.
    #[error("tensor `{name}`: {detail}")]
    TensorMismatch { name: String, detail: String },

    /// A site could not produce an update (returned by [`crate::Site`] implementations).
    #[error("site failed: {0}")]
    SiteFailed(String),

    /// The round driver was given no sites.
    #[error("a federation needs at least one site")]
    NoSites,

    /// Sites disagree on the schema, a site file is malformed, a flag is out
    /// of range: something the user can fix.
    #[error("{0}")]
    Input(String),

    /// Encoding, local training or writing the model failed.
    #[error(transparent)]
    Model(#[from] medsynth_model::ModelError),
}

impl FederatedError {
    /// True when the user can fix the cause (bad input, flags, schema);
    /// false for internal failures. The CLI maps this to exit code 2.
    pub fn is_user_error(&self) -> bool {
        match self {
            FederatedError::Model(e) => e.is_user_error(),
            FederatedError::InvalidGlobal { .. } | FederatedError::SiteFailed(_) => false,
            _ => true,
        }
    }
}

/// Shorthand used throughout the crate.
pub type Result<T, E = FederatedError> = std::result::Result<T, E>;
