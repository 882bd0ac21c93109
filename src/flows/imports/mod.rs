//! Bulk import (`POST /v1/admin/user-imports`, `passgate import`): users as NDJSON, with
//! the hashes of the systems they come from (contract: "Import and export (admin)").
//!
//! The body is read as a stream: cut into lines of at most [`MAX_LINE_BYTES`] (longer ones
//! fail unread), each line parsed on its own, and every [`BATCH_SIZE`] good lines committed
//! in one transaction that first re-checks the caller's authority. A bad line is reported
//! and never blocks the others. Memory: one line, one batch, at most
//! [`MAX_REPORTED_FAILURES`] failures in the answer (the count is exact), and a 64-bit
//! keyed digest per email to find an email given twice. That set is the one thing that
//! grows with the body, 10–21 bytes a line (1.5 times that while it doubles), so the body
//! limit bounds it (BENCHMARKS.md, "Import and export": 576 MiB at worst for 1 GiB of the
//! shortest lines, 72 MiB for lines with hashes).

mod batch;
mod lines;
mod record;
mod schema;

use std::collections::HashSet;
use std::hash::BuildHasher;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::write_tx;
use crate::domain::Email;
use crate::error::{ApiError, FieldError};
use crate::i18n::ids;
use crate::state::AppState;
use crate::webhooks;

use super::{hash_error, ClientAddress};
use batch::{Context, Outcome, Ready};
use lines::{Line, Splitter};
use record::{Record, Secret};

pub use batch::Actor;
pub use record::ImportLine;

/// Longest line read (an email, a name, roles and a hash or Keycloak object fit many
/// times over); a longer one fails as `validation_failed` without being buffered.
pub const MAX_LINE_BYTES: usize = 16 * 1024;
/// Lines per transaction: large enough for database speed, short enough that SQLite's
/// write lock is held for milliseconds at a time.
pub const BATCH_SIZE: usize = 500;
/// Failures listed in the answer; the summary counts all of them.
pub const MAX_REPORTED_FAILURES: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// An existing email is a `conflict`.
    #[default]
    Create,
    /// An existing email is updated: name, roles, disabled, locale and the hash.
    Upsert,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ImportSummary {
    /// Lines read (blank lines are not counted).
    pub received: u64,
    pub created: u64,
    pub updated: u64,
    pub failed: u64,
}

/// Why one line failed: the problem the line would have been answered with alone.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LineError {
    /// `malformed_request`, `validation_failed` (with `errors`, e.g. `unsupported_hash`),
    /// `conflict`, `forbidden` or `overloaded`.
    pub code: String,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportFailure {
    /// Counted from 1, blank lines included.
    pub line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub error: LineError,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
#[schema(example = json!({"summary": {"received": 3, "created": 1, "updated": 1, "failed": 1},
    "failures": [{"line": 3, "email": "eve@example.com", "error": {"code": "validation_failed",
    "detail": "One or more fields break a rule; see `errors`.", "errors": [{"field": "password_hash",
    "code": "unsupported_hash", "message": "is not a password hash passgate can import: bcrypt: the cost must be 4 to 14"}]}}]}))]
pub struct ImportReport {
    /// With `dry_run`: what would be created and updated.
    pub summary: ImportSummary,
    /// In line order; at most 1000 (`failures_truncated` then says more failed).
    pub failures: Vec<ImportFailure>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub failures_truncated: bool,
}

pub struct Options {
    pub mode: Mode,
    pub dry_run: bool,
    /// Refuse the body past this many bytes (413).
    pub max_bytes: u64,
    pub origin: ClientAddress,
}

