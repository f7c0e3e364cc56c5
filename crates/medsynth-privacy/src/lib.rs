//! Differential-privacy mechanisms, the RDP accountant and the privacy ledger: every use of real data under DP goes through this crate.
