//! Outgoing webhooks (contract: "Webhooks (admin)"), by the Standard Webhooks
//! specification. An event is queued with [`enqueue`] inside the transaction of the change
//! it reports — one `webhook_events` row and one `webhook_deliveries` row per subscribed
//! endpoint — so it is never lost and never sent for a change that rolled back; the
//! [`worker`] delivers it, signed ([`signing`]), to targets that pass the address rules
//! ([`target`]), with the endpoints' secrets kept encrypted at rest ([`secret`]).

pub mod events;
pub mod secret;
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

/// Queues `event` for every enabled endpoint subscribed to its type, in the caller's
/// transaction. Returns the event's id when at least one endpoint gets it (nothing is
/// stored otherwise).
pub fn enqueue(conn: &mut DbConn, event: &Event, now: NaiveDateTime) -> db::Result<Option<String>> {
    let targets: Vec<String> = db::webhooks::subscriptions(conn)?
        .into_iter()
        .filter(|(_, events)| subscribed(events, event.event_type()))
        .map(|(id, _)| id)
        .collect();
    store(conn, event, &targets, now)
}

/// [`enqueue`] where the event exists only sometimes (a reset request for a real account),
/// with the same reads when it does not, so the time taken tells nothing.
pub fn enqueue_if(
    conn: &mut DbConn,
    event: Option<&Event>,
    now: NaiveDateTime,
) -> db::Result<Option<String>> {
    match event {
        Some(event) => enqueue(conn, event, now),
        None => {
            db::webhooks::subscriptions(conn)?;
            Ok(None)
        }
    }
}

/// Queues `event` for one endpoint whatever it subscribed to (`webhook.test`).
pub fn enqueue_to(
    conn: &mut DbConn,
    webhook_id: &str,
    event: &Event,
    now: NaiveDateTime,
) -> db::Result<Option<String>> {
    store(conn, event, &[webhook_id.to_owned()], now)
}

fn store(
    conn: &mut DbConn,
    event: &Event,
    targets: &[String],
    now: NaiveDateTime,
) -> db::Result<Option<String>> {
    if targets.is_empty() {
        return Ok(None);
    }
    let id = uuid::Uuid::now_v7().to_string();
    db::webhooks::insert_event(
        conn,
        &EventRow {
            id: id.clone(),
            event_type: event.event_type().to_owned(),
            payload: event.body(now),
            created_at: now,
        },
    )?;
    let rows: Vec<DeliveryRow> = targets
        .iter()
        .map(|webhook_id| DeliveryRow {
            id: uuid::Uuid::now_v7().to_string(),
            webhook_id: webhook_id.clone(),
            event_id: id.clone(),
            attempts: 0,
            created_at: now,
            next_attempt_at: now,
            locked_until: None,
            delivered_at: None,
            failed_at: None,
        })
        .collect();
    db::webhooks::insert_deliveries(conn, &rows)?;
    Ok(Some(id))
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