/// Runs an import over `body`. `progress` is called after every batch with the summary so
/// far (the command line prints it). `Err` stops the import: a body over the limit or
/// unreadable, the caller's lost authority, the database; batches committed before stay.
pub async fn run<S, E>(
    state: &AppState,
    actor: Actor,
    options: Options,
    body: S,
    mut progress: impl FnMut(&ImportSummary),
) -> Result<ImportReport, ApiError>
where
    S: Stream<Item = Result<Bytes, E>>,
    ApiError: From<E>,
{
    let mut import = Import {
        state,
        actor,
        dry_run: options.dry_run,
        mode: options.mode,
        origin: options.origin,
        line: 0,
        batch: Vec::with_capacity(BATCH_SIZE),
        seen: HashSet::new(),
        digest_key: std::collections::hash_map::RandomState::new(),
        report: ImportReport::default(),
    };
    let mut splitter = Splitter::new(MAX_LINE_BYTES);
    let mut read: u64 = 0;
    let mut body = std::pin::pin!(body);
    while let Some(chunk) = body.next().await {
        let chunk = chunk?;
        read += chunk.len() as u64;
        if read > options.max_bytes {
            return Err(ApiError::PayloadTooLarge);
        }
        for line in splitter.feed(&chunk) {
            if import.push(line).await? {
                progress(&import.report.summary);
            }
        }
    }
    if let Some(line) = splitter.finish() {
        import.push(line).await?;
    }
    // The last batch carries the request's `user.imported` event, so the event commits
    // with the last users it counts; with no batch left, it goes alone.
    if !import.flush(true).await? && !import.dry_run {
        import.announce().await?;
    }
    progress(&import.report.summary);
    Ok(import.report)
}

struct Import<'a> {
    state: &'a AppState,
    actor: Actor,
    dry_run: bool,
    mode: Mode,
    origin: ClientAddress,
    line: u64,
    batch: Vec<Record>,
    /// Digests of the emails read so far: a later line with one of them is a `conflict`.
    seen: HashSet<u64>,
    digest_key: std::collections::hash_map::RandomState,
    report: ImportReport,
}

