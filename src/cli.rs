//! The `kyc` subcommands, one module each.

pub mod audit;
pub mod bench;
pub mod check;
pub mod data;
pub mod eval;
pub mod keys;
pub mod migrate;
pub mod reviewer;
pub mod serve;
pub mod sla;
