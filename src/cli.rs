//! The `kyc` subcommands, one module each.

pub mod check;
pub mod eval;
