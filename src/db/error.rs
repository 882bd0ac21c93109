//! Storage's own error: what went wrong at the database, in terms a caller can act on. Built
//! here, and only here, from diesel's and the pool's errors; what a client is told is the
//! caller's business (`crate::error::ApiError` converts from this).

use std::cell::Cell;

use diesel::result::{DatabaseErrorKind, Error as DieselError};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database is unreachable, the connection was lost, or no connection came free
    /// within the connect timeout: worth retrying shortly.
    #[error("database unavailable")]
    Unavailable {
        #[source]
        source: BoxError,
    },
    /// A lock was not had in time (SQLite's busy timeout ran out) or PostgreSQL aborted the
    /// transaction to keep it serialisable: worth retrying shortly.
    #[error("database busy")]
    Busy {
        #[source]
        source: DieselError,
    },
    /// A statement that needs a row found none.
    #[error("no such row")]
    NotFound,
    /// A write would have duplicated a unique value. PostgreSQL names the constraint;
    /// SQLite does not.
    #[error("unique constraint violated")]
    Unique { constraint: Option<String> },
    /// Anything else: a bug, a schema that is not what the code expects, a full disk.
    #[error("database error")]
    Other {
        #[source]
        source: BoxError,
    },
}

impl Error {
    pub fn unavailable(source: impl Into<BoxError>) -> Self {
        Self::Unavailable {
            source: source.into(),
        }
    }

    pub fn other(source: impl Into<BoxError>) -> Self {
        Self::Other {
            source: source.into(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<DieselError> for Error {
    fn from(e: DieselError) -> Self {
        if is_connection_loss(&e) {
            CONNECTION_LOST.set(true);
            return Self::unavailable(e);
        }
        match e {
            DieselError::NotFound => Self::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => Self::Unique {
                constraint: info.constraint_name().map(str::to_owned),
            },
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                Self::Busy { source: e }
            }
            DieselError::DatabaseError(_, ref info) if is_sqlite_busy(info.message()) => {
                Self::Busy { source: e }
            }
            other => Self::other(other),
        }
    }
}

/// Whether the connection itself is gone. diesel says so by kind: on PostgreSQL it reports
/// `ClosedConnection` whenever libpq's connection status is bad after an error, and
/// `UnableToSendCommand` when a query could not be sent or got no result at all; a
/// transaction whose rollback failed leaves the connection's transaction manager broken.
fn is_connection_loss(e: &DieselError) -> bool {
    match e {
        DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        )
        | DieselError::BrokenTransactionManager => true,
        DieselError::RollbackErrorOnCommit {
            commit_error,
            rollback_error,
        } => is_connection_loss(commit_error) || is_connection_loss(rollback_error),
        _ => false,
    }
}

/// SQLite's SQLITE_BUSY / SQLITE_LOCKED. diesel reports both as `DatabaseErrorKind::Unknown`
/// and does not expose SQLite's result code, so the message (fixed by SQLite, not localised)
/// is the only way to tell them apart from a real failure.
fn is_sqlite_busy(message: &str) -> bool {
    message.starts_with("database is locked") || message.starts_with("database table is locked")
}

thread_local! {
    /// Set when an error converted on this thread showed the connection gone. Database work
    /// runs to completion on one thread with one connection, and returns whatever error type
    /// its caller chose, so [`super::Db::run`] reads this (rather than the caller's error)
    /// to decide whether the connection goes back into the pool.
    static CONNECTION_LOST: Cell<bool> = const { Cell::new(false) };
}

/// Whether work on this thread lost its connection since the last call; clears the mark.
pub(super) fn take_connection_lost() -> bool {
    CONNECTION_LOST.replace(false)
}
