//! Full export (`GET /v1/admin/user-exports`, `passgate export`): every user as one NDJSON
//! line in the import format, `password_hash` as stored, so that an export imported with
//! `mode=upsert` restores the same accounts and passwords (contract: "Import and export").
//!
//! Users are read in pages of [`PAGE_SIZE`] in id order and written as they are read, so
//! memory stays flat whatever the number of users. Each page is its own read: a user
//! created or changed while the export runs may or may not be in it.

use bytes::Bytes;
use chrono::{DateTime, NaiveDateTime, Utc};
use futures_util::Stream;
use serde::Serialize;

use crate::db::{self, audit::NewEvent, models::UserRow, write_tx};
use crate::domain::RoleSet;
use crate::error::ApiError;
use crate::state::AppState;

use super::imports::Actor;
use super::ClientAddress;

pub const PAGE_SIZE: i64 = 1000;

/// One exported user: the fields of an import line.
#[derive(Debug, Serialize)]
struct ExportLine<'a> {
    email: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<&'a str>,
    roles: Vec<&'static str>,
    disabled: bool,
    /// As stored: a string, or a Keycloak credential object. Absent when there is none, or
    /// when it was a temporary password that has expired (only a reset link opens such an
    /// account, here as there).
    #[serde(skip_serializing_if = "Option::is_none")]
    password_hash: Option<serde_json::Value>,
    /// A temporary password's expiry, so that it ends there when it ends here.
    #[serde(skip_serializing_if = "Option::is_none")]
    password_expires_at: Option<DateTime<Utc>>,
    require_change_on_next_sign_in: bool,
    locale: Option<&'a str>,
}

fn line(row: &UserRow, now: NaiveDateTime) -> Vec<u8> {
    // An expired temporary password opens nothing here; exported without its expiry it
    // would open the account there again.
    let expired = row.password_expires_at.is_some_and(|t| t <= now);
    let stored = row.password_hash.as_deref().filter(|_| !expired);
    let password_hash = stored.map(|stored| {
        // A Keycloak credential is stored as its JSON text and given back as the object.
        if stored.starts_with("{\"") {
            serde_json::from_str(stored).unwrap_or_else(|_| stored.into())
        } else {
            stored.into()
        }
    });
    let line = ExportLine {
        email: &row.email,
        display_name: row.display_name.as_deref(),
        roles: RoleSet::from_db(&row.roles).names(),
        disabled: row.disabled,
        password_hash,
        password_expires_at: row
            .password_expires_at
            .filter(|_| stored.is_some())
            .map(|t| t.and_utc()),
        require_change_on_next_sign_in: row.password_change_required,
        locale: row.locale.as_deref(),
    };
    let mut out = serde_json::to_vec(&line).unwrap_or_default();
    out.push(b'\n');
    out
}

/// Audits `users.exported` (re-checking the caller's authority in that transaction), then
/// streams the users. A database failure part-way ends the stream with an error: the
/// client sees a body cut short rather than a silently incomplete export.
pub async fn export(
    state: &AppState,
    actor: Actor,
    origin: ClientAddress,
) -> Result<impl Stream<Item = Result<Bytes, ApiError>> + 'static, ApiError> {
    let clock = state.clock.clone();
    state
        .db
        .run(move |c| {
            write_tx(c, |c| -> Result<(), ApiError> {
                let now = clock.now();
                let event = NewEvent::new("users.exported")
                    .client_ip(origin.client_ip)
                    .details(serde_json::json!({ "format": "ndjson" }));
                let event = match &actor {
                    Actor::Caller(caller) => {
                        crate::auth::still_authorized(c, caller, now)?;
                        event.actor(caller.id.as_str())
                    }
                    Actor::CommandLine => event.by_command_line(),
                };
                Ok(db::audit::record(c, now, event)?)
            })
        })
        .await?;
    let db = state.db.clone();
    let clock = state.clock.clone();
    Ok(futures_util::stream::try_unfold(
        Some(None::<String>),
        move |cursor| {
            let db = db.clone();
            let clock = clock.clone();
            async move {
                let Some(after_id) = cursor else {
                    return Ok(None);
                };
                let filter = db::users::ListFilter {
                    after_id,
                    limit: PAGE_SIZE,
                    ..Default::default()
                };
                let mut rows = db.run(move |c| db::users::list(c, &filter)).await?;
                let more = rows.len() as i64 > PAGE_SIZE;
                rows.truncate(PAGE_SIZE as usize);
                let next = rows.last().map(|r| r.id.to_string()).filter(|_| more);
                let mut chunk = Vec::with_capacity(rows.len() * 256);
                let now = clock.now();
                for row in &rows {
                    chunk.extend(line(row, now));
                }
                Ok::<_, ApiError>(Some((Bytes::from(chunk), next.map(Some))))
            }
        },
    ))
}
