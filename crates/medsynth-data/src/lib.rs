//! Tables, schemas, identifiers and the built-in cohort: the first link of
//! medsynth's one-way chain (table → schema → encoded matrix → model →
//! samples → evaluation).
//!
//! ```no_run
//! use medsynth_data::{io, schema};
//! let table = io::read_table("heart.csv".as_ref(), &io::ReadOptions::default())?;
//! let schema = schema::infer(&table, &schema::InferOptions::default());
//! println!("{}", serde_json::to_string_pretty(&schema).unwrap());
//! # Ok::<(), medsynth_data::DataError>(())
//! ```

pub mod datetime;
pub mod error;
pub mod fake;
pub mod identify;
pub mod infer;
pub mod io;
pub mod mask;
pub mod schema;
pub mod schema_file;
pub mod sdv;
pub mod simulate;
pub mod table;
pub mod validate;

pub use error::{DataError, Location, Result};
pub use schema::{ColumnSchema, DomainSource, IdentifierType, Kind, MaskAction, Role, Schema};
pub use table::{Column, ColumnData, PhysicalType, Table, Value};
