//! User accounts: create (admin and the `create-admin` command), read, list, update.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use secrecy::ExposeSecret;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::{self, Caller};
use crate::db::{
    self,
    audit::NewEvent,
    models::{NewUser, UserRow},
    write_tx,
};
use crate::domain::{DisplayName, Email, Role, RoleSet, UserId};
use crate::error::{ApiError, FieldError};
use crate::password::{self, generate_temporary_password, PolicyInput};
use crate::state::AppState;

use super::passwords;
use super::sign_in::hash_error;
use super::Origin;

/// A user as the API shows it. Never a hash.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "019a8f5e-7c1a-7b2e-9a51-3f0c2d4e5a6b", "email": "ada@example.com",
    "display_name": "Ada Lovelace", "roles": ["user"], "disabled": false, "password_change_required": false,
    "password_changed_at": "2026-11-25T09:00:00Z", "created_at": "2026-11-25T09:00:00Z",
    "updated_at": "2026-11-25T09:00:00Z", "last_sign_in_at": null}))]
pub struct User {
    pub id: String,
    pub email: String,
    pub display_name: Option<String>,
    /// Roles held; always includes `user`.
    pub roles: Vec<String>,
    pub disabled: bool,
    pub password_change_required: bool,
    pub password_changed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        Self {
            roles: RoleSet::from_db(&row.roles)
                .names()
                .into_iter()
                .map(String::from)
                .collect(),
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            disabled: row.disabled,
            password_change_required: row.password_change_required,
            password_changed_at: row.password_changed_at.map(|t| t.and_utc()),
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            last_sign_in_at: row.last_sign_in_at.map(|t| t.and_utc()),
        }
    }
}

/// Input of `create`, already read from JSON.
#[derive(Debug, Default)]
pub struct NewAccount {
    pub email: String,
    pub display_name: Option<String>,
    pub roles: Option<Vec<String>>,
    pub password: Option<String>,
    pub require_change_on_next_sign_in: Option<bool>,
}

/// The created user, and the generated temporary password (shown once) if there is one.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUser {
    pub user: User,
    /// Present only when passgate generated the password; shown this once, never stored in
    /// plain text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temporary_password: Option<String>,
    /// When the temporary password stops working (only when a change is required).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temporary_password_expires_at: Option<DateTime<Utc>>,
}

struct ValidAccount {
    email: Email,
    display_name: Option<DisplayName>,
    roles: RoleSet,
}

fn parse_account(input: &NewAccount) -> Result<ValidAccount, Vec<FieldError>> {
    let mut errors = Vec::new();
    let email = Email::parse(&input.email)
        .map_err(|why| errors.push(FieldError::new("email", "invalid_email", why)))
        .ok();
    let display_name = match &input.display_name {
        Some(raw) => DisplayName::parse(raw)
            .map(Some)
            .map_err(|why| {
                errors.push(FieldError::new("display_name", "invalid_display_name", why))
            })
            .unwrap_or(None),
        None => None,
    };
    let roles = match &input.roles {
        Some(names) => RoleSet::parse(names)
            .map_err(|why| errors.push(FieldError::new("roles", "invalid_role", why)))
            .unwrap_or_else(|_| RoleSet::user()),
        None => RoleSet::user(),
    };
    match email {
        Some(email) if errors.is_empty() => Ok(ValidAccount {
            email,
            display_name,
            roles,
        }),
        _ => Err(errors),
    }
}