impl Import<'_> {
    /// Takes one line; returns whether a batch was committed.
    async fn push(&mut self, line: Line) -> Result<bool, ApiError> {
        self.line += 1;
        let text = match line {
            Line::Text(text) if text.iter().all(u8::is_ascii_whitespace) => return Ok(false),
            Line::Text(text) => text,
            Line::TooLong => {
                self.report.summary.received += 1;
                let too_long = FieldError::worded("line", "too_long", ids::FIELD_LINE_TOO_LONG)
                    .with_arg("max", MAX_LINE_BYTES);
                self.fail(self.line, None, ApiError::Validation(vec![too_long]));
                return Ok(false);
            }
        };
        self.report.summary.received += 1;
        let record = match record::parse(self.state, self.line, &text) {
            Ok(record) => record,
            Err(e) => {
                let email = record::email_of(&text);
                // The email is taken even though its line failed: a later line with it is
                // a `conflict` all the same (contract), whatever broke this one.
                if let Some(parsed) = email.as_deref().and_then(|e| Email::parse(e).ok()) {
                    self.seen
                        .insert(self.digest_key.hash_one(parsed.normalized()));
                }
                self.fail(self.line, email, e);
                return Ok(false);
            }
        };
        if !self
            .seen
            .insert(self.digest_key.hash_one(record.email.normalized()))
        {
            let email = Some(record.email.as_str().to_owned());
            let twice = ApiError::Conflict(ids::PROBLEM_DETAIL_EMAIL_TWICE.into());
            self.fail(self.line, email, twice);
            return Ok(false);
        }
        self.batch.push(record);
        if self.batch.len() < BATCH_SIZE {
            return Ok(false);
        }
        self.flush(false).await?;
        Ok(true)
    }

    /// The request's one `user.imported` webhook event (contract: "Webhooks") for
    /// `summary`, the final counts.
    fn event(&self, s: &ImportSummary) -> webhooks::events::UsersImported {
        webhooks::events::UsersImported {
            actor_id: match &self.actor {
                Actor::Caller(caller) => Some(caller.id.as_str().to_owned()),
                Actor::CommandLine => None,
            },
            received: s.received,
            created: s.created,
            updated: s.updated,
            failed: s.failed,
        }
    }

    /// Queues the event in a transaction of its own: when no batch was left to carry it
    /// (every line failed before the database, or the body was empty).
    async fn announce(&self) -> Result<(), ApiError> {
        let data = self.event(&self.report.summary);
        let clock = self.state.clock.clone();
        self.state
            .db
            .run(move |c| {
                write_tx(c, |c| -> Result<(), ApiError> {
                    webhooks::enqueue(c, &webhooks::Event::of(&data), clock.now())?;
                    Ok(())
                })
            })
            .await
    }

    fn fail(&mut self, line: u64, email: Option<String>, error: ApiError) {
        self.report.summary.failed += 1;
        if self.report.failures.len() >= MAX_REPORTED_FAILURES {
            self.report.failures_truncated = true;
            return;
        }
        let problem = error.reported().problem();
        self.report.failures.push(ImportFailure {
            line,
            email,
            error: LineError {
                code: problem.code,
                detail: problem.detail,
                errors: problem.errors,
            },
        });
    }

    /// Hashes the plain passwords of the batch (one at a time on the pool, so an import
    /// never fills the queue), then commits it in one transaction — or, for a dry run,
    /// runs the same transaction and rolls it back. The `last` batch also queues the
    /// request's `user.imported` event with the final counts. Returns whether a
    /// transaction ran.
    async fn flush(&mut self, last: bool) -> Result<bool, ApiError> {
        let records = std::mem::take(&mut self.batch);
        if records.is_empty() {
            return Ok(false);
        }
        let mut ready = Vec::with_capacity(records.len());
        for mut record in records {
            let plain = matches!(record.secret, Secret::Plain(_));
            if let Secret::Plain(password) = &record.secret {
                let normalized =
                    crate::password::normalize(secrecy::ExposeSecret::expose_secret(password));
                match self.state.hasher.hash(normalized).await {
                    Ok(phc) => {
                        record.secret = Secret::Hash {
                            stored: phc,
                            scheme: "argon2id",
                        }
                    }
                    Err(e) => {
                        let email = Some(record.email.as_str().to_owned());
                        self.fail(record.line, email, hash_error(e));
                        continue;
                    }
                }
            }
            ready.push(Ready { record, plain });
        }
        if ready.is_empty() {
            return Ok(false);
        }
        // The counts so far; the commit adds the batch's own outcomes before queuing.
        let announce = (last && !self.dry_run).then(|| self.report.summary.clone());
        let (ready, outcomes) = self.commit(ready, announce).await?;
        for (ready, outcome) in ready.iter().zip(outcomes) {
            match outcome {
                Outcome::Created => self.report.summary.created += 1,
                Outcome::Updated => self.report.summary.updated += 1,
                Outcome::Failed(e) => {
                    let email = Some(ready.record.email.as_str().to_owned());
                    self.fail(ready.record.line, email, e);
                }
            }
        }
        Ok(true)
    }

    /// The records travel to the database's pool and back with their outcomes. With
    /// `announce` (the counts before this batch), the request's event is queued in the same
    /// transaction, counting this batch's outcomes too.
    async fn commit(
        &self,
        records: Vec<Ready>,
        announce: Option<ImportSummary>,
    ) -> Result<(Vec<Ready>, Vec<Outcome>), ApiError> {
        /// A dry run's transaction ends in a rollback that carries the outcomes out.
        enum Ended {
            Stopped(ApiError),
            DryRun(Vec<Outcome>),
        }
        impl From<crate::db::Error> for Ended {
            fn from(e: crate::db::Error) -> Self {
                Self::Stopped(e.into())
            }
        }
        let dry_run = self.dry_run;
        let actor = self.actor.clone();
        let mode = self.mode;
        let history = self.state.policy.history;
        let client_ip = self.origin.client_ip.clone();
        let clock = self.state.clock.clone();
        let event = announce.map(|summary| self.event(&summary));
        let (records, ended) = self
            .state
            .db
            .run(move |c| {
                let result = write_tx(c, |c| {
                    let cx = Context {
                        actor: &actor,
                        mode,
                        history,
                        client_ip,
                        now: clock.now(),
                    };
                    let outcomes = batch::apply(c, &cx, &records).map_err(Ended::Stopped)?;
                    if dry_run {
                        return Err(Ended::DryRun(outcomes));
                    }
                    if let Some(data) = &event {
                        let data = counting(data.clone(), &outcomes);
                        webhooks::enqueue(c, &webhooks::Event::of(&data), cx.now)
                            .map_err(|e| Ended::Stopped(e.into()))?;
                    }
                    Ok(outcomes)
                });
                Ok::<_, ApiError>((records, result))
            })
            .await?;
        match ended {
            Ok(outcomes) | Err(Ended::DryRun(outcomes)) => Ok((records, outcomes)),
            Err(Ended::Stopped(e)) => Err(e),
        }
    }
}

/// `event` with a batch's outcomes added to its counts.
fn counting(
    mut event: webhooks::events::UsersImported,
    outcomes: &[Outcome],
) -> webhooks::events::UsersImported {
    for outcome in outcomes {
        match outcome {
            Outcome::Created => event.created += 1,
            Outcome::Updated => event.updated += 1,
            Outcome::Failed(_) => event.failed += 1,
        }
    }
    event
}
