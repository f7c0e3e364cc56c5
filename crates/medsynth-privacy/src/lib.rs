//! Differential-privacy mechanisms, the RDP accountant and the privacy ledger:
//! every use of real data under DP goes through this crate.
//!
//! * [`accountant`] — Rényi-DP curves, composition, (ε, δ) conversion and
//!   noise calibration, verified against Google's `dp_accounting`.
//! * [`noise`] — the only source of DP noise: a ChaCha20 CSPRNG seeded from the
//!   operating system, never from the user's `--seed`.
//! * [`mechanisms`] — Gaussian / Laplace vectors, noisy counts, sums, means,
//!   histograms and quantiles, each returning its value and a [`LedgerEntry`].
//! * [`dpsgd`] — Poisson sampler, per-example clipping, [`DpSgdPlan`].
//! * [`allocation`] — joint calibration of many releases (and of DP-SGD
//!   after preprocessing) to one budget.
//! * [`ledger`] and [`budget`] — what was spent, composed tightly, checked
//!   against what the user allowed.
//!
//! The math is written up in `docs/privacy.md`.

pub mod accountant;
pub mod allocation;
pub mod budget;
pub mod dpsgd;
pub mod error;
pub mod ledger;
pub mod mechanisms;
pub mod noise;

pub use allocation::{
    Allocation, PlannedKind, PlannedRelease, allocate, allocate_after, calibrate_dp_sgd_after,
};
pub use budget::{Budget, BudgetPlan, DEFAULT_PREPROCESSING_FRACTION, default_delta};
pub use dpsgd::{DpSgdPlan, PoissonSampler};
pub use error::{PrivacyError, Result};
pub use ledger::{Accounting, Composition, Ledger, LedgerEntry, PrivacyManifest, PrivacySpent};
pub use mechanisms::Released;
pub use noise::{NoiseSource, OsNoise, SeededNoise};