/// `POST /v1/admin/users` (actor given) and `passgate create-admin` (no actor).
///
/// No password: a generated temporary one, shown once, that must be changed at first
/// sign-in and expires after `ADMIN__TEMPORARY_PASSWORD_TTL_SECS`. A given password passes
/// the policy and is usable as it is unless a change is required.
pub async fn create(
    state: &AppState,
    actor: Option<&Caller>,
    input: NewAccount,
    origin: Origin,
) -> Result<CreatedUser, ApiError> {
    if let Some(pw) = &input.password {
        if state.policy.is_too_long(pw) {
            return Err(ApiError::PasswordPolicy(vec![state
                .policy
                .too_long_error("password")]));
        }
    }
    let account = parse_account(&input).map_err(ApiError::Validation)?;
    let (password, generated) = match &input.password {
        Some(given) => {
            let normalized = password::normalize(given);
            passwords::check_without_history(
                state,
                "password",
                PolicyInput {
                    password: normalized.expose_secret(),
                    email: Some(account.email.as_str()),
                    display_name: account.display_name.as_ref().map(DisplayName::as_str),
                },
            )
            .await?;
            (normalized, false)
        }
        None => (generate_temporary_password(), true),
    };
    let require_change = input.require_change_on_next_sign_in.unwrap_or(generated);

    // Refuse a taken email before spending a hash on it (the insert still guards the race).
    let normalized_email = account.email.normalized();
    if state
        .db
        .run(move |c| db::users::find_by_email(c, &normalized_email))
        .await?
        .is_some()
    {
        return Err(ApiError::Conflict(
            "A user with this email already exists.".into(),
        ));
    }
    let hash = state
        .hasher
        .hash(password.clone())
        .await
        .map_err(hash_error)?;

    let now = state.clock.now();
    let expires_at = require_change
        .then(|| now + Duration::seconds(state.settings.admin.temporary_password_ttl_secs as i64));
    let row = NewUser {
        id: UserId::new().to_string(),
        email: account.email.as_str().to_owned(),
        email_normalized: account.email.normalized(),
        display_name: account.display_name.map(DisplayName::into_inner),
        roles: account.roles.to_db(),
        password_hash: Some(hash),
        password_expires_at: expires_at,
        security_version: 1,
        password_changed_at: Some(now),
        password_change_required: require_change,
        disabled: false,
        failed_attempts: 0,
        lockout_count: 0,
        created_at: now,
        updated_at: now,
    };
    let actor = actor.cloned();
    let id = row.id.clone();
    let created = state
        .db
        .run(move |conn| {
            write_tx(conn, |c| {
                if let Some(caller) = &actor {
                    auth::still_authorized(c, caller, now)?;
                }
                db::users::insert(c, &row)?;
                let mut event = NewEvent::new("user.created")
                    .target(row.id.as_str())
                    .client_ip(origin.client_ip)
                    .details(serde_json::json!({
                        "roles": RoleSet::from_db(&row.roles).names(),
                        "generated_password": generated,
                        "password_change_required": require_change,
                    }));
                if let Some(caller) = &actor {
                    event = event.actor(caller.id.as_str());
                }
                db::audit::record(c, now, event)?;
                db::users::find(c, &id)?.ok_or(ApiError::NotFound)
            })
        })
        .await?;
    Ok(CreatedUser {
        user: created.into(),
        temporary_password: generated.then(|| password.expose_secret().to_owned()),
        temporary_password_expires_at: expires_at.map(|t| t.and_utc()),
    })
}

pub async fn get(state: &AppState, id: &str) -> Result<User, ApiError> {
    let id = UserId::parse(id).ok_or(ApiError::NotFound)?.to_string();
    state
        .db
        .run(move |c| db::users::find(c, &id))
        .await?
        .map(User::from)
        .ok_or(ApiError::NotFound)
}

/// A page of users and the cursor of the next one.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<User>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

