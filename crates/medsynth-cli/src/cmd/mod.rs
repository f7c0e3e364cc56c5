//! One module per subcommand: flags (`Args`) and a `run` that calls the
//! libraries.
// [modules]
pub mod common;
pub mod inspect;
pub mod simulate;
