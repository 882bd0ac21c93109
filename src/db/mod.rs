//! Storage: one code path for SQLite and PostgreSQL through a `MultiConnection` enum behind
//! an r2d2 pool. Queries live next to the table they serve; they take `&mut DbConn` and know
//! nothing of HTTP or flows.

pub mod address_limits;
pub mod api_keys;
pub mod audit;
pub mod console_sessions;
mod error;
mod executor;
pub mod lockout;
pub mod models;
pub mod outbox;
pub mod password_history;
pub mod refresh_tokens;
pub mod reset_tokens;
pub mod schema;
mod user_id;
pub mod users;
pub mod webhook_retention;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{Pool, PooledConnection, R2D2Connection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use tokio::sync::Semaphore;

use crate::config::DatabaseSettings;

pub use error::{Error, Result};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Any key will do, as long as every passgate instance uses the same one.
const MIGRATION_LOCK_KEY: i64 = 0x7061_7373_6761_7465; // "passgate"

/// Runs one query, written once with diesel's DSL, on the backend's own connection type.
///
/// For the lookups on a request's hot path (the authenticated caller, sign-in, tokens):
/// `MultiConnection` renders a query's SQL anew every time it runs, to find the cached
/// statement and again to collect the binds, which costs several times the query itself.
/// The inner connection finds its cached statement by type. Both arms are type-checked, so
/// the query stays valid on both backends.
///
/// Lookups by a unique key use `get_result`, not `first`: `first` adds a bound `LIMIT`,
/// and SQLite plans with that value, so it re-prepares the statement on every run.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($c) => $body,
            $crate::db::DbConn::Pg($c) => $body,
        }
    };
}
pub(crate) use on_backend;

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Opens connections of the configured backend (the URL's scheme decides, never a guess).
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    backend: Backend,
    target: String,
}

impl ConnectionManager {
    pub fn new(url: &str) -> Self {
        match url.strip_prefix("sqlite://") {
            Some(path) => Self {
                backend: Backend::Sqlite,
                target: path.to_owned(),
            },
            None => Self {
                backend: Backend::Postgres,
                target: url.to_owned(),
            },
        }
    }

