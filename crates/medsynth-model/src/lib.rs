//! Reversible data encoder and synthesizers (conditional tabular GAN,
//! Gaussian copula, independent marginals): fit, save, sample.
//!
//! The flow is [`stats::prepare`] (checks + mergeable statistics + rows in
//! internal form) → a [`Synthesizer`] ([`fit::fit`]) → a [`Model`] directory
//! on disk → batches of rows decoded back into tables with the original
//! column types ([`Model::sample_batches`]).
//!
//! ```no_run
//! use medsynth_model::{fit::{fit, FitOptions}, Model, ModelKind};
//! # fn demo(table: &medsynth_data::Table, schema: &medsynth_data::Schema) -> medsynth_model::Result<()> {
//! let opts = FitOptions { kind: ModelKind::Copula, seed: 7, ..FitOptions::default() };
//! let (model, _notes) = fit(table, schema, &opts, &mut |_| {})?;
//! model.save("heart.model".as_ref())?;
//! let model = Model::load("heart.model".as_ref())?;
//! model.sample_batches(1000, &[], 7, 50_000, &mut |batch| { println!("{}", batch.n_rows()); Ok(()) })?;
//! # Ok(()) }
//! ```

pub mod baselines;
pub mod ctgan;
pub mod dp;
pub mod encoder;
pub mod error;
pub mod fit;
pub mod linalg;
pub mod marginal;
pub mod model_file;
pub mod spec;
pub mod stats;
pub mod synthesizer;
pub mod tensors;

pub use ctgan::CtganConfig;
pub use ctgan::train::{CurvePoint, TrainProgress};
pub use error::{ModelError, Result};
pub use model_file::{Manifest, Model};
pub use synthesizer::{Condition, ModelKind, Synthesizer};
