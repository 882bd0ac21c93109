//! Rows as stored. Plain data: the domain meaning is given by the flows that read them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{audit_events, refresh_tokens, users};
use crate::domain::UserId;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: UserId,
    pub email: String,
    pub email_normalized: String,
    pub display_name: Option<String>,
    pub roles: String,
    pub password_hash: Option<String>,
    pub password_expires_at: Option<NaiveDateTime>,
    pub security_version: i64,
    pub password_changed_at: Option<NaiveDateTime>,
    pub password_change_required: bool,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_sign_in_at: Option<NaiveDateTime>,
    /// A BCP 47 language tag (`domain::LanguageTag`), or none: mail uses the default.
    pub locale: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser {
    pub id: UserId,
    pub email: String,
    pub email_normalized: String,
    pub display_name: Option<String>,
    pub roles: String,
    pub password_hash: Option<String>,
    pub password_expires_at: Option<NaiveDateTime>,
    pub security_version: i64,
    pub password_changed_at: Option<NaiveDateTime>,
    pub password_change_required: bool,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub locale: Option<String>,
}

/// What an authenticated request needs to know about its user: one indexed point query.
#[derive(Debug, Clone, Copy, Queryable)]
pub struct AuthState {
    pub security_version: i64,
    pub disabled: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshTokenRow {
    pub id: String,
    pub user_id: UserId,
    pub family_id: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub rotated_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    /// The user's security version when this token was issued; refused once it is not.
    pub security_version: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_events)]
pub struct AuditEventRow {
    pub id: String,
    pub occurred_at: NaiveDateTime,
    pub action: String,
    pub actor_id: Option<String>,
    pub target_user_id: Option<String>,
    pub client_ip: Option<String>,
    pub outcome: String,
    pub details: String,
}
