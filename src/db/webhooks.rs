//! Queries on the webhook tables: endpoints (`webhooks`), events (`webhook_events`), the
//! outbox of deliveries (`webhook_deliveries`, one row per event and endpoint, claimed
//! with a lease by a conditional UPDATE, as `outbox` is) and the attempt log
//! (`webhook_attempts`).

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::schema::webhook_attempts::dsl as wa;
use super::schema::webhook_deliveries::dsl as wd;
use super::schema::webhook_events::dsl as we;
use super::schema::webhooks::dsl as w;
use super::{DbConn, Result};

/// More endpoints than anyone configures; bounds the list and the fan-out of one event.
pub const MAX_ENDPOINTS: i64 = 1000;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::webhooks)]
pub struct WebhookRow {
    pub id: String,
    pub url: String,
    pub description: Option<String>,
    pub events: String,
    pub disabled: bool,
    /// Encrypted (see `webhooks::secret`).
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::webhook_events)]
pub struct EventRow {
    pub id: String,
    pub event_type: String,
    pub payload: String,
    pub created_at: NaiveDateTime,
    /// When its deliveries were made; none while it waits for the worker.
    pub fanned_out_at: Option<NaiveDateTime>,
    /// The one endpoint a test event goes to.
    pub target_webhook_id: Option<String>,
    /// A stand-in, dropped unsent (see `webhooks::enqueue_or_stand_in`).
    pub decoy: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::webhook_deliveries)]
pub struct DeliveryRow {
    pub id: String,
    pub webhook_id: String,
    pub event_id: String,
    pub attempts: i32,
    pub created_at: NaiveDateTime,
    pub next_attempt_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    pub delivered_at: Option<NaiveDateTime>,
    pub failed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::webhook_attempts)]