    pub fn connect(&self) -> ConnectionResult<DbConn> {
        match self.backend {
            Backend::Postgres => PgConnection::establish(&self.target).map(DbConn::Pg),
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(&self.target)?;
                // WAL lets readers run beside the one writer; busy_timeout makes writers
                // queue instead of failing with SQLITE_BUSY.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                )
                .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

/// A pooled connection that remembers whether it failed at the connection level, so the
/// pool throws it away instead of handing a dead PostgreSQL session to the next request
/// (that is how passgate recovers by itself when the database comes back).
pub struct TrackedConn {
    conn: DbConn,
    broken: bool,
}

impl diesel::r2d2::ManageConnection for ConnectionManager {
    type Connection = TrackedConn;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<TrackedConn, Self::Error> {
        ConnectionManager::connect(self)
            .map(|conn| TrackedConn {
                conn,
                broken: false,
            })
            .map_err(diesel::r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, tracked: &mut TrackedConn) -> Result<(), Self::Error> {
        tracked.conn.ping().map_err(diesel::r2d2::Error::QueryError)
    }

    /// Lost (an error on it said so), abandoned by a panic, or left inside a transaction
    /// or with a broken transaction manager (diesel's own check).
    fn has_broken(&self, tracked: &mut TrackedConn) -> bool {
        tracked.broken || std::thread::panicking() || tracked.conn.is_broken()
    }
}

pub type PooledConn = PooledConnection<ConnectionManager>;

/// The database handle shared by the app: a pool, and the threads that use it.
#[derive(Clone)]
pub struct Db {
    pool: Pool<ConnectionManager>,
    backend: Backend,
    // At most one queued or running job per pooled connection: the rest wait
    // asynchronously, so a burst never piles up work in front of the database threads.
    permits: Arc<Semaphore>,
    acquire_timeout: Duration,
    executor: Arc<executor::Executor>,
}

/// What a pool is for, which decides whether it opens connections ahead of need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolUse {
    /// A server keeps one idle connection ready, replaced in the background when taken.
    Server,
    /// A one-shot command opens a connection only when it asks for one, so none is still
    /// being opened by a pool thread when the process exits: libpq over TLS can crash in
    /// OpenSSL's exit-time clean-up (SIGSEGV after the command's work was done and printed)
    /// if a thread is still connecting then.
    Command,
}

impl Db {
    /// A pool for a server ([`PoolUse::Server`]).
    pub fn connect(settings: &DatabaseSettings) -> anyhow::Result<Self> {
        Self::connect_for(settings, PoolUse::Server)
    }

    pub fn connect_for(settings: &DatabaseSettings, usage: PoolUse) -> anyhow::Result<Self> {
        let manager = ConnectionManager::new(&settings.url);
        let backend = manager.backend;
        let acquire_timeout = Duration::from_secs(settings.connect_timeout_secs);
        let pool = Pool::builder()
            .max_size(settings.max_connections)
            .min_idle(Some(match usage {
                PoolUse::Server => 1,
                PoolUse::Command => 0,
            }))
            .connection_timeout(acquire_timeout)
            .test_on_check_out(false)
            .build(manager)?;
        Ok(Self {
            pool,
            backend,
            permits: Arc::new(Semaphore::new(settings.max_connections as usize)),
            acquire_timeout,
            executor: Arc::new(executor::Executor::new(
                settings.max_connections as usize,
                match backend {
                    Backend::Sqlite => executor::Wake::WhenBacklogged,
                    Backend::Postgres => executor::Wake::WhenAnyWaits,
                },
                "passgate-db",
            )?),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs blocking database work on the database threads (see [`executor`]), never on the
    /// async workers. Pool exhaustion or an unreachable database within the connect timeout
    /// is [`Error::Unavailable`], never a hang. The work returns its caller's error type, so
    /// a flow can fail with its own errors inside a transaction.
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        let permit =
            tokio::time::timeout(self.acquire_timeout, self.permits.clone().acquire_owned())
                .await
                .map_err(Error::unavailable)?
                .map_err(Error::unavailable)?;
        let pool = self.pool.clone();
        let (done, mut result) = tokio::sync::oneshot::channel();
        let queued = self.executor.submit(Box::new(move || {
            let _permit = permit;
            let outcome = match pool.get() {
                Err(e) => {
                    tracing::warn!(error = %e, "database connection unavailable");
                    Err(Error::unavailable(e).into())
                }
                Ok(mut tracked) => {
                    error::take_connection_lost();
                    let result = work(&mut tracked.conn);
                    if error::take_connection_lost() {
                        tracked.broken = true;
                    }
                    result
                }
            };
            let _ = done.send(outcome);
        }));
        let panicked = |_| E::from(Error::other("a database job panicked"));
        if queued == executor::Queued::BehindRunning {
            // Queued without waking anyone, betting that a running job ends in microseconds;
            // if it is stuck on a lock instead, a sleeping thread takes this one.
            if let Ok(outcome) = tokio::time::timeout(executor::NUDGE_AFTER, &mut result).await {
                return outcome.map_err(panicked)?;
            }
            self.executor.nudge();
        }
        result.await.map_err(panicked)?
    }

    pub fn pool_state(&self) -> (u32, u32) {
        let state = self.pool.state();
        (
            state.connections - state.idle_connections,
            state.idle_connections,
        )
    }

    /// Applies pending migrations. On PostgreSQL a session advisory lock serialises
    /// instances that start at once, so each migration runs exactly once.
    pub fn migrate(&self) -> anyhow::Result<()> {
        let mut tracked = self.pool.get()?;
        match &mut tracked.conn {
            DbConn::Sqlite(c) => {
                c.run_pending_migrations(SQLITE_MIGRATIONS)
                    .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
            }
            DbConn::Pg(c) => {
                c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))?;
                let result = c
                    .run_pending_migrations(POSTGRES_MIGRATIONS)
                    .map(|_| ())
                    .map_err(|e| anyhow::anyhow!("migration failed: {e}"));
                c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))?;
                result?;
            }
        }
        Ok(())
    }
}

/// A write transaction. Every state change and its audit event go through one of these.
///
/// On SQLite the first statement takes the write lock, so a transaction that reads before
/// it writes cannot fail to upgrade its snapshot under concurrency (SQLITE_BUSY_SNAPSHOT is
/// not retried by busy_timeout); PostgreSQL needs nothing extra.
pub fn write_tx<T, E, F>(conn: &mut DbConn, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<Error>,
{
    /// diesel wants an error it can build its own failures (BEGIN, COMMIT, ROLLBACK) into;
    /// those become [`Error`]s, the work's own errors pass through untouched.
    enum Failed<E> {
        Storage(diesel::result::Error),
        Work(E),
    }
    impl<E> From<diesel::result::Error> for Failed<E> {
        fn from(e: diesel::result::Error) -> Self {
            Self::Storage(e)
        }
    }
    conn.transaction(|c| {
        if let DbConn::Sqlite(sqlite) = c {
            diesel::sql_query("UPDATE write_gate SET id = id WHERE 0 = 1").execute(sqlite)?;
        }
        work(c).map_err(Failed::Work)
    })
    .map_err(|failed| match failed {
        Failed::Storage(e) => Error::from(e).into(),
        Failed::Work(e) => e,
    })
}

/// Answers whether the database responds (for `/readyz`).
pub fn ping(conn: &mut DbConn) -> Result<()> {
    conn.batch_execute("SELECT 1")
        .map_err(|e| match Error::from(e) {
            lost @ Error::Unavailable { .. } => lost,
            // Whatever keeps `SELECT 1` from running makes the database unusable.
            other => Error::unavailable(other),
        })
}

/// Escapes `%`, `_` and `\` so user input is matched literally by `LIKE … ESCAPE '\'`.
pub fn like_pattern(fragment: &str) -> String {
    let mut out = String::with_capacity(fragment.len() + 2);
    out.push('%');
    for c in fragment.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}
