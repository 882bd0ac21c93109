//! An endpoint's attempt log, newest first, in cursor pages.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{self, webhooks::AttemptRow};
use crate::error::ApiError;
use crate::flows::pagination::{decode_cursor, page_cursor, parse_limit};
use crate::state::AppState;

/// One delivery attempt.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "019a8f5e-7c1a-7b2e-9a51-3f0c2d4e5a6b", "event_id": "019a8f5e-7c1a-7b2e-9a51-3f0c2d4e5a6c",
    "event_type": "password.changed", "attempt": 1, "attempted_at": "2026-12-01T09:00:00Z", "status_code": 500,
    "duration_ms": 42, "error": "answered 500", "next_attempt_at": "2026-12-01T09:00:05Z"}))]
pub struct DeliveryAttempt {
    pub id: String,
    /// The event's id: the `webhook-id` header, the same on every attempt.
    pub event_id: String,
    pub event_type: String,
    /// 1 for the first attempt of this event to this endpoint.
    pub attempt: i32,
    pub attempted_at: DateTime<Utc>,
    /// The receiver's status; null when none came (refused target, connection error,
    /// timeout).
    #[schema(required)]
    pub status_code: Option<i32>,
    pub duration_ms: i64,
    #[schema(required)]
    pub error: Option<String>,
    /// When the next attempt is due; null when this one settled the delivery.
    #[schema(required)]
    pub next_attempt_at: Option<DateTime<Utc>>,
}

impl From<AttemptRow> for DeliveryAttempt {
    fn from(row: AttemptRow) -> Self {
        Self {
            id: row.id,
            event_id: row.event_id,
            event_type: row.event_type,
            attempt: row.attempt,
            attempted_at: row.attempted_at.and_utc(),
            status_code: row.status_code,
            duration_ms: row.duration_ms,
            error: row.error,
            next_attempt_at: row.next_attempt_at.map(|t| t.and_utc()),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryPage {
    pub items: Vec<DeliveryAttempt>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

pub async fn deliveries(
    state: &AppState,
    webhook_id: &str,
    limit: Option<i64>,
    cursor: Option<&str>,
) -> Result<DeliveryPage, ApiError> {
    let limit = parse_limit(limit)?;
    let before = decode_cursor(cursor)?;
    let id = webhook_id.to_owned();
    let mut rows = state
        .db
        .run(move |c| -> Result<_, ApiError> {
            db::webhooks::find(c, &id)?.ok_or(ApiError::NotFound)?;
            Ok(db::webhooks::attempts(c, &id, before.as_deref(), limit)?)
        })
        .await?;
    let next_cursor = page_cursor(&mut rows, limit, |r| r.id.clone());
    Ok(DeliveryPage {
        items: rows.into_iter().map(DeliveryAttempt::from).collect(),
        next_cursor,
    })
}