pub struct AttemptRow {
    pub id: String,
    pub webhook_id: String,
    pub delivery_id: String,
    pub event_id: String,
    pub event_type: String,
    pub attempt: i32,
    pub attempted_at: NaiveDateTime,
    pub status_code: Option<i32>,
    pub duration_ms: i64,
    pub error: Option<String>,
    pub next_attempt_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConn, row: &WebhookRow) -> Result<()> {
    diesel::insert_into(w::webhooks).values(row).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<WebhookRow>> {
    Ok(w::webhooks
        .find(id)
        .select(WebhookRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn list(conn: &mut DbConn) -> Result<Vec<WebhookRow>> {
    Ok(w::webhooks
        .order(w::id.asc())
        .limit(MAX_ENDPOINTS)
        .select(WebhookRow::as_select())
        .load(conn)?)
}

pub fn count(conn: &mut DbConn) -> Result<i64> {
    Ok(w::webhooks.select(count_star()).first(conn)?)
}

/// Stores the editable fields of `row` (url, events, description, disabled).
pub fn update(conn: &mut DbConn, row: &WebhookRow) -> Result<()> {
    diesel::update(w::webhooks.find(&row.id))
        .set((
            w::url.eq(&row.url),
            w::events.eq(&row.events),
            w::description.eq(&row.description),
            w::disabled.eq(row.disabled),
            w::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_secrets(
    conn: &mut DbConn,
    id: &str,
    secret: &str,
    previous: Option<&str>,
    previous_expires_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<()> {
    diesel::update(w::webhooks.find(id))
        .set((
            w::secret.eq(secret),
            w::previous_secret.eq(previous),
            w::previous_secret_expires_at.eq(previous_expires_at),
            w::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Disables an endpoint (a `410 Gone`); returns whether it was enabled.
pub fn disable(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> Result<bool> {
    let changed = diesel::update(w::webhooks.find(id).filter(w::disabled.eq(false)))
        .set((w::disabled.eq(true), w::updated_at.eq(now)))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Removes an endpoint with its queue and its attempt log.
pub fn delete(conn: &mut DbConn, id: &str) -> Result<bool> {
    diesel::delete(wa::webhook_attempts.filter(wa::webhook_id.eq(id))).execute(conn)?;
    diesel::delete(wd::webhook_deliveries.filter(wd::webhook_id.eq(id))).execute(conn)?;
    Ok(diesel::delete(w::webhooks.find(id)).execute(conn)? == 1)
}

/// The enabled endpoints and their subscriptions: `(id, events)`.
pub fn subscriptions(conn: &mut DbConn) -> Result<Vec<(String, String)>> {
    Ok(w::webhooks
        .filter(w::disabled.eq(false))
        .order(w::id.asc())
        .limit(MAX_ENDPOINTS)
        .select((w::id, w::events))
        .load(conn)?)
}

pub fn insert_event(conn: &mut DbConn, event: &EventRow) -> Result<()> {
    diesel::insert_into(we::webhook_events)
        .values(event)
        .execute(conn)?;
    Ok(())
}

pub fn insert_deliveries(conn: &mut DbConn, rows: &[DeliveryRow]) -> Result<()> {
    // One statement per row (a multi-row INSERT of rows with nulls is not one code path on
    // both backends), each on the backend's own connection, which keeps the prepared
    // statement instead of rendering it again through `MultiConnection`.
    for row in rows {
        super::on_backend!(conn, |c| diesel::insert_into(wd::webhook_deliveries)
            .values(row)
            .execute(c))?;
    }
    Ok(())
}

/// The deliveries due at `$now` that nobody holds a live lease on.
macro_rules! due {
    ($now:expr) => {
        wd::webhook_deliveries
            .filter(wd::delivered_at.is_null())
            .filter(wd::failed_at.is_null())
            .filter(wd::next_attempt_at.le($now))
            .filter(wd::locked_until.is_null().or(wd::locked_until.lt($now)))
    };
}

/// Endpoints with a delivery due now and not claimed, other than `busy` (the ones this
/// worker is already sending to).
pub fn due_endpoints(
    conn: &mut DbConn,
    now: NaiveDateTime,
    busy: &[String],
    limit: i64,
) -> Result<Vec<String>> {
    Ok(due!(now)
        .filter(wd::webhook_id.ne_all(busy))
        .select(wd::webhook_id)
        .distinct()
        .limit(limit)
        .load(conn)?)
}

/// Claims the oldest due delivery of one endpoint until `lease_until`; a conditional UPDATE
/// checked by its row count, so one worker (of any instance) holds it at a time.
pub fn claim_next(
    conn: &mut DbConn,
    webhook_id: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> Result<Option<DeliveryRow>> {
    let candidates: Vec<DeliveryRow> = due!(now)
        .filter(wd::webhook_id.eq(webhook_id))
        .order((wd::next_attempt_at.asc(), wd::id.asc()))
        .limit(4)
        .select(DeliveryRow::as_select())
        .load(conn)?;
    for row in candidates {
        let won = diesel::update(
            wd::webhook_deliveries
                .find(&row.id)
                .filter(wd::delivered_at.is_null())
                .filter(wd::failed_at.is_null())
                .filter(wd::locked_until.is_null().or(wd::locked_until.lt(now))),
        )
        .set((
            wd::locked_until.eq(Some(lease_until)),
            wd::attempts.eq(wd::attempts + 1),
        ))
        .execute(conn)?;
        if won == 1 {
            return Ok(Some(DeliveryRow {
                attempts: row.attempts + 1,
                locked_until: Some(lease_until),
                ..row
            }));
        }
    }
    Ok(None)
}

/// Events waiting to be fanned out, oldest first.
pub fn unfanned_events(conn: &mut DbConn, limit: i64) -> Result<Vec<EventRow>> {
    Ok(we::webhook_events
        .filter(we::fanned_out_at.is_null())
        .order(we::id.asc())
        .limit(limit)
        .select(EventRow::as_select())
        .load(conn)?)
}

/// Marks an event fanned out; false when another worker did first (a conditional UPDATE,
/// so each event gets its deliveries once).
pub fn claim_fan_out(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> Result<bool> {
    let won = diesel::update(
        we::webhook_events
            .find(id)
            .filter(we::fanned_out_at.is_null()),
    )
    .set(we::fanned_out_at.eq(Some(now)))
    .execute(conn)?;
    Ok(won == 1)
}

/// Drops an event that has nothing to deliver (a stand-in, or nobody subscribed).
pub fn delete_event(conn: &mut DbConn, id: &str) -> Result<()> {
    diesel::delete(we::webhook_events.find(id)).execute(conn)?;
    Ok(())
}

pub fn find_event(conn: &mut DbConn, id: &str) -> Result<Option<EventRow>> {
    Ok(we::webhook_events
        .find(id)
        .select(EventRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn mark_delivered(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> Result<()> {
    diesel::update(wd::webhook_deliveries.find(id))
        .set((
            wd::delivered_at.eq(Some(now)),
            wd::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn mark_retry(conn: &mut DbConn, id: &str, next_attempt_at: NaiveDateTime) -> Result<()> {
    diesel::update(wd::webhook_deliveries.find(id))
        .set((
            wd::next_attempt_at.eq(next_attempt_at),
            wd::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn mark_failed(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> Result<()> {
    diesel::update(wd::webhook_deliveries.find(id))
        .set((
            wd::failed_at.eq(Some(now)),
            wd::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn record_attempt(conn: &mut DbConn, row: &AttemptRow) -> Result<()> {
    diesel::insert_into(wa::webhook_attempts)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// An endpoint's attempts, newest first, `limit + 1` rows (the pagination look-ahead).
pub fn attempts(
    conn: &mut DbConn,
    webhook_id: &str,
    before_id: Option<&str>,
    limit: i64,
) -> Result<Vec<AttemptRow>> {
    let mut query = wa::webhook_attempts
        .filter(wa::webhook_id.eq(webhook_id))
        .select(AttemptRow::as_select())
        .into_boxed();
    if let Some(before) = before_id {
        query = query.filter(wa::id.lt(before.to_owned()));
    }
    Ok(query.order(wa::id.desc()).limit(limit + 1).load(conn)?)
}

/// Deliveries not yet settled, and real events not yet fanned out. The events are counted
/// first: a fan-out that commits between the two counts moves its event into the
/// deliveries counted second, so the sum is never zero while something is still owed.
pub fn pending_count(conn: &mut DbConn) -> Result<i64> {
    let events: i64 = we::webhook_events
        .filter(we::fanned_out_at.is_null())
        .filter(we::decoy.eq(false))
        .select(count_star())
        .first(conn)?;
    let deliveries: i64 = wd::webhook_deliveries
        .filter(wd::delivered_at.is_null())
        .filter(wd::failed_at.is_null())
        .select(count_star())
        .first(conn)?;
    Ok(deliveries + events)
}
