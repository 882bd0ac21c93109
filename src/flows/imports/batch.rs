//! One batch of records committed in one transaction: the caller's authority re-checked
//! first, then each record created or updated (or refused on its own), each with its
//! `user.imported` audit event. A refused record writes nothing, so it never blocks the
//! others of its batch.

use chrono::NaiveDateTime;

use crate::auth::{self, Caller};
use crate::db::{self, audit::NewEvent, models::NewUser, users::ProfileChange, DbConn};
use crate::domain::{DisplayName, LanguageTag, RoleSet, UserId};
use crate::error::ApiError;
use crate::flows::passwords;

use super::record::{Record, Secret};
use super::Mode;

/// Who imports: an admin (re-checked in every batch) or the command line.
#[derive(Clone)]
pub enum Actor {
    Caller(Caller),
    CommandLine,
}

pub enum Outcome {
    Created,
    Updated,
    Failed(ApiError),
}

/// A record ready to write: a plain password has been hashed already.
pub struct Ready {
    pub record: Record,
    /// `plain`: the hash was made at import from a plain password.
    pub plain: bool,
}

pub struct Context<'a> {
    pub actor: &'a Actor,
    pub mode: Mode,
    pub history: usize,
    pub client_ip: Option<String>,
    pub now: NaiveDateTime,
}

