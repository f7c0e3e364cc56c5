//! One module per subcommand: flags (`Args`) and a `run` that calls the
//! libraries.
// [modules]
pub mod audit;
pub mod common;
pub mod compare;
pub mod demo;
pub mod evaluate;
pub mod federate;
pub mod fit;
pub mod inspect;
pub mod mask;
pub mod sample;
pub mod schema;
pub mod simulate;
pub mod split;
