//! The audit log: append-only (the database refuses updates and deletes), written in the
//! same transaction as the change it records.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::AuditEventRow;
use super::schema::audit_events::dsl as ae;
use super::{DbConn, Result};
use crate::domain::UserId;

/// An event about to be recorded.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub action: &'static str,
    pub actor_id: Option<String>,
    pub target_user_id: Option<UserId>,
    pub client_ip: Option<String>,
    pub outcome: &'static str,
    pub details: serde_json::Value,
}

impl NewEvent {
    pub fn new(action: &'static str) -> Self {
        Self {
            action,
            actor_id: None,
            target_user_id: None,
            client_ip: None,
            outcome: "success",
            details: serde_json::Value::Object(Default::default()),
        }
    }

    pub fn actor(mut self, id: impl Into<String>) -> Self {
        self.actor_id = Some(id.into());
        self
    }

    /// No user or key acted but the command line (`passgate create-admin`, …): `actor_id`
    /// stays null, which the contract keeps for users and keys, and `details.actor` says who.
    /// Call after `details`.
    pub fn by_command_line(mut self) -> Self {
        if let serde_json::Value::Object(details) = &mut self.details {
            details.insert("actor".into(), "command_line".into());
        }
        self
    }

    pub fn target(mut self, id: UserId) -> Self {
        self.target_user_id = Some(id);
        self
    }

    pub fn client_ip(mut self, ip: Option<String>) -> Self {
        self.client_ip = ip;
        self
    }

    pub fn failure(mut self) -> Self {
        self.outcome = "failure";
        self
    }

    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

/// `now` is the writing transaction's time from the state's clock.
pub fn record(conn: &mut DbConn, now: NaiveDateTime, event: NewEvent) -> Result<()> {
    let row = AuditEventRow {
        id: uuid::Uuid::now_v7().hyphenated().to_string(),
        occurred_at: now,
        action: event.action.to_owned(),
        actor_id: event.actor_id,
        target_user_id: event.target_user_id.map(String::from),
        client_ip: event.client_ip,
        outcome: event.outcome.to_owned(),
        details: event.details.to_string(),
    };
    diesel::insert_into(ae::audit_events)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Default)]
pub struct ListFilter {
    pub user_id: Option<String>,
    pub actor_id: Option<String>,
    pub action: Option<String>,
    pub since: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
    pub before_id: Option<String>,
    pub limit: i64,
}

/// Newest first; `limit + 1` rows so the caller can tell whether another page exists.
pub fn list(conn: &mut DbConn, filter: &ListFilter) -> Result<Vec<AuditEventRow>> {
    let mut query = ae::audit_events
        .select(AuditEventRow::as_select())
        .into_boxed();
    if let Some(v) = &filter.user_id {
        query = query.filter(ae::target_user_id.eq(v.clone()));
    }
    if let Some(v) = &filter.actor_id {
        query = query.filter(ae::actor_id.eq(v.clone()));
    }
    if let Some(v) = &filter.action {
        query = query.filter(ae::action.eq(v.clone()));
    }
    if let Some(v) = filter.since {
        query = query.filter(ae::occurred_at.ge(v));
    }
    if let Some(v) = filter.until {
        query = query.filter(ae::occurred_at.lt(v));
    }
    if let Some(v) = &filter.before_id {
        query = query.filter(ae::id.lt(v.clone()));
    }
    Ok(query
        .order(ae::id.desc())
        .limit(filter.limit + 1)
        .load(conn)?)
}
