//! One module per subcommand: flags (`Args`) and a `run` that calls the
//! libraries.
// [modules]
pub mod compare;
pub mod evaluate;
pub mod split;
pub mod fit;
pub mod sample;
pub mod common;
pub mod demo;
pub mod inspect;
pub mod mask;
pub mod schema;
pub mod simulate;
