//! Empirical differential-privacy audit: does a fitted synthesizer reveal
//! whether one chosen record was in its training table?
//!
//! A DP guarantee is a statement about *every* record and *every* attacker,
//! so it cannot be confirmed by experiment — but it can be refuted. The
//! audit plays the membership game of Jagielski et al. (2020) and Nasr et
//! al. (2021) many times: train on the table with or without a worst-case
//! [`canary`] row (a fair, balanced coin decides), sample synthetic rows,
//! and let a fixed [`game::Distinguisher`] guess whether the canary was in.
//! The guesses' error rates turn into a lower bound on ε that holds with the
//! chosen confidence ([`bounds`]). A bound above the claimed ε is proof of a
//! bug (in the mechanism, the accountant or the code around them); a bound
//! of 0 proves nothing — one canary and one distinguisher can show leakage,
//! never privacy.
//!
//! ```no_run
//! # use medsynth_audit::game::{AuditOptions, run_audit};
//! # fn demo(table: &medsynth_data::Table, schema: &medsynth_data::Schema) -> Result<(), medsynth_audit::AuditError> {
//! let report = run_audit(table, schema, &AuditOptions::default(), &mut |_| {})?;
//! println!("ε ≥ {:.2}", report.epsilon_lower_bound);
//! # Ok(()) }
//! ```

pub mod bounds;
pub mod canary;
pub mod error;
pub mod game;

pub use error::AuditError;
pub use game::{AuditOptions, AuditReport, Distinguisher, run_audit};