pub struct ListQuery {
    pub q: Option<String>,
    pub role: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

pub async fn list(state: &AppState, query: ListQuery) -> Result<UserPage, ApiError> {
    let limit = parse_limit(query.limit)?;
    let role = match query.role.as_deref() {
        None | Some("") => None,
        Some(name) => Some(
            Role::parse(name)
                .ok_or_else(|| {
                    ApiError::validation("role", "invalid_role", format!("unknown role `{name}`"))
                })?
                .as_str(),
        ),
    };
    let after_id = decode_cursor(query.cursor.as_deref())?;
    let q = query
        .q
        .map(|q| q.trim().to_owned())
        .filter(|q| !q.is_empty());
    if q.as_ref().is_some_and(|q| q.chars().count() > 200) {
        return Err(ApiError::validation(
            "q",
            "too_long",
            "must be at most 200 characters",
        ));
    }
    let filter = db::users::ListFilter {
        q,
        role,
        after_id,
        limit,
    };
    let mut rows = state.db.run(move |c| db::users::list(c, &filter)).await?;
    let next_cursor = page_cursor(&mut rows, limit, |r| &r.id);
    Ok(UserPage {
        items: rows.into_iter().map(User::from).collect(),
        next_cursor,
    })
}

/// Changes to a user; absent fields stay as they are.
#[derive(Debug, Default)]
pub struct ProfileUpdate {
    pub display_name: Option<String>,
    pub roles: Option<Vec<String>>,
    pub disabled: Option<bool>,
}

/// `PATCH /v1/admin/users/{id}`. A change of roles or of `disabled` bumps the security
/// version (every earlier token dies); disabling also revokes every session. Admins may
/// not change their own roles or disable themselves, so the last admin cannot lock
/// everyone out by accident.
pub async fn update(
    state: &AppState,
    actor: Option<&Caller>,
    id: &str,
    update: ProfileUpdate,
    origin: Origin,
) -> Result<User, ApiError> {
    let id = UserId::parse(id).ok_or(ApiError::NotFound)?.to_string();
    let mut errors = Vec::new();
    let display_name = update
        .display_name
        .as_deref()
        .map(|raw| {
            DisplayName::parse(raw).map_err(|why| {
                errors.push(FieldError::new("display_name", "invalid_display_name", why))
            })
        })
        .transpose()
        .ok()
        .flatten();
    let roles = update
        .roles
        .as_deref()
        .map(|names| {
            RoleSet::parse(names)
                .map_err(|why| errors.push(FieldError::new("roles", "invalid_role", why)))
        })
        .transpose()
        .ok()
        .flatten();
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let actor = actor.cloned();
    let disabled = update.disabled;
    let takes_authority = roles.is_some() || disabled == Some(true);
    let pauses = state.pauses.clone();
    let clock = state.clock.clone();
    let row = state
        .db
        .run(move |conn| {
            write_tx(conn, |c| {
                let now = clock.now();
                // Before any read: two admins demoting each other at once must not both see
                // the other still in charge (contract: "Roles", last admin).
                match &actor {
                    Some(caller) => auth::still_authorized(c, caller, now)?,
                    None if takes_authority => db::users::lock_authority(c)?,
                    None => {}
                }
                let current = db::users::find_for_update(c, &id)?.ok_or(ApiError::NotFound)?;
                let current_roles = RoleSet::from_db(&current.roles);
                let roles_changed = roles.as_ref().is_some_and(|r| *r != current_roles);
                let disabled_changed = disabled.is_some_and(|d| d != current.disabled);
                let own = actor.as_ref().is_some_and(|a| a.id == current.id);
                if own && (roles_changed || disabled_changed) {
                    return Err(ApiError::Forbidden(
                        "You cannot change your own roles or disable yourself.".into(),
                    ));
                }
                let change = db::users::ProfileChange {
                    display_name: display_name.as_ref().map(|d| d.as_str().to_owned()),
                    roles: roles.as_ref().filter(|_| roles_changed).map(RoleSet::to_db),
                    disabled: disabled.filter(|_| disabled_changed),
                };
                db::users::update_profile(c, &id, &change, roles_changed || disabled_changed, now)?;
                if roles_changed || disabled_changed {
                    // The bumped security version already kills every access token; the
                    // sessions go too, so a demoted or disabled user cannot refresh.
                    db::refresh_tokens::revoke_all_for_user(c, &id, now)?;
                }
                if disabled == Some(true) && disabled_changed {
                    // A disabled account's reset links die now, not when it is re-enabled.
                    db::reset_tokens::void_all(c, &id, now)?;
                }
                if takes_authority && db::users::count_enabled_admins(c)? == 0 {
                    return Err(ApiError::Conflict(
                        "This change would leave no enabled admin.".into(),
                    ));
                }
                pauses.point_blocking("users.update.checked");
                let mut changed = Vec::new();
                if change.display_name.is_some() {
                    changed.push("display_name");
                }
                if roles_changed {
                    changed.push("roles");
                }
                if disabled_changed {
                    changed.push("disabled");
                }
                let mut event = NewEvent::new("user.updated")
                    .target(id.as_str())
                    .client_ip(origin.client_ip)
                    .details(serde_json::json!({
                        "changed": changed,
                        "roles": roles.as_ref().map(RoleSet::names),
                        "disabled": disabled,
                    }));
                if let Some(caller) = &actor {
                    event = event.actor(caller.id.as_str());
                }
                db::audit::record(c, now, event)?;
                db::users::find(c, &id)?.ok_or(ApiError::NotFound)
            })
        })
        .await?;
    Ok(row.into())
}

/// `passgate create-admin`: creates an admin, or gives an existing user the admin role.
/// Returns the user and, for a new user without a given password, the temporary password.
pub async fn create_or_promote_admin(
    state: &AppState,
    email: &str,
    password: Option<String>,
) -> Result<(CreatedUser, bool), ApiError> {
    let parsed =
        Email::parse(email).map_err(|why| ApiError::validation("email", "invalid_email", why))?;
    let normalized = parsed.normalized();
    let existing = state
        .db
        .run(move |c| db::users::find_by_email(c, &normalized))
        .await?;
    let Some(existing) = existing else {
        let created = create(
            state,
            None,
            NewAccount {
                email: email.to_owned(),
                roles: Some(vec!["admin".into()]),
                password,
                ..NewAccount::default()
            },
            Origin::default(),
        )
        .await?;
        return Ok((created, true));
    };
    let mut roles: Vec<String> = RoleSet::from_db(&existing.roles)
        .names()
        .into_iter()
        .map(String::from)
        .collect();
    roles.push("admin".into());
    let id = existing.id.clone();
    let user = update(
        state,
        None,
        &id,
        ProfileUpdate {
            roles: Some(roles),
            ..ProfileUpdate::default()
        },
        Origin::default(),
    )
    .await?;
    Ok((
        CreatedUser {
            user,
            temporary_password: None,
            temporary_password_expires_at: None,
        },
        false,
    ))
}

pub fn parse_limit(limit: Option<i64>) -> Result<i64, ApiError> {
    match limit.unwrap_or(50) {
        n @ 1..=200 => Ok(n),
        _ => Err(ApiError::validation(
            "limit",
            "out_of_range",
            "must be between 1 and 200",
        )),
    }
}

/// Cursors are opaque to clients: base64url of the last id on the page. None or an empty
/// `cursor` (`?cursor=`, schema-valid) means the first page.
pub fn decode_cursor(raw: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(raw) = raw.filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let invalid = || {
        ApiError::validation(
            "cursor",
            "invalid_cursor",
            "is not a cursor returned by this API",
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid())?;
    let id = String::from_utf8(bytes).map_err(|_| invalid())?;
    uuid::Uuid::parse_str(&id).map_err(|_| invalid())?;
    Ok(Some(id))
}

/// Trims the look-ahead row and returns the cursor for the next page, if there is one.
pub fn page_cursor<T>(rows: &mut Vec<T>, limit: i64, id: impl Fn(&T) -> &String) -> Option<String> {
    if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last()
            .map(|r| URL_SAFE_NO_PAD.encode(id(r).as_bytes()))
    } else {
        None
    }
}

/// Reads an optional RFC 3339 query parameter.
pub fn parse_time(field: &str, raw: Option<&str>) -> Result<Option<NaiveDateTime>, ApiError> {
    raw.filter(|s| !s.is_empty())
        .map(|s| {
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc).naive_utc())
                .map_err(|_| {
                    ApiError::validation(
                        field,
                        "invalid_timestamp",
                        "must be an RFC 3339 timestamp",
                    )
                })
        })
        .transpose()
}
