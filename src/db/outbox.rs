//! Queries on `outbox`: mail committed with the change that causes it, delivered later by
//! the worker. Rows are claimed with a lease (a conditional UPDATE), so several workers —
//! on several instances — never send one message twice, and a crashed worker's rows are
//! picked up again once its lease runs out.

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::schema::outbox::dsl as ob;
use super::{DbConn, Result};
use crate::domain::UserId;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::outbox)]
pub struct OutboxRow {
    pub id: String,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub user_id: Option<UserId>,
    pub security_version: Option<i64>,
    pub created_at: NaiveDateTime,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    pub delivered_at: Option<NaiveDateTime>,
    pub failed_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
}

pub fn insert(conn: &mut DbConn, row: &OutboxRow) -> Result<()> {
    diesel::insert_into(ob::outbox).values(row).execute(conn)?;
    Ok(())
}

/// Messages of `kind` queued for `user_id` since `since` (the per-account reset throttle).
/// With none (an address that names no account), the same query runs for the nil id, which
/// no user has, so an unknown address costs what a known one does.
pub fn count_recent(
    conn: &mut DbConn,
    user_id: Option<&UserId>,
    kind: &str,
    since: NaiveDateTime,
) -> Result<i64> {
    Ok(ob::outbox
        .filter(ob::user_id.eq(user_id.copied().unwrap_or(UserId::NIL)))
        .filter(ob::kind.eq(kind))
        .filter(ob::created_at.gt(since))
        .select(count_star())
        .first(conn)?)
}

/// Claims up to `limit` due messages until `lease_until`. Each claim is a conditional
/// UPDATE checked by its row count, so a message is claimed by one worker at a time.
pub fn claim_due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> Result<Vec<OutboxRow>> {
    let due: Vec<OutboxRow> = ob::outbox
        .filter(ob::delivered_at.is_null())
        .filter(ob::failed_at.is_null())
        .filter(ob::next_attempt_at.le(now))
        .filter(ob::locked_until.is_null().or(ob::locked_until.lt(now)))
        .order(ob::next_attempt_at.asc())
        .limit(limit)
        .select(OutboxRow::as_select())
        .load(conn)?;
    let mut claimed = Vec::with_capacity(due.len());
    for row in due {
        let won = diesel::update(
            ob::outbox
                .find(&row.id)
                .filter(ob::delivered_at.is_null())
                .filter(ob::failed_at.is_null())
                .filter(ob::locked_until.is_null().or(ob::locked_until.lt(now))),
        )
        .set((
            ob::locked_until.eq(Some(lease_until)),
            ob::attempts.eq(ob::attempts + 1),
        ))
        .execute(conn)?;
        if won == 1 {
            claimed.push(OutboxRow {
                attempts: row.attempts + 1,
                ..row
            });
        }
    }
    Ok(claimed)
}

pub fn mark_delivered(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> Result<()> {
    diesel::update(ob::outbox.find(id))
        .set((
            ob::delivered_at.eq(Some(now)),
            ob::locked_until.eq(None::<NaiveDateTime>),
            ob::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn mark_retry(
    conn: &mut DbConn,
    id: &str,
    next_attempt_at: NaiveDateTime,
    error: &str,
) -> Result<()> {
    diesel::update(ob::outbox.find(id))
        .set((
            ob::next_attempt_at.eq(next_attempt_at),
            ob::locked_until.eq(None::<NaiveDateTime>),
            ob::last_error.eq(Some(error)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn mark_failed(conn: &mut DbConn, id: &str, now: NaiveDateTime, error: &str) -> Result<()> {
    diesel::update(ob::outbox.find(id))
        .set((
            ob::failed_at.eq(Some(now)),
            ob::locked_until.eq(None::<NaiveDateTime>),
            ob::last_error.eq(Some(error)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn pending_count(conn: &mut DbConn) -> Result<i64> {
    Ok(ob::outbox
        .filter(ob::delivered_at.is_null())
        .filter(ob::failed_at.is_null())
        .select(count_star())
        .first(conn)?)
}
