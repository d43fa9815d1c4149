//! The store's one error type. The server maps `Unavailable` to 503 and
//! `Conflict` to a client error; everything else is internal.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("not found")]
    NotFound,
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("configuration: {0}")]
    Config(String),
    #[error("database error: {0}")]
    Other(String),
}

impl StoreError {
    pub(crate) fn from_sqlx(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::Tls(_) => StoreError::Unavailable(err.to_string()),
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(db.constraint().unwrap_or("unique").to_owned())
            }
            sqlx::Error::Database(db) if is_connection_failure(db.code().as_deref()) => {
                StoreError::Unavailable(err.to_string())
            }
            sqlx::Error::RowNotFound => StoreError::NotFound,
            _ => StoreError::Other(err.to_string()),
        }
    }

    /// Maps a failed column to `Corrupt`: the database holds what the code
    /// cannot read, which is never the client's fault.
    pub(crate) fn corrupt(what: impl std::fmt::Display) -> Self {
        StoreError::Corrupt(what.to_string())
    }
}

/// PostgreSQL SQLSTATE classes 08 (connection) and 57P (operator
/// intervention, e.g. the server shutting down), SQLite BUSY/LOCKED.
fn is_connection_failure(code: Option<&str>) -> bool {
    match code {
        Some(code) => {
            code.starts_with("08") || code.starts_with("57P") || code == "5" || code == "6"
        }
        None => false,
    }
}
