//! Outgoing webhooks (contract: "Webhooks (admin)"), by the Standard Webhooks
//! specification. An event is queued with [`enqueue`] inside the transaction of the change
//! it reports — one `webhook_events` row — so it is never lost and never sent for a change
//! that rolled back; the [`worker`] fans it out ([`fan_out`]: one `webhook_deliveries` row
//! per subscribed endpoint) and delivers it, signed ([`signing`]), to targets that pass the address rules
//! ([`target`]), with the endpoints' secrets kept encrypted at rest ([`secret`]). Settled
//! rows are removed after the retention ([`retention`]).

pub mod events;
pub mod retention;
pub mod secret;
mod send;
pub mod signing;
pub mod target;
pub mod worker;

use chrono::NaiveDateTime;

use crate::db::{self, webhooks::DeliveryRow, webhooks::EventRow, DbConn};

pub use events::{Event, EVENT_TYPES};
pub use secret::SecretBox;
pub use worker::WebhookWorker;

/// Whether an endpoint subscribed with `events` (its stored JSON list) gets `event_type`.
pub fn subscribed(events: &str, event_type: &str) -> bool {
    serde_json::from_str::<Vec<String>>(events)
        .is_ok_and(|list| list.iter().any(|e| e == "*" || e == event_type))
}

/// Queues `event` in the caller's transaction: one row, whatever the number of endpoints
/// (the worker fans it out to those subscribed, see [`fan_out`]). Returns its id.
pub fn enqueue(conn: &mut DbConn, event: &Event, now: NaiveDateTime) -> db::Result<String> {
    store(conn, event, None, false, now)
}

/// [`enqueue`] where the event exists only sometimes (a reset request or a lockout of a
/// real account): otherwise `stand_in`, of the same size, is queued instead and dropped
/// unsent, so both cases write the same and the time taken tells nothing.
pub fn enqueue_or_stand_in(
    conn: &mut DbConn,
    event: Option<&Event>,
    stand_in: &Event,
    now: NaiveDateTime,
) -> db::Result<()> {
    match event {
        Some(event) => store(conn, event, None, false, now)?,
        None => store(conn, stand_in, None, true, now)?,
    };
    Ok(())
}

/// Queues `event` for one endpoint whatever it subscribed to (`webhook.test`).
pub fn enqueue_to(
    conn: &mut DbConn,
    webhook_id: &str,
    event: &Event,
    now: NaiveDateTime,
) -> db::Result<String> {
    store(conn, event, Some(webhook_id), false, now)
}

fn store(
    conn: &mut DbConn,
    event: &Event,
    target: Option<&str>,
    decoy: bool,
    now: NaiveDateTime,
) -> db::Result<String> {
    let id = uuid::Uuid::now_v7().to_string();
    db::webhooks::insert_event(
        conn,
        &EventRow {
            id: id.clone(),
            event_type: event.event_type().to_owned(),
            payload: event.body(now),
            created_at: now,
            fanned_out_at: None,
            target_webhook_id: target.map(str::to_owned),
            decoy,
        },
    )?;
    Ok(id)
}

/// Gives up to `limit` queued events their deliveries, one row per enabled endpoint
/// subscribed now (a test event: its endpoint), in one transaction. Each event is claimed
/// by a conditional UPDATE, so of several workers exactly one fans it out. Returns how many
/// events were handled.
pub fn fan_out(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> db::Result<usize> {
    db::write_tx(conn, |c| {
        let waiting = db::webhooks::unfanned_events(c, limit)?;
        if waiting.is_empty() {
            return Ok(0);
        }
        let subscriptions = db::webhooks::subscriptions(c)?;
        for event in &waiting {
            if !db::webhooks::claim_fan_out(c, &event.id, now)? {
                continue;
            }
            let targets: Vec<String> = match (&event.target_webhook_id, event.decoy) {
                (_, true) => Vec::new(),
                (Some(one), false) => db::webhooks::find(c, one)?
                    .map(|w| vec![w.id])
                    .unwrap_or_default(),
                (None, false) => subscriptions
                    .iter()
                    .filter(|(_, events)| subscribed(events, &event.event_type))
                    .map(|(id, _)| id.clone())
                    .collect(),
            };
            if targets.is_empty() {
                db::webhooks::delete_event(c, &event.id)?;
                continue;
            }
            let rows: Vec<DeliveryRow> = targets
                .into_iter()
                .map(|webhook_id| DeliveryRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    webhook_id,
                    event_id: event.id.clone(),
                    attempts: 0,
                    // The give-up window counts from the event.
                    created_at: event.created_at,
                    next_attempt_at: now,
                    locked_until: None,
                    delivered_at: None,
                    failed_at: None,
                })
                .collect();
            db::webhooks::insert_deliveries(c, &rows)?;
        }
        Ok(waiting.len())
    })
}

#[cfg(test)]
mod tests {
    use super::subscribed;

    #[test]
    fn a_subscription_names_the_type_or_everything() {
        assert!(subscribed(r#"["*"]"#, "user.created"));
        assert!(subscribed(r#"["user.created"]"#, "user.created"));
        assert!(!subscribed(r#"["user.updated"]"#, "user.created"));
        assert!(!subscribed("not json", "user.created"));
    }
}