/// Applies every record in the caller's open transaction. `Err` only for what stops the
/// whole import: the caller lost the authority to import, or the database failed.
pub fn apply(c: &mut DbConn, cx: &Context<'_>, batch: &[Ready]) -> Result<Vec<Outcome>, ApiError> {
    // The decision holds at the moment of the write: an admin demoted or disabled while
    // the body was streaming imports nothing more (contract: "Roles").
    match cx.actor {
        Actor::Caller(caller) => auth::still_authorized(c, caller, cx.now)?,
        Actor::CommandLine => db::users::lock_authority(c)?,
    }
    let mut outcomes = Vec::with_capacity(batch.len());
    for ready in batch {
        let existing = db::users::find_by_email_for_update(c, &ready.record.email.normalized())?;
        let outcome = match (existing, cx.mode) {
            (Some(_), Mode::Create) => Outcome::Failed(taken()),
            (None, _) => create(c, cx, ready)?,
            (Some(row), Mode::Upsert) => update(c, cx, ready, row)?,
        };
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

fn taken() -> ApiError {
    ApiError::Conflict(crate::i18n::ids::PROBLEM_DETAIL_EMAIL_TAKEN.into())
}

fn stored_hash(secret: &Secret) -> Option<(&str, &'static str)> {
    match secret {
        Secret::Hash { stored, scheme } => Some((stored.as_str(), *scheme)),
        _ => None,
    }
}

fn event(cx: &Context<'_>, id: UserId, details: serde_json::Value) -> NewEvent {
    let event = NewEvent::new("user.imported")
        .target(id)
        .client_ip(cx.client_ip.clone())
        .details(details);
    match cx.actor {
        Actor::Caller(caller) => event.actor(caller.id.as_str()),
        Actor::CommandLine => event.by_command_line(),
    }
}

/// What the audit event says of the password: how it came, and the scheme; never the hash.
fn password_detail(ready: &Ready) -> serde_json::Value {
    match stored_hash(&ready.record.secret) {
        Some((_, scheme)) if ready.plain => {
            serde_json::json!({"source": "plain", "scheme": scheme})
        }
        Some((_, scheme)) => serde_json::json!({"source": "hash", "scheme": scheme}),
        None => serde_json::Value::Null,
    }
}

fn create(c: &mut DbConn, cx: &Context<'_>, ready: &Ready) -> Result<Outcome, ApiError> {
    let r = &ready.record;
    let roles = r.roles.clone().unwrap_or_else(RoleSet::user);
    let hash = stored_hash(&r.secret).map(|(h, _)| h.to_owned());
    let row = NewUser {
        id: UserId::new(),
        email: r.email.as_str().to_owned(),
        email_normalized: r.email.normalized(),
        display_name: r.display_name.as_ref().map(|d| d.as_str().to_owned()),
        roles: roles.to_db(),
        password_changed_at: hash.as_ref().map(|_| cx.now),
        password_expires_at: hash.as_ref().and(r.expires_at),
        password_hash: hash,
        security_version: 1,
        password_change_required: r.require_change.unwrap_or(false),
        disabled: r.disabled.unwrap_or(false),
        created_at: cx.now,
        updated_at: cx.now,
        locale: r.locale.clone().flatten().map(LanguageTag::into_inner),
    };
    // A concurrent request may have taken the email since the read: no row, no error, so
    // a PostgreSQL transaction is not aborted by it.
    if !db::users::insert_if_absent(c, &row)? {
        return Ok(Outcome::Failed(taken()));
    }
    let details = serde_json::json!({
        "mode": "created",
        "roles": roles.names(),
        "disabled": row.disabled,
        "password": password_detail(ready),
    });
    db::audit::record(c, cx.now, event(cx, row.id, details))?;
    Ok(Outcome::Created)
}

fn update(
    c: &mut DbConn,
    cx: &Context<'_>,
    ready: &Ready,
    row: db::models::UserRow,
) -> Result<Outcome, ApiError> {
    let r = &ready.record;
    let current_roles = RoleSet::from_db(&row.roles);
    let roles_changed = r.roles.as_ref().is_some_and(|n| *n != current_roles);
    let disabled_changed = r.disabled.is_some_and(|d| d != row.disabled);
    let own = matches!(cx.actor, Actor::Caller(caller) if caller.user_id() == Some(row.id));
    if own && (roles_changed || disabled_changed) {
        return Ok(Outcome::Failed(ApiError::Forbidden(
            crate::i18n::ids::PROBLEM_DETAIL_OWN_ROLES.into(),
        )));
    }
    let is_enabled_admin = !row.disabled && current_roles.contains(crate::domain::Role::Admin);
    let stays_enabled_admin = !r.disabled.unwrap_or(row.disabled)
        && r.roles
            .as_ref()
            .unwrap_or(&current_roles)
            .contains(crate::domain::Role::Admin);
    // Checked before any write of this record, inside the batch's transaction (which holds
    // the authority lock): the count includes every earlier record's change.
    if is_enabled_admin && !stays_enabled_admin && db::users::count_enabled_admins(c)? <= 1 {
        return Ok(Outcome::Failed(ApiError::Conflict(
            crate::i18n::ids::PROBLEM_DETAIL_LAST_ADMIN.into(),
        )));
    }
    let new_hash = stored_hash(&r.secret).filter(|(h, _)| row.password_hash.as_deref() != Some(*h));
    let locale = r.locale.clone().map(|l| l.map(LanguageTag::into_inner));
    let locale_changed = locale.as_ref().is_some_and(|l| *l != row.locale);
    let name = r.display_name.as_ref().map(DisplayName::as_str);
    let name_changed = name.is_some_and(|n| Some(n) != row.display_name.as_deref());
    let change = ProfileChange {
        display_name: name.filter(|_| name_changed).map(str::to_owned),
        roles: r
            .roles
            .as_ref()
            .filter(|_| roles_changed)
            .map(RoleSet::to_db),
        disabled: r.disabled.filter(|_| disabled_changed),
        locale: locale.filter(|_| locale_changed),
    };
    let authority_changed = roles_changed || disabled_changed;
    db::users::update_profile(c, &row.id, &change, authority_changed, cx.now)?;
    if authority_changed {
        db::refresh_tokens::revoke_all_for_user(c, &row.id, cx.now)?;
    }
    if disabled_changed && r.disabled == Some(true) {
        db::reset_tokens::void_all(c, &row.id, cx.now)?;
    }
    let require = r.require_change.unwrap_or(false);
    if let Some((hash, _)) = new_hash {
        // A new password, like any change: the security version moves on, every session
        // and reset link of the user dies.
        let change = db::users::PasswordChange {
            new_hash: Some(hash),
            change_required: require,
            expires_at: r.expires_at,
            now: cx.now,
        };
        passwords::apply(c, cx.history, &row, row.password_hash.as_deref(), &change)?;
    } else if let Some(flag) = r
        .require_change
        .filter(|f| *f != row.password_change_required)
    {
        db::users::set_change_required(c, &row.id, flag, cx.now)?;
    }
    let mut changed: Vec<&str> = Vec::new();
    for (field, yes) in [
        ("display_name", name_changed),
        ("roles", roles_changed),
        ("disabled", disabled_changed),
        ("locale", locale_changed),
        ("password", new_hash.is_some()),
    ] {
        if yes {
            changed.push(field);
        }
    }
    let details = serde_json::json!({
        "mode": "updated",
        "changed": changed,
        "password": if new_hash.is_some() { password_detail(ready) } else { serde_json::Value::Null },
    });
    db::audit::record(c, cx.now, event(cx, row.id, details))?;
    Ok(Outcome::Updated)
}
