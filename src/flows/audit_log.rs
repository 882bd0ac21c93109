//! Reading the audit log (`GET /v1/admin/audit-events`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{self, models::AuditEventRow};
use crate::error::ApiError;
use crate::state::AppState;

use super::pagination::{decode_cursor, page_cursor, parse_limit, parse_time};

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "019a8f5e-7c1a-7b2e-9a51-3f0c2d4e5a6b", "occurred_at": "2026-11-25T09:00:00Z",
    "action": "auth.sign_in", "actor_id": "019a8f5e-7c1a-7b2e-9a51-3f0c2d4e5a6c",
    "target_user_id": "019a8f5e-7c1a-7b2e-9a51-3f0c2d4e5a6c", "client_ip": "203.0.113.7",
    "outcome": "success", "details": {}}))]
pub struct AuditEvent {
    pub id: String,
    pub occurred_at: DateTime<Utc>,
    /// e.g. `user.created`, `auth.sign_in`, `auth.sign_in_failed`, `auth.locked`, `password.changed`.
    pub action: String,
    /// The user (or API key) that acted; null for anonymous attempts and for the command line
    /// (whose events say `"actor": "command_line"` in `details`).
    pub actor_id: Option<String>,
    pub target_user_id: Option<String>,
    pub client_ip: Option<String>,
    /// `success` or `failure`.
    pub outcome: String,
    /// Action-specific facts; never a password or token.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

impl From<AuditEventRow> for AuditEvent {
    fn from(row: AuditEventRow) -> Self {
        Self {
            id: row.id,
            occurred_at: row.occurred_at.and_utc(),
            action: row.action,
            actor_id: row.actor_id,
            target_user_id: row.target_user_id,
            client_ip: row.client_ip,
            outcome: row.outcome,
            details: serde_json::from_str(&row.details).unwrap_or(serde_json::Value::Null),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventPage {
    pub items: Vec<AuditEvent>,
    /// Pass as `cursor` for the next (older) page; null on the last page.
    pub next_cursor: Option<String>,
}

pub struct AuditQuery {
    pub user_id: Option<String>,
    pub actor_id: Option<String>,
    pub action: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Newest first.
pub async fn list(state: &AppState, query: AuditQuery) -> Result<AuditEventPage, ApiError> {
    let limit = parse_limit(query.limit)?;
    let filter = db::audit::ListFilter {
        user_id: query.user_id.filter(|s| !s.is_empty()),
        actor_id: query.actor_id.filter(|s| !s.is_empty()),
        action: query.action.filter(|s| !s.is_empty()),
        since: parse_time("since", query.since.as_deref())?,
        until: parse_time("until", query.until.as_deref())?,
        before_id: decode_cursor(query.cursor.as_deref())?,
        limit,
    };
    let mut rows = state.db.run(move |c| db::audit::list(c, &filter)).await?;
    let next_cursor = page_cursor(&mut rows, limit, |r| r.id.clone());
    Ok(AuditEventPage {
        items: rows.into_iter().map(AuditEvent::from).collect(),
        next_cursor,
    })
}
