//! The kyc HTTP service: the operator's case API, the player's upload path,
//! and health probes, wired to the database, the encrypted object store and
//! the checker.
//!
//! `Application::build(settings)` binds and wires everything;
//! `run_until_stopped` serves until SIGINT/SIGTERM, letting in-flight
//! requests finish.

mod auth;
mod error;
pub mod keyfiles;
mod routes;
pub mod secrets;
pub mod settings;
mod startup;
mod state;
mod sweeper;
mod upload;
pub mod worker;

pub use error::ApiError;
pub use settings::Settings;
pub use startup::{open_backends, Application, Backends};

pub use state::{AppState, ReviewConfig};
pub use worker::{WorkerConfig, WorkerHandle};
