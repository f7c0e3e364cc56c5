//! Evaluation of synthetic tables: fidelity, utility, privacy attacks,
//! fairness, pictures and the self-contained HTML report.
//!
//! Every metric starts from [`prepare::Prepared`], one aligned view of the
//! real and synthetic tables under one schema, so that "what counts as the
//! same category" and "what is missing" are decided once for all metrics.
//!
//! - [`split`]: the stratified train/holdout split of the benchmark protocol.
//! - [`target`]: how the target column is read as class labels.
//! - [`fidelity`]: SDMetrics-compatible `QualityReport` plus diagnostics.
//! - [`utility`]: train-on-synthetic/test-on-real (TSTR) against TRTR.

pub mod error;
pub mod fidelity;
pub mod prepare;
pub mod split;
pub mod target;
pub mod utility;

pub use error::EvalError;
pub use fidelity::{QualityOptions, QualityReport, quality_report};
pub use split::split;
pub use target::TargetSpec;
pub use utility::{UtilityOptions, UtilityReport, tstr_logistic_auc, utility_report};

// Part B: privacy attacks, fairness, pictures, report, drift.
pub mod charts;
pub mod drift;
pub mod fairness;
pub mod metrics;
pub mod privacy;
pub mod report;
pub mod sweep;
pub mod tsne;
pub use metrics::{EvalInputs, EvalOptions, Metrics, evaluate};
pub use privacy::{DcrReport, dcr_report};
